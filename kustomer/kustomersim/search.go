package kustomersim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Search caps (spec/kustomer.md §3).
const (
	maxSearchPages    = 100
	maxSearchHits     = 10000
	maxSearchPageSize = 500
	maxBodyBytes      = 100 << 10 // 413 above this (§6)
)

const (
	minMS = math.MinInt64
	maxMS = math.MaxInt64
)

// searchBody is the body of POST /v1/customers/search and archive/search.
type searchBody struct {
	SearchHash     json.RawMessage `json:"searchHash"`
	QueryContext   string          `json:"queryContext"`
	IncludeDeleted bool            `json:"includeDeleted"`
	TimeZone       string          `json:"timeZone"`
	And            json.RawMessage `json:"and"`
	Or             json.RawMessage `json:"or"`
	Not            json.RawMessage `json:"not"`
	Sort           json.RawMessage `json:"sort"`
	Aggs           json.RawMessage `json:"aggs"`
	Fields         json.RawMessage `json:"fields"`
}

// query is a compiled search.
type query struct {
	ds       *Dataset
	kind     kind
	ctxName  string
	prefixes []string // attribute prefixes, longest first
	klass    int32    // kobject_<klass> contexts: the klass; else -1
	archive  bool
	loc      *time.Location
	filter   node
	sort     []sortKey
	deleted  bool // includeDeleted
	// updated bounds every hit: the two-year window, narrowed by top-level
	// AND conditions on <ctx>_updated_at.
	updLo, updHi int64
}

type sortKey struct {
	f    field
	desc bool
}

// archiveFields are the only attributes archive search filters and sorts
// on, by context (LARIS CustomerArchiveSearchData).
var archiveFields = map[kind][]string{
	kConversation: {"id", "created_at", "updated_at", "customer_id", "any_text", "deleted"},
	kCustomer:     {"id", "companyId", "created_at", "updated_at", "deleted", "any_text_new"},
	kMessage:      {"id", "created_at", "updated_at", "conversation_id", "any_text"},
	kKObject:      {"id", "created_at", "updated_at", "customer_id", "company_id", "any_text"},
	kCompany:      {"created_at", "updated_at"},
}

func (rq *request) search(archive bool) *apiError {
	p, aerr := rq.page(maxSearchPageSize)
	if aerr != nil {
		return aerr
	}
	if p.num > maxSearchPages {
		return badRequest(fmt.Sprintf("page %d is past the hard limit of %d pages per search; narrow the query (for example with gt on the last updated_at received) and start again from page 1", p.num, maxSearchPages))
	}
	offset := (p.num - 1) * p.size
	if offset >= maxSearchHits {
		return badRequest(fmt.Sprintf("page %d of pageSize %d starts past hit %d; a search returns at most %d records whatever the filter, so narrow the query and start again from page 1", p.num, p.size, maxSearchHits, maxSearchHits))
	}
	body, aerr := rq.readSearchBody(archive)
	if aerr != nil {
		return aerr
	}
	q, aerr := rq.s.compile(body, archive)
	if aerr != nil {
		return aerr
	}
	total, hits := q.run(offset, min(p.size, maxSearchHits-offset))
	return rq.writeSearch(q, p, total, hits)
}

func (rq *request) readSearchBody(archive bool) (*searchBody, *apiError) {
	raw, err := io.ReadAll(http.MaxBytesReader(rq.w, rq.r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("request body is over %d bytes", maxBodyBytes)}
		}
		return nil, badRequest("reading the request body: " + err.Error())
	}
	var b searchBody
	if len(bytes.TrimSpace(raw)) == 0 {
		return &b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, badRequest("invalid search body: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	if archive {
		for name, v := range map[string]json.RawMessage{"searchHash": b.SearchHash, "aggs": b.Aggs, "fields": b.Fields} {
			if v != nil {
				return nil, badRequest("archive search does not take " + name)
			}
		}
	}
	return &b, nil
}

