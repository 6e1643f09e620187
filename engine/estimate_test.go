package engine_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// window compresses Zendesk's minute sixty times for the tests: every
// timing the estimate assumes (jobs, polls) is compressed with it.
const window = time.Second

func scaled(d time.Duration) time.Duration { return d * window / time.Minute }

// TestEstimateMatchesApply: on a small generated organisation, the plan's
// estimate of requests is within 15% of what apply then uses (the
// limiter's count, the importing admin and the preflight included) — for
// the migration, for the refresh before the next pass, and for that pass,
// which replaces the tickets of conversations that got a reply.
func TestEstimateMatchesApply(t *testing.T) {
	if testing.Short() {
		t.Skip("applies a generated organisation")
	}
	ctx := context.Background()
	clk := &enginetest.Clock{}
	cfg := enginetest.DefaultMapping(t)
	limit := cfg.Target.RateLimit
	r := enginetest.New(t, "small", 7, enginetest.Options{Tweak: func(o *zendesksim.Options) {
		o.Limit, o.Window, o.JobDelay, o.Now = limit, window, scaled(engine.JobTime/2), clk.Now
	}})
	// A client per command, as kzmap makes one: its job poller starts
	// afresh, as the estimate assumes.
	client := func() *zendesk.Client {
		lim := throttle.New(throttle.Options{Limit: limit, Window: window, Share: cfg.Target.Share,
			Endpoints: map[string]int{"tickets-update": zendesk.TicketUpdatesPerMinute, "incremental-exports": zendesk.ExportsPerMinute}})
		c, err := zendesk.New(zendesk.Config{BaseURL: r.URL, Email: enginetest.Email, Token: zendesk.NewSecret(enginetest.Token),
			Limiter: lim, RateLimit: limit, Window: window, PollMin: scaled(time.Second), PollMax: scaled(30 * time.Second),
			RetryBase: scaled(500 * time.Millisecond), RetryMax: scaled(30 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Support's requests and the Help Center's, each on its own limiter.
	used := func(c *zendesk.Client) int {
		return int(c.Limiter().Stats().Requests + c.HelpCenterLimiter().Stats().Requests)
	}
	pass := func(name string) planfile.Summary {
		t.Helper()
		out := filepath.Join(r.Dir, name+".kzplan")
		pr, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store, Out: out})
		if err != nil {
			t.Fatal(err)
		}
		c := client()
		me, err := apply.Importer(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := apply.Preflight(ctx, c, pr.Summary); err != nil {
			t.Fatal(err)
		}
		if _, err := apply.Apply(ctx, apply.Options{Config: r.Cfg, Snapshot: r.Snap, Files: apply.DirFiles{Dir: r.Export, Snap: r.Snap},
			Store: r.Store, Client: c, Plan: out, Summary: &pr.Summary, Importer: me.ID, Settle: time.Second}); err != nil {
			t.Fatal(err)
		}
		within(t, name, pr.Summary.Estimate.ZendeskRequests, used(c), pr.Summary.Estimate)
		return pr.Summary
	}
	first := pass("migration")
	if first.Estimate.RefreshRequests != 0 {
		t.Errorf("a plan against an empty checkpoint estimates a refresh of %d requests", first.Estimate.RefreshRequests)
	}

	// The export shows a ticket a minute after it changed.
	clk.Advance(2 * time.Minute)
	seq := 0
	r.AddReplies(t, 10, &seq)
	pr, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	d, err := apply.Refresh(ctx, r.Store, client())
	if err != nil {
		t.Fatal(err)
	}
	within(t, "refresh", pr.Summary.Estimate.RefreshRequests, d.Requests, pr.Summary.Estimate)
	second := pass("replies")
	if n := second.Counts[kind.Ticket][kind.Replace]; n != 10 {
		t.Fatalf("the second pass replaces %d tickets, want 10", n)
	}
}

func within(t *testing.T, what string, est, got int, e planfile.Estimate) {
	t.Helper()
	if math.Abs(float64(est-got)) > 0.15*float64(got) {
		t.Errorf("%s: estimated %d requests, apply used %d (more than 15%% apart); terms %+v", what, est, got, e.Terms)
	} else {
		t.Logf("%s: estimated %d requests, used %d", what, est, got)
	}
}

// TestEstimateUploadsAsRendered: the estimate counts a ticket's uploads as
// apply makes them (render.CommentFiles, each file once a ticket), on a
// dataset with attachments, inline images and bodies sent as files.
func TestEstimateUploadsAsRendered(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an organisation")
	}
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "small", Seed: 7}, dir); err != nil {
		t.Fatal(err)
	}
	snap, err := engine.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := enginetest.DefaultMapping(t)
	for _, m := range cfg.Mappings {
		m.Options.Comment.LongBody = "attach" // bodies over the limit go as files
	}
	pr, err := engine.Plan(context.Background(), engine.PlanOptions{Config: cfg, Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	want, bodies, inline := 0, 0, 0
	err = engine.NewGenerator(cfg, snap).Run(context.Background(), func(d *engine.Desired) error {
		if d.Kind != kind.Ticket || d.Unwritable != "" {
			return nil
		}
		seen := map[string]bool{}
		for _, c := range d.Comments {
			atts := map[string]bool{}
			for _, id := range dsl.Strings(c.Payload["attachments"]) {
				atts[id] = true
			}
			for _, id := range render.CommentFiles(c) {
				switch {
				case id == render.BodyFileKey(c.Key):
					bodies++
				case !atts[id]:
					inline++
				}
				if !seen[id] {
					seen[id] = true
					want++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if bodies == 0 {
		t.Fatalf("no body is sent as a file (%d inline images not among the attachments): the test tests less than it says", inline)
	}
	t.Logf("%d uploads: %d bodies sent as files, %d inline images not among the attachments", want, bodies, inline)
	got := 0
	for _, term := range pr.Summary.Estimate.Terms {
		if term.Term == "attachment uploads" {
			got = term.Requests
		}
	}
	if got != want {
		t.Errorf("the estimate counts %d uploads, apply would make %d", got, want)
	}
}
