package zendesksim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkThroughput measures requests per second through real HTTP,
// with the rate limit out of the way. The simulator should serve at least
// 2,000 requests/s on a 2-core machine so that it never paces a rehearsal.
func BenchmarkThroughput(b *testing.B) {
	h := newHarness(b, Options{Limit: 1 << 30, Now: time.Now})
	req := h.user("Req", "req@example.test", "end-user")
	agent := h.user("Agent", "agent@example.test", "agent")
	importBody := []byte(fmt.Sprintf(`{"ticket":{"requester_id":%d,"assignee_id":%d,"subject":"s","tags":["kustomer-import"],"comments":[
		{"author_id":%d,"value":"hello","created_at":"2020-01-01T00:00:00Z"},
		{"author_id":%d,"value":"hi there","public":false,"created_at":"2020-01-01T00:01:00Z"},
		{"author_id":%d,"value":"thanks","created_at":"2020-01-01T00:02:00Z"}]}}`, req, agent, req, agent, req))
	first := h.must(201, "POST", "/api/v2/imports/tickets", importBody)
	ticketPath := fmt.Sprintf("/api/v2/tickets/%d", num(first.get("ticket", "id")))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	send := func(method, path string, body []byte) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		r, _ := http.NewRequest(method, h.http.URL+path, rd)
		r.SetBasicAuth(h.email+"/token", h.token)
		res, err := client.Do(r)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			b.Errorf("%s %s = %d", method, path, res.StatusCode)
		}
	}
	cases := []struct {
		name string
		do   func(i int64)
	}{
		{"show", func(int64) { send("GET", ticketPath, nil) }},
		{"import", func(int64) { send("POST", "/api/v2/imports/tickets", importBody) }},
		{"mixed", func(i int64) {
			switch i % 4 {
			case 0:
				send("POST", "/api/v2/imports/tickets", importBody)
			case 1:
				send("GET", ticketPath+"/comments", nil)
			case 2:
				send("GET", "/api/v2/tickets?page[size]=100", nil)
			default:
				send("GET", "/api/v2/users/me", nil)
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var n atomic.Int64
			b.SetParallelism(4)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.do(n.Add(1))
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkHeldState measures what the simulator's heap holds per imported
// ticket and comment, after a collection: a million-ticket rehearsal keeps
// all of it, and the collector's work grows with it (bench/scale).
func BenchmarkHeldState(b *testing.B) {
	const tickets, comments = 2_000, 10
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		h := newHarness(b, Options{Limit: 1 << 30, Now: time.Now})
		req := h.user("Req", "req@example.test", "end-user")
		agent := h.user("Agent", "agent@example.test", "agent")
		body := strings.Repeat("A customer wrote this line of text. ", 6)
		for i := range tickets / 100 {
			var batch []map[string]any
			for j := range 100 {
				var cs []map[string]any
				for k := range comments {
					c := map[string]any{"author_id": req, "created_at": fmt.Sprintf("2020-01-01T00:%02d:00Z", k)}
					if k%2 == 0 {
						c["value"] = body
					} else {
						c["author_id"], c["html_body"], c["public"] = agent, "<p>"+body+"</p>", false
					}
					cs = append(cs, c)
				}
				batch = append(batch, map[string]any{"requester_id": req, "assignee_id": agent, "subject": "s",
					"external_id": fmt.Sprintf("conv-%d-%d", i, j), "tags": []string{"kustomer-import"}, "comments": cs})
			}
			h.runJob(200, "POST", "/api/v2/imports/tickets/create_many", map[string]any{"tickets": batch})
		}
		if c := h.srv.Census(); c.Tickets != tickets || c.Comments != tickets*comments {
			b.Fatalf("census %+v, want %d tickets with %d comments", c, tickets, tickets*comments)
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		held := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		b.ReportMetric(held/tickets, "heap-B/ticket")
		b.ReportMetric(held/(tickets*comments), "heap-B/comment")
		runtime.KeepAlive(h)
		b.StartTimer()
	}
}