func (s *Server) compile(b *searchBody, archive bool) (*query, *apiError) {
	q := &query{ds: s.ds, archive: archive, klass: -1, deleted: b.IncludeDeleted, updLo: minMS, updHi: maxMS}
	ctx := b.QueryContext
	if ctx == "" {
		ctx = "customer"
	}
	q.ctxName = ctx
	switch ctx {
	case "customer", "company", "conversation", "message", "note", "kobject":
		q.kind, _ = kindByName(ctx)
		q.prefixes = []string{ctx + "_"}
	default:
		name, ok := strings.CutPrefix(ctx, "kobject_")
		ki, known := s.ds.klassByName[name]
		if !ok || !known {
			return nil, badRequest("queryContext " + strconv.Quote(ctx) + " is not customer, company, conversation, message, note, kobject or kobject_<klass name>")
		}
		q.kind, q.klass = kKObject, ki
		q.prefixes = []string{ctx + "_", "kobject_"}
	}
	if archive && q.kind == kNote {
		return nil, badRequest("archive search does not serve queryContext note")
	}
	q.loc = time.UTC
	if tz := b.TimeZone; tz != "" && tz != "GMT" && tz != "UTC" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, badRequest("timeZone " + strconv.Quote(tz) + " is not an IANA time zone")
		}
		q.loc = loc
	}

	cutoff := s.now().Add(-searchWindowDays * 24 * time.Hour).UnixMilli()
	if archive {
		q.updHi = cutoff
	} else {
		q.updLo = cutoff
	}

	var all []node
	for _, part := range []struct {
		name string
		raw  json.RawMessage
	}{{"and", b.And}, {"or", b.Or}, {"not", b.Not}} {
		if len(part.raw) == 0 || string(part.raw) == "null" {
			continue
		}
		nodes, err := q.conditions(part.name, part.raw)
		if err != nil {
			return nil, err
		}
		switch part.name {
		case "and":
			all = append(all, nodes...)
			q.narrow(nodes)
		case "or":
			if len(nodes) > 0 {
				all = append(all, anyOf(nodes))
			}
		case "not":
			all = append(all, noneOf(nodes))
		}
	}
	q.filter = allOf(all)

	keys, err := q.sortKeys(b.Sort)
	if err != nil {
		return nil, err
	}
	q.sort = keys
	return q, nil
}

// narrow moves top-level AND bounds on updated_at into updLo/updHi, so the
// scan can start from a binary search of the (updatedAt, id) order.
func (q *query) narrow(nodes []node) {
	for _, n := range nodes {
		c, ok := n.(*cond)
		if !ok || c.f.kind != fUpdated {
			continue
		}
		switch c.op {
		case "gte":
			q.updLo = max(q.updLo, c.lo)
		case "gt":
			q.updLo = max(q.updLo, c.hi)
		case "lt":
			q.updHi = min(q.updHi, c.lo)
		case "lte":
			q.updHi = min(q.updHi, c.hi)
		}
	}
}

// conditions compiles an and/or/not value: a condition object or an array
// of them.
func (q *query) conditions(where string, raw json.RawMessage) ([]node, *apiError) {
	raw = bytes.TrimSpace(raw)
	var items []json.RawMessage
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, badRequest(where + ": " + strings.TrimPrefix(err.Error(), "json: "))
		}
	} else {
		items = []json.RawMessage{raw}
	}
	var nodes []node
	for _, it := range items {
		n, err := q.condition(where, it)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// condition compiles {"<attribute>": {"<operator>": value, ...}, ...} or a
// nested {"and"|"or"|"not": ...}; several keys must all hold.
func (q *query) condition(where string, raw json.RawMessage) (node, *apiError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, badRequest(where + ": a condition is an object {\"<attribute>\": {\"<operator>\": value}}")
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range obj {
			if !yield(k) {
				return
			}
		}
	})
	var all []node
	for _, attr := range keys {
		v := obj[attr]
		switch attr {
		case "and", "or", "not":
			nodes, err := q.conditions(where+"."+attr, v)
			if err != nil {
				return nil, err
			}
			switch attr {
			case "and":
				all = append(all, allOf(nodes))
			case "or":
				all = append(all, anyOf(nodes))
			case "not":
				all = append(all, noneOf(nodes))
			}
			continue
		}
		f, err := q.field(attr, false)
		if err != nil {
			return nil, err
		}
		var ops map[string]json.RawMessage
		if err := json.Unmarshal(v, &ops); err != nil || len(ops) == 0 {
			return nil, badRequest(attr + ": want an operator object such as {\"equals\": value}")
		}
		for _, op := range slices.Sorted(func(yield func(string) bool) {
			for k := range ops {
				if !yield(k) {
					return
				}
			}
		}) {
			c, err := q.cond(f, op, ops[op])
			if err != nil {
				return nil, err
			}
			all = append(all, c)
		}
	}
	if len(all) == 1 {
		return all[0], nil
	}
	return allOf(all), nil
}

