package dsl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/kzmap/kzmap/record"
)

// checkInputAttributes reports the attributes of a test's input that the
// record type does not have: a misspelt attribute (statuss) is otherwise
// decoded into nothing, and the test quietly runs on a record without it.
//
// The record package's decoder is the one place that knows a type's
// attributes, so the rule is read off what it did with the input: an
// attribute it consumed is known. It keeps the rest in Extra (attributes
// in expressions); of those, an attribute is still allowed when
//   - its name carries a Kustomer custom-attribute type suffix (Str, Num,
//     At, Bool, …; record.CustomKind) and is not one of the record's
//     fields: a custom attribute, which Kustomer's metadata would describe,
//     written beside the standard ones rather than in custom = { … }
//     (whose contents are never checked); or
//   - the mapping reads it, as attributes.NAME or by handing attributes on
//     whole: Kustomer sends standard attributes kzmap does not model, and
//     a mapping that reads one is the evidence it exists. A test has no
//     snapshot whose metadata could say more.
//
// Types whose model keeps no Extra (the *_attribute records) drop unknown
// attributes; for them the known ones are the record's fields.
func checkInputAttributes(test *Test, m *Mapping, input hclsyntax.Expression, t testRef) hcl.Diagnostics {
	rec, err := record.DecodeJSON(test.Input)
	if err != nil || recordType(rec) != m.From {
		return nil // the test run reports both
	}
	var env struct {
		Attributes map[string]json.RawMessage `json:"attributes"`
	}
	if json.Unmarshal(test.Input, &env) != nil {
		return nil
	}
	extra, hasExtra := extraOf(rec)
	fields := record.Fields(m.From)
	read, whole := attributesRead(m)
	var known []string
	var diags hcl.Diagnostics
	for _, name := range record.SortedKeys(env.Attributes) {
		if hasExtra {
			if _, ok := extra[name]; !ok {
				continue
			}
		} else if slices.Contains(fields, name) {
			continue
		}
		if whole || read[name] {
			continue
		}
		// A field's name (customerId) is a standard attribute even when
		// it ends in a suffix; expressions would never see it as custom.
		if record.CustomKind(name) != "" && !slices.Contains(fields, name) {
			continue
		}
		if known == nil {
			known = modelAttributes(m.From)
		}
		detail := fmt.Sprintf("A %s record has no attribute %q", m.From, name)
		if c := closest(name, known); c != "" {
			detail += fmt.Sprintf("; did you mean %q?", c)
		} else {
			detail += "."
		}
		detail += fmt.Sprintf(" The test would run as if it were not there. Attributes of %s: %s.", m.From, strings.Join(known, ", "))
		switch {
		case slices.Contains(fields, name):
			detail += fmt.Sprintf(" Expressions see %s, but it is not read from attributes: it comes from the relationships or the envelope.", name)
		case hasExtra:
			detail += fmt.Sprintf(" Custom attributes go in custom = { ... } or carry a type suffix (Str, Num, At, Bool, ...); an attribute kzmap does not model may be given when the mapping reads it as attributes.%s.", name)
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown input attribute",
			Detail: detail, Subject: inputAttrRange(input, name, t).Ptr()})
	}
	return diags
}

// extraOf returns the attributes a decoded record keeps without modelling
// them (its field tagged expr:"attributes"), and whether its type has them.
func extraOf(rec any) (map[string]any, bool) {
	v := reflect.ValueOf(rec)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	v = v.Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("expr") == "attributes" {
			m, ok := v.Field(i).Interface().(map[string]any)
			return m, ok
		}
	}
	return nil, false
}

// modelAttributes lists the attributes the decoder reads for a record
// type, in field order, for suggestions: the fields of the type that a
// record giving each of them as null does not leave in Extra. (Fields
// such as customerId come from relationships and are not attributes.)
func modelAttributes(typ string) []string {
	fields := record.Fields(typ)
	attrs := make(map[string]any, len(fields))
	for _, f := range fields {
		attrs[f] = nil
	}
	probe, err := json.Marshal(map[string]any{"type": typ, "id": "probe", "attributes": attrs})
	if err != nil {
		return fields
	}
	rec, err := record.DecodeJSON(probe)
	if err != nil {
		return fields
	}
	extra, ok := extraOf(rec)
	if !ok {
		return fields
	}
	var out []string
	for _, f := range fields {
		if _, left := extra[f]; !left {
			out = append(out, f)
		}
	}
	return out
}

// attributesRead returns the names a mapping reads from attributes
// (attributes.NAME, attributes['NAME']), and whether it also uses
// attributes as a whole, which may read any of them.
func attributesRead(m *Mapping) (map[string]bool, bool) {
	v := &attributesVisitor{names: map[string]bool{}}
	for _, e := range m.Exprs {
		if e.Program == nil {
			continue
		}
		root := e.Program.Node()
		ast.Walk(&root, v)
	}
	return v.names, v.idents > v.members
}

// attributesVisitor counts every use of the identifier attributes and the
// uses that read one constant member of it; ast.Walk visits the member
// access and the identifier inside it both.
type attributesVisitor struct {
	names           map[string]bool
	idents, members int
}

func (v *attributesVisitor) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		if x.Value == "attributes" {
			v.idents++
		}
	case *ast.MemberNode:
		id, ok := x.Node.(*ast.IdentifierNode)
		if !ok || id.Value != "attributes" {
			return
		}
		if p, ok := x.Property.(*ast.StringNode); ok {
			v.names[p.Value] = true
			v.members++
		}
	}
}

// inputAttrRange finds where the attribute name is written in a test's
// input: its key in input = { attributes = { … } }, or in a JSON input
// its quoted key; else the whole input.
func inputAttrRange(input hclsyntax.Expression, name string, t testRef) hcl.Range {
	if attrs, ok := objectItems(input, t.ctx)["attributes"]; ok {
		if it, ok := objectItems(attrs.ValueExpr, t.ctx)[name]; ok {
			return it.KeyExpr.Range()
		}
	}
	rng := input.Range()
	raw := rawText(t.src, rng)
	key := regexp.MustCompile(`"` + regexp.QuoteMeta(name) + `"\s*:`)
	if loc := key.FindStringIndex(raw); loc != nil {
		off := rng.Start.Byte + loc[0]
		return hcl.Range{Filename: rng.Filename, Start: posAt(t.src, off), End: posAt(t.src, off+len(name)+2)}
	}
	return rng
}
