package apply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// TestRefreshFindsDrift: a ticket deleted by hand is forgotten and
// planned again; one edited by hand is drift, left alone by the plan
// (listed as a conflict) unless the block says on_conflict = "overwrite";
// a refresh with nothing changed changes nothing.
func TestRefreshFindsDrift(t *testing.T) {
	for _, seed := range []int64{51, 52} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			clk := &enginetest.Clock{}
			r := newRigWith(t, "small", seed, "", func(o *zendesksim.Options) { o.Now = clk.Now })
			ctx := context.Background()
			if _, _, err := r.planApply(ctx, false); err != nil {
				t.Fatal(err)
			}
			c := r.Client()
			d, err := Refresh(ctx, r.Store, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Gone)+len(d.Changed) != 0 || d.Read[kind.Ticket] == 0 || d.Read[kind.User] == 0 {
				t.Fatalf("refresh right after apply: %+v", d)
			}
			t.Logf("read back %v in %d requests", d.Read, d.Requests)
			clk.Advance(2 * time.Second)
			if err := r.Sim.DeleteTicket("@1"); err != nil {
				t.Fatal(err)
			}
			if err := r.Sim.EditTicket("@2", map[string]string{"priority": "urgent", "note": "called the customer"}); err != nil {
				t.Fatal(err)
			}
			d, err = Refresh(ctx, r.Store, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Gone) != 1 || len(d.Changed) != 1 || d.Gone[0].Kind != kind.Ticket || d.Changed[0].Kind != kind.Ticket {
				t.Fatalf("after edits by hand: gone %+v, changed %+v", d.Gone, d.Changed)
			}
			edited := d.Changed[0].Key
			pr, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
			if err != nil {
				t.Fatal(err)
			}
			if n := pr.Summary.Counts[kind.Ticket][kind.Create]; n != 1 || pr.Summary.Changes != 1 {
				t.Errorf("plan after refresh: %v, want one ticket created again", pr.Summary.Counts)
			}
			// Apply recreates the deleted ticket; the edited one stays drift.
			if _, _, err := r.planApply(ctx, false); err != nil {
				t.Fatal(err)
			}
			r.checkLanded()
			e, ok, _ := r.Store.Get("ticket", edited)
			if !ok || e.Drift == "" {
				t.Fatalf("the edited ticket lost its drift: %+v", e)
			}
			if d, err = Refresh(ctx, r.Store, c); err != nil || len(d.Gone) != 0 || len(d.Changed) != 1 {
				t.Fatalf("a third refresh: %+v, %v", d, err)
			}
		})
	}
}
