package kustomersim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Problem is one thing wrong with an export directory, at a file and line.
type Problem struct {
	File    string // path of the file, as joined with the directory
	Line    int    // 1-based; 0 when the problem is about the whole file
	Column  int    // 1-based byte column when known, else 0
	Message string
}

func (p Problem) String() string {
	switch {
	case p.Line == 0:
		return p.File + ": " + p.Message
	case p.Column == 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	default:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	}
}

// LoadError lists every problem Load found; loading keeps going after the
// first so that one run shows them all.
type LoadError struct {
	Dir      string
	Problems []Problem // at most maxProblems
	More     int       // problems found beyond Problems
}

const maxProblems = 100

func (e *LoadError) Error() string {
	var b strings.Builder
	n := len(e.Problems) + e.More
	fmt.Fprintf(&b, "kustomer export %s: %d problem", e.Dir, n)
	if n != 1 {
		b.WriteString("s")
	}
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "\n\t... and %d more", n-10)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

type loader struct {
	ds     *Dataset
	arena  arena
	mapped bool // the lines being read are slices of a mapped file, kept
	probs  LoadError
	// firstLine[k][i] is the line of record i of kind k, for duplicate reports.
	firstLine   [numKinds][]int32
	teamMembers [][]string // per team record, resolved in index
	orgURL      []byte
	mediaURL    []byte
}

func (l *loader) report(p Problem) {
	if len(l.probs.Problems) < maxProblems {
		l.probs.Problems = append(l.probs.Problems, p)
		return
	}
	l.probs.More++
}

type manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Org     string `json:"org"`
	Now     string `json:"now"`
}

// Load reads an export directory (formats/kustomer-export.md, version 1).
// Any malformed line, missing or invalid id, unexpected type or duplicate
// makes it fail with a *LoadError naming every such line.
func Load(dir string) (*Dataset, error) {
	l := &loader{ds: &Dataset{
		dir:         dir,
		klassByName: map[string]int32{},
		custByEmail: map[string][]int32{},
		custByPhone: map[string][]int32{},
	}}
	l.probs.Dir = dir
	l.readManifest()
	if l.ds.org != "" {
		l.orgURL = []byte("https://" + l.ds.org + ".api.kustomerapp.com/v1/attachments/")
		l.mediaURL = []byte("https://" + l.ds.org + ".api.kustomerapp.com/v1/media/")
	}
	for k := range numKinds {
		l.readKind(k)
	}
	if len(l.probs.Problems) > 0 {
		return nil, &l.probs
	}
	l.index()
	return l.ds, nil
}

func (l *loader) readManifest() {
	path := filepath.Join(l.ds.dir, "manifest.json")
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			l.report(Problem{File: path, Message: "missing; an export directory starts with a manifest.json of format \"kustomer-export\""})
		} else {
			l.report(Problem{File: path, Message: err.Error()})
		}
		return
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		l.report(jsonProblem(path, 1, b, err))
		return
	}
	if m.Format != "kustomer-export" {
		l.report(Problem{File: path, Message: fmt.Sprintf("format is %q, want \"kustomer-export\"", m.Format)})
	}
	if m.Version != 1 {
		l.report(Problem{File: path, Message: fmt.Sprintf("version %d is not supported; this simulator reads version 1", m.Version)})
	}
	l.ds.org = m.Org
	if m.Now != "" {
		t, err := time.Parse(time.RFC3339Nano, m.Now)
		if err != nil {
			l.report(Problem{File: path, Message: fmt.Sprintf("now %q is not an ISO-8601 UTC timestamp such as 2026-11-28T00:00:00.000Z", m.Now)})
		}
		l.ds.now = t
	}
}

