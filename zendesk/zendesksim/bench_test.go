package zendesksim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
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
