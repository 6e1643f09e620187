package readback

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// TestTicketsEveryWay: whichever way tickets are read, the same ones come
// back: live ones, the deleted one marked, one changed within the export's
// last minute (read by show_many), and none for an id Zendesk never had.
func TestTicketsEveryWay(t *testing.T) {
	ctx := context.Background()
	clk := &enginetest.Clock{}
	sim := zendesksim.New(zendesksim.Options{Email: enginetest.Email, Token: enginetest.Token, Limit: 5000, Window: time.Second, BulkImportEnabled: true, Now: clk.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := zendesk.New(zendesk.Config{BaseURL: srv.URL, Email: enginetest.Email, Token: zendesk.NewSecret(enginetest.Token),
		Limiter: throttle.New(throttle.Options{Limit: 5000, Window: time.Second}), PollMin: time.Millisecond, PollMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := c.CreateOrUpdateUser(ctx, zendesk.User{Name: "R", Email: "r@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	var batch []zendesk.TicketImport
	for i := range 30 {
		batch = append(batch, zendesk.TicketImport{ExternalID: fmt.Sprint("t", i), Subject: "s", RequesterID: u.ID,
			Comments: []zendesk.Comment{{AuthorID: u.ID, Body: "b", CreatedAt: clk.Now().Add(-time.Hour)}}})
	}
	job, err := c.ImportTickets(ctx, batch, zendesk.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range res.Results {
		id, _ := r.IntID()
		ids = append(ids, id)
	}
	since := clk.Now()
	clk.Advance(2 * time.Minute)
	if err := sim.DeleteTicket("t0"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	if err := sim.EditTicket("t1", map[string]string{"status": "hold"}); err != nil { // within the last minute
		t.Fatal(err)
	}
	ids = append(ids, 424242) // never existed
	for _, mode := range []Mode{ShowMany, Export, Auto} {
		got := map[int64]zendesk.ExportedTicket{}
		set := NewIDs(ids)
		err := Tickets(ctx, c, set, since, mode, func(i int, tk zendesk.ExportedTicket) error {
			if set[i] != tk.ID {
				t.Errorf("mode %d: ticket %d given as the set's %d, which is %d", mode, tk.ID, i, set[i])
			}
			got[tk.ID] = tk
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		live := 0
		for _, tk := range got {
			if !tk.Deleted() {
				live++
			}
		}
		if live != 29 || got[ids[1]].Status != "hold" || got[424242].ID != 0 {
			t.Errorf("mode %d: %d live, t1 %q, %d read", mode, live, got[ids[1]].Status, len(got))
		}
		if mode == Export && !got[ids[0]].Deleted() {
			t.Errorf("the export did not mark the deleted ticket: %+v", got[ids[0]])
		}
	}
}

func TestIDsSortedOnce(t *testing.T) {
	in := []int64{9, 3, 7, 3, 1, 9}
	s := NewIDs(in)
	if want := (IDs{1, 3, 7, 9}); !slices.Equal(s, want) {
		t.Fatalf("NewIDs(%v) = %v, want %v", in, s, want)
	}
	if in[0] != 9 || in[5] != 9 {
		t.Errorf("NewIDs changed its argument: %v", in)
	}
	for i, id := range s {
		if j, ok := s.Index(id); !ok || j != i {
			t.Errorf("Index(%d) = %d, %v; want %d, true", id, j, ok, i)
		}
	}
	for _, id := range []int64{0, 2, 8, 10} {
		if _, ok := s.Index(id); ok {
			t.Errorf("Index(%d) found an id the set does not hold", id)
		}
	}
}