// The line shapes decoded at load. Only indexed fields are named; everything
// else stays in the raw bytes.
type (
	ref struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	relationship struct {
		Data *ref `json:"data"`
		Link struct {
			Self string `json:"self"`
		} `json:"link"`
	}
	relationships struct {
		Company      relationship `json:"company"`
		Customer     relationship `json:"customer"`
		Conversation relationship `json:"conversation"`
		Message      relationship `json:"message"`
		Klass        relationship `json:"klass"`
	}
	baseAttrs struct {
		CreatedAt  string `json:"createdAt"`
		UpdatedAt  string `json:"updatedAt"`
		ExternalID string `json:"externalId"`
		Deleted    bool   `json:"deleted"`
	}
	customerAttrs struct {
		baseAttrs
		Emails []struct {
			Email string `json:"email"`
		} `json:"emails"`
		Phones []struct {
			Phone string `json:"phone"`
		} `json:"phones"`
	}
	userAttrs struct {
		baseAttrs
		Email    string `json:"email"`
		UserType string `json:"userType"`
	}
	teamAttrs struct {
		baseAttrs
		Members []string `json:"members"`
	}
	klassAttrs struct {
		baseAttrs
		Name   string `json:"name"`
		Status string `json:"status"`
	}
	attachmentAttrs struct {
		baseAttrs
		ContentType string `json:"contentType"`
	}
	line[A any] struct {
		Type          string        `json:"type"`
		ID            string        `json:"id"`
		Attributes    A             `json:"attributes"`
		Relationships relationships `json:"relationships"`
	}
)

// decoded is what readKind needs from a line, whatever its kind.
type decoded struct {
	typ, id string
	base    baseAttrs
	rels    relationships
	extra   any // *customerAttrs, *userAttrs, *teamAttrs, *klassAttrs, *attachmentAttrs (also of media)
}

func decodeAs[A any](b []byte, base func(*A) baseAttrs) (decoded, error) {
	var ln line[A]
	if err := json.Unmarshal(b, &ln); err != nil {
		return decoded{}, err
	}
	return decoded{typ: ln.Type, id: ln.ID, base: base(&ln.Attributes), rels: ln.Relationships, extra: &ln.Attributes}, nil
}

func decodeLine(k kind, b []byte) (decoded, error) {
	switch k {
	case kCustomer:
		return decodeAs(b, func(a *customerAttrs) baseAttrs { return a.baseAttrs })
	case kUser:
		return decodeAs(b, func(a *userAttrs) baseAttrs { return a.baseAttrs })
	case kTeam:
		return decodeAs(b, func(a *teamAttrs) baseAttrs { return a.baseAttrs })
	case kKlass:
		return decodeAs(b, func(a *klassAttrs) baseAttrs { return a.baseAttrs })
	case kAttachment, kMedia:
		return decodeAs(b, func(a *attachmentAttrs) baseAttrs { return a.baseAttrs })
	default:
		return decodeAs(b, func(a *baseAttrs) baseAttrs { return *a })
	}
}

func (r *relationships) get(name string) *relationship {
	switch name {
	case "company":
		return &r.Company
	case "customer":
		return &r.Customer
	case "conversation":
		return &r.Conversation
	case "message":
		return &r.Message
	case "klass":
		return &r.Klass
	}
	panic("kustomersim: no relationship field " + name)
}

// jsonProblem turns an encoding/json error into a problem that names the
// line, the column for syntax errors and the attribute for type errors.
func jsonProblem(file string, lineNo int, b []byte, err error) Problem {
	p := Problem{File: file, Line: lineNo}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		p.Column = int(se.Offset)
		if p.Column > len(b) || p.Column < 1 {
			p.Column = len(b)
		}
		p.Message = "malformed JSON: " + strings.TrimPrefix(se.Error(), "json: ")
	case errors.As(err, &te) && te.Field != "":
		field := strings.ReplaceAll(te.Field, "baseAttrs.", "") // an embedded struct, not a JSON key
		p.Message = fmt.Sprintf("%s: JSON %s where the format has %s", field, te.Value, jsonKind(te.Type.Kind().String()))
	default:
		p.Message = "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	return p
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "struct", "ptr", "map":
		return "an object"
	}
	return "a " + goKind
}

func (l *loader) readKind(k kind) {
	spec := kinds[k]
	t := &table{kind: k, byID: map[[12]byte]int32{}, byExt: map[string]int32{}}
	l.ds.tables[k] = t
	path := filepath.Join(l.ds.dir, spec.file)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		l.report(Problem{File: path, Message: err.Error()})
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() >= mapAbove {
		if data, err := mapFile(f, st.Size()); err == nil {
			// The records are slices of the mapped file: a dataset of
			// millions of messages is page cache, not heap.
			l.readMapped(t, path, data)
			return
		}
	}
	l.readLines(t, path, f)
}