// fieldKind says where a search attribute's value comes from.
type fieldKind uint8

const (
	fAttr    fieldKind = iota // decoded from attributes on demand
	fID                       // the record id
	fCreated                  // indexed createdAt
	fUpdated                  // indexed updatedAt
	fParent                   // a relationship's id
	fDeleted                  // indexed attributes.deleted
	fAnyText                  // any text of the record
)

type field struct {
	name string
	kind fieldKind
	slot int      // fParent
	path []string // fAttr: keys under attributes
	sub  string   // fAttr: pluck this key from an array of objects
}

// field resolves a search attribute name of the query's context.
func (q *query) field(name string, sorting bool) (field, *apiError) {
	rest, ok := "", false
	for _, p := range q.prefixes {
		if rest, ok = strings.CutPrefix(name, p); ok {
			break
		}
	}
	if !ok || rest == "" {
		return field{}, badRequest(fmt.Sprintf("attribute %q does not belong to queryContext %q; its attributes start with %q", name, q.ctxName, q.prefixes[0]))
	}
	if q.archive {
		allowed := slices.Contains(archiveFields[q.kind], rest)
		if sorting {
			allowed = rest == "id" || rest == "created_at" || rest == "updated_at"
		}
		if !allowed {
			verb := "filter"
			if sorting {
				verb = "sort"
			}
			return field{}, badRequest(fmt.Sprintf("archive search cannot %s on %q; %s archive attributes are %s", verb, name, q.ctxName, strings.Join(archiveFields[q.kind], ", ")))
		}
	}
	f := field{name: name}
	switch rest {
	case "id":
		f.kind = fID
	case "created_at":
		f.kind = fCreated
	case "updated_at":
		f.kind = fUpdated
	case "deleted":
		f.kind = fDeleted
	case "any_text", "any_text_new":
		f.kind = fAnyText
	case "companyId":
		rest = "company_id"
	}
	if f.kind != fAttr {
		return f, nil
	}
	if parent, ok := strings.CutSuffix(rest, "_id"); ok {
		if pk, known := kindByName(parent); known {
			if s, has := q.kind.slot(pk); has {
				f.kind, f.slot = fParent, s
				return f, nil
			}
		}
	}
	switch {
	case strings.HasPrefix(rest, "custom_"):
		custom := strings.TrimPrefix(rest, "custom_")
		if q.kind == kKObject {
			// kobject_custom_<klass>_<name>
			for _, kn := range q.ds.klassName {
				if c, ok := strings.CutPrefix(custom, kn+"_"); ok {
					custom = c
					break
				}
			}
		}
		f.path = []string{"custom", custom}
	case q.kind == kCustomer && rest == "email":
		f.path, f.sub = []string{"emails"}, "email"
	case q.kind == kCustomer && rest == "phone":
		f.path, f.sub = []string{"phones"}, "phone"
	default:
		f.path = []string{camel(rest)}
	}
	return f, nil
}

