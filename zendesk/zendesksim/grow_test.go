package zendesksim

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkImportAsStateGrows imports batches of 100 tickets (10 comments
// each) into a simulator that already holds more and more of them, and
// reports the time a batch takes at each size held: a simulator that
// slows with its state would make a long apply's batch latency rise.
func BenchmarkImportAsStateGrows(b *testing.B) {
	for b.Loop() {
		h := newHarness(b, Options{Limit: 1 << 30, Now: time.Now})
		req := h.user("Req", "req@example.test", "end-user")
		agent := h.user("Agent", "agent@example.test", "agent")
		text := strings.Repeat("A customer wrote this line of text. ", 6)
		batch := func(i int) []byte {
			var sb bytes.Buffer
			sb.WriteString(`{"tickets":[`)
			for j := range 100 {
				if j > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `{"requester_id":%d,"assignee_id":%d,"subject":"s %d","external_id":"conv-%d-%d","tags":["kustomer-import","t%d"],"comments":[`, req, agent, j, i, j, j%7)
				for k := range 10 {
					if k > 0 {
						sb.WriteByte(',')
					}
					fmt.Fprintf(&sb, `{"author_id":%d,"value":%q,"public":%v,"created_at":"2020-01-01T00:%02d:00Z"}`, req, text, k%2 == 0, k)
				}
				sb.WriteString(`]}`)
			}
			sb.WriteString(`]}`)
			return sb.Bytes()
		}
		n := 0
		for _, held := range []int{0, 50_000, 150_000, 300_000} {
			for ; n < held/100; n++ {
				h.runJob(200, "POST", "/api/v2/imports/tickets/create_many", batch(n))
			}
			const timed = 50
			t0 := time.Now()
			for range timed {
				h.runJob(200, "POST", "/api/v2/imports/tickets/create_many", batch(n))
				n++
			}
			b.ReportMetric(float64(time.Since(t0).Milliseconds())/timed, fmt.Sprintf("ms/batch@%dk", held/1000))
		}
	}
}
