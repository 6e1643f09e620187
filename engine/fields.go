package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
)

// Custom attributes become Zendesk fields (spec/rules.md, rule 25): a
// ticket_field, user_field or organization_field block maps the custom
// attributes of conversations, customers or companies — one record per
// attribute, with what the whole snapshot shows of it (record.Attribute) —
// to fields; a ticket's custom_fields, a user's user_fields and an
// organization's organization_fields name attributes, and their values
// are converted to their field's type here, at plan time. A value that has
// no field, or that cannot be converted, is a hazard naming the record and
// the attribute, and is not sent: never a silent drop.

// fieldInfo is what converting a value needs of its field.
type fieldInfo struct {
	key, typ string
	options  map[string]bool // Kustomer values of a dropdown's options
}

// fieldKeyRE is a user or organization field key [spec/zendesk.md §11].
var fieldKeyRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// fields emits the fields of one field kind.
func (g *Generator) fields(k kind.Kind) func(context.Context, func(*Desired) error) error {
	return func(ctx context.Context, emit func(*Desired) error) error {
		res := kind.Fields[k].Resource
		ms := g.mappings(k)
		if len(ms) == 0 {
			return nil
		}
		attrs, err := record.AttributesOf(ctx, res, g.snap, func(fn func(string, []byte) error) error { return g.snap.ForEach(res, fn) })
		if err != nil {
			return err
		}
		if g.fieldsOf == nil {
			g.fieldsOf = map[string]map[string]fieldInfo{}
		}
		known := map[string]fieldInfo{}
		keys := map[string]string{} // field key → the attribute that has it
		g.fieldsOf[res] = known
		for _, m := range ms {
			for _, a := range attrs {
				d := &Desired{Kind: k, Key: m.Address() + ":" + a.Name, Mapping: m.Address(), Pos: pos(m),
					Sources: []string{kind.AttributeSource(res) + "/" + a.Name}}
				outs, err := g.evalOne(m, a)
				switch {
				case err != nil:
					d.Unwritable = err.Error()
				case len(outs) == 0:
					continue
				default:
					d.Payload = outs[0]
					d.Unwritable = checkField(k, d.Payload)
				}
				if d.Unwritable == "" {
					if _, twice := known[a.Name]; twice {
						g.Hz.Add("fields_mapped_twice", m.DeclRange, a.Name)
						continue
					}
					key := str(d.Payload, "key")
					if first, taken := keys[key]; taken {
						d.Unwritable = fmt.Sprintf("the field key %s is %s's already", key, first)
					} else {
						keys[key] = a.Name
						// Carriers name their fields by key.
						d.Sources = append(d.Sources, kind.FieldSource(res)+"/"+key)
					}
				}
				if d.Unwritable == "" {
					known[a.Name] = fieldInfo{key: str(d.Payload, "key"), typ: str(d.Payload, "type"), options: asSet(dsl.Strings(d.Payload["options"]))}
					if n := a.Unfit; n > 0 {
						g.Hz.Add("unfit_attribute_values", m.DeclRange, fmt.Sprintf("%s.%s: %d values do not fit %s", res, a.Name, n, a.Kind))
					}
				}
				if err := emit(d); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// checkField says why Zendesk would refuse a field, or "".
func checkField(k kind.Kind, p dsl.Payload) string {
	key, typ := str(p, "key"), str(p, "type")
	switch {
	case !fieldKeyRE.MatchString(key) || strings.Trim(key, "0123456789") == "":
		return fmt.Sprintf("the field key %q may hold only letters, digits and underscores, and not digits only", key)
	case (typ == "tagger" || typ == "dropdown" || typ == "multiselect") && len(dsl.Strings(p["options"])) == 0:
		return fmt.Sprintf("a %s field needs options", typ)
	case k == kind.TicketField && typ == "dropdown":
		return "ticket fields call a dropdown \"tagger\""
	case k != kind.TicketField && typ == "tagger":
		return "user and organization fields call a dropdown \"dropdown\""
	}
	seen := map[string]string{}
	for _, o := range dsl.Strings(p["options"]) {
		v := OptionValue(key, o)
		if first, dup := seen[v]; dup {
			return fmt.Sprintf("the options %q and %q make the same tag %s", first, o, v)
		}
		seen[v] = o
	}
	return ""
}

func asSet(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// OptionValue is the value (a tag) of the option a dropdown field with
// this key offers for a Kustomer value: lower case, letters, digits and
// underscores, prefixed with the key so two fields never share a tag.
func OptionValue(key, v string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(key))
	b.WriteByte('_')
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(v)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimRight(b.String(), "_")
}

// fieldValues converts a carrier's field values to their fields' types,
// keyed by field key (the plan shows what Zendesk receives; apply resolves
// a ticket field's key to its id).
func (g *Generator) fieldValues(d *Desired) {
	f, ok := kind.Carried(d.Kind)
	if !ok || d.Unwritable != "" || d.Payload == nil {
		return
	}
	attr, res := f.Values, f.Resource
	vals := mapOf(d.Payload[attr])
	if vals == nil {
		delete(d.Payload, attr)
		return
	}
	at := g.mappingRange(d)
	out := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		v := vals[name]
		if v == nil || v == "" {
			continue
		}
		fi, ok := g.fieldsOf[res][name]
		if !ok {
			g.Hz.Add("field_values_without_field", at, fmt.Sprintf("%s: %s (no field block maps this %s attribute)", d.Key, name, res))
			continue
		}
		c, why := convertValue(fi, v)
		if why != "" {
			g.Hz.Add("field_values_unconvertible", at, fmt.Sprintf("%s: %s = %s: %s", d.Key, name, shortValue(v), why))
			continue
		}
		out[fi.key] = c
	}
	if len(out) == 0 {
		delete(d.Payload, attr)
		return
	}
	d.Payload[attr] = out
}

func (g *Generator) mappingRange(d *Desired) hcl.Range {
	if m := g.cfg.Mapping(d.Mapping); m != nil {
		return m.DeclRange
	}
	return hcl.Range{}
}

func mapOf(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case record.Custom:
		return m
	case dsl.Payload:
		return m
	}
	return nil
}

func shortValue(v any) string {
	b, _ := json.Marshal(v)
	if utf8.RuneCount(b) > 60 {
		r := []rune(string(b))
		return string(r[:60]) + "…"
	}
	return string(b)
}

// convertValue converts one value to what its field takes, or says why it
// cannot.
func convertValue(fi fieldInfo, v any) (any, string) {
	switch fi.typ {
	case "text", "textarea", "regexp":
		switch x := v.(type) {
		case string:
			return x, ""
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), ""
		case bool:
			return strconv.FormatBool(x), ""
		}
		return shortValue(v), ""
	case "integer", "decimal":
		f, ok := number(v)
		if !ok {
			return nil, "not a number"
		}
		if fi.typ == "integer" {
			if f != math.Trunc(f) {
				return nil, "not a whole number"
			}
			return int64(f), ""
		}
		return f, ""
	case "checkbox":
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, ""
			}
		}
		return nil, "not true or false"
	case "date":
		s, ok := v.(string)
		if !ok {
			return nil, "not a date"
		}
		if t, err := record.ParseTime(s); err == nil {
			return t.UTC().Format("2006-01-02"), ""
		}
		if len(s) == 10 && s[4] == '-' && s[7] == '-' {
			return s, ""
		}
		return nil, "not a date"
	case "tagger", "dropdown":
		s := fmt.Sprint(v)
		if !fi.options[s] {
			return nil, "not one of the field's options"
		}
		return OptionValue(fi.key, s), ""
	case "multiselect":
		var out []any
		for _, x := range dsl.Strings(v) {
			if !fi.options[x] {
				return nil, fmt.Sprintf("%q is not one of the field's options", x)
			}
			out = append(out, OptionValue(fi.key, x))
		}
		if len(out) == 0 {
			return nil, "not a list of the field's options"
		}
		return out, ""
	}
	return v, ""
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}