// camel turns a search attribute's snake_case into the resource's camelCase.
func camel(s string) string {
	var b strings.Builder
	up := false
	for _, r := range s {
		if r == '_' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (q *query) sortKeys(raw json.RawMessage) ([]sortKey, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		// [GUESS] the default order: most recently updated first.
		return []sortKey{{f: field{name: q.prefixes[0] + "updated_at", kind: fUpdated}, desc: true}}, nil
	}
	var items []json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, badRequest("sort: " + strings.TrimPrefix(err.Error(), "json: "))
		}
	} else {
		items = []json.RawMessage{raw}
	}
	var keys []sortKey
	for _, it := range items {
		// Keys keep their order, so read the object token by token.
		dec := json.NewDecoder(bytes.NewReader(it))
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil, badRequest("sort: want {\"<attribute>\": \"asc\"|\"desc\"} or an array of them")
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, badRequest("sort: " + err.Error())
			}
			name := t.(string)
			var dir string
			if err := dec.Decode(&dir); err != nil {
				return nil, badRequest("sort " + name + ": want \"asc\" or \"desc\"")
			}
			f, aerr := q.field(name, true)
			if aerr != nil {
				return nil, aerr
			}
			if f.kind == fAnyText {
				return nil, badRequest("cannot sort on " + name)
			}
			switch strings.ToLower(dir) {
			case "asc":
				keys = append(keys, sortKey{f: f})
			case "desc":
				keys = append(keys, sortKey{f: f, desc: true})
			default:
				return nil, badRequest("sort " + name + ": " + strconv.Quote(dir) + " is not asc or desc")
			}
		}
	}
	if len(keys) == 0 {
		return q.sortKeys(nil)
	}
	return keys, nil
}

// A node is a compiled filter.
type node interface{ match(e *evalRec) bool }

type (
	allOf  []node
	anyOf  []node
	noneOf []node
)

func (n allOf) match(e *evalRec) bool {
	for _, c := range n {
		if !c.match(e) {
			return false
		}
	}
	return true
}

func (n anyOf) match(e *evalRec) bool {
	for _, c := range n {
		if c.match(e) {
			return true
		}
	}
	return false
}

func (n noneOf) match(e *evalRec) bool {
	for _, c := range n {
		if c.match(e) {
			return false
		}
	}
	return true
}

// operand is a comparison value, pre-parsed as a time range when it reads
// as a date or timestamp.
type operand struct {
	v      any // string, float64 or bool
	isTime bool
	lo, hi int64 // [lo, hi) in Unix ms
}

type cond struct {
	f      field
	op     string
	val    operand
	in     []operand
	lo, hi int64  // the operand's range, for fCreated/fUpdated
	needle string // contains, lowercased
	want   bool   // not_set
}

var operators = []string{"equals", "not_equals", "in", "contains", "gt", "gte", "lt", "lte", "not_set"}

func (q *query) operand(name, op string, raw json.RawMessage) (operand, *apiError) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return operand{}, badRequest(name + "." + op + ": " + strings.TrimPrefix(err.Error(), "json: "))
	}
	o := operand{v: v}
	switch x := v.(type) {
	case string:
		if lo, hi, err := parseInstant(x, q.loc); err == nil {
			o.isTime, o.lo, o.hi = true, lo, hi
		}
	case float64, bool:
	default:
		return o, badRequest(fmt.Sprintf("%s.%s: want a string, number or boolean, not %s", name, op, raw))
	}
	return o, nil
}

