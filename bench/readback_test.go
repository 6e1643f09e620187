package bench

import (
	"context"
	"flag"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/readback"
	"github.com/kzmap/kzmap/engine/verify"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// The read-back benchmark (bench/RESULTS.md): refresh and verify read
// back what apply wrote through the same bulk reads (engine/readback).
// It applies -readback.tickets conversations, moves the simulator's clock
// past the incremental export's one-minute lag, then reads everything back
// by show_many and by the export, and reports the requests per 1,000
// records. Run
//
//	go test ./bench -run '^$' -bench ReadBack -benchtime 1x -timeout 10m

var readTickets = flag.Int("readback.tickets", 10_000, "conversations (one ticket each) BenchmarkReadBack applies and reads back")

func BenchmarkReadBack(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	cfg := enginetest.DefaultMapping(b)
	snap := &Synth{Conversations: *readTickets, PerConv: 3, Agents: 50}
	store, err := checkpoint.Open(filepath.Join(dir, ".kzmap", "checkpoint.db"), checkpoint.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	clk := &enginetest.Clock{}
	const limit = 20_000
	sim := zendesksim.New(zendesksim.Options{Email: simEmail, Token: simToken, Limit: limit, Window: time.Second,
		BulkImportEnabled: true, JobDelay: time.Millisecond, Now: clk.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := zendesk.New(zendesk.Config{BaseURL: srv.URL, Email: simEmail, Token: zendesk.NewSecret(simToken), RateLimit: limit,
		Limiter: throttle.New(throttle.Options{Limit: limit, Window: time.Second, Endpoints: map[string]int{"incremental-exports": zendesk.ExportsPerMinute}}),
		PollMin: time.Millisecond, PollMax: 20 * time.Millisecond, RetryBase: time.Millisecond, RetryMax: 50 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	out := filepath.Join(dir, "plan.kzplan")
	if _, err := engine.Plan(ctx, engine.PlanOptions{Config: cfg, Snapshot: snap, Checkpoint: store, Out: out}); err != nil {
		b.Fatal(err)
	}
	res, err := apply.Apply(ctx, apply.Options{Config: cfg, Snapshot: snap, Store: store, Client: c, Plan: out, Workers: 12})
	if err != nil {
		b.Fatal(err)
	}
	tickets := res.Counts["ticket"]["created"]
	records := 0
	for _, by := range res.Counts {
		records += by["created"]
	}
	clk.Advance(2 * time.Minute)
	b.Logf("applied %d records (%d tickets)", records, tickets)

	for _, m := range []struct {
		name string
		mode readback.Mode
	}{{"show_many", readback.ShowMany}, {"export", readback.Export}, {"auto", readback.Auto}} {
		b.Run("refresh/"+m.name, func(b *testing.B) {
			for range b.N {
				sim.ResetStats()
				var d *apply.Drift
				var err error
				held := heldPeak(func() { d, err = apply.RefreshBy(ctx, store, c, m.mode) })
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(held, "held-MB")
				if len(d.Gone)+len(d.Changed) > 0 {
					b.Fatalf("drift right after apply: %d gone, %d changed", len(d.Gone), len(d.Changed))
				}
				read := 0
				for _, n := range d.Read {
					read += n
				}
				st := sim.Stats()
				tk := ticketReads(st.ByRoute)
				b.ReportMetric(1000*float64(st.Total)/float64(read), "req/1000-records")
				b.ReportMetric(1000*float64(tk)/float64(tickets), "ticket-req/1000-tickets")
				b.ReportMetric(float64(st.Total), "requests")
			}
		})
		b.Run("verify/"+m.name, func(b *testing.B) {
			for range b.N {
				sim.ResetStats()
				var rep *verify.Report
				var err error
				held := heldPeak(func() {
					rep, err = verify.Run(ctx, verify.Options{Config: cfg, Snapshot: snap, Store: store, Client: c, Sample: -1, Seed: 1, ReadBack: m.mode})
				})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(held, "held-MB")
				st := sim.Stats()
				tk := ticketReads(st.ByRoute)
				comments := 0
				for r, n := range st.ByRoute {
					if strings.HasSuffix(r, "/comments") {
						comments += int(n)
					}
				}
				b.ReportMetric(1000*float64(tk)/float64(tickets), "ticket-req/1000-tickets")
				b.ReportMetric(float64(comments), "comment-pages")
				b.ReportMetric(float64(st.Total), "requests")
				b.ReportMetric(float64(len(rep.Compared)), "compared")
			}
		})
	}
}

// ticketReads counts the requests that read tickets back.
func ticketReads(byRoute map[string]int64) int64 {
	var n int64
	for r, c := range byRoute {
		if strings.Contains(r, "/tickets/show_many") || strings.Contains(r, "/incremental/tickets") || strings.Contains(r, "/tickets/count") {
			n += c
		}
	}
	return n
}
