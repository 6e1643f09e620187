package verify

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// The rig follows engine/apply's: a generated organisation, the default
// mapping, a Zendesk simulator on loopback and a checkpoint, applied once.

const (
	simEmail = "admin@sim.example"
	simToken = "test-token-verify"
)

type rig struct {
	t      testing.TB
	export string
	snap   *engine.DirSnapshot
	cfg    *dsl.Config
	sim    *zendesksim.Server
	url    string
	store  *checkpoint.Store
	dir    string
}

// newApplied generates a dataset, plans it and applies it to a fresh
// simulator.
func newApplied(t testing.TB, profile string, seed int64) *rig {
	r := newRig(t, profile, seed)
	r.apply(nil)
	return r
}

// newRig generates a dataset for a fresh simulator and checkpoint.
func newRig(t testing.TB, profile string, seed int64) *rig {
	t.Helper()
	r := &rig{t: t, dir: t.TempDir()}
	r.export = filepath.Join(r.dir, "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: profile, Seed: seed}, r.export); err != nil {
		t.Fatal(err)
	}
	var err error
	if r.snap, err = engine.OpenDir(r.export); err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(filepath.Join("..", "..", "examples", "mappings", "default"), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.cfg = cfg
	r.sim = zendesksim.New(zendesksim.Options{Email: simEmail, Token: simToken, Limit: 4000, Window: time.Second,
		BulkImportEnabled: true, PlanTier: zendesksim.PlanEnterprise})
	srv := httptest.NewServer(r.sim)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	s, err := checkpoint.Open(filepath.Join(r.dir, ".kzmap", "checkpoint.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.store = s
	t.Cleanup(func() { s.Close() })
	return r
}

// apply plans and applies the kinds in only (all when nil).
func (r *rig) apply(only map[kind.Kind]bool) {
	r.t.Helper()
	ctx := context.Background()
	out := filepath.Join(r.dir, "plan.kzplan")
	if _, err := engine.Plan(ctx, engine.PlanOptions{Config: r.cfg, Snapshot: r.snap, Checkpoint: r.store, Out: out, Only: only}); err != nil {
		r.t.Fatal(err)
	}
	if _, err := apply.Apply(ctx, apply.Options{Config: r.cfg, Snapshot: r.snap, Files: r.files(), Store: r.store, Client: r.client(), Plan: out}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) files() apply.Files { return apply.DirFiles{Dir: r.export, Snap: r.snap} }

func (r *rig) client() *zendesk.Client {
	c, err := zendesk.New(zendesk.Config{BaseURL: r.url, Email: simEmail, Token: zendesk.NewSecret(simToken),
		Limiter: throttle.New(throttle.Options{Limit: 4000, Window: time.Second, Share: 0.8}), RateLimit: 4000,
		PollMin: 5 * time.Millisecond, PollMax: 100 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// verify runs verify with a fixed seed.
func (r *rig) verify(seed int64, sample int) *Report {
	r.t.Helper()
	rep, err := Run(context.Background(), Options{Config: r.cfg, Snapshot: r.snap, Store: r.store, Client: r.client(),
		Files: r.files(), Seed: seed, Sample: sample, BaseURL: "https://acme.zendesk.example"})
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}