func (q *query) cond(f field, op string, raw json.RawMessage) (*cond, *apiError) {
	c := &cond{f: f, op: op}
	if !slices.Contains(operators, op) {
		return nil, badRequest(fmt.Sprintf("%s: operator %q is not one of %s", f.name, op, strings.Join(operators, ", ")))
	}
	switch op {
	case "not_set":
		if err := json.Unmarshal(raw, &c.want); err != nil {
			return nil, badRequest(f.name + ".not_set: want true or false")
		}
		return c, nil
	case "in":
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, badRequest(f.name + ".in: want an array of values")
		}
		for _, it := range items {
			o, err := q.operand(f.name, op, it)
			if err != nil {
				return nil, err
			}
			if (f.kind == fCreated || f.kind == fUpdated) && !o.isTime {
				return nil, badRequest(fmt.Sprintf("%s.in: %s is not a date (YYYY-MM-DD) or an ISO-8601 timestamp", f.name, it))
			}
			c.in = append(c.in, o)
		}
		return c, nil
	}
	o, err := q.operand(f.name, op, raw)
	if err != nil {
		return nil, err
	}
	c.val = o
	switch f.kind {
	case fCreated, fUpdated:
		if op == "contains" {
			return nil, badRequest(f.name + ": contains does not apply to dates")
		}
		if !o.isTime {
			return nil, badRequest(fmt.Sprintf("%s.%s: %s is not a date (YYYY-MM-DD) or an ISO-8601 timestamp", f.name, op, raw))
		}
		c.lo, c.hi = o.lo, o.hi
	case fAnyText:
		s, ok := o.v.(string)
		if !ok || (op != "contains" && op != "equals") {
			return nil, badRequest(f.name + ": any text takes contains (or equals) with a string")
		}
		c.needle = strings.ToLower(s)
	}
	if op == "contains" {
		s, ok := o.v.(string)
		if !ok {
			return nil, badRequest(f.name + ".contains: want a string")
		}
		c.needle = strings.ToLower(s)
	}
	return c, nil
}

func (c *cond) match(e *evalRec) bool {
	switch c.f.kind {
	case fCreated, fUpdated:
		ts := e.rec().created
		if c.f.kind == fUpdated {
			ts = e.rec().updated
		}
		switch c.op {
		case "equals":
			return c.lo <= ts && ts < c.hi
		case "not_equals":
			return ts < c.lo || ts >= c.hi
		case "gt":
			return ts >= c.hi
		case "gte":
			return ts >= c.lo
		case "lt":
			return ts < c.lo
		case "lte":
			return ts < c.hi
		case "in":
			for _, o := range c.in {
				if o.lo <= ts && ts < o.hi {
					return true
				}
			}
			return false
		case "not_set":
			return (ts == 0) == c.want
		}
	case fAnyText:
		return bytes.Contains(e.lowerText(), []byte(c.needle))
	}
	vals := e.values(c.f)
	switch c.op {
	case "not_set":
		return (len(vals) == 0) == c.want
	case "equals":
		return slices.ContainsFunc(vals, func(v any) bool { return equal(v, c.val) })
	case "not_equals":
		return !slices.ContainsFunc(vals, func(v any) bool { return equal(v, c.val) })
	case "in":
		return slices.ContainsFunc(vals, func(v any) bool {
			return slices.ContainsFunc(c.in, func(o operand) bool { return equal(v, o) })
		})
	case "contains":
		return slices.ContainsFunc(vals, func(v any) bool {
			s, ok := v.(string)
			return ok && strings.Contains(strings.ToLower(s), c.needle)
		})
	default: // gt, gte, lt, lte
		return slices.ContainsFunc(vals, func(v any) bool { return ordered(v, c.op, c.val) })
	}
}

func equal(v any, o operand) bool {
	switch x := v.(type) {
	case string:
		if o.isTime {
			if ms, ok := parseStamp(x); ok {
				return o.lo <= ms && ms < o.hi
			}
		}
		s, ok := o.v.(string)
		return ok && strings.EqualFold(x, s)
	case float64:
		f, ok := o.v.(float64)
		return ok && x == f
	case bool:
		b, ok := o.v.(bool)
		return ok && x == b
	}
	return false
}

func ordered(v any, op string, o operand) bool {
	var c int
	switch x := v.(type) {
	case string:
		if o.isTime {
			ms, ok := parseStamp(x)
			if !ok {
				return false
			}
			switch op {
			case "gt":
				return ms >= o.hi
			case "gte":
				return ms >= o.lo
			case "lt":
				return ms < o.lo
			default:
				return ms < o.hi
			}
		}
		s, ok := o.v.(string)
		if !ok {
			return false
		}
		c = strings.Compare(x, s)
	case float64:
		f, ok := o.v.(float64)
		if !ok {
			return false
		}
		c = cmp.Compare(x, f)
	default:
		return false
	}
	switch op {
	case "gt":
		return c > 0
	case "gte":
		return c >= 0
	case "lt":
		return c < 0
	default:
		return c <= 0
	}
}