// mapAbove is the size from which an ndjson file is read through a
// read-only memory map, kept for the Dataset's life, instead of copied
// into memory: at a million conversations the copies were 8 GB of heap
// (bench/RESULTS.md §13).
var mapAbove int64 = 64 << 20 // a variable for tests

// readMapped adds the records of a mapped ndjson file to t.
func (l *loader) readMapped(t *table, path string, data []byte) {
	l.mapped = true
	defer func() { l.mapped = false }()
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if b := bytes.TrimSpace(line); len(b) > 0 {
			l.addLine(t, path, lineNo, b)
		}
	}
}

// readLines adds the records of one ndjson stream to t.
func (l *loader) readLines(t *table, path string, f io.Reader) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 256<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		l.addLine(t, path, lineNo, b)
	}
	if err := sc.Err(); err != nil {
		l.report(Problem{File: path, Line: lineNo + 1, Message: err.Error()})
	}
}

func (l *loader) addLine(t *table, path string, lineNo int, b []byte) {
	k := t.kind
	spec := kinds[k]
	bad := func(format string, args ...any) {
		l.report(Problem{File: path, Line: lineNo, Message: fmt.Sprintf(format, args...)})
	}
	d, err := decodeLine(k, b)
	if err != nil {
		l.report(jsonProblem(path, lineNo, b, err))
		return
	}
	switch {
	case d.typ == "":
		bad("missing type; lines of %s have type %q", spec.file, spec.name)
		return
	case d.typ != spec.name:
		if _, known := kindByName(d.typ); known {
			bad("type %q does not belong in %s, which holds type %q", d.typ, spec.file, spec.name)
		} else {
			bad("unknown type %q; lines of %s have type %q", d.typ, spec.file, spec.name)
		}
		return
	}
	var r rec
	switch {
	case d.id == "":
		bad("%s has no id", spec.name)
		return
	case !parseID(d.id, &r.id):
		bad("id %q is not 24 lowercase hexadecimal characters", d.id)
		return
	}
	if first, dup := t.byID[r.id]; dup {
		bad("duplicate %s id %s (first at line %d)", spec.name, d.id, l.firstLine[k][first])
		return
	}
	ok := true
	stamp := func(name, v string) int64 {
		if v == "" {
			return 0
		}
		ts, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad("attributes.%s %q is not an ISO-8601 UTC timestamp such as 2024-03-01T09:30:00.000Z", name, v)
			ok = false
		}
		return ts.UnixMilli()
	}
	r.created = stamp("createdAt", d.base.CreatedAt)
	r.updated = stamp("updatedAt", d.base.UpdatedAt)
	if d.base.UpdatedAt == "" {
		r.updated = r.created
	}
	if d.base.Deleted {
		r.flags |= flagDeleted
	}
	if k == kMessage && l.orgURL != nil && bytes.Contains(b, l.orgURL) {
		r.flags |= flagOrgURL
	}
	if (k == kKBArticle || k == kMedia) && l.mediaURL != nil && bytes.Contains(b, l.mediaURL) {
		r.flags |= flagMediaURL
	}
	var art *kbArticle
	if k == kKBArticle {
		var msg string
		if art, msg = parseKBArticle(b); art == nil {
			bad("%s", msg)
			ok = false
		}
	}
	i := int32(len(t.recs))
	r.parent = [3]int32{noParent, noParent, noParent}
	var danglingIDs [3]string
	for s, pr := range spec.parents {
		rel := d.rels.get(pr.rel)
		pid := ""
		if rel.Data != nil {
			if rel.Data.Type != "" && rel.Data.Type != pr.rel {
				bad("relationships.%s.data.type is %q, want %q", pr.rel, rel.Data.Type, pr.rel)
				ok = false
			}
			pid = rel.Data.ID
		}
		if pid == "" && pr.kind == kKlass {
			// A kobject may name its klass only through link.self.
			if name, found := strings.CutPrefix(rel.Link.Self, "/v1/klasses/"); found {
				if ki, known := l.ds.klassByName[name]; known {
					r.parent[s] = ki
					continue
				}
				bad("relationships.klass.link.self names klass %q, which klasses.ndjson does not hold", name)
				ok = false
				continue
			}
		}
		if pid == "" {
			continue
		}
		if pi, known := l.ds.tables[pr.kind].lookup(pid); known {
			r.parent[s] = pi
			continue
		}
		if pr.kind == kKlass {
			bad("relationships.klass.data.id %s is not a klass in klasses.ndjson", pid)
			ok = false
			continue
		}
		r.parent[s] = dangling
		danglingIDs[s] = pid
	}
	if k == kKObject && r.parent[0] < 0 && ok {
		bad("kobject has no klass; set relationships.klass.data {type:\"klass\", id} or link.self \"/v1/klasses/<name>\"")
		ok = false
	}
	if k == kKlass {
		ka := d.extra.(*klassAttrs)
		switch first, dup := l.ds.klassByName[ka.Name]; {
		case ka.Name == "":
			bad("klass has no attributes.name; kobjects are listed under /v1/klasses/<name>")
			ok = false
		case dup:
			bad("duplicate klass name %q (first at line %d)", ka.Name, l.firstLine[kKlass][first])
			ok = false
		}
	}
	if !ok {
		return
	}

	if l.mapped {
		r.raw = b[:len(b):len(b)]
	} else {
		r.raw = l.arena.copy(b)
	}
	t.recs = append(t.recs, r)
	for s, pid := range danglingIDs {
		if pid != "" {
			if t.dangling == nil {
				t.dangling = map[danglingKey]string{}
			}
			t.dangling[danglingKey{i, uint8(s)}] = pid
		}
	}
	t.byID[r.id] = i
	l.firstLine[k] = append(l.firstLine[k], int32(lineNo))
	if ext := d.base.ExternalID; ext != "" {
		if _, seen := t.byExt[ext]; !seen {
			t.byExt[ext] = i
		}
	}
	switch a := d.extra.(type) {
	case *customerAttrs:
		for _, e := range a.Emails {
			if e.Email != "" {
				key := strings.ToLower(e.Email)
				l.ds.custByEmail[key] = append(l.ds.custByEmail[key], i)
			}
		}
		for _, p := range a.Phones {
			if p.Phone != "" {
				l.ds.custByPhone[p.Phone] = append(l.ds.custByPhone[p.Phone], i)
			}
		}
	case *userAttrs:
		l.ds.userType = append(l.ds.userType, a.UserType)
		l.ds.userEmail = append(l.ds.userEmail, strings.ToLower(a.Email))
	case *teamAttrs:
		l.teamMembers = append(l.teamMembers, a.Members)
	case *klassAttrs:
		l.ds.klassName = append(l.ds.klassName, a.Name)
		l.ds.klassStatus = append(l.ds.klassStatus, a.Status)
		l.ds.klassByName[a.Name] = i
	case *attachmentAttrs:
		if k == kMedia {
			l.ds.mediaType = append(l.ds.mediaType, a.ContentType)
		} else {
			l.ds.attType = append(l.ds.attType, a.ContentType)
		}
	}
	if k == kKBArticle {
		l.ds.kbArticles = append(l.ds.kbArticles, art)
	}
}

// index builds the child lists once every record is in.
func (l *loader) index() {
	ds := l.ds
	for k := range numKinds {
		t := ds.tables[k]
		for s, pr := range kinds[k].parents {
			pt := ds.tables[pr.kind]
			kids := make([][]int32, len(pt.recs))
			for i := range t.recs {
				if p := t.recs[i].parent[s]; p >= 0 {
					kids[p] = append(kids[p], int32(i))
				}
			}
			for _, ks := range kids {
				slices.SortFunc(ks, func(a, b int32) int { return t.compare(byCreated, a, b) })
			}
			pt.kids[k] = kids
		}
	}
	users := ds.tables[kUser]
	ds.userTeams = make([][]int32, len(users.recs))
	for ti, members := range l.teamMembers {
		for _, m := range members {
			if ui, ok := users.lookup(m); ok {
				ds.userTeams[ui] = append(ds.userTeams[ui], int32(ti))
			}
		}
	}
	teams := ds.tables[kTeam]
	for _, ts := range ds.userTeams {
		slices.SortFunc(ts, func(a, b int32) int { return teams.compare(byCreated, a, b) })
	}
	l.teamMembers = nil
}
