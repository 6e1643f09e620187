package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// rig is enginetest's, with what apply's tests add: workers, settle, and
// what checkLanded found missing or repeated.
type rig struct {
	*enginetest.Rig
	workers    int
	lost, dups int
	settle     time.Duration
	progress   func(Progress)
	// mapping is the mapping directory the killed children load (relative
	// to engine/apply; "" the default template).
	mapping string
}

func newRig(t testing.TB, profile string, seed int64, faults string) *rig {
	return newRigWith(t, profile, seed, faults, nil)
}

// newRigLimit is newRig with a Zendesk rate limit per (one second)
// window and the checkpoint in pg (nil: the rig's file).
func newRigLimit(t testing.TB, profile string, seed int64, limit int, pg *checkpoint.PG) *rig {
	t.Helper()
	return &rig{Rig: enginetest.New(t, profile, seed, enginetest.Options{PG: pg, Tweak: func(o *zendesksim.Options) { o.Limit = limit }})}
}

// newRigWith is newRig with the simulator's options adjusted.
func newRigWith(t testing.TB, profile string, seed int64, faults string, tweak func(*zendesksim.Options)) *rig {
	t.Helper()
	return &rig{Rig: enginetest.New(t, profile, seed, enginetest.Options{Faults: faults, Tweak: tweak})}
}

// planApply plans against the checkpoint and applies the plan.
func (r *rig) planApply(ctx context.Context, retryDead bool) (*engine.PlanResult, *Result, error) {
	c := r.Client()
	if _, err := Recover(ctx, r.Store, c, r.settle, nil); err != nil {
		return nil, nil, err
	}
	out := filepath.Join(r.Dir, "plan.kzplan")
	pr, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store, Out: out})
	if err != nil {
		return nil, nil, err
	}
	res, err := Apply(ctx, Options{Config: r.Cfg, Snapshot: r.Snap, Files: DirFiles{Dir: r.Export, Snap: r.Snap},
		Store: r.Store, Client: c, Plan: out, RetryDeadLetters: retryDead, Workers: r.workers, Settle: r.settle, OnProgress: r.progress})
	return pr, res, err
}

