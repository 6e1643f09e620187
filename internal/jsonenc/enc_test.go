package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dsl"
)

// value builds a value of the shapes mappings make, from r.
func value(r *rand.Rand, depth int) any {
	strs := []string{"", "plain", `"q" \ /`, "<b>&amp;</b>", "line\nbreak\ttab\r\b\f", "\x00\x1f\x7f", "café 日本 😀",
		"\u2028\u2029", "bad \xff utf8 \xe2\x82", "kz_departed_author_x"}
	floats := []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-7, 1e-6, 123456789, 1e20, 1e21, 1.5e300, 5e-324, 0.1, 3.0000001e-10}
	n := 10
	if depth > 3 {
		n = 7
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return floats[r.IntN(len(floats))] * float64(1-2*r.IntN(2))
	case 3:
		return r.IntN(1<<20) - 1<<19
	case 4:
		return int64(r.Uint64())
	case 5, 6:
		return strs[r.IntN(len(strs))]
	case 7:
		if r.IntN(5) == 0 {
			return []any(nil)
		}
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = value(r, depth+1)
		}
		return l
	case 8:
		switch r.IntN(4) {
		case 0:
			return []string{"a", "<x>"}
		case 1:
			return time.Date(2021, 1, 2, 3, 4, 5, 6, time.UTC) // encoding/json's own
		case 2:
			return map[string]string{"b": "1", "a": "&"} // another map type: encoding/json's
		}
		return []string(nil)
	}
	var m map[string]any
	if r.IntN(6) != 0 {
		m = map[string]any{}
		for range r.IntN(5) {
			m[strs[r.IntN(len(strs))]+string(rune('a'+r.IntN(3)))] = value(r, depth+1)
		}
	}
	if r.IntN(2) == 0 {
		return dsl.Payload(m)
	}
	return m
}

func want(v any, html bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	err := enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

func TestAppendIsEncodingJSON(t *testing.T) {
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 11))
		for i := range 3000 {
			v := value(r, 0)
			for _, html := range []bool{true, false} {
				w, err := want(v, html)
				got, ok := Append([]byte("prefix"), v, html)
				if ok != (err == nil) || ok && string(got) != "prefix"+string(w) || !ok && string(got) != "prefix" {
					t.Fatalf("seed %d value %d (html %v): %#v\n got %q, %v\nwant %q, %v", seed, i, html, v, got, ok, w, err)
				}
			}
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"a": []any{math.Inf(-1)}}, func() {}} {
		if got, ok := Append(nil, v, true); ok {
			t.Errorf("Append(%v) = %q, true; encoding/json refuses it", v, got)
		}
	}
}

// FuzzAppendString: any string is quoted as encoding/json quotes it.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a<b>&c", "\u2028x\xff", "\x00\"\\", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			w, _ := want(s, html)
			if got := appendString(nil, s, html); !bytes.Equal(got, w) {
				t.Fatalf("appendString(%q, %v) = %q; encoding/json: %q", s, html, got, w)
			}
		}
	})
}

// FuzzAppendFloat: any float64 is written as encoding/json writes it.
func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1e-7, 1e21, -2.5, 5e-324, math.MaxFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		w, err := want(x, true)
		got, ok := appendFloat(nil, x)
		if ok != (err == nil) || ok && !bytes.Equal(got, w) {
			t.Fatalf("appendFloat(%v) = %q, %v; encoding/json: %q, %v", x, got, ok, w, err)
		}
	})
}

// BenchmarkTicketPayload writes a ticket's payload of the default
// mapping's shape, through Append and through a json.Encoder.
func BenchmarkTicketPayload(b *testing.B) {
	p := dsl.Payload{"external_id": "kustomer:conversation:5e0000000000000000000001", "subject": "Wrong colour <again>",
		"status": "solved", "priority": "normal", "requester_id": "customer/5d0000000000000000000001",
		"assignee_id": "user/5c0000000000000000000002", "tags": []any{"kustomer-import", "vip", "channel_email"},
		"created_at": "2021-03-04T05:06:07Z", "updated_at": "2021-03-05T05:06:07Z",
		"custom_fields": []any{map[string]any{"id": "ticket_field.kustomer_id", "value": "5e0000000000000000000001"}, map[string]any{"id": "ticket_field.sentiment", "value": 0.5}}}
	c := dsl.Payload{"author_id": "customer/5d0000000000000000000001", "public": true, "created_at": "2021-03-04T05:06:07Z",
		"html_body": "<p>Hello,<br>I ordered \"the blue one\" &amp; got the red one.</p>", "body": "Hello,\nI ordered \"the blue one\" & got the red one."}
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = Append(buf[:0], p, true)
			for range 10 {
				buf, _ = Append(buf[:0], c, true)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for b.Loop() {
			buf.Reset()
			enc.Encode(p)
			for range 10 {
				enc.Encode(c)
			}
		}
	})
}
