package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/engine/kind"
)

// TestDestroyForgetsOnlyWhatZendeskConfirmed: a ticket deleted by hand
// already counts as gone (RecordNotFound) and is forgotten; tickets whose
// deletion Zendesk's job failed stay in the checkpoint, with the reason;
// the rest are deleted and forgotten.
func TestDestroyForgetsOnlyWhatZendeskConfirmed(t *testing.T) {
	r := newRig(t, "small", 61, "")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	runs, _ := r.Store.Runs()
	batches, err := r.Store.Batches(runs[len(runs)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	targets, err := Targets(r.Store, batches)
	if err != nil {
		t.Fatal(err)
	}
	var tickets []Target
	for _, tg := range targets {
		if tg.Kind == kind.Ticket {
			tickets = append(tickets, tg)
		}
	}
	if len(tickets) < 10 {
		t.Fatalf("only %d tickets", len(tickets))
	}
	id, _ := r.Sim.FindTicket("@1")
	if err := r.Sim.DeleteTicket("@1"); err != nil {
		t.Fatal(err)
	}
	// A destroy that fails: the job refuses every item, none is forgotten.
	r.Sim.SetJobFailures(1)
	res, err := Destroy(ctx, r.Store, r.Client(), tickets[:5])
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 0 || len(res.Failed) != 5 || !strings.Contains(res.Failed[0], "InternalError") {
		t.Fatalf("under job failures: %+v", res)
	}
	for _, tg := range tickets[:5] {
		if _, ok, _ := r.Store.Get(string(tg.Kind), tg.Key); !ok {
			t.Errorf("%s was forgotten though Zendesk did not delete it", tg.Key)
		}
	}
	r.Sim.SetJobFailures(0)
	res, err = Destroy(ctx, r.Store, r.Client(), tickets)
	if err != nil {
		t.Fatal(err)
	}
	if res.Gone != 1 || res.Deleted != len(tickets)-1 || len(res.Failed) != 0 {
		t.Fatalf("destroy = %+v (id deleted by hand %d)", res, id)
	}
	if n, _ := r.Store.Count("ticket"); n != 0 {
		t.Errorf("%d tickets left in the checkpoint", n)
	}
	if live := len(r.Sim.Dump().Tickets); live != 0 {
		t.Errorf("%d tickets left in Zendesk", live)
	}
}
