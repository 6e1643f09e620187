package snapshot

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzFastMeta checks the one-pass meta decoder against encoding/json on
// any input: whatever it accepts, json.Unmarshal accepts and decodes the
// same.
func FuzzFastMeta(f *testing.F) {
	for _, s := range []string{
		`{"type":"message","id":"m1","attributes":{"createdAt":"2024-01-02T03:04:05.000Z","updatedAt":null,"body":"x"},"relationships":{"conversation":{"data":{"type":"conversation","id":"c1"}},"org":{"data":null}}}`,
		`{"type":"kobject","id":"k","relationships":{"klass":{"links":{"self":"/v1/klasses/orders"}},"x":{"link":{"self":"/a"},"data":[]}}}`,
		`{"type":"klass","id":"k","attributes":{"name":"orders","Name":"x"}}`, `{"type":"x","id":"y","attributes":{"createdat":1}}`,
		`{"type":"x","relationships":{"r":{"links":{"self":null}}}}`, `{"type":"x","relationships":{"r":null}}`,
		`{"type":"x","relationships":{"r":{"links":{"self":"a","self":"b"}}}}`, `{"type":"x","id":"\u00e9"}`, ` {"id" : "y" } `,
		`{"type":"x","attributes":{"createdAt":"a","createdAt":"b"}}`, `{"type":"x"`, `[1]`, `{"a":1e}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		got, ok := fastMeta(v)
		if !ok {
			return
		}
		var want metaEnvelope
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatalf("fastMeta accepted %q; json: %v", v, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fastMeta(%q) =\n%#v\njson:\n%#v", v, got, want)
		}
	})
}

var benchMessage = []byte(`{"type":"message","id":"060000000000000000000001","attributes":{"channel":"email","direction":"out","body":"Message 1 of conversation 7: where is my order? It was due last week.","htmlBody":"<p>Message 1 of conversation 7</p>","createdAt":"2024-01-01T00:03:30.000Z","attachments":[]},"relationships":{"conversation":{"data":{"type":"conversation","id":"050000000000000000000007"}},"customer":{"data":{"type":"customer","id":"020000000000000000000002"}},"createdBy":{"data":{"type":"user","id":"030000000000000000000007"}}}}`)

// BenchmarkMeta compares the one-pass meta decoder with encoding/json on
// the same message, in one run.
func BenchmarkMeta(b *testing.B) {
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var e metaEnvelope
			if err := json.Unmarshal(benchMessage, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-pass", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, ok := fastMeta(benchMessage); !ok {
				b.Fatal("declined")
			}
		}
	})
}