// evalRec is one record under evaluation; it decodes attributes at most
// once, and only when a condition needs one that is not indexed.
type evalRec struct {
	q       *query
	t       *table
	i       int32
	attrs   map[string]any
	decoded bool
	lower   []byte
	scratch []any
}

func (e *evalRec) reset(i int32) {
	e.i, e.attrs, e.decoded, e.lower = i, nil, false, nil
}

func (e *evalRec) rec() *rec { return &e.t.recs[e.i] }

func (e *evalRec) attributes() map[string]any {
	if !e.decoded {
		e.decoded = true
		var d struct {
			Attributes map[string]any `json:"attributes"`
		}
		if json.Unmarshal(e.rec().raw, &d) == nil {
			e.attrs = d.Attributes
		}
	}
	return e.attrs
}

func (e *evalRec) lowerText() []byte {
	if e.lower == nil {
		e.lower = bytes.ToLower(e.rec().raw)
	}
	return e.lower
}

// values returns a field's values flattened to scalars; arrays match when
// any element does, and a missing or null attribute has none.
func (e *evalRec) values(f field) []any {
	out := e.scratch[:0]
	switch f.kind {
	case fID:
		out = append(out, idString(e.rec().id))
	case fParent:
		if id := e.q.ds.parentID(e.t, e.i, f.slot); id != "" {
			out = append(out, id)
		}
	case fDeleted:
		out = append(out, e.rec().flags&flagDeleted != 0)
	case fCreated, fUpdated:
		ms := e.rec().created
		if f.kind == fUpdated {
			ms = e.rec().updated
		}
		if ms != 0 {
			out = append(out, float64(ms))
		}
	case fAttr:
		var v any = e.attributes()
		for _, k := range f.path {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[k]
		}
		out = flatten(out, v, f.sub)
	}
	e.scratch = out
	return out
}

func flatten(out []any, v any, sub string) []any {
	switch x := v.(type) {
	case nil:
	case []any:
		for _, el := range x {
			out = flatten(out, el, sub)
		}
	case map[string]any:
		if sub != "" {
			out = flatten(out, x[sub], "")
		}
	default:
		out = append(out, x)
	}
	return out
}

// run evaluates the query and returns the total hit count and the hits in
// [offset, offset+n) of the sorted result.
func (q *query) run(offset, n int) (total int, page []int32) {
	t := q.ds.tables[q.kind]
	e := &evalRec{q: q, t: t}
	keep := func(i int32) bool {
		r := &t.recs[i]
		if r.updated < q.updLo || r.updated >= q.updHi {
			return false
		}
		if r.flags&flagDeleted != 0 && !q.deleted {
			return false
		}
		if q.klass >= 0 && r.parent[0] != q.klass {
			return false
		}
		e.reset(i)
		return q.filter.match(e)
	}

	// One key on an indexed order: walk the presorted index, no sorting.
	if len(q.sort) == 1 {
		var o order
		fast := true
		switch q.sort[0].f.kind {
		case fUpdated:
			o = byUpdated
		case fCreated:
			o = byCreated
		case fID:
			o = byID
		default:
			fast = false
		}
		if fast {
			idx := t.sorted(o)
			if o == byUpdated {
				lo := sort.Search(len(idx), func(j int) bool { return t.recs[idx[j]].updated >= q.updLo })
				hi := sort.Search(len(idx), func(j int) bool { return t.recs[idx[j]].updated >= q.updHi })
				idx = idx[lo:max(lo, hi)]
			}
			v := view{idx: idx, rev: q.sort[0].desc}
			for j := range v.len() {
				if i := v.at(j); keep(i) {
					if total >= offset && total < offset+n {
						page = append(page, i)
					}
					total++
				}
			}
			return total, page
		}
	}

	type hit struct {
		i    int32
		keys []any
	}
	var hits []hit
	for i := range int32(len(t.recs)) {
		if !keep(i) {
			continue
		}
		ks := make([]any, len(q.sort))
		for j, k := range q.sort {
			if vals := e.values(k.f); len(vals) > 0 {
				ks[j] = vals[0]
			}
		}
		hits = append(hits, hit{i, ks})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		for j, k := range q.sort {
			if c := compareKeys(a.keys[j], b.keys[j], k.desc); c != 0 {
				return c
			}
		}
		c := bytes.Compare(t.recs[a.i].id[:], t.recs[b.i].id[:])
		if q.sort[0].desc {
			c = -c
		}
		return c
	})
	total = len(hits)
	for j := offset; j < min(offset+n, total); j++ {
		page = append(page, hits[j].i)
	}
	return total, page
}

