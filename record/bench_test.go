package record

import (
	"encoding/json"
	"testing"
)

var benchMessage = []byte(`{"type":"message","id":"060000000000000000000001","attributes":{"channel":"email","direction":"out","body":"Message 1 of conversation 7: where is my order? It was due last week.","htmlBody":"<p>Message 1 of conversation 7</p>","createdAt":"2024-01-01T00:03:30.000Z","attachments":[]},"relationships":{"conversation":{"data":{"type":"conversation","id":"050000000000000000000007"}},"customer":{"data":{"type":"customer","id":"020000000000000000000002"}},"createdBy":{"data":{"type":"user","id":"030000000000000000000007"}}}}`)

func BenchmarkDecodeMessage(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for i := 0; i < b.N; i++ {
		if _, err := DecodeJSON(benchMessage); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnvelope compares the one-pass envelope decoder with
// encoding/json on the same message, in one run.
func BenchmarkEnvelope(b *testing.B) {
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchMessage)))
		for i := 0; i < b.N; i++ {
			var r Resource
			if err := json.Unmarshal(benchMessage, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-pass", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchMessage)))
		for i := 0; i < b.N; i++ {
			if _, ok := fastResource(benchMessage); !ok {
				b.Fatal("declined")
			}
		}
	})
}
