package kustomersim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const defaultPageSize = 100 // [GUESS] in spec/kustomer.md §2

// view is an ordered selection of a table's records, possibly read
// backwards, so that a sorted index can be paged without copying it.
type view struct {
	idx []int32
	rev bool
}

func (v view) len() int { return len(v.idx) }

func (v view) at(i int) int32 {
	if v.rev {
		return v.idx[len(v.idx)-1-i]
	}
	return v.idx[i]
}

type listOpts struct {
	maxSize  int  // largest pageSize; 0 means 100
	total    bool // meta.total, meta.totalPages and links.last
	bare     bool // data[] only, no meta or links (conversation attachments)
	include  bool // honours ?include=attachments
	fromDate bool // honours ?fromDate= (updatedAt at or after)
	idSort   bool // honours ?sort=asc|desc, ordering by id
}

type page struct{ num, size int }

func (rq *request) page(maxSize int) (page, *apiError) {
	if maxSize == 0 {
		maxSize = 100
	}
	p := page{num: 1, size: defaultPageSize}
	if v := rq.q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, badRequest("page " + strconv.Quote(v) + " is not a positive integer; pages start at 1")
		}
		p.num = n
	}
	if v := rq.q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, badRequest("pageSize " + strconv.Quote(v) + " is not a positive integer")
		}
		p.size = n
	}
	p.size = min(p.size, maxSize)
	return p, nil
}

// link is the relative URL of another page of this request, keeping every
// query parameter but page and pageSize.
func (rq *request) link(num, size int) string {
	q := url.Values{}
	for k, v := range rq.q {
		if k != "page" && k != "pageSize" {
			q[k] = v
		}
	}
	s := rq.r.URL.EscapedPath() + "?page=" + strconv.Itoa(num) + "&pageSize=" + strconv.Itoa(size)
	if len(q) > 0 {
		s += "&" + q.Encode()
	}
	return s
}

func appendLink(b *bytes.Buffer, name, link string) {
	b.WriteByte('"')
	b.WriteString(name)
	b.WriteString(`":`)
	if link == "" {
		b.WriteString("null")
		return
	}
	b.WriteByte('"')
	b.WriteString(link) // relative paths and query strings need no JSON escaping
	b.WriteByte('"')
}

