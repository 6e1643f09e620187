package bench

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/enginetest"
)

// The delta pass benchmark (bench/RESULTS.md): what one pass of kzmap
// sync costs in Zendesk requests — recovery, the refresh, and the apply of
// the plan — when nothing changed in Kustomer, and when N conversations
// got a reply (each re-imported in place of its ticket). Run
//
//	go test ./bench -run '^$' -bench DeltaPass -benchtime 1x -timeout 10m

var deltaCustomers = flag.Int("delta.customers", 600, "customers of the dataset BenchmarkDeltaPass migrates first")

func BenchmarkDeltaPass(b *testing.B) {
	r := enginetest.New(b, "small", 7, enginetest.Options{Customers: *deltaCustomers})
	ctx := context.Background()
	c := r.Client()
	pass := func(b *testing.B) (requests int64, changes int) {
		b.Helper()
		r.Sim.ResetStats()
		if _, err := apply.Recover(ctx, r.Store, c, time.Second, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := apply.Refresh(ctx, r.Store, c); err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(r.Dir, "pass.kzplan")
		pr, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store, Out: out})
		if err != nil {
			b.Fatal(err)
		}
		if pr.Summary.Changes > 0 {
			if _, err := apply.Apply(ctx, apply.Options{Config: r.Cfg, Snapshot: r.Snap, Files: apply.DirFiles{Dir: r.Export, Snap: r.Snap},
				Store: r.Store, Client: c, Plan: out, Settle: time.Second}); err != nil {
				b.Fatal(err)
			}
		}
		return r.Sim.Stats().Total, pr.Summary.Changes
	}
	first, _ := pass(b) // the migration itself
	tickets, _ := r.Store.Count("ticket")
	b.Logf("migrated %d tickets in %d requests", tickets, first)
	reply := 0
	for _, n := range []int{0, 1, 10, 100} {
		b.Run(fmt.Sprintf("changed=%d", n), func(b *testing.B) {
			for range b.N {
				r.AddReplies(b, n, &reply)
				requests, changes := pass(b)
				if changes != n {
					b.Fatalf("the pass planned %d changes for %d replies", changes, n)
				}
				b.ReportMetric(float64(requests), "requests")
				if n > 0 {
					b.ReportMetric(float64(requests)/float64(n), "requests/changed")
				}
				b.ReportMetric(float64(tickets), "tickets")
			}
		})
	}
}
