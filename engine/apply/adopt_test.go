package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
)

// TestLostCheckpointAdoptsEverything: a migration landed, then the same
// mapping is applied from a fresh checkpoint against the same Zendesk (a
// lost .kzmap/, a new laptop). Nothing is created again: every record is
// adopted, no request is refused, and the next plan shows no changes. The
// same holds when the first apply was cut short.
func TestLostCheckpointAdoptsEverything(t *testing.T) {
	for _, tc := range []struct {
		profile string
		seed    int64
		partial bool
	}{{"small", 41, false}, {"small", 42, true}, {"edge", 43, false}} {
		t.Run(fmt.Sprintf("%s/%d/partial=%v", tc.profile, tc.seed, tc.partial), func(t *testing.T) {
			r := newRig(t, tc.profile, tc.seed, "")
			ctx := context.Background()
			if tc.partial {
				// Stop after the first ticket batches.
				cctx, cancel := context.WithCancel(ctx)
				r.progress = func(p Progress) {
					if p.Kind == kind.Ticket && p.Done >= 20 {
						cancel()
					}
				}
				r.planApply(cctx, false)
				cancel()
				r.progress = nil
			} else if _, _, err := r.planApply(ctx, false); err != nil {
				t.Fatal(err)
			}
			before := r.Sim.Dump()
			// The checkpoint is lost.
			r.Store.Close()
			if err := os.RemoveAll(filepath.Join(r.Dir, ".kzmap")); err != nil {
				t.Fatal(err)
			}
			r.OpenStore()
			r.Sim.ResetStats()
			pr, res, err := r.planApply(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			for k, by := range res.Counts {
				if by["created"] > 0 && !tc.partial {
					t.Errorf("%s: %d created again", k, by["created"])
				}
			}
			if !tc.partial {
				for k, by := range pr.Summary.Counts {
					if n := by["create"]; n > 0 && k != kind.CustomObject && k != kind.CustomObjectRecord && res.Counts[k]["adopted"] != n {
						t.Errorf("%s: adopted %d of %d (%v)", k, res.Counts[k]["adopted"], n, res.Counts[k])
					}
				}
			}
			for code, n := range r.Sim.Stats().ByStatus {
				if code >= 400 && code != 429 {
					t.Errorf("%d requests answered %d", n, code)
				}
			}
			if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
				t.Errorf("%d dead letters, first %+v", len(dead), dead[0])
			}
			after := r.Sim.Dump()
			if !tc.partial && (len(after.Tickets) != len(before.Tickets) || len(after.Users) != len(before.Users) ||
				len(after.Groups) != len(before.Groups) || len(after.GroupMemberships) != len(before.GroupMemberships) ||
				len(after.Organizations) != len(before.Organizations)) {
				t.Errorf("Zendesk grew: tickets %d→%d, users %d→%d, groups %d→%d, memberships %d→%d, orgs %d→%d",
					len(before.Tickets), len(after.Tickets), len(before.Users), len(after.Users), len(before.Groups), len(after.Groups),
					len(before.GroupMemberships), len(after.GroupMemberships), len(before.Organizations), len(after.Organizations))
			}
			r.checkLanded()
			again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
			if err != nil {
				t.Fatal(err)
			}
			if again.Summary.Changes != 0 {
				t.Errorf("plan after adopting: %d changes (%v)", again.Summary.Changes, again.Summary.Counts)
			}
		})
	}
}
