package record

import (
	"bytes"
	"unicode/utf8"
)

// The fast paths below read the common shapes of Kustomer attributes — a
// plain string, a list of plain strings, a relationship's id — straight
// from the raw JSON. Anything unusual (escapes, invalid UTF-8, odd spacing)
// reports false and goes through encoding/json, so results are the same
// either way; decoding is the bulk of a plan's time at scale. Their input
// is always a value the envelope decode has already validated as JSON.

// fastString decodes a JSON string without escapes.
func fastString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	body := v[1 : len(v)-1]
	if bytes.IndexByte(body, '\\') >= 0 || bytes.IndexByte(body, '"') >= 0 || !utf8.Valid(body) {
		return "", false
	}
	for _, c := range body {
		if c < 0x20 {
			return "", false
		}
	}
	return string(body), true
}

// fastStrings decodes a JSON array of plain strings with no spaces.
func fastStrings(v []byte) ([]string, bool) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, false
	}
	body := v[1 : len(v)-1]
	if len(body) == 0 {
		return []string{}, true
	}
	var out []string
	for len(body) > 0 {
		if body[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(body[1:], '"')
		if end < 0 {
			return nil, false
		}
		s, ok := fastString(body[:end+2])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		body = body[end+2:]
		if len(body) > 0 {
			if body[0] != ',' || len(body) == 1 {
				return nil, false
			}
			body = body[1:]
		}
	}
	return out, true
}

// fastRefID reads the id of {"type":"…","id":"…"}.
func fastRefID(v []byte) (string, bool) {
	i := bytes.Index(v, []byte(`"id":"`))
	if i < 1 || v[0] != '{' || v[len(v)-1] != '}' {
		return "", false
	}
	// The match must open a key (not end an escaped one), and it must be
	// the only key encoding/json would take for the id: it matches keys
	// case-insensitively and keeps the last of duplicates.
	if c := v[i-1]; c != '{' && c != ',' {
		return "", false
	}
	if idKeys(v) != 1 {
		return "", false
	}
	rest := v[i+len(`"id":`):]
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return "", false
	}
	id, ok := fastString(rest[:end+2])
	if !ok {
		return "", false
	}
	// The id must be the object's own, not part of a nested value.
	if bytes.Count(v, []byte{'{'}) != 1 {
		return "", false
	}
	return id, true
}

// idKeys counts the places in v that could end a key spelled "id" in any
// case: id" with either letter upper or lower case. It over-counts (a
// value ending in id counts too), which only sends v to the slow path.
func idKeys(v []byte) int {
	n := 0
	for j := 2; j < len(v); j++ {
		if v[j] == '"' && (v[j-1]|0x20) == 'd' && (v[j-2]|0x20) == 'i' {
			n++
		}
	}
	return n
}
