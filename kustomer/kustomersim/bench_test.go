package kustomersim

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchFixture is an org of 2,000 customers, 6,000 conversations and
// 30,000 messages with realistic line sizes.
func benchFixture() *fixture {
	f := newFixture()
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	stamp := func(i int) string { return base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z") }
	body := strings.Repeat("Hello, my order has not arrived yet. ", 12)
	for c := range 2000 {
		f.add("customers.ndjson", res("customer", id(tCustomer, c), obj{
			"name": fmt.Sprintf("Customer %d", c), "emails": []obj{{"email": fmt.Sprintf("c%d@example.com", c), "type": "home", "verified": true}},
			"tags": []string{"a", "b"}, "custom": obj{"tierStr": "gold", "ltvNum": c}, "createdAt": stamp(c), "updatedAt": stamp(c * 3),
		}, nil))
	}
	m := 0
	for v := range 6000 {
		cust := v % 2000
		f.add("conversations.ndjson", res("conversation", id(tConversation, v), obj{
			"name": "Order late", "status": "done", "priority": 1 + v%5, "channels": []string{"email"}, "createdAt": stamp(v), "updatedAt": stamp(v + 10),
		}, obj{"customer": rel("customer", id(tCustomer, cust))}))
		for range 5 {
			f.add("messages.ndjson", res("message", id(tMessage, m), obj{
				"channel": "email", "direction": "in", "preview": body[:200], "body": body, "subject": "Order", "createdAt": stamp(m), "updatedAt": stamp(m),
			}, obj{"conversation": rel("conversation", id(tConversation, v)), "customer": rel("customer", id(tCustomer, cust))}))
			m++
		}
	}
	return f
}

// BenchmarkThroughput drives a mix of the requests an extractor sends
// (conversation messages, get by id, org list pages, searches) from
// parallel clients over loopback. The target is 2,000 requests/s on two
// cores; the req/s metric is the figure to read.
func BenchmarkThroughput(b *testing.B) {
	h := serve(b, benchFixture(), Options{Limit: -1, SearchLimit: -1})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	paths := []string{}
	for i := range 40 {
		paths = append(paths,
			"GET /v1/conversations/"+id(tConversation, i*131)+"/messages",
			"GET /v1/customers/"+id(tCustomer, i*37),
			"GET /v1/conversations/"+id(tConversation, i*97),
			"GET /v1/customers/"+id(tCustomer, i*41)+"/conversations",
		)
		if i%4 == 0 {
			paths = append(paths, fmt.Sprintf("GET /v1/conversations?page=%d&pageSize=100", i+1))
		}
		if i%8 == 0 {
			paths = append(paths, fmt.Sprintf("POST /v1/customers/search?page=%d&pageSize=100 {\"queryContext\":\"conversation\",\"and\":[{\"conversation_updated_at\":{\"gte\":\"2025-06-02\"}}],\"sort\":{\"conversation_updated_at\":\"asc\"}}", i/8+1))
		}
	}
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := paths[int(next.Add(1))%len(paths)]
			method, rest, _ := strings.Cut(p, " ")
			path, body, _ := strings.Cut(rest, " ")
			req, _ := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testKey)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%s: %d", p, resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkLoad(b *testing.B) {
	dir := benchFixture().write(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
