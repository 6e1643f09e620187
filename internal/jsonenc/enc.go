// Package jsonenc writes the values mappings make — maps of strings to
// strings, numbers, booleans, nulls, lists and maps — exactly as
// encoding/json writes them, byte for byte, without reflection. A
// payload's hash is the SHA-256 of its encoding/json text, and plan,
// apply and verify hash every desired record: reflection and sorting map
// keys through reflect.Value were a tenth of their time at scale. Any
// other type is handed to encoding/json, so the output is always what
// encoding/json makes.
package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/kzmap/kzmap/dsl"
)

// Append appends the JSON encoding of v to dst, as json.Marshal writes it
// (escapeHTML true) or as an Encoder with SetEscapeHTML(false) does,
// without the Encoder's newline. It reports false where encoding/json
// fails (a NaN, an infinity, a type it cannot encode); dst is then
// returned as it was given.
func Append(dst []byte, v any, escapeHTML bool) ([]byte, bool) {
	n := len(dst)
	out, ok := appendValue(dst, v, escapeHTML, 0)
	if !ok {
		return dst[:n], false
	}
	return out, true
}

// maxDepth bounds nesting before encoding/json decides (it reports a
// cycle past 1,000 levels of pointers, maps and slices).
const maxDepth = 500

func appendValue(b []byte, v any, html bool, depth int) ([]byte, bool) {
	if depth > maxDepth {
		return other(b, v, html)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendString(b, x, html), true
	case bool:
		return strconv.AppendBool(b, x), true
	case float64:
		return appendFloat(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case map[string]any:
		return appendMap(b, x, html, depth)
	case dsl.Payload:
		return appendMap(b, x, html, depth)
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, e, html, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case []string:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e, html)
		}
		return append(b, ']'), true
	}
	return other(b, v, html)
}

func appendMap(b []byte, m map[string]any, html bool, depth int) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // encoding/json sorts string keys bytewise, as this does
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k, html)
		b = append(b, ':')
		var ok bool
		if b, ok = appendValue(b, m[k], html, depth+1); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// other hands a value of another type to encoding/json.
func other(b []byte, v any, html bool) ([]byte, bool) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		return b, false
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), true
}

// appendFloat writes a float64 as encoding/json does: the shortest
// decimal that reads back, in exponent form below 1e-6 and from 1e21, with
// a one-digit negative exponent where strconv gives two.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hex = "0123456789abcdef"

// appendString writes s quoted as encoding/json does: \b \f \n \r \t and
// the quote and backslash escaped short, other control bytes as \u00XX,
// <, > and & as \u003c, \u003e, \u0026 when html, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
