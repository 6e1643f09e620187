package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Custom holds custom attributes with values typed by the attribute name's
// suffix: Num → float64, Bool → bool, At → the timestamp string as sent
// (validated), Str/Txt/Url/Id → string. Attributes without a known suffix
// are carried through as plain JSON values.
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
	switch kind {
	case "Num":
		var f float64
		if err := json.Unmarshal(v, &f); err != nil {
			var s string
			if json.Unmarshal(v, &s) == nil {
				var g float64
				if _, perr := fmt.Sscan(s, &g); perr == nil {
					return g, nil
				}
			}
			return nil, fmt.Errorf("a Num attribute needs a number, got %s", truncate(v))
		}
		return f, nil
	case "Bool":
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fmt.Errorf("a Bool attribute needs true or false, got %s", truncate(v))
		}
		return b, nil
	case "At":
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("an At attribute needs a timestamp string, got %s", truncate(v))
		}
		if s != "" {
			if _, err := ParseTime(s); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "Str", "Txt", "Url", "Id":
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			// Kustomer is lenient here; keep the value as its JSON text.
			return string(bytes.TrimSpace(v)), nil
		}
		return s, nil
	default:
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, err
		}
		return x, nil
	}
}
