package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestMembers(t *testing.T) {
	for in, want := range map[string]bool{
		`{}`: true, ` { "a" : [1, -2.5e+3, "x\n\u00e9", true, false, null, {"b":{}}] } `: true,
		`{"a":1,}`: false, `{"a":01}`: false, `{"a":1.}`: false, `{"a":"\x"}`: false, `{"a":tru}`: false,
		`{"a":1}x`: false, `[1]`: false, `{"\u0061":1}`: false, "{\"a\":\"\x01\"}": false, `{"a" 1}`: false,
	} {
		n := 0
		if got := Members([]byte(in), func(k, v []byte) bool { n++; return true }); got != want {
			t.Errorf("Members(%q) = %v, want %v", in, got, want)
		}
	}
	var keys, vals []string
	Members([]byte(`{"a": {"x":[1]} ,"b":"c"}`), func(k, v []byte) bool {
		keys, vals = append(keys, string(k)), append(vals, string(v))
		return true
	})
	if len(keys) != 2 || keys[0] != "a" || vals[0] != `{"x":[1]}` || keys[1] != "b" || vals[1] != `"c"` {
		t.Errorf("members: %q %q", keys, vals)
	}
}

func TestField(t *testing.T) {
	for _, c := range []struct {
		key  string
		want int
		ok   bool
	}{{"id", 1, true}, {"ID", -1, false}, {"other", -1, true}, {"\u212ad", -1, false}, {"createdAt", 2, true}, {"createdat", -1, false}} {
		got, ok := Field([]byte(c.key), "type", "id", "createdAt")
		if got != c.want || ok != c.ok {
			t.Errorf("Field(%q) = %d, %v; want %d, %v", c.key, got, ok, c.want, c.ok)
		}
	}
}

// FuzzMembers: what Members accepts, encoding/json accepts.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":null}],"c":"\ud800"}`, `{"a":-0}`, `{"a":1E5}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if Members(v, nil) && !json.Valid(v) {
			t.Fatalf("Members accepted %q, which is not valid JSON", v)
		}
	})
}
