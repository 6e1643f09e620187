package zendesksim

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestConcurrentBulkImports(t *testing.T) {
	h := newHarness(t, Options{Now: time.Now})
	req := h.user("Req", "req@example.test", "end-user")
	var wg sync.WaitGroup
	ids := make(chan int64, 200)
	for w := range 8 {
		wg.Go(func() {
			var items []any
			for i := range 25 {
				items = append(items, map[string]any{"requester_id": req, "external_id": fmt.Sprintf("w%d-%d", w, i), "comments": comments(2, req)})
			}
			r := h.do("POST", "/api/v2/imports/tickets/create_many", map[string]any{"tickets": items})
			if r.status != 200 {
				t.Errorf("worker %d: %d %s", w, r.status, r.raw)
				return
			}
			id := r.str("job_status", "id")
			for {
				j := h.do("GET", "/api/v2/job_statuses/"+id, nil)
				if j.str("job_status", "status") == "completed" {
					for _, res := range j.get("job_status", "results").([]any) {
						ids <- num(dig(res, "id"))
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] || id == 0 {
			t.Errorf("ticket id %d repeated or zero", id)
		}
		seen[id] = true
	}
	if len(seen) != 200 || len(h.srv.Dump().Tickets) != 200 {
		t.Errorf("%d ids, %d tickets; want 200", len(seen), len(h.srv.Dump().Tickets))
	}
}

func TestDumpIsACopyAndEncodes(t *testing.T) {
	h := newHarness(t, Options{})
	h.must(201, "POST", "/api/v2/imports/tickets.json", map[string]any{"ticket": map[string]any{
		"tags": []any{"a"}, "comments": []any{map[string]any{"value": "x"}}}})
	d := h.srv.Dump()
	d.Tickets[0].Tags[0] = "changed"
	if got := h.srv.Dump().Tickets[0].Tags[0]; got != "a" {
		t.Errorf("changing a dump changed the server: tag = %q", got)
	}
	b, err := json.Marshal(h.srv.Dump())
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Tickets) != 1 || len(back.Tickets[0].Comments) != 1 || len(back.Users) != 1 {
		t.Errorf("round trip: %s", b)
	}
}
