package zendesk

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestExportCountsAndDeletedTickets(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, zendesksim.Options{Now: clk.Now}, nil)
	u, _, err := e.c.CreateOrUpdateUser(ctx(t), User{Name: "Req", Email: "req@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.c.CountTickets(ctx(t)); err != nil || n.Value != 0 || !n.Exact() {
		t.Fatalf("count of an empty account = %+v, %v", n, err)
	}
	var batch []TicketImport
	for i := range 7 {
		batch = append(batch, TicketImport{ExternalID: fmt.Sprintf("x%d", i), Subject: "s", RequesterID: u.ID,
			Comments: []Comment{{AuthorID: u.ID, Body: "hello", CreatedAt: clk.Now().Add(-time.Hour)}}})
	}
	o := e.wait(e.c.ImportTickets(ctx(t), batch, ImportOptions{}))
	start := clk.Now().Add(-time.Hour)
	clk.Advance(2 * time.Minute)
	id0, _ := o.Results[0].IntID()
	e.wait(e.c.DestroyManyTickets(ctx(t), []int64{id0}))
	clk.Advance(2 * time.Minute)

	if n, err := e.c.CountTickets(ctx(t)); err != nil || n.Value != 6 {
		t.Fatalf("count = %+v, %v", n, err)
	}
	seen, deleted := 0, 0
	cursor, err := e.c.ExportTickets(ctx(t), ExportFrom{Start: start}, true, func(tk ExportedTicket) error {
		seen++
		if tk.Deleted() {
			deleted++
		} else if tk.CommentCount != 1 {
			t.Errorf("ticket %d: comment_count %d", tk.ID, tk.CommentCount)
		}
		return nil
	})
	if err != nil || seen != 7 || deleted != 1 || cursor == "" {
		t.Fatalf("export: %d seen, %d deleted, cursor %q, %v", seen, deleted, cursor, err)
	}
	// Continuing from the cursor yields only what changed since.
	if err := e.sim.EditTicket("x3", map[string]string{"priority": "high"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	var again []string
	if _, err := e.c.ExportTickets(ctx(t), ExportFrom{Cursor: cursor}, false, func(tk ExportedTicket) error {
		again = append(again, tk.ExternalID)
		return nil
	}); err != nil || len(again) != 1 || again[0] != "x3" {
		t.Fatalf("from the cursor: %v, %v", again, err)
	}
	var dts []DeletedTicket
	for d, err := range e.c.ListDeletedTickets(ctx(t)) {
		if err != nil {
			t.Fatal(err)
		}
		dts = append(dts, d)
	}
	if len(dts) != 1 || dts[0].ID != id0 {
		t.Fatalf("deleted tickets = %+v", dts)
	}
	if err := e.c.RestoreTicket(ctx(t), id0); err != nil {
		t.Fatal(err)
	}
	if tk, err := e.c.ShowTicket(ctx(t), id0); err != nil || tk.ExternalID != "x0" {
		t.Fatalf("restored: %+v, %v", tk, err)
	}
}
