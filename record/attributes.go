package record

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The dropdown rule (Attribute.FitsDropdown): a Str attribute
// whose values are few, short, and each used several times on average.
const (
	dropdownMax      = 50  // distinct values at most
	dropdownValueLen = 100 // characters per value at most
	dropdownRepeat   = 2   // records per distinct value at least
)

// Attributes reads every record of a resource once (each calls fn for
// each of them) and describes its custom attributes, sorted by name.
func Attributes(ctx context.Context, res string, each func(fn func(id string, raw []byte) error) error) ([]*Attribute, error) {
	type acc struct {
		a        *Attribute
		distinct map[string]bool
		more     bool
	}
	by := map[string]*acc{}
	err := each(func(id string, raw []byte) error {
		c, err := CustomOf(raw)
		if err != nil {
			return nil // the record's own mapping reports it
		}
		for name, v := range c {
			if v == nil || v == "" {
				continue
			}
			x := by[name]
			if x == nil {
				kind := CustomKind(name)
				x = &acc{a: &Attribute{ID: res + "/" + name, Resource: res, Name: name, Kind: kind, Type: SuffixType(kind),
					DisplayName: DisplayName(name), Integral: true}, distinct: map[string]bool{}}
				by[name] = x
			}
			a := x.a
			a.Records++
			if !Fits(a.Kind, v) {
				a.Unfit++
			}
			if f, ok := v.(float64); ok && f != math.Trunc(f) {
				a.Integral = false
			}
			s := fmt.Sprint(v)
			if n := utf8.RuneCountInString(s); n > a.Longest {
				a.Longest = n
			}
			if !x.more && !x.distinct[s] {
				if len(x.distinct) == MaxDistinct {
					x.more = true
				} else {
					x.distinct[s] = true
				}
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	var out []*Attribute
	for _, name := range slices.Sorted(maps.Keys(by)) {
		x := by[name]
		a := x.a
		a.Distinct = len(x.distinct)
		if x.more {
			a.Distinct++
		} else {
			for v := range x.distinct {
				a.Values = append(a.Values, v)
			}
			slices.Sort(a.Values)
		}
		a.FitsDropdown = a.Kind == "Str" && !x.more && a.Distinct <= dropdownMax && a.Longest <= dropdownValueLen && a.Records >= dropdownRepeat*a.Distinct
		out = append(out, a)
	}
	return out, nil
}

// DisplayName turns an attribute name into words, as Kustomer does by
// default: "orderNumberStr" → "Order Number".
func DisplayName(name string) string {
	if k := CustomKind(name); k != "" {
		name = strings.TrimSuffix(name, k)
	}
	var b strings.Builder
	for i, r := range name {
		switch {
		case i == 0:
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsUpper(r):
			b.WriteByte(' ')
			b.WriteRune(r)
		case r == '_' || r == '-':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WithMetadata lays Kustomer's custom attribute metadata (the document
// GET /v1/metadata/{resource} answers, its data object) over attributes
// described from the records: Kustomer's type, display name and
// enumeration where it gives them. Attributes the metadata names that no
// record holds are left out: no value would reach their field.
func WithMetadata(attrs []*Attribute, raw []byte) error {
	var doc struct {
		Attributes struct {
			Properties map[string]struct {
				Type        string   `json:"type"`
				DisplayName string   `json:"displayName"`
				Enumeration []string `json:"enumeration"`
			} `json:"properties"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("custom attribute metadata: %w", err)
	}
	for _, a := range attrs {
		p, ok := doc.Attributes.Properties[a.Name]
		if !ok {
			continue
		}
		if p.Type != "" {
			a.Type = p.Type
		}
		if p.DisplayName != "" {
			a.DisplayName = p.DisplayName
		}
		a.Enumeration = p.Enumeration
	}
	return nil
}

// MetadataSource is a snapshot that holds Kustomer's attribute metadata.
type MetadataSource interface {
	Metadata(resource string) (raw []byte, ok bool, err error)
}

// AttributesOf is Attributes with the metadata laid over, when src holds
// it for the resource.
func AttributesOf(ctx context.Context, res string, src any, each func(fn func(id string, raw []byte) error) error) ([]*Attribute, error) {
	attrs, err := Attributes(ctx, res, each)
	if err != nil {
		return nil, err
	}
	if ms, ok := src.(MetadataSource); ok {
		raw, found, err := ms.Metadata(res)
		if err != nil {
			return nil, err
		}
		if found {
			if err := WithMetadata(attrs, raw); err != nil {
				return nil, err
			}
		}
	}
	return attrs, nil
}
