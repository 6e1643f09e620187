package record

import (
	"encoding/json"
	"reflect"
	"testing"
)

// slowCustom is decodeCustom through encoding/json alone.
func slowCustom(raw []byte) (Custom, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(Custom, len(m))
	for name, v := range m {
		if string(v) == "null" {
			out[name] = nil
			continue
		}
		val, err := customValue(CustomKind(name), v)
		if err != nil {
			return nil, err
		}
		out[name] = val
	}
	return out, nil
}

// slowCustomOf is CustomOf through encoding/json alone.
func slowCustomOf(data []byte) (Custom, error) {
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
	return slowCustom(r.Attributes.Custom)
}

func TestFastCustomTakesKustomerShapes(t *testing.T) {
	raw := []byte(`{"tierStr":"gold \"plus\"","scoreNum":4.5,"textNum":" 12 ","vipBool":true,"seenAt":"2021-01-02T03:04:05Z","noteTxt":null,"oddStr":12,"plain":-3e2,"dupStr":"a","dupStr":"b"}`)
	fast, ok := fastCustom(raw)
	if !ok {
		t.Fatal("declined")
	}
	slow, err := slowCustom(raw)
	if err != nil || !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast %#v\nslow %#v %v", fast, slow, err)
	}
	rec := []byte(`{"type":"conversation","id":"c1","attributes":{"name":"x","custom":` + string(raw) + `}}`)
	got, err := CustomOf(rec)
	if err != nil || !reflect.DeepEqual(got, slow) {
		t.Fatalf("CustomOf %#v %v", got, err)
	}
}

// FuzzFastCustom: a custom object, and a record's, decode the same with
// and without encoding/json, errors included.
func FuzzFastCustom(f *testing.F) {
	for _, s := range []string{`{"aNum":"1","bStr":[1],"cBool":false,"d":{"e":1}}`, `{"aNum":1e999}`, `{"\u0061Str":"x"}`, `{}`, `[1]`, `{"aAt":"x","aAt":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeCustom(raw)
		want, werr := slowCustom(raw)
		if (err == nil) != (werr == nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeCustom(%q) = %#v, %v; encoding/json: %#v, %v", raw, got, err, want, werr)
		}
		for _, rec := range [][]byte{raw, append(append([]byte(`{"type":"x","attributes":{"custom":`), raw...), `}}`...)} {
			got, err := CustomOf(rec)
			want, werr := slowCustomOf(rec)
			if (err == nil) != (werr == nil) || err == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("CustomOf(%q) = %#v, %v; encoding/json: %#v, %v", rec, got, err, want, werr)
			}
		}
	})
}
