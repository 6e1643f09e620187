package record

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Types lists the Kustomer resource types of the export format, in
// dependency order (a type only references types before it, or itself).
var Types = []string{
	"company", "customer", "user", "team", "klass",
	"conversation", "message", "note", "kobject", "attachment",
	"kb_category", "kb_article", "media",
}

// Resource is the JSON:API envelope of one Kustomer resource.
type Resource struct {
	Type          string                     `json:"type"`
	ID            string                     `json:"id"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Relationships map[string]Relationship    `json:"relationships,omitempty"`
}

// Relationship is a JSON:API relationship; only the data part is modelled.
type Relationship struct {
	Data  json.RawMessage   `json:"data,omitempty"`
	Links map[string]string `json:"links,omitempty"`
}

// Ref is a resource identifier in a relationship.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// DecodeError says which resource and attribute could not be decoded.
type DecodeError struct {
	Type, ID, Attr string
	Err            error
}

func (e *DecodeError) Error() string {
	where := e.Type
	if where == "" {
		where = "resource"
	}
	if e.ID != "" {
		where += " " + e.ID
	}
	if e.Attr != "" {
		return fmt.Sprintf("%s: attribute %q: %v", where, e.Attr, e.Err)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ParseResource decodes the envelope of one resource and checks the parts
// every later stage relies on: a known type and a non-empty id.
func ParseResource(data []byte) (*Resource, error) {
	r, ok := fastResource(data)
	if !ok {
		r = &Resource{}
		if err := json.Unmarshal(data, r); err != nil {
			return nil, &DecodeError{Err: fmt.Errorf("invalid JSON: %w", err)}
		}
	}
	if r.Type == "" {
		return nil, &DecodeError{ID: r.ID, Err: fmt.Errorf("missing \"type\"")}
	}
	if r.ID == "" {
		return nil, &DecodeError{Type: r.Type, Err: fmt.Errorf("missing \"id\"")}
	}
	if !KnownType(r.Type) && !IsAttributeType(r.Type) {
		return nil, &DecodeError{Type: r.Type, ID: r.ID, Err: fmt.Errorf("unknown resource type %q (known: %s)", r.Type, strings.Join(Types, ", "))}
	}
	return r, nil
}

// KnownType reports whether t is a resource type of the model.
func KnownType(t string) bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// RelID returns the id of a to-one relationship, or "" when it is absent or
// null.
func (r *Resource) RelID(name string) (string, error) {
	rel, ok := r.Relationships[name]
	if !ok || len(rel.Data) == 0 || string(rel.Data) == "null" {
		return "", nil
	}
	if id, ok := fastRefID(rel.Data); ok {
		return id, nil
	}
	var ref Ref
	if err := json.Unmarshal(rel.Data, &ref); err != nil {
		return "", &DecodeError{Type: r.Type, ID: r.ID, Attr: "relationships." + name, Err: err}
	}
	return ref.ID, nil
}

// decoder pulls typed attributes out of a resource, remembering the first
// error and which attributes were consumed so the rest can be carried
// through as Extra.
type decoder struct {
	r    *Resource
	used []string // a handful per type: a slice beats a map here
	buf  [24]string
	err  error
}

func newDecoder(r *Resource) *decoder {
	d := &decoder{r: r}
	d.used = d.buf[:0]
	return d
}

func (d *decoder) isUsed(name string) bool {
	for _, u := range d.used {
		if u == name {
			return true
		}
	}
	return false
}

func (d *decoder) fail(attr string, err error) {
	if d.err == nil {
		d.err = &DecodeError{Type: d.r.Type, ID: d.r.ID, Attr: attr, Err: err}
	}
}

func (d *decoder) raw(name string) (json.RawMessage, bool) {
	d.used = append(d.used, name)
	v, ok := d.r.Attributes[name]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

func (d *decoder) into(name string, dst any) {
	v, ok := d.raw(name)
	if !ok {
		return
	}
	if err := json.Unmarshal(v, dst); err != nil {
		d.fail(name, typeError(err))
	}
}

func typeError(err error) error {
	var ute *json.UnmarshalTypeError
	if ok := asType(err, &ute); ok {
		return fmt.Errorf("expected %s, got JSON %s", ute.Type, ute.Value)
	}
	return err
}

func asType(err error, target **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = e
	}
	return ok
}

func (d *decoder) str(name string) string {
	v, ok := d.raw(name)
	if !ok {
		return ""
	}
	if s, ok := fastString(v); ok {
		return s
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		d.fail(name, typeError(err))
	}
	return s
}

func (d *decoder) strs(name string) []string {
	v, ok := d.raw(name)
	if !ok {
		return nil
	}
	if l, ok := fastStrings(v); ok {
		return l
	}
	var s []string
	if err := json.Unmarshal(v, &s); err != nil {
		d.fail(name, typeError(err))
	}
	return s
}

func (d *decoder) boolean(name string) bool {
	v, ok := d.raw(name)
	if !ok {
		return false
	}
	switch string(v) {
	case "true":
		return true
	case "false":
		return false
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		d.fail(name, typeError(err))
	}
	return b
}

// integer accepts a JSON number or a numeric string (Kustomer sends
// priority both ways across API versions).
func (d *decoder) integer(name string) int {
	v, ok := d.raw(name)
	if !ok {
		return 0
	}
	if i, err := strconv.Atoi(string(v)); err == nil {
		return i
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			d.fail(name, fmt.Errorf("expected a number, got %s", truncate(v)))
			return 0
		}
		n = json.Number(s)
	}
	i, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			d.fail(name, fmt.Errorf("expected a number, got %s", truncate(v)))
			return 0
		}
		i = int64(f)
	}
	return int(i)
}

func (d *decoder) time(name string) time.Time {
	v, ok := d.raw(name)
	if !ok {
		return time.Time{}
	}
	s, ok := fastString(v)
	if !ok && json.Unmarshal(v, &s) != nil {
		d.fail(name, fmt.Errorf("expected a timestamp string, got %s", truncate(v)))
		return time.Time{}
	}
	if s == "" {
		return time.Time{}
	}
	t, err := ParseTime(s)
	if err != nil {
		d.fail(name, err)
	}
	return t
}

func (d *decoder) custom() Custom {
	v, ok := d.raw("custom")
	if !ok {
		return nil
	}
	c, err := decodeCustom(v)
	if err != nil {
		d.fail("custom", err)
	}
	return c
}

// extra returns every attribute the model did not consume, decoded as
// plain JSON values (numbers as float64), sorted by nothing: it is a map.
func (d *decoder) extra() map[string]any {
	var out map[string]any
	for k, v := range d.r.Attributes {
		if d.isUsed(k) {
			continue
		}
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			d.fail(k, err)
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = x
	}
	return out
}

func (d *decoder) rel(name string) string {
	id, err := d.r.RelID(name)
	if err != nil && d.err == nil {
		d.err = err
	}
	return id
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// ParseTime parses Kustomer timestamps: RFC 3339 with or without
// fractional seconds.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid timestamp %q: want ISO-8601 like 2024-03-01T09:30:00.000Z", s)
	}
	return t.UTC(), nil
}

// FormatTime writes a timestamp the way Kustomer does.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// SortedKeys returns the keys of m in order; used wherever a map reaches
// output, so plans stay deterministic.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
