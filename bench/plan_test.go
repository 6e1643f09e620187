package bench

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/enginetest"
)

// BenchmarkPlanScale plans the default mapping over 250,000, 1,000,000
// and 10,000,000 conversations of 10 messages, writing the plan file, and reports time
// per conversation and the process's peak resident memory. Run each size
// in its own process (run.sh does) so the peak is that size's alone.
func BenchmarkPlanScale(b *testing.B) {
	for _, n := range []struct {
		name string
		n    int
	}{{"10k", 10_000}, {"250k", 250_000}, {"1M", 1_000_000}, {"10M", 10_000_000}} {
		b.Run(n.name, func(b *testing.B) {
			cfg := enginetest.DefaultMapping(b)
			snap := &Synth{Conversations: n.n, PerConv: 10, Agents: 50}
			out := filepath.Join(b.TempDir(), "plan.kzplan")
			b.ResetTimer()
			var res *engine.PlanResult
			for i := 0; i < b.N; i++ {
				var err error
				res, err = engine.Plan(context.Background(), engine.PlanOptions{Config: cfg, Snapshot: snap, Out: out})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got := res.Summary.Counts["ticket"]["create"]; got != n.n {
				b.Fatalf("planned %d tickets for %d conversations", got, n.n)
			}
			st, _ := os.Stat(out)
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n.n), "ns/conversation")
			b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
			b.ReportMetric(float64(st.Size())/1e6, "plan-MB")
		})
	}
}
