package dsl

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/hashicorp/hcl/v2"
)

// EvalError is a mapping that failed on one record: which mapping,
// attribute, line and record, and why.
type EvalError struct {
	Mapping  string
	Attr     string
	Range    hcl.Range
	RecordID string
	Err      error
}

func (e *EvalError) Error() string {
	rec := ""
	if e.RecordID != "" {
		rec = " on record " + e.RecordID
	}
	return fmt.Sprintf("%s: %s.%s%s: %v", e.Range, e.Mapping, e.Attr, rec, e.Err)
}

func (e *EvalError) Unwrap() error { return e.Err }

// Payload is the output of a mapping for one record (or one for_each
// element): Zendesk field name → value. References (requester, assignee,
// group, organization, author, user) hold Kustomer ids; the engine resolves
// them. Absent (nil) results are left out.
type Payload map[string]any

// Evaluator runs compiled mappings. It reuses one expr VM and is not safe
// for concurrent use; make one per goroutine.
type Evaluator struct {
	vm    vm.VM
	envs  envSet
	Scope Scope
}

// NewEvaluator returns an evaluator whose expressions see the config's
// locals and variables.
func NewEvaluator(cfg *Config) *Evaluator {
	return &Evaluator{Scope: cfg.Scope}
}

// Eval maps one record. It returns no payload when the mapping's `when`
// is false, and one per element with for_each.
func (ev *Evaluator) Eval(m *Mapping, rec any) ([]Payload, error) {
	env, scope, err := ev.envs.env(rec, ev.Scope)
	if err != nil {
		return nil, err
	}
	if w, ok := m.Exprs["when"]; ok {
		v, err := ev.run(m, w, env, rec)
		if err != nil {
			return nil, err
		}
		if b, ok := v.(bool); !ok || !b {
			return nil, nil
		}
	}
	fe, ok := m.Exprs["for_each"]
	if !ok {
		p, err := ev.fields(m, env, rec)
		if err != nil {
			return nil, err
		}
		return []Payload{p}, nil
	}
	v, err := ev.run(m, fe, env, rec)
	if err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(v)
	if v == nil {
		return nil, nil
	}
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, &EvalError{Mapping: m.Address(), Attr: "for_each", Range: fe.Range, RecordID: recordID(rec), Err: fmt.Errorf("for_each gave %T, not a list", v)}
	}
	out := make([]Payload, 0, rv.Len())
	for i := 0; i < rv.Len(); i++ {
		scope.Each = rv.Index(i).Interface()
		p, err := ev.fields(m, env, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (ev *Evaluator) fields(m *Mapping, env any, rec any) (Payload, error) {
	p := make(Payload, len(m.fields))
	for _, e := range m.fields {
		v, err := ev.run(m, e, env, rec)
		if err != nil {
			return nil, err
		}
		if v != nil {
			p[e.Name] = v
		}
	}
	return p, nil
}

func (ev *Evaluator) run(m *Mapping, e *Expr, env any, rec any) (any, error) {
	if e.isConst {
		return e.konst, nil
	}
	var v any
	var err error
	if e.pluck > 0 {
		list := reflect.ValueOf(env).Elem().FieldByIndex(e.field)
		out := make([]string, 0, list.Len())
		for i := 0; i < list.Len(); i++ {
			if s := list.Index(i).Field(e.pluck - 1).String(); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	if e.field != nil {
		// A pointer to the field boxes without allocating; fieldValue then
		// boxes the result once.
		ptr := reflect.ValueOf(env).Elem().FieldByIndex(e.field).Addr().Interface()
		if v, ok := fieldValue(ptr, e); ok {
			return v, nil
		}
		v = reflect.ValueOf(ptr).Elem().Interface()
	} else {
		v, err = ev.vm.Run(e.Program, env)
	}
	if err != nil {
		return nil, &EvalError{Mapping: m.Address(), Attr: e.Name, Range: e.Range, RecordID: recordID(rec), Err: err}
	}
	v, err = coerce(v, e)
	if err != nil {
		return nil, &EvalError{Mapping: m.Address(), Attr: e.Name, Range: e.Range, RecordID: recordID(rec), Err: err}
	}
	return v, nil
}

// fieldValue coerces the common field types read straight from a record,
// reporting false for anything it leaves to coerce.
func fieldValue(ptr any, e *Expr) (any, bool) {
	switch p := ptr.(type) {
	case *string:
		if e.Type != TString && e.Type != TRef {
			return nil, false
		}
		if *p == "" {
			return nil, true
		}
		if len(e.Enum) > 0 {
			return nil, false
		}
		return *p, true
	case *time.Time:
		if e.Type != TTime {
			return nil, false
		}
		if p.IsZero() {
			return nil, true
		}
		return formatTime(*p), true
	}
	return nil, false
}

// formatTime writes t in the ZendeskTime layout; it is on the hot path of
// every comment, and time.Format's general layout parser costs more than
// the rest of a simple mapping.
func formatTime(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(ZendeskTime)
	}
	h, mi, sec := t.Clock()
	b := [20]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(mo)/10), byte('0' + int(mo)%10), '-', byte('0' + d/10), byte('0' + d%10), 'T',
		byte('0' + h/10), byte('0' + h%10), ':', byte('0' + mi/10), byte('0' + mi%10), ':',
		byte('0' + sec/10), byte('0' + sec%10), 'Z'}
	return string(b[:])
}

// ZendeskTime is the timestamp layout of Zendesk payloads.
const ZendeskTime = "2006-01-02T15:04:05Z"

// coerce checks a result against the attribute's type and brings it into
// the canonical form of payloads: strings, bools, float64 or int, []string,
// map[string]any, timestamps as Zendesk strings.
func coerce(v any, e *Expr) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch e.Type {
	case TString, TRef:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("gave %s (%T), want %s", short(v), v, e.Type)
		}
		if s == "" {
			return nil, nil
		}
		if len(e.Enum) > 0 && !slices.Contains(e.Enum, s) {
			return nil, fmt.Errorf("gave %q, which is not one of %s; map it in the mapping file (a table in locals with ?? for a default)", s, strings.Join(e.Enum, ", "))
		}
		return v, nil // already boxed: returning s would box it again
	case TBool:
		if _, ok := v.(bool); !ok {
			return nil, fmt.Errorf("gave %s (%T), want true or false", short(v), v)
		}
		return v, nil
	case TNumber:
		switch n := v.(type) {
		case int, int64, float64:
			return n, nil
		}
		return nil, fmt.Errorf("gave %s (%T), want a number", short(v), v)
	case TStringList, TRefList:
		switch l := v.(type) {
		case []string:
			if slices.Contains(l, "") {
				return dropEmpty(l), nil
			}
			return v, nil
		case []any:
			out := make([]string, 0, len(l))
			for i, x := range l {
				if x == nil {
					continue
				}
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("element %d is %s (%T), want a string", i, short(x), x)
				}
				if s != "" {
					out = append(out, s)
				}
			}
			return out, nil
		}
		return nil, fmt.Errorf("gave %s (%T), want %s", short(v), v, e.Type)
	case TTime:
		switch t := v.(type) {
		case time.Time:
			if t.IsZero() {
				return nil, nil
			}
			return formatTime(t), nil
		case string:
			if t == "" {
				return nil, nil
			}
			pt, err := time.Parse(time.RFC3339Nano, t)
			if err != nil {
				return nil, fmt.Errorf("gave %q, which is not an ISO-8601 timestamp", t)
			}
			return formatTime(pt), nil
		}
		return nil, fmt.Errorf("gave %s (%T), want a timestamp", short(v), v)
	case TMap:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("gave %s (%T), want a map", short(v), v)
		}
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			if x := iter.Value().Interface(); x != nil {
				if t, ok := x.(time.Time); ok {
					x = formatTime(t)
				}
				out[iter.Key().String()] = x
			}
		}
		return out, nil
	case TList:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, fmt.Errorf("gave %s (%T), want a list", short(v), v)
		}
		return v, nil
	}
	return v, nil
}

func dropEmpty(l []string) []string {
	out := l[:0:0]
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func short(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

func recordID(rec any) string {
	rv := reflect.ValueOf(rec)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct {
		if f := rv.FieldByName("ID"); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	return ""
}

// SortedFields returns the payload's field names in order.
func (p Payload) SortedFields() []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Strings reads a payload list of strings — []string as mappings give it,
// or []any after a JSON round trip — into a new slice the caller may
// append to; other values give nil.
func Strings(v any) []string {
	switch l := v.(type) {
	case []string:
		return append([]string(nil), l...)
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