// writeList pages v and writes the JSON:API list envelope.
func (rq *request) writeList(t *table, v view, o listOpts) *apiError {
	p, err := rq.page(o.maxSize)
	if err != nil {
		return err
	}
	start := v.len()
	if p.num-1 <= v.len()/p.size {
		start = min((p.num-1)*p.size, v.len())
	}
	end := min(start+p.size, v.len())
	b := getBuf()
	defer putBuf(b)
	if !o.bare {
		b.WriteString(`{"meta":{"page":`)
		b.WriteString(strconv.Itoa(p.num))
		b.WriteString(`,"pageSize":`)
		b.WriteString(strconv.Itoa(p.size))
		lastPage := max(1, (v.len()+p.size-1)/p.size)
		if o.total {
			b.WriteString(`,"total":`)
			b.WriteString(strconv.Itoa(v.len()))
			b.WriteString(`,"totalPages":`)
			b.WriteString(strconv.Itoa((v.len() + p.size - 1) / p.size))
		}
		b.WriteString(`},"links":{`)
		appendLink(b, "self", rq.link(p.num, p.size))
		b.WriteByte(',')
		appendLink(b, "first", rq.link(1, p.size))
		b.WriteByte(',')
		prev := ""
		if p.num > 1 {
			prev = rq.link(min(p.num-1, lastPage), p.size)
		}
		appendLink(b, "prev", prev)
		b.WriteByte(',')
		next := ""
		if end < v.len() {
			next = rq.link(p.num+1, p.size)
		}
		appendLink(b, "next", next)
		if o.total {
			b.WriteByte(',')
			appendLink(b, "last", rq.link(lastPage, p.size))
		}
		b.WriteString(`},`)
	} else {
		b.WriteByte('{')
	}
	b.WriteString(`"data":[`)
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte(',')
		}
		rq.appendRecord(b, t, v.at(i))
	}
	b.WriteByte(']')
	if o.include && t.kind == kMessage && rq.includes("attachments") {
		b.WriteString(`,"included":[`)
		atts := rq.s.ds.tables[kAttachment]
		first := true
		for i := start; i < end; i++ {
			for _, a := range t.kids[kAttachment][v.at(i)] {
				if !first {
					b.WriteByte(',')
				}
				first = false
				rq.appendRecord(b, atts, a)
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	rq.writeJSON(b)
	return nil
}

func (rq *request) includes(what string) bool {
	for _, v := range rq.q["include"] {
		for part := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(part) == what {
				return true
			}
		}
	}
	return false
}

// appendRecord writes record i as served: the line as read, with inline
// attachment and media URLs pointed at this server, attachment links
// filled in, and article versions populated as the request asks (kb.go).
func (rq *request) appendRecord(b *bytes.Buffer, t *table, i int32) {
	r := &t.recs[i]
	switch {
	case t.kind == kAttachment:
		b.Write(rq.attachmentJSON(t, i))
	case t.kind == kKBArticle && r.flags&flagMediaURL != 0:
		tmp := getBuf()
		rq.appendKBArticle(tmp, i)
		b.Write(rq.mediaURLs(tmp.Bytes()))
		putBuf(tmp)
	case t.kind == kKBArticle:
		rq.appendKBArticle(b, i)
	case r.flags&flagMediaURL != 0:
		b.Write(rq.mediaURLs(r.raw))
	case r.flags&flagOrgURL != 0:
		org := "https://" + rq.s.ds.org + ".api.kustomerapp.com/v1/attachments/"
		b.Write(bytes.ReplaceAll(r.raw, []byte(org), []byte(rq.s.baseURL(rq.r)+"/v1/attachments/")))
	default:
		b.Write(r.raw)
	}
}

// attachmentJSON sets an attachment's links: self under its message and
// related to the download URL on this server. An external attachment keeps
// the URL it was registered with ("later reads return links.related as the
// registered URL", DEV create-attachment).
func (rq *request) attachmentJSON(t *table, i int32) []byte {
	r := &t.recs[i]
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(r.raw, &obj); err != nil {
		panic("kustomersim: stored attachment is not a JSON object: " + err.Error())
	}
	var old struct {
		Related string `json:"related"`
	}
	_ = json.Unmarshal(obj["links"], &old)
	id := idString(r.id)
	self := "/v1/attachments/" + id
	if mid := rq.s.ds.parentID(t, i, 0); mid != "" {
		self = "/v1/messages/" + mid + "/attachments/" + id
	}
	related := rq.s.baseURL(rq.r) + "/v1/attachments/" + id
	if strings.HasPrefix(old.Related, "http") && !strings.Contains(old.Related, ".kustomerapp.com/") {
		related = old.Related
	}
	links, _ := json.Marshal(map[string]string{"self": self, "related": related})
	obj["links"] = links
	out, _ := json.Marshal(obj)
	return out
}

func (rq *request) writeOne(t *table, i int32) *apiError {
	b := getBuf()
	defer putBuf(b)
	b.WriteString(`{"data":`)
	rq.appendRecord(b, t, i)
	b.WriteByte('}')
	rq.writeJSON(b)
	return nil
}

func (rq *request) notFoundErr(k kind, id string) *apiError {
	return notFound(kinds[k].name + " " + id + " not found")
}

func (rq *request) getOne(k kind, id string) *apiError {
	t := rq.s.ds.tables[k]
	i, ok := t.lookup(id)
	if !ok {
		return rq.notFoundErr(k, id)
	}
	return rq.writeOne(t, i)
}

// getMany answers GET /v1/<kind>/{id} where id may be a comma-separated
// list, which returns data[] with the records found.
func (rq *request) getMany(k kind, arg string) *apiError {
	if !strings.Contains(arg, ",") {
		return rq.getOne(k, arg)
	}
	t := rq.s.ds.tables[k]
	b := getBuf()
	defer putBuf(b)
	b.WriteString(`{"data":[`)
	n := 0
	for id := range strings.SplitSeq(arg, ",") {
		if i, ok := t.lookup(id); ok {
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			rq.appendRecord(b, t, i)
		}
	}
	if n == 0 {
		return rq.notFoundErr(k, arg)
	}
	b.WriteString(`]}`)
	rq.writeJSON(b)
	return nil
}

func (rq *request) getByExternalID(k kind, ext string) *apiError {
	t := rq.s.ds.tables[k]
	i, ok := t.byExt[ext]
	if !ok {
		return notFound(kinds[k].name + " with externalId " + strconv.Quote(ext) + " not found")
	}
	return rq.writeOne(t, i)
}

func (rq *request) getCustomer() *apiError {
	arg := rq.args[0]
	ds := rq.s.ds
	t := ds.tables[kCustomer]
	first := func(is []int32, what string) *apiError {
		if len(is) == 0 {
			return notFound("customer with " + what + " not found")
		}
		// Several customers may share an email; the oldest answers.
		return rq.writeOne(t, slices.MinFunc(is, func(a, b int32) int { return t.compare(byCreated, a, b) }))
	}
	switch {
	case strings.HasPrefix(arg, "email="):
		v := strings.TrimPrefix(arg, "email=")
		return first(ds.custByEmail[strings.ToLower(v)], "email "+strconv.Quote(v))
	case strings.HasPrefix(arg, "phone="):
		v := strings.TrimPrefix(arg, "phone=")
		return first(ds.custByPhone[v], "phone "+strconv.Quote(v))
	case strings.HasPrefix(arg, "externalId="):
		return rq.getByExternalID(kCustomer, strings.TrimPrefix(arg, "externalId="))
	}
	return rq.getMany(kCustomer, arg)
}

func (rq *request) getConversation() *apiError {
	if ext, ok := strings.CutPrefix(rq.args[0], "externalId="); ok {
		return rq.getByExternalID(kConversation, ext)
	}
	return rq.getMany(kConversation, rq.args[0])
}

func (rq *request) getMessage() *apiError {
	arg := rq.args[0]
	for _, p := range []string{"externalid=", "externalId="} {
		if ext, ok := strings.CutPrefix(arg, p); ok {
			return rq.getByExternalID(kMessage, ext)
		}
	}
	return rq.getOne(kMessage, arg)
}

func (rq *request) getMessageAttachment() *apiError {
	ds := rq.s.ds
	mi, ok := ds.tables[kMessage].lookup(rq.args[0])
	if !ok {
		return rq.notFoundErr(kMessage, rq.args[0])
	}
	t := ds.tables[kAttachment]
	ai, ok := t.lookup(rq.args[1])
	if !ok || t.recs[ai].parent[0] != mi {
		return notFound("attachment " + rq.args[1] + " not found on message " + rq.args[0])
	}
	return rq.writeOne(t, ai)
}

// fromDate narrows v to records updated at or after ?fromDate=.
func (rq *request) fromDate(t *table, v view) (view, *apiError) {
	s := rq.q.Get("fromDate")
	if s == "" {
		return v, nil
	}
	from, _, err := parseInstant(s, time.UTC)
	if err != nil {
		return v, badRequest("fromDate " + strconv.Quote(s) + " is not an ISO-8601 date-time")
	}
	out := make([]int32, 0, v.len())
	for i := range v.len() {
		if j := v.at(i); t.recs[j].updated >= from {
			out = append(out, j)
		}
	}
	return view{idx: out}, nil
}

func (rq *request) listAll(k kind, o listOpts) *apiError {
	t := rq.s.ds.tables[k]
	v := view{idx: t.sorted(byCreated)}
	if o.idSort {
		switch s := rq.q.Get("sort"); s {
		case "":
		case "asc":
			v = view{idx: t.sorted(byID)}
		case "desc":
			v = view{idx: t.sorted(byID), rev: true}
		default:
			return badRequest("sort " + strconv.Quote(s) + " is not supported; use sort=desc (newest id first) or sort=asc")
		}
	}
	return rq.writeList(t, v, o)
}

func (rq *request) listKids(parent, child kind, o listOpts) *apiError {
	ds := rq.s.ds
	pt := ds.tables[parent]
	pi, ok := pt.lookup(rq.args[0])
	if !ok {
		return rq.notFoundErr(parent, rq.args[0])
	}
	t := ds.tables[child]
	v := view{idx: pt.kids[child][pi]}
	if o.fromDate {
		var err *apiError
		if v, err = rq.fromDate(t, v); err != nil {
			return err
		}
	}
	return rq.writeList(t, v, o)
}

var customerSorts = map[string]struct {
	o    order
	desc bool
}{
	"createdAt": {byCreated, false}, "-createdAt": {byCreated, true},
	"updatedAt": {byUpdated, false}, "-updatedAt": {byUpdated, true},
}

// listCustomers answers GET /v1/customers with sort and
// filter[createdAt|updatedAt][gt|gte|lt|lte] (DEV get-customers).
func (rq *request) listCustomers() *apiError {
	t := rq.s.ds.tables[kCustomer]
	srt, ok := customerSorts[rq.q.Get("sort")]
	if s := rq.q.Get("sort"); s != "" && !ok {
		return badRequest("sort " + strconv.Quote(s) + " is not supported; use createdAt, -createdAt, updatedAt or -updatedAt")
	}
	if !ok {
		srt.o = byCreated
	}
	idx := t.sorted(srt.o)
	type bound struct {
		field order
		lo    int64 // inclusive
		hi    int64 // exclusive
	}
	var bounds []bound
	for key, vals := range rq.q {
		rest, ok := strings.CutPrefix(key, "filter[")
		if !ok {
			continue
		}
		field, op, ok := strings.Cut(strings.TrimSuffix(rest, "]"), "][")
		var f order
		switch field {
		case "createdAt":
			f = byCreated
		case "updatedAt":
			f = byUpdated
		default:
			ok = false
		}
		if !ok {
			return badRequest("filter " + strconv.Quote(key) + " is not supported; use filter[createdAt|updatedAt][gt|gte|lt|lte]")
		}
		lo, hi, err := parseInstant(vals[0], time.UTC)
		if err != nil {
			return badRequest(key + " " + strconv.Quote(vals[0]) + " is not an ISO-8601 date-time")
		}
		b := bound{field: f, lo: minMS, hi: maxMS}
		switch op {
		case "gte":
			b.lo = lo
		case "gt":
			b.lo = hi
		case "lt":
			b.hi = lo
		case "lte":
			b.hi = hi
		default:
			return badRequest("filter operator " + strconv.Quote(op) + " is not supported; use gt, gte, lt or lte")
		}
		bounds = append(bounds, b)
	}
	stamp := func(f order, i int32) int64 {
		if f == byCreated {
			return t.recs[i].created
		}
		return t.recs[i].updated
	}
	var scan []bound
	for _, b := range bounds {
		if b.field != srt.o {
			scan = append(scan, b)
			continue
		}
		from := sort.Search(len(idx), func(j int) bool { return stamp(b.field, idx[j]) >= b.lo })
		to := sort.Search(len(idx), func(j int) bool { return stamp(b.field, idx[j]) >= b.hi })
		idx = idx[from:max(from, to)]
	}
	if len(scan) > 0 {
		out := make([]int32, 0, len(idx))
	next:
		for _, i := range idx {
			for _, b := range scan {
				if s := stamp(b.field, i); s < b.lo || s >= b.hi {
					continue next
				}
			}
			out = append(out, i)
		}
		idx = out
	}
	return rq.writeList(t, view{idx: idx, rev: srt.desc}, listOpts{total: true})
}

// listCompanies honours externalId and filter (a name substring); "if you
// use both, the request ignores both" (LARIS JSDoc).
func (rq *request) listCompanies() *apiError {
	t := rq.s.ds.tables[kCompany]
	ext, name := rq.q.Get("externalId"), rq.q.Get("filter")
	switch {
	case ext != "" && name != "", ext == "" && name == "":
		return rq.listAll(kCompany, listOpts{})
	case ext != "":
		var idx []int32
		if i, ok := t.byExt[ext]; ok {
			idx = []int32{i}
		}
		return rq.writeList(t, view{idx: idx}, listOpts{})
	}
	needle := strings.ToLower(name)
	var idx []int32
	for _, i := range t.sorted(byCreated) {
		var c struct {
			Attributes struct {
				Name string `json:"name"`
			} `json:"attributes"`
		}
		if json.Unmarshal(t.recs[i].raw, &c) == nil && strings.Contains(strings.ToLower(c.Attributes.Name), needle) {
			idx = append(idx, i)
		}
	}
	return rq.writeList(t, view{idx: idx}, listOpts{})
}

// listUsers honours one of pending, deleted, userType and email; the spec
// says they "cannot be combined".
func (rq *request) listUsers() *apiError {
	ds := rq.s.ds
	t := ds.tables[kUser]
	var given []string
	for _, f := range []string{"pending", "deleted", "userType", "email"} {
		if rq.q.Has(f) {
			given = append(given, f)
		}
	}
	if len(given) > 1 {
		return badRequest("the filters " + strings.Join(given, ", ") + " cannot be combined; send one")
	}
	keep := func(int32) bool { return true }
	if len(given) == 1 {
		f, val := given[0], rq.q.Get(given[0])
		switch f {
		case "pending", "deleted":
			want, err := strconv.ParseBool(val)
			if err != nil {
				return badRequest(f + " " + strconv.Quote(val) + " is not true or false")
			}
			if f == "pending" {
				// The export holds no pending invitations.
				keep = func(int32) bool { return !want }
			} else {
				keep = func(i int32) bool { return (t.recs[i].flags&flagDeleted != 0) == want }
			}
		case "userType":
			if val != "user" && val != "machine" && val != "limited" {
				return badRequest("userType " + strconv.Quote(val) + " is not user, machine or limited")
			}
			keep = func(i int32) bool { return ds.userType[i] == val }
		case "email":
			val = strings.ToLower(val)
			keep = func(i int32) bool { return ds.userEmail[i] == val }
		}
	}
	var idx []int32
	for _, i := range t.sorted(byCreated) {
		if keep(i) {
			idx = append(idx, i)
		}
	}
	return rq.writeList(t, view{idx: idx}, listOpts{maxSize: 500})
}

// machineUser is GET /v1/users/current when the dataset holds no machine
// user for the API key to be.
const machineUser = `{"data":{"type":"user","id":"000000000000000000000000","attributes":{"name":"kzmap simulator","displayName":"kzmap simulator","userType":"machine","roles":["org.permission.search.create"]}}}`

func (rq *request) currentUser() *apiError {
	ds := rq.s.ds
	t := ds.tables[kUser]
	for _, i := range t.sorted(byCreated) {
		if ds.userType[i] == "machine" {
			return rq.writeOne(t, i)
		}
	}
	b := getBuf()
	defer putBuf(b)
	b.WriteString(machineUser)
	rq.writeJSON(b)
	return nil
}

func (rq *request) userTeams() *apiError {
	ds := rq.s.ds
	ui, ok := ds.tables[kUser].lookup(rq.args[0])
	if !ok {
		return rq.notFoundErr(kUser, rq.args[0])
	}
	return rq.writeList(ds.tables[kTeam], view{idx: ds.userTeams[ui]}, listOpts{maxSize: 500})
}

// listKlasses honours status, which defaults to enabled: disabled and
// existing_only klasses need their own calls (LARIS JSDoc).
func (rq *request) listKlasses() *apiError {
	ds := rq.s.ds
	t := ds.tables[kKlass]
	status := rq.q.Get("status")
	switch status {
	case "":
		status = "enabled"
	case "enabled", "existing_only", "disabled":
	default:
		return badRequest("status " + strconv.Quote(status) + " is not enabled, existing_only or disabled")
	}
	var idx []int32
	for _, i := range t.sorted(byCreated) {
		st := ds.klassStatus[i]
		if st == "" {
			st = "enabled"
		}
		if st == status {
			idx = append(idx, i)
		}
	}
	return rq.writeList(t, view{idx: idx}, listOpts{})
}

// klassOrKObjects answers GET /v1/klasses/{x}: the klass when x is a klass
// id, else the kobjects of the klass named x.
func (rq *request) klassOrKObjects() *apiError {
	ds := rq.s.ds
	arg := rq.args[0]
	if i, ok := ds.tables[kKlass].lookup(arg); ok {
		return rq.writeOne(ds.tables[kKlass], i)
	}
	ki, ok := ds.klassByName[arg]
	if !ok {
		return notFound("klass " + strconv.Quote(arg) + " not found; kobjects are listed by klass name")
	}
	t := ds.tables[kKObject]
	v, err := rq.fromDate(t, view{idx: ds.tables[kKlass].kids[kKObject][ki]})
	if err != nil {
		return err
	}
	return rq.writeList(t, v, listOpts{})
}

func (rq *request) getKObject() *apiError {
	ds := rq.s.ds
	ki, ok := ds.klassByName[rq.args[0]]
	if !ok {
		return notFound("klass " + strconv.Quote(rq.args[0]) + " not found")
	}
	t := ds.tables[kKObject]
	arg := rq.args[1]
	var i int32
	if ext, isExt := strings.CutPrefix(arg, "externalId="); isExt {
		i, ok = t.byExt[ext]
		// byExt keeps the first kobject of any klass; look further when it
		// belongs to another klass.
		if ok && t.recs[i].parent[0] != ki {
			ok = false
			for _, j := range ds.tables[kKlass].kids[kKObject][ki] {
				if externalID(t.recs[j].raw) == ext {
					i, ok = j, true
					break
				}
			}
		}
	} else {
		i, ok = t.lookup(arg)
	}
	if !ok || t.recs[i].parent[0] != ki {
		return notFound("kobject " + arg + " not found in klass " + strconv.Quote(rq.args[0]))
	}
	return rq.writeOne(t, i)
}

func externalID(raw []byte) string {
	var r struct {
		Attributes struct {
			ExternalID string `json:"externalId"`
		} `json:"attributes"`
	}
	_ = json.Unmarshal(raw, &r)
	return r.Attributes.ExternalID
}

// listOwnedKObjects answers /v1/{customers|companies}/{id}/klasses/{name}.
func (rq *request) listOwnedKObjects(owner kind) *apiError {
	ds := rq.s.ds
	ot := ds.tables[owner]
	oi, ok := ot.lookup(rq.args[0])
	if !ok {
		return rq.notFoundErr(owner, rq.args[0])
	}
	ki, ok := ds.klassByName[rq.args[1]]
	if !ok {
		return notFound("klass " + strconv.Quote(rq.args[1]) + " not found")
	}
	t := ds.tables[kKObject]
	var idx []int32
	for _, i := range ot.kids[kKObject][oi] {
		if t.recs[i].parent[0] == ki {
			idx = append(idx, i)
		}
	}
	return rq.writeList(t, view{idx: idx}, listOpts{})
}

// conversationAttachments lists the attachments of a conversation's
// messages as a bare data[] (the spec shows no meta or links).
func (rq *request) conversationAttachments() *apiError {
	ds := rq.s.ds
	ct := ds.tables[kConversation]
	ci, ok := ct.lookup(rq.args[0])
	if !ok {
		return rq.notFoundErr(kConversation, rq.args[0])
	}
	mt := ds.tables[kMessage]
	var idx []int32
	for _, m := range ct.kids[kMessage][ci] {
		idx = append(idx, mt.kids[kAttachment][m]...)
	}
	return rq.writeList(ds.tables[kAttachment], view{idx: idx}, listOpts{bare: true})
}

// download serves an attachment's bytes from files/<id>.
func (rq *request) download() *apiError {
	ds := rq.s.ds
	t := ds.tables[kAttachment]
	id := rq.args[0]
	i, ok := t.lookup(id)
	if !ok {
		return rq.notFoundErr(kAttachment, id)
	}
	return rq.serveFile("attachment", id, ds.attType[i])
}

// serveFile answers with files/<id>, the bytes of an attachment or a
// media (what names which), or a 404 when the file is missing.
func (rq *request) serveFile(what, id, ct string) *apiError {
	f, err := os.Open(filepath.Join(rq.s.ds.dir, "files", id))
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(what + " " + id + " has no content")
	}
	if err != nil {
		return &apiError{http.StatusInternalServerError, "internal_server_error", "reading " + what + " " + id + ": " + err.Error()}
	}
	defer f.Close()
	if ct == "" {
		ct = "application/octet-stream"
	}
	rq.w.Header().Set("Content-Type", ct)
	http.ServeContent(rq.w, rq.r, "", time.Time{}, f)
	return nil
}

// currentToken is GET /v1/auth/tokens/current. [GUESS] shape: the docs say
// only that it describes the token in use.
func (rq *request) currentToken() *apiError {
	b := getBuf()
	defer putBuf(b)
	body, _ := json.Marshal(map[string]any{"data": map[string]any{
		"type": "token",
		"id":   "000000000000000000000001",
		"attributes": map[string]any{
			"org":   rq.s.ds.org,
			"roles": readRoles,
		},
	}})
	b.Write(body)
	rq.writeJSON(b)
	return nil
}

var readRoles = []string{
	"org.permission.customer.read", "org.permission.company.read", "org.permission.conversation.read",
	"org.permission.message.read", "org.permission.note.read", "org.permission.user.read",
	"org.permission.team.read", "org.permission.klass.read", "org.permission.kobject.read",
	"org.permission.attachment.read", "org.permission.metadata.read", "org.permission.search.create",
}
