package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
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
			// The run's summary matches what the checkpoint holds (state list).
			for _, k := range kind.All {
				n, _ := r.Store.Count(string(k))
				if got := res.Counts[k]["created"] + res.Counts[k]["adopted"]; got != n {
					t.Errorf("%s: the summary says %d created or adopted, the checkpoint holds %d", k, got, n)
				}
			}
			after := r.Sim.Dump()
			if !tc.partial && (len(after.Tickets) != len(before.Tickets) || len(after.Users) != len(before.Users) ||
				len(after.Groups) != len(before.Groups) || len(after.GroupMemberships) != len(before.GroupMemberships) ||
				len(after.Organizations) != len(before.Organizations)) {
				t.Errorf("Zendesk grew: tickets %d→%d, users %d→%d, groups %d→%d, memberships %d→%d, orgs %d→%d",
					len(before.Tickets), len(after.Tickets), len(before.Users), len(after.Users), len(before.Groups), len(after.Groups),
					len(before.GroupMemberships), len(after.GroupMemberships), len(before.Organizations), len(after.Organizations))
			}
			if bh, ah := before.HelpCenter, after.HelpCenter; !tc.partial && (len(ah.Categories) != len(bh.Categories) || len(ah.Sections) != len(bh.Sections) ||
				len(ah.Articles) != len(bh.Articles) || len(ah.Attachments) != len(bh.Attachments) || len(bh.Articles) == 0) {
				t.Errorf("the Help Center grew: categories %d→%d, sections %d→%d, articles %d→%d, attachments %d→%d",
					len(bh.Categories), len(ah.Categories), len(bh.Sections), len(ah.Sections), len(bh.Articles), len(ah.Articles), len(bh.Attachments), len(ah.Attachments))
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

// TestAdoptsUserByEmail: a customer who wrote to support before the
// migration already is a Zendesk user with their email and no external
// id; creating them is refused ("already being used"), so they are
// adopted: given the external id and the mapping's fields, and their
// tickets land with them as requester.
func TestAdoptsUserByEmail(t *testing.T) {
	for _, seed := range []int64{71, 72} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := newRig(t, "small", seed, "")
			ctx := context.Background()
			var email, ext string
			err := engine.NewGenerator(r.Cfg, r.Snap).Run(ctx, func(d *engine.Desired) error {
				if e, _ := d.Payload["email"].(string); d.Kind == kind.User && d.Payload["role"] == "end-user" && e != "" && email == "" {
					email, ext = e, d.Payload["external_id"].(string)
				}
				return nil
			})
			if err != nil || email == "" {
				t.Fatalf("no customer with an email: %v", err)
			}
			pre, _, err := r.Client().CreateOrUpdateUser(ctx, zendesk.User{Name: "Wrote in before", Email: strings.ToUpper(email)})
			if err != nil {
				t.Fatal(err)
			}
			_, res, err := r.planApply(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
				t.Fatalf("%d dead letters, first %+v", len(dead), dead[0])
			}
			if res.Counts[kind.User]["adopted"] != 1 {
				t.Errorf("users: %v, want 1 adopted", res.Counts[kind.User])
			}
			for _, u := range r.Sim.Dump().Users {
				if u.ID == pre.ID && (u.ExternalID == nil || !strings.EqualFold(*u.ExternalID, ext) || u.Name == "Wrote in before") {
					t.Errorf("the adopted user is %+v", u)
				}
			}
			r.checkLanded()
		})
	}
}
