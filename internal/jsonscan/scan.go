// Package jsonscan walks the members of a JSON object in one pass, giving
// each key and the exact bytes of its value, without reflection. It is the
// fast path under the decoders of the Kustomer envelope (record and
// snapshot), which encoding/json spent most of a plan's and a fifth of an
// extract's time on at scale (bench/RESULTS.md §13). Everything it accepts
// encoding/json accepts too: it validates the whole input, and it declines
// (returns false) whatever it does not read plainly — a key with an escape
// or invalid UTF-8, nesting deeper than maxDepth — so that its callers can
// hand such input to encoding/json and keep its answers, errors included.
package jsonscan

import "unicode/utf8"

// maxDepth bounds nesting; encoding/json's own limit is 10,000, and deeper
// input goes to it.
const maxDepth = 1000

// Members calls fn with each member of the object obj, in order: the key as
// written (never holding an escape) and the value's bytes, without the
// whitespace around them. It returns false when obj is not a valid JSON
// object with nothing after it, when a key is not plain, or when fn returns
// false; fn may already have been called for earlier members.
func Members(obj []byte, fn func(key, val []byte) bool) bool {
	i := ws(obj, 0)
	end, ok := members(obj, i, 0, fn)
	return ok && ws(obj, end) == len(obj)
}

// Null reports whether a value (as Members gives it) is the literal null.
func Null(val []byte) bool { return string(val) == "null" }

// members reads the object opening at b[i] and returns where it ends.
func members(b []byte, i, depth int, fn func(key, val []byte) bool) (int, bool) {
	if i >= len(b) || b[i] != '{' || depth >= maxDepth {
		return 0, false
	}
	i = ws(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		k0 := i + 1
		k1, plain, ok := str(b, i)
		if !ok || !plain {
			return 0, false
		}
		key := b[k0 : k1-1]
		if !utf8.Valid(key) {
			return 0, false
		}
		i = ws(b, k1)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		v0 := ws(b, i+1)
		v1, ok := value(b, v0, depth+1)
		if !ok {
			return 0, false
		}
		if fn != nil && !fn(key, b[v0:v1]) {
			return 0, false
		}
		i = ws(b, v1)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = ws(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// value reads the value starting at b[i] and returns where it ends.
func value(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '{':
		return members(b, i, depth, nil)
	case c == '[':
		if depth >= maxDepth {
			return 0, false
		}
		i = ws(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			end, ok := value(b, i, depth+1)
			if !ok {
				return 0, false
			}
			i = ws(b, end)
			if i >= len(b) {
				return 0, false
			}
			switch b[i] {
			case ',':
				i = ws(b, i+1)
			case ']':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '"':
		end, _, ok := str(b, i)
		return end, ok
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return number(b, i)
	}
	return 0, false
}

// str reads the string opening at b[i]; plain reports that it holds no
// escape. Invalid UTF-8 is accepted, as encoding/json accepts it.
func str(b []byte, i int) (end int, plain, ok bool) {
	plain = true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, plain, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			plain = false
			j++
			if j >= len(b) {
				return 0, false, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return 0, false, false
				}
				for _, h := range b[j+1 : j+5] {
					if !isHex(h) {
						return 0, false, false
					}
				}
				j += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func number(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func ws(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Field matches a key against the field names of a Go struct the way
// encoding/json does, for the names given (ASCII): it returns
// the index of the name the key spells exactly, or -1 for a key
// encoding/json would ignore. It reports false for a key encoding/json
// might match without spelling it exactly (another case, or a non-ASCII
// key, which Unicode folding could match), so the caller declines.
func Field(key []byte, names ...string) (int, bool) {
	for i, n := range names {
		if string(key) == n {
			return i, true
		}
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return -1, false
		}
	}
	for _, n := range names {
		if len(n) == len(key) && equalFoldASCII(key, n) {
			return -1, false
		}
	}
	return -1, true
}

func equalFoldASCII(b []byte, s string) bool {
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// The members of a JSON:API resource object that Resource calls back
// with.
const (
	Type = iota
	ID
	Attributes
	Relationships
)

// Resource walks a JSON:API resource object, calling fn with each of its
// type, id, attributes and relationships (Type, ID, Attributes,
// Relationships) and skipping members encoding/json would ignore. It
// reports false — the caller declines, and encoding/json decides — for
// anything it does not read plainly: a member given twice or null, a
// key encoding/json might match without spelling it exactly, or fn
// reporting false.
func Resource(obj []byte, fn func(member int, val []byte) bool) bool {
	var seen [4]bool
	return Members(obj, func(key, val []byte) bool {
		f, ok := Field(key, "type", "id", "attributes", "relationships")
		if !ok || f < 0 {
			return ok
		}
		if seen[f] || Null(val) {
			return false
		}
		seen[f] = true
		return fn(f, val)
	})
}