// compareKeys orders sort values; records without one sort last either way,
// as Elasticsearch does.
func compareKeys(a, b any, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	c := 0
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			c = cmp.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			c = strings.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok && x != y {
			c = -1
			if x {
				c = 1
			}
		}
	}
	if c == 0 {
		// Mixed types order by type name, for determinism.
		c = strings.Compare(fmt.Sprintf("%T", a), fmt.Sprintf("%T", b))
	}
	if desc {
		c = -c
	}
	return c
}

func (rq *request) writeSearch(q *query, p page, total int, hits []int32) *apiError {
	t := q.ds.tables[q.kind]
	idsOnly := rq.q.Get("idsOnly") == "true"
	totalPages := (total + p.size - 1) / p.size
	lastServable := min(maxSearchPages, (maxSearchHits+p.size-1)/p.size)
	last := max(1, min(totalPages, lastServable))
	b := getBuf()
	defer putBuf(b)
	fmt.Fprintf(b, `{"meta":{"pageSize":%d,"page":%d,"total":%d,"totalPages":%d},"links":{`, p.size, p.num, total, totalPages)
	appendLink(b, "self", rq.link(p.num, p.size))
	b.WriteByte(',')
	appendLink(b, "first", rq.link(1, p.size))
	b.WriteByte(',')
	prev := ""
	if p.num > 1 {
		prev = rq.link(min(p.num-1, max(last, 1)), p.size)
	}
	appendLink(b, "prev", prev)
	b.WriteByte(',')
	// Like the live API (MELTANO's observation), next is set whenever more
	// hits exist, even when that page is past the caps and will be refused.
	next := ""
	if (p.num-1)*p.size+len(hits) < total && len(hits) > 0 {
		next = rq.link(p.num+1, p.size)
	}
	appendLink(b, "next", next)
	b.WriteByte(',')
	appendLink(b, "last", rq.link(last, p.size))
	b.WriteString(`},"data":[`)
	for j, i := range hits {
		if j > 0 {
			b.WriteByte(',')
		}
		if idsOnly {
			fmt.Fprintf(b, `{"type":%q,"id":%q}`, kinds[q.kind].name, idString(t.recs[i].id))
			continue
		}
		rq.appendRecord(b, t, i)
	}
	b.WriteString(`]}`)
	rq.writeJSON(b)
	return nil
}

// parseInstant reads a search or filter date: YYYY-MM-DD is that whole day
// in loc, a timestamp is its millisecond. It returns [lo, hi) in Unix ms.
func parseInstant(s string, loc *time.Location) (lo, hi int64, err error) {
	if len(s) == len("2006-01-02") {
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return 0, 0, err
		}
		return d.UnixMilli(), d.AddDate(0, 0, 1).UnixMilli(), nil
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, 0, err
	}
	return ts.UnixMilli(), ts.UnixMilli() + 1, nil
}

func parseStamp(s string) (int64, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return 0, false
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return ts.UnixMilli(), true
}
