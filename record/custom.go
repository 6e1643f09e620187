package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/internal/jsonscan"
)

// Custom holds custom attributes with values typed by the attribute name's
// suffix: Num → float64, Bool → bool, At → the timestamp string as sent,
// Str/Txt/Url/Id → string. A value that does not fit its suffix (text in
// a Num, a date that does not parse) is kept as it came, a string or
// plain JSON value, never dropped: Fits says whether it fits, and the plan
// reports the ones that cannot be written to their field. Attributes
// without a known suffix are carried through as plain JSON values.
type Custom map[string]any

// Suffixes of custom attribute names, longest first so "Txt" is not
// mistaken for anything shorter.
var suffixes = []string{"Bool", "Str", "Txt", "Num", "Url", "At", "Id"}

// CustomKind returns the type suffix of a custom attribute name, or "".
func CustomKind(name string) string {
	for _, s := range suffixes {
		if len(name) > len(s) && strings.HasSuffix(name, s) {
			return s
		}
	}
	return ""
}

func decodeCustom(raw json.RawMessage) (Custom, error) {
	if out, ok := fastCustom(raw); ok {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("expected an object: %w", err)
	}
	out := make(Custom, len(m))
	for name, v := range m {
		if string(v) == "null" {
			out[name] = nil
			continue
		}
		val, err := customValue(CustomKind(name), v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = val
	}
	return out, nil
}

func customValue(kind string, v json.RawMessage) (any, error) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return nil, err
	}
	return typed(kind, x, v), nil
}

// fastCustom decodes a custom object whose values are strings, numbers,
// booleans and nulls without reflection, as decodeCustom's encoding/json
// path does (a key given twice keeps its last value there too). It
// reports false for anything else — a list or object value, a key with an
// escape, a number encoding/json would refuse — which goes to
// encoding/json.
func fastCustom(raw []byte) (Custom, bool) {
	out := Custom{}
	ok := jsonscan.Members(raw, func(key, val []byte) bool {
		name := string(key)
		var x any
		switch c := val[0]; {
		case c == 'n': // Members has checked the literal
			out[name] = nil
			return true
		case c == 't':
			x = true
		case c == 'f':
			x = false
		case c == '"':
			s, ok := jsonscan.Unquote(val)
			if !ok {
				return false
			}
			x = s
		case c == '-' || c >= '0' && c <= '9':
			f, err := strconv.ParseFloat(string(val), 64)
			if err != nil {
				return false
			}
			x = f
		default:
			return false
		}
		out[name] = typed(CustomKind(name), x, val)
		return true
	})
	return out, ok
}

// typed gives a decoded custom value x (JSON text v) the type its name's
// suffix kind says, where it fits.
func typed(kind string, x any, v []byte) any {
	switch kind {
	case "Num":
		if s, ok := x.(string); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return f
			}
		}
	case "Str", "Txt", "Url", "Id":
		switch x.(type) {
		case string, nil:
		default:
			// Kustomer is lenient here; keep the value as its JSON text.
			return string(bytes.TrimSpace(v))
		}
	}
	return x
}

// Fits says whether a custom attribute's value fits the type its name's
// suffix gives (nil and "" fit any).
func Fits(kind string, v any) bool {
	if v == nil || v == "" {
		return true
	}
	switch kind {
	case "Num":
		_, ok := v.(float64)
		return ok
	case "Bool":
		_, ok := v.(bool)
		return ok
	case "At":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := ParseTime(s)
		return err == nil
	}
	return true
}

// CustomOf reads only the custom attributes of a resource's JSON, for a
// pass over many records that needs nothing else.
func CustomOf(data []byte) (Custom, error) {
	var custom []byte
	found := false
	if jsonscan.Resource(data, func(member int, val []byte) bool {
		if member != jsonscan.Attributes {
			return true
		}
		return jsonscan.Members(val, func(key, v []byte) bool {
			f, ok := jsonscan.Field(key, "custom")
			if !ok || f < 0 {
				return ok
			}
			if found {
				return false // given twice: encoding/json decides
			}
			custom, found = v, true
			return true
		})
	}) {
		if !found || jsonscan.Null(custom) {
			return nil, nil
		}
		return decodeCustom(custom)
	}
	var r struct {
		Attributes struct {
			Custom json.RawMessage `json:"custom"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	if len(r.Attributes.Custom) == 0 || string(r.Attributes.Custom) == "null" {
		return nil, nil
	}
	return decodeCustom(r.Attributes.Custom)
}

// SuffixType is the metadata type Kustomer derives from an attribute
// name's suffix.
func SuffixType(kind string) string {
	switch kind {
	case "Str":
		return "string"
	case "Txt":
		return "text"
	case "Num":
		return "number"
	case "At":
		return "date"
	case "Bool":
		return "boolean"
	case "Url":
		return "url"
	case "Id":
		return "id"
	}
	return "string"
}
