package verify

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/kind"
)

// rig is enginetest's: a generated organisation, the default mapping, a
// Zendesk simulator on loopback and a checkpoint.
type rig struct{ *enginetest.Rig }

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
	return &rig{enginetest.New(t, profile, seed, enginetest.Options{})}
}

// apply plans and applies the kinds in only (all when nil).
func (r *rig) apply(only map[kind.Kind]bool) {
	r.T.Helper()
	ctx := context.Background()
	out := filepath.Join(r.Dir, "plan.kzplan")
	if _, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store, Out: out, Only: only}); err != nil {
		r.T.Fatal(err)
	}
	if _, err := apply.Apply(ctx, apply.Options{Config: r.Cfg, Snapshot: r.Snap, Files: r.files(), Store: r.Store, Client: r.Client(), Plan: out}); err != nil {
		r.T.Fatal(err)
	}
}

func (r *rig) files() apply.Files { return apply.DirFiles{Dir: r.Export, Snap: r.Snap} }

// verify runs verify with a fixed seed.
func (r *rig) verify(seed int64, sample int) *Report {
	r.T.Helper()
	rep, err := Run(context.Background(), Options{Config: r.Cfg, Snapshot: r.Snap, Store: r.Store, Client: r.Client(),
		Files: r.files(), Seed: seed, Sample: sample, BaseURL: "https://acme.zendesk.example"})
	if err != nil {
		r.T.Fatal(err)
	}
	return rep
}
