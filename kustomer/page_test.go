package kustomer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// pagesLike makes answers in the shapes Kustomer sends: lists with and
// without totals and links, search pages, a lookup of one, included
// resources, spacing, escapes and non-ASCII in the resources.
func pagesLike(r *rand.Rand) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	n := r.IntN(5)
	if r.IntN(6) == 0 {
		fmt.Fprintf(&b, `"data":{"type":"customer","id":"c%d","attributes":{"name":"Zoë \"Z\" Ng\n"}}`, n)
	} else {
		b.WriteString(`"data":[`)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `{"type":"message","id":"m%d","attributes":{"preview":"line\tone \u00e9 %d","channel":"email"},"relationships":{"conversation":{"data":{"type":"conversation","id":"x%d"}}}}`, i, r.IntN(1000), i)
		}
		b.WriteString("]")
	}
	if r.IntN(3) == 0 {
		b.WriteString(` , "included" : [{"type":"attachment","id":"a1"}]`)
	}
	switch r.IntN(3) {
	case 0:
		fmt.Fprintf(&b, `,"meta":{"page":%d,"pageSize":100,"total":%d,"totalPages":3}`, r.IntN(9)+1, r.IntN(300))
	case 1:
		b.WriteString(`,"meta":{"pageSize":100}`)
	}
	if r.IntN(2) == 0 {
		b.WriteString(`,"links":{"self":"/v1/customers?page=2","first":"/v1/customers?page=1","prev":null,"next":"/v1/customers?page=3","last":null}`)
	}
	b.WriteString("}")
	return b.Bytes()
}

// The pages Kustomer sends take the one-pass path, and decode to what
// encoding/json makes of them.
func TestFastPageReadsKustomerPages(t *testing.T) {
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 3))
		for i := range 300 {
			body := pagesLike(r)
			fast, ok := fastPage(body)
			if !ok {
				t.Fatalf("seed %d page %d: declined %s", seed, i, body)
			}
			samePage(t, body, fast)
		}
	}
}

func samePage(t *testing.T, body []byte, fast *Page) {
	t.Helper()
	slow, err := slowPage(body)
	if err != nil {
		t.Fatalf("%s: encoding/json refused what the one-pass path read: %v", body, err)
	}
	f, _ := json.Marshal(fast)
	s, _ := json.Marshal(slow)
	if !bytes.Equal(f, s) || (fast.Data == nil) != (slow.Data == nil) || (fast.Included == nil) != (slow.Included == nil) {
		t.Fatalf("%s:\n one pass %s\nencoding/json %s", body, f, s)
	}
}

// FuzzFastPage: whatever the one-pass path reads, encoding/json reads the
// same.
func FuzzFastPage(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 9))
	for range 6 {
		f.Add(pagesLike(r))
	}
	for _, s := range []string{`{"data":null}`, `{"Data":[]}`, `{"data":[],"data":[]}`, `{"data":5}`, `{"included":null}`,
		`{"meta":{"page":"x"}}`, `{"links":{"next":5}}`, `{"data":[1,"a",null]}`, `{}`, `{"meta":null,"links":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if fast, ok := fastPage(body); ok {
			samePage(t, body, fast)
		}
	})
}

// BenchmarkDecodePage decodes a list page of 100 messages as Kustomer
// sends it, in one pass and with encoding/json.
func BenchmarkDecodePage(b *testing.B) {
	var sb bytes.Buffer
	sb.WriteString(`{"data":[`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"type":"message","id":"5f%022d","attributes":{"channel":"email","direction":"in","preview":"Hello,\nI ordered \"the blue one\" and got the red one. Could you swap it?","createdAt":"2021-03-04T05:06:07.890Z","updatedAt":"2021-03-04T05:06:07.890Z","meta":{"subject":"Wrong colour"}},"relationships":{"conversation":{"data":{"type":"conversation","id":"5e%022d"}},"customer":{"data":{"type":"customer","id":"5d%022d"}}}}`, i, i/10, i/20)
	}
	sb.WriteString(`],"meta":{"page":3,"pageSize":100},"links":{"self":"/v1/messages?page=3","next":"/v1/messages?page=4","prev":"/v1/messages?page=2"}}`)
	body := sb.Bytes()
	b.SetBytes(int64(len(body)))
	for _, c := range []struct {
		name string
		fn   func([]byte) (*Page, error)
	}{{"one_pass", decodePage}, {"encoding_json", slowPage}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if p, err := c.fn(body); err != nil || len(p.Data) != 100 {
					b.Fatal(err)
				}
			}
		})
	}
}
