package jsonscan

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Unquote decodes the JSON string v, quotes included, to what
// encoding/json makes of it: escapes resolved, a \u escape of a lone
// surrogate as U+FFFD. It reports false for what it does not decode
// itself — v not exactly one valid JSON string, or invalid UTF-8, which
// encoding/json replaces byte by byte — so that the caller can hand v to
// encoding/json and keep its answer.
func Unquote(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	end, plain, ok := str(v, 0)
	if !ok || end != len(v) {
		return "", false
	}
	body := v[1 : end-1]
	if !utf8.Valid(body) {
		return "", false
	}
	if plain {
		return string(body), true
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); {
		if body[i] != '\\' {
			j := i + 1
			for j < len(body) && body[j] != '\\' {
				j++
			}
			out = append(out, body[i:j]...)
			i = j
			continue
		}
		// str has checked every escape, a \u's four hex digits included.
		switch e := body[i+1]; e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(body[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(body[i+2:i+6])); pair != utf8.RuneError {
						out = utf8.AppendRune(out, pair)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, e)
		}
		i += 2
	}
	return string(out), true
}

// hex4 reads four hex digits str has checked.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Elements calls fn with each element of the JSON array arr, in order, as
// the element's bytes without the whitespace around them. It returns false
// when arr is not a valid JSON array with nothing after it or when fn
// returns false; fn may already have been called for earlier elements.
func Elements(arr []byte, fn func(val []byte) bool) bool {
	i := ws(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return false
	}
	i = ws(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return ws(arr, i+1) == len(arr)
	}
	for {
		end, ok := value(arr, i, 1)
		if !ok || !fn(arr[i:end]) {
			return false
		}
		i = ws(arr, end)
		if i >= len(arr) {
			return false
		}
		switch arr[i] {
		case ',':
			i = ws(arr, i+1)
		case ']':
			return ws(arr, i+1) == len(arr)
		default:
			return false
		}
	}
}
