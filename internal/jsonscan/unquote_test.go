package jsonscan

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestUnquote(t *testing.T) {
	for _, in := range []string{
		`""`, `"plain"`, `"a\nb\tc\rd\be\ff"`, `"\"quoted\" \\ \/"`, `"caf\u00e9 \u00E9"`,
		`"\ud83d\ude00 smile"`, `"lone \ud800 high"`, `"lone \udc00 low"`, `"\ud800\u0041"`, `"\ud800\ud800\udc00"`,
		`"<p>html</p>\n\u003cb\u003e"`, "\"é ü 日本\"",
	} {
		got, ok := Unquote([]byte(in))
		var want string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !ok || got != want {
			t.Errorf("Unquote(%s) = %q, %v; encoding/json: %q", in, got, ok, want)
		}
	}
	for _, in := range []string{``, `"`, `"a`, `a"`, `"a"b"`, `"a" `, `"\x"`, `"\u12"`, "\"\x01\"", "\"\xff\"", `"a"` + `"`} {
		if got, ok := Unquote([]byte(in)); ok {
			t.Errorf("Unquote(%q) = %q, true; want it declined", in, got)
		}
	}
}

// FuzzUnquote: what Unquote decodes, it decodes as encoding/json does.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"a\u00e9\ud83d\ude00"`, `"\ud800x"`, `"\\\"\/\b"`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		got, ok := Unquote(v)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(v, &want); err != nil || got != want {
			t.Fatalf("Unquote(%q) = %q; encoding/json: %q, %v", v, got, want, err)
		}
	})
}

func TestElements(t *testing.T) {
	for in, want := range map[string][]string{
		`[]`: {}, ` [ ] `: {}, `["a", 1 ,{"b":[2]},null]`: {`"a"`, `1`, `{"b":[2]}`, `null`},
		`[1,]`: nil, `[1 2]`: nil, `[1]x`: nil, `{}`: nil, `[`: nil, `["\x"]`: nil,
	} {
		var got []string
		ok := Elements([]byte(in), func(v []byte) bool { got = append(got, string(v)); return true })
		if ok != (want != nil) || ok && !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("Elements(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzElements: what Elements accepts, encoding/json accepts, with the
// same number of elements.
func FuzzElements(f *testing.F) {
	for _, s := range []string{`["a",[1,{"b":null}]]`, `[]`, `[-0, 1E5]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		n := 0
		if !Elements(v, func([]byte) bool { n++; return true }) {
			return
		}
		var l []json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil || len(l) != n {
			t.Fatalf("Elements accepted %q with %d elements; encoding/json: %d, %v", v, n, len(l), err)
		}
	})
}