// checkLanded compares Zendesk's state with the checkpoint: every ticket
// once, with its comments in source order, no duplicates anywhere.
func (r *rig) checkLanded() zendesksim.State {
	t := r.T
	st := r.Sim.Dump()
	seen := map[string]int{}
	for _, tk := range st.Tickets {
		ext := ""
		if tk.ExternalID != nil {
			ext = *tk.ExternalID
			seen[ext]++
		}
		for i := 1; i < len(tk.Comments); i++ {
			if tk.Comments[i].CreatedAt.Before(tk.Comments[i-1].CreatedAt) {
				t.Errorf("ticket %s: comment %d is older than the one before", ext, i)
				break
			}
		}
	}
	for ext, n := range seen {
		if n > 1 {
			r.dups += n - 1
			t.Errorf("ticket %s imported %d times", ext, n)
		}
	}
	users := map[string]int{}
	for _, u := range st.Users {
		if u.ExternalID != nil {
			users[*u.ExternalID]++
		}
	}
	for ext, n := range users {
		if n > 1 {
			r.dups += n - 1
			t.Errorf("user %s created %d times", ext, n)
		}
	}
	// Every ticket the checkpoint records exists in Zendesk.
	err := r.Store.ForEach("ticket", func(key string, e checkpoint.Entry) error {
		found := false
		for _, tk := range st.Tickets {
			if fmt.Sprint(tk.ID) == e.ZendeskID {
				found = true
				break
			}
		}
		if !found {
			r.lost++
			t.Errorf("ticket %s (Zendesk %s) is in the checkpoint, not in Zendesk", key, e.ZendeskID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := r.Store.Count("ticket")
	if n != len(seen) {
		t.Errorf("checkpoint has %d tickets, Zendesk %d", n, len(seen))
	}
	return st
}

func TestApplyEdgeOrganisation(t *testing.T) {
	if testing.Short() {
		t.Skip("edge dataset")
	}
	r := newRig(t, "edge", 11, "")
	ctx := context.Background()
	pr, res, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := r.Store.DeadLetters()
	for _, d := range dead {
		t.Errorf("dead letter %s %s: %s", d.Kind, d.Key, d.Error)
	}
	st := r.checkLanded()
	checkFidelity(t, r, st, pr)
	if got, want := len(st.Tickets), pr.Summary.Counts["ticket"]["create"]; got != want {
		t.Errorf("Zendesk has %d tickets, the plan created %d", got, want)
	}
	stats := r.Sim.Stats()
	for code, n := range stats.ByStatus {
		if code >= 400 {
			t.Errorf("%d requests answered %d: %v", n, code, stats.ByRoute)
		}
	}
	// The conversation over 5,000 messages became linked tickets.
	parts := 0
	for _, tk := range st.Tickets {
		if len(tk.Comments) > zendesk.MaxCommentsPerTicket {
			t.Errorf("ticket %d has %d comments", tk.ID, len(tk.Comments))
		}
		for _, tag := range tk.Tags {
			if strings.HasPrefix(tag, "kz_conversation_") {
				parts++
				break
			}
		}
	}
	if parts < 2 {
		t.Errorf("%d tickets carry a kz_conversation_ tag; want the parts of the long conversation", parts)
	}
	t.Logf("applied: %v; requests %d", res.Counts, stats.Total)

	// Rule 21: a plan after a complete apply has no changes.
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes != 0 {
		t.Errorf("plan after apply: %d changes: %+v", again.Summary.Changes, again.Ops[:min(5, len(again.Ops))])
	}
}

// TestApplyUnderFaults runs against 5% 500s, 2% resets, 429 bursts and
// failed job items: the run completes, failures are dead letters with
// reasons, and retrying them lands everything, each record once.
func TestApplyUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault run")
	}
	r := newRig(t, "small", 12, "5xx=0.05,reset=0.02,429burst=0.01:3,retry-after=20ms,jobfail=0.03,seed=3")
	// One batch at a time: with several in flight, requests already on the
	// wire when a fault 429 is answered reach the simulator "early" though
	// no worker sent anything after seeing it. The budget benchmark covers
	// concurrency; this test holds the client to zero early requests.
	r.workers = 1
	ctx := context.Background()
	firstDead := applyRetrying(t, r)
	r.checkLanded()
	stats := r.Sim.Stats()
	injected := stats.TooMany + stats.Resets
	for code, n := range stats.ByStatus {
		if code >= 500 {
			injected += n
		}
	}
	t.Logf("KZSUITE faults_injected=%d dead_letters_retried=%d records_lost=%d records_duplicated=%d", injected, firstDead, r.lost, r.dups)
	if stats.EarlyRetries != 0 {
		t.Errorf("%d requests sent before Retry-After elapsed", stats.EarlyRetries)
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes != 0 {
		t.Errorf("plan after retries: %d changes", again.Summary.Changes)
	}
}

func TestStalePlanRefused(t *testing.T) {
	r := newRig(t, "small", 13, "")
	ctx := context.Background()
	out := filepath.Join(r.Dir, "old.kzplan")
	if _, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store, Out: out}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(ctx, Options{Config: r.Cfg, Snapshot: r.Snap, Store: r.Store, Client: r.Client(), Plan: out})
	if err == nil || !strings.Contains(err.Error(), "the plan is stale: the checkpoint changed since") {
		t.Fatalf("err = %v", err)
	}
}

// TestApplyAdoptsOrganizations: organizations Zendesk already holds under
// a company's name (in another case, with spaces) or under kzmap's
// external id (a run whose checkpoint was lost) are adopted and updated
// to the mapping, never created twice and never refused as taken.
func TestApplyAdoptsOrganizations(t *testing.T) {
	for _, seed := range []int64{21, 22} {
		r := newRig(t, "small", seed, "")
		ctx := context.Background()
		c := r.Client()
		// Two companies Zendesk already knows.
		var names []string
		var ids []string
		r.Snap.ForEach("company", func(id string, raw []byte) error {
			rec, _ := record.DecodeJSON(raw)
			names, ids = append(names, rec.(*record.Company).Name), append(ids, id)
			return nil
		})
		byName, _, err := c.CreateOrUpdateOrganization(ctx, zendesk.Organization{Name: "  " + strings.ToUpper(strings.TrimSpace(names[0])) + " ", Tags: []string{"crm"}})
		if err != nil {
			t.Fatal(err)
		}
		byExt, _, err := c.CreateOrUpdateOrganization(ctx, zendesk.Organization{Name: "Renamed by hand", ExternalID: "kustomer:company:" + ids[1]})
		if err != nil {
			t.Fatal(err)
		}
		r.Sim.ResetStats()
		pr, res, err := r.planApply(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
			t.Errorf("seed %d: dead letters: %+v", seed, dead)
		}
		for code, n := range r.Sim.Stats().ByStatus {
			if code >= 400 {
				t.Errorf("seed %d: %d requests answered %d", seed, n, code)
			}
		}
		if got := res.Counts["organization"]["adopted"]; got != 2 {
			t.Errorf("seed %d: adopted %d organizations, want 2 (%v)", seed, got, res.Counts["organization"])
		}
		st := r.Sim.Dump()
		if got, want := len(st.Organizations), pr.Summary.Counts["organization"]["create"]; got != want {
			t.Errorf("seed %d: Zendesk holds %d organizations, the plan has %d", seed, got, want)
		}
		for _, o := range st.Organizations {
			switch o.ID {
			case byName.ID:
				if o.ExternalID == nil || !strings.HasPrefix(*o.ExternalID, "kustomer:company:") || o.Name != strings.TrimSpace(names[0]) {
					t.Errorf("seed %d: the organization adopted by name is %+v", seed, o)
				}
			case byExt.ID:
				if o.Name == "Renamed by hand" {
					t.Errorf("seed %d: the organization adopted by external id kept the name set by hand", seed)
				}
			}
		}
		again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
		if err != nil {
			t.Fatal(err)
		}
		if again.Summary.Changes != 0 {
			t.Errorf("seed %d: plan after apply: %d changes", seed, again.Summary.Changes)
		}
	}
}

// TestDepartedAuthorsAreTheImporter: a comment whose author no longer
// exists carries the importing admin's id explicitly, as the plan says,
// not Zendesk's default for an omitted author (which the simulator, like
// an import, takes to be the requester).
func TestDepartedAuthorsAreTheImporter(t *testing.T) {
	r := newRig(t, "small", 23, "")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	me, err := r.Client().Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byExt := map[string]zendesksim.TicketState{}
	for _, tk := range r.Sim.Dump().Tickets {
		byExt[*tk.ExternalID] = tk
	}
	departed := 0
	err = engine.NewGenerator(r.Cfg, r.Snap).Run(ctx, func(d *engine.Desired) error {
		if d.Kind != "ticket" || d.Unwritable != "" {
			return nil
		}
		tk := byExt[d.Payload["external_id"].(string)]
		for i, c := range d.Comments {
			if _, ok := c.Payload["departed_author"]; !ok {
				continue
			}
			departed++
			if got := tk.Comments[i].AuthorID; got != me.ID {
				t.Errorf("%s %s: author %d, want the importer %d", d.Key, c.Key, got, me.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if departed == 0 {
		t.Fatal("no comment by a departed author in the dataset")
	}
}

// TestCheckPlanSaysWhich: a plan made by another kzmap, for another
// Zendesk account or from another Kustomer org is refused, naming it.
func TestCheckPlanSaysWhich(t *testing.T) {
	r := newRig(t, "small", 24, "")
	ctx := context.Background()
	out := filepath.Join(r.Dir, "p.kzplan")
	pr, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store, Out: out, KzmapVersion: "1.2.0", ZendeskAccount: "acme-sandbox.zendesk.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPlan(pr.Header, r.Cfg, r.Snap, r.Store, "acme-sandbox.zendesk.com", "1.2.0"); err != nil {
		t.Fatalf("the same inputs: %v", err)
	}
	for _, tc := range []struct {
		account, version string
		header           func(*planfile.Header)
		want             string
	}{
		{"acme.zendesk.com", "1.2.0", nil, "it was made for Zendesk account acme-sandbox.zendesk.com, and the settings now point at acme.zendesk.com"},
		{"acme-sandbox.zendesk.com", "1.3.0", nil, "it was made by kzmap 1.2.0, and this is 1.3.0"},
		{"acme-sandbox.zendesk.com", "1.2.0", func(h *planfile.Header) { h.KustomerOrg = "globex" }, "it was made from Kustomer org globex, and the snapshot is of acme"},
	} {
		h := pr.Header
		if tc.header != nil {
			tc.header(&h)
		}
		err := CheckPlan(h, r.Cfg, r.Snap, r.Store, tc.account, tc.version)
		if !errors.Is(err, ErrStalePlan) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

// TestUpdatesGroupsAndObjects: a plan offers an update only where apply
// makes it. A group renamed in the mapping and a custom object retitled
// are updated in Zendesk, and the next plan has no changes.
func TestUpdatesGroupsAndObjects(t *testing.T) {
	r := newRig(t, "small", 25, "")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join("..", "..", "examples", "mappings", "default")
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		s := strings.Replace(string(b), `name = "coalesce(trim(displayName), trim(name), 'Kustomer team ' + id)"`, `name = "'Team ' + coalesce(trim(displayName), trim(name), id)"`, 1)
		s = strings.Replace(s, `title            = "coalesce(displayName, name)"`, `title            = "'Klass ' + coalesce(displayName, name)"`, 1)
		os.WriteFile(filepath.Join(dir, e.Name()), []byte(s), 0o644)
	}
	cfg, diags := dsl.Load(dir, dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.Cfg = cfg
	pr, res, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Summary.Counts[kind.Group][kind.Update] == 0 || pr.Summary.Counts[kind.CustomObject][kind.Update] == 0 {
		t.Fatalf("plan: %v", pr.Summary.Counts)
	}
	if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
		t.Fatalf("dead letters: %+v", dead)
	}
	if res.Counts[kind.Group]["updated"] != pr.Summary.Counts[kind.Group][kind.Update] {
		t.Errorf("updated %v, planned %v", res.Counts, pr.Summary.Counts)
	}
	st := r.Sim.Dump()
	for _, g := range st.Groups {
		if !strings.HasPrefix(g.Name, "Team ") {
			t.Errorf("group %q was not renamed", g.Name)
		}
	}
	for _, o := range st.CustomObjects {
		if !strings.HasPrefix(o.Title, "Klass ") {
			t.Errorf("object %s has title %q", o.Key, o.Title)
		}
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes != 0 {
		t.Errorf("plan after the updates: %d changes", again.Summary.Changes)
	}
}

// applyRetrying applies under faults, checks every dead letter says why,
// and retries them (up to five rounds) until none is left; it returns how
// many the first run left.
func applyRetrying(t *testing.T, r *rig) int {
	t.Helper()
	ctx := context.Background()
	_, res, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatalf("apply under faults: %v", err)
	}
	dead, _ := r.Store.DeadLetters()
	for _, d := range dead {
		if d.Error == "" {
			t.Errorf("dead letter without a reason: %+v", d)
		}
	}
	t.Logf("first run: %v, %d dead letters", res.Counts, len(dead))
	firstDead := len(dead)
	for round := 0; round < 5; round++ {
		if dead, _ = r.Store.DeadLetters(); len(dead) == 0 {
			break
		}
		if _, _, err := r.planApply(ctx, true); err != nil {
			t.Fatalf("retry %d: %v", round, err)
		}
	}
	if dead, _ = r.Store.DeadLetters(); len(dead) > 0 {
		t.Errorf("%d dead letters after retries; first: %+v", len(dead), dead[0])
	}
	return firstDead
}
