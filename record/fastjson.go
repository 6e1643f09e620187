package record

import (
	"bytes"
	"encoding/json"

	"github.com/kzmap/kzmap/internal/jsonscan"
)

// The fast paths below read the common shapes of Kustomer attributes — a
// plain string, a list of plain strings, a relationship's id — straight
// from the raw JSON. Anything unusual (escapes, invalid UTF-8, odd spacing)
// reports false and goes through encoding/json, so results are the same
// either way; decoding is the bulk of a plan's time at scale. Their input
// is always a value the envelope decode has already validated as JSON.

// fastString decodes a JSON string, escapes included (message bodies
// hold newlines and quotes); invalid UTF-8 goes to encoding/json, which
// replaces it.
func fastString(v []byte) (string, bool) { return jsonscan.Unquote(v) }

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

// fastResource decodes the envelope as json.Unmarshal into a Resource
// would, in one pass (jsonscan); it reports false for anything it does not
// read plainly — an escaped type or id, a null where an object belongs, a
// field spelt in another case, a key given twice — and the caller decodes
// data with encoding/json, errors included. The raw values share one copy
// of data, each capped at its own length.
func fastResource(data []byte) (*Resource, bool) {
	data = bytes.Clone(data)
	r := &Resource{}
	ok := jsonscan.Resource(data, func(f int, val []byte) (ok bool) {
		switch f {
		case jsonscan.Type:
			r.Type, ok = fastString(val)
		case jsonscan.ID:
			r.ID, ok = fastString(val)
		case jsonscan.Attributes:
			r.Attributes, ok = fastAttributes(val)
		case jsonscan.Relationships:
			r.Relationships, ok = fastRelationships(val)
		}
		return ok
	})
	return r, ok
}

func fastAttributes(val []byte) (map[string]json.RawMessage, bool) {
	if val[0] != '{' {
		return nil, false
	}
	m := make(map[string]json.RawMessage, 16)
	ok := jsonscan.Members(val, func(key, v []byte) bool {
		m[string(key)] = v[:len(v):len(v)]
		return true
	})
	return m, ok
}

func fastRelationships(val []byte) (map[string]Relationship, bool) {
	if val[0] != '{' {
		return nil, false
	}
	m := make(map[string]Relationship, 8)
	ok := jsonscan.Members(val, func(name, v []byte) bool {
		if v[0] != '{' {
			return false
		}
		var rel Relationship
		var seen [2]bool
		if !jsonscan.Members(v, func(key, v []byte) bool {
			f, ok := jsonscan.Field(key, "data", "links")
			if !ok || f < 0 {
				return ok
			}
			if seen[f] {
				return false
			}
			seen[f] = true
			if f == 0 {
				rel.Data = v[:len(v):len(v)]
				return true
			}
			if v[0] != '{' {
				return false
			}
			rel.Links = map[string]string{}
			return jsonscan.Members(v, func(k, s []byte) bool {
				str, ok := fastString(s)
				rel.Links[string(k)] = str
				return ok
			})
		}) {
			return false
		}
		m[string(name)] = rel
		return true
	})
	return m, ok
}
