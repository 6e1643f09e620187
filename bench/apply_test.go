package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/pgtest"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// The apply budget benchmark (bench/RESULTS.md, targets): kzmap
// plans and applies 20,000 tickets against the Zendesk simulator at 400
// requests per compressed minute, through the real client and limiter at
// the default share (0.8), next to the guide's one-request-per-ticket
// loader on the same simulator and limiter. Run
//
//	go test ./bench -run '^$' -bench ApplyBudget -benchtime 1x -timeout 10m -v
//
// (-v prints where each apply's time went). Every Zendesk timing the run
// knows — how long a bulk job takes, poll intervals, backoff — is
// compressed by the same factor as the window, so with a one-second window
// a second here is a minute at Zendesk. The local costs (CPU, disk syncs
// of the checkpoint) are not compressed, so the one-second cases charge
// them 60 times their weight; the ten-second case charges them 6 times.

var (
	applyTickets  = flag.Int("apply.tickets", 20_000, "conversations (one ticket each) BenchmarkApplyBudget applies")
	applyJobDelay = flag.Duration("apply.jobdelay", 3*time.Second, "simulator JobDelay at Zendesk's pace (compressed with the window): a bulk job completes 2×this after it is queued")
	applyRealTime = flag.Bool("apply.realtime", false, "also apply at Zendesk's own pace (a one-minute window, 30 workers; about 90 seconds more)")
	baseTickets   = flag.Int("apply.baseline", 20_000, "tickets the one-request-per-ticket loader imports")
	baseWorkers   = flag.Int("apply.baseline.workers", 8, "concurrent requests of the one-request-per-ticket loader")
)

const (
	simEmail = "admin@sim.example"
	simToken = "bench-token-7f3a"

	budgetLimit = 400 // requests per window: Growth/Professional
	budgetShare = 0.8 // throttle's default share
)

// budgetCase is one configuration: the simulator's window (the compressed
// minute) and apply's Workers (0: its default).
type budgetCase struct {
	Window  time.Duration
	Workers int
}

// scaled compresses one of Zendesk's real timings as the window
// compresses the minute.
func (bc budgetCase) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(bc.Window) / float64(time.Minute))
}

// allowed is what the share allows in d.
func (bc budgetCase) allowed(d time.Duration) float64 {
	return float64(d) / float64(bc.Window) * budgetLimit * budgetShare
}

func (bc budgetCase) newLimiter() *throttle.Limiter {
	return throttle.New(throttle.Options{Limit: budgetLimit, Window: bc.Window, Share: budgetShare})
}

// stamp is one request the simulator received.
type stamp struct {
	at    time.Duration // since the recorder started
	route string
	code  int
}

// recorder timestamps every request in front of the simulator, to show
// where an apply's time goes (phases, gaps, requests per window).
type recorder struct {
	mu    sync.Mutex
	start time.Time
	reqs  []stamp
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Since(rec.start)
		cw := &codeWriter{ResponseWriter: w, code: 200}
		h.ServeHTTP(cw, r)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, stamp{at: at, route: route(r), code: cw.code})
		rec.mu.Unlock()
	})
}

func (rec *recorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.start, rec.reqs = time.Now(), nil
}

func (rec *recorder) snapshot() []stamp {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := append([]stamp(nil), rec.reqs...)
	sort.Slice(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// route names a request coarsely: ids in the path become {id}.
func route(r *http.Request) string {
	parts := strings.Split(strings.TrimSuffix(r.URL.Path, ".json"), "/")
	for i, p := range parts {
		if len(p) > 0 && (p[0] >= '0' && p[0] <= '9' || len(p) >= 20) {
			parts[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}

// budgetSim is a simulator at 400 requests per one-second window behind a
// recorder, over loopback HTTP.
type budgetSim struct {
	sim *zendesksim.Server
	rec *recorder
	url string
}

func newBudgetSim(b *testing.B, bc budgetCase) *budgetSim {
	s := &budgetSim{rec: &recorder{start: time.Now()}}
	s.sim = zendesksim.New(zendesksim.Options{Email: simEmail, Token: simToken, Limit: budgetLimit, Window: bc.Window,
		BulkImportEnabled: true, PlanTier: zendesksim.PlanEnterprise, JobDelay: bc.scaled(*applyJobDelay)})
	srv := httptest.NewServer(s.rec.wrap(s.sim))
	b.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// settled returns the simulator's statistics once requests stop arriving.
func (s *budgetSim) settled() (st struct {
	Total, TooMany, Early int64
	ByRoute               map[string]int64
}) {
	last := int64(-1)
	for range 50 {
		snap := s.sim.Stats()
		st.Total, st.TooMany, st.Early, st.ByRoute = snap.Total, snap.TooMany, snap.EarlyRetries, snap.ByRoute
		if snap.Total == last {
			break
		}
		last = snap.Total
		time.Sleep(2 * time.Millisecond)
	}
	return st
}

// budgetFigures are the targets' figures for one run.
type budgetFigures struct {
	Tickets  int
	Requests int64
	TooMany  int64
	Early    int64
	Elapsed  time.Duration
}

func (f budgetFigures) report(b *testing.B, bc budgetCase) {
	b.ReportMetric(100*float64(f.Requests)/bc.allowed(f.Elapsed), "%budget")
	b.ReportMetric(100*float64(f.TooMany)/float64(max(f.Requests, 1)), "%429")
	b.ReportMetric(float64(f.Early), "early")
	b.ReportMetric(float64(f.Requests)/float64(f.Tickets), "req/ticket")
	b.ReportMetric(budgetLimit*float64(f.Tickets)/float64(f.Requests), "tickets/budget-min")
	b.ReportMetric(f.Elapsed.Seconds(), "wall-s")
	b.ReportMetric(float64(f.Requests), "requests")
	b.ReportMetric(float64(f.Tickets), "tickets")
}

// BenchmarkApplyBudget applies ~20,000 tickets with kzmap (plan, then
// apply through the real client) and imports as many with the guide's
// one-request-per-ticket loader, each against its own simulator at 400
// requests per window with the same limiter settings:
//
//   - kzmap/window=1s/workers=default: the target's configuration;
//   - kzmap/window=1s/workers=30: as many batches in flight as Zendesk
//     allows jobs;
//   - kzmap/window=10s/workers=30: the same, less compressed;
//   - kzmap/window=1m0s/workers=30, with -apply.realtime: uncompressed;
//   - one-request-per-ticket/window=1s: the guide's loader.
func BenchmarkApplyBudget(b *testing.B) {
	cases := []budgetCase{{time.Second, 0}, {time.Second, 30}, {10 * time.Second, 30}}
	if *applyRealTime {
		cases = append(cases, budgetCase{time.Minute, 30})
	}
	for _, bc := range cases {
		workers := "default"
		if bc.Workers > 0 {
			workers = fmt.Sprint(bc.Workers)
		}
		b.Run(fmt.Sprintf("kzmap/window=%v/workers=%s", bc.Window, workers), func(b *testing.B) {
			for range b.N {
				benchKzmapApply(b, bc)
			}
		})
	}
	b.Run("one-request-per-ticket/window=1s", func(b *testing.B) {
		for range b.N {
			benchBaseline(b, budgetCase{Window: time.Second})
		}
	})
}

func benchKzmapApply(b *testing.B, bc budgetCase) {
	benchKzmapApplyTo(b, bc, nil)
}

// benchKzmapApplyTo is benchKzmapApply with the checkpoint in the
// PostgreSQL workspace pg (nil: the file).
func benchKzmapApplyTo(b *testing.B, bc budgetCase, pg *checkpoint.PG) {
	ctx := context.Background()
	dir := b.TempDir()
	cfg := enginetest.DefaultMapping(b)
	snap := &Synth{Conversations: *applyTickets, PerConv: 3, Agents: 50}
	store, err := enginetest.OpenCheckpoint(dir, pg, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	s := newBudgetSim(b, bc)
	lim := bc.newLimiter()
	c, err := zendesk.New(zendesk.Config{BaseURL: s.url, Email: simEmail, Token: zendesk.NewSecret(simToken),
		Limiter: lim, RateLimit: budgetLimit,
		PollMin: bc.scaled(time.Second), PollMax: bc.scaled(30 * time.Second),
		RetryBase: bc.scaled(500 * time.Millisecond), RetryMax: bc.scaled(30 * time.Second)})
	if err != nil {
		b.Fatal(err)
	}

	b.StopTimer()
	planStart := time.Now()
	out := filepath.Join(dir, "plan.kzplan")
	pr, err := engine.Plan(ctx, engine.PlanOptions{Config: cfg, Snapshot: snap, Checkpoint: store, Out: out})
	if err != nil {
		b.Fatal(err)
	}
	planTime := time.Since(planStart)
	want := pr.Summary.Counts["ticket"]["create"]
	if want != *applyTickets {
		b.Fatalf("planned %d tickets for %d conversations", want, *applyTickets)
	}

	// Progress: when each kind's batches finished, to see the phases.
	var mu sync.Mutex
	firstDone, lastDone := map[kind.Kind]time.Duration{}, map[kind.Kind]time.Duration{}
	s.rec.reset()
	s.sim.ResetStats()
	b.StartTimer()
	start := time.Now()
	res, err := apply.Apply(ctx, apply.Options{Config: cfg, Snapshot: snap, Store: store, Client: c, Plan: out, Workers: bc.Workers,
		OnProgress: func(p apply.Progress) {
			at := time.Since(start)
			mu.Lock()
			if _, ok := firstDone[p.Kind]; !ok {
				firstDone[p.Kind] = at
			}
			lastDone[p.Kind] = at
			mu.Unlock()
		}})
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	st := s.settled()
	got := res.Counts["ticket"]["created"]
	if got != want {
		b.Fatalf("apply created %d tickets of %d: %v", got, want, res.Counts)
	}
	f := budgetFigures{Tickets: got, Requests: st.Total, TooMany: st.TooMany, Early: st.Early, Elapsed: elapsed}
	f.report(b, bc)
	ls := lim.Stats()
	b.ReportMetric(100*float64(ls.Waits)/float64(max(ls.Requests, 1)), "%req-waited-for-budget")

	// The ticket phase alone: from the first ticket import to the end.
	reqs := s.rec.snapshot()
	const importRoute = "POST /api/v2/imports/tickets/create_many"
	var tStart time.Duration = -1
	for _, r := range reqs {
		if r.route == importRoute {
			tStart = r.at
			break
		}
	}
	ticketReqs := 0
	for _, r := range reqs {
		if tStart >= 0 && r.at >= tStart {
			ticketReqs++
		}
	}
	// The recorder's clock started just before Apply.
	tPhase := elapsed - tStart
	b.ReportMetric(float64(ticketReqs)/float64(got), "ticket-phase-req/ticket")
	b.ReportMetric(tPhase.Seconds(), "ticket-phase-s")
	b.ReportMetric(100*float64(ticketReqs)/bc.allowed(tPhase), "ticket-phase-%budget")
	b.ReportMetric(float64(peakWindow(reqs, bc.Window))/(budgetLimit*budgetShare)*100, "peak-window-%budget")
	b.ReportMetric(planTime.Seconds(), "plan-s")

	b.Logf("kzmap: %d tickets, %d requests in %v (plan %v before it, not counted); counts %v", got, st.Total, elapsed.Round(time.Millisecond), planTime.Round(time.Millisecond), res.Counts)
	b.Logf("requests by route: %v", st.ByRoute)
	b.Logf("limiter: %d requests, %d waited for the budget (%v in all), %d 429s seen", ls.Requests, ls.Waits, ls.Waited.Round(time.Millisecond), ls.TooMany)
	b.Logf("phases (first request .. last request; first .. last batch done):")
	for _, ph := range phases(reqs) {
		b.Logf("  %-55s %5d requests  %7.3fs .. %7.3fs", ph.route, ph.n, ph.first.Seconds(), ph.last.Seconds())
	}
	mu.Lock()
	kinds := make([]kind.Kind, 0, len(firstDone))
	for k := range firstDone {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return firstDone[kinds[i]] < firstDone[kinds[j]] })
	for _, k := range kinds {
		b.Logf("  batches of %-20s done %7.3fs .. %7.3fs", k, firstDone[k].Seconds(), lastDone[k].Seconds())
	}
	mu.Unlock()
	if len(reqs) > 0 {
		b.Logf("  before the first request: %.3fs; after the last: %.3fs", reqs[0].at.Seconds(), (elapsed - reqs[len(reqs)-1].at).Seconds())
	}
	b.Logf("requests per window: %v", perWindow(reqs, elapsed, bc.Window))
}

// phase is one route's requests in time.
type phase struct {
	route       string
	n           int
	first, last time.Duration
}

func phases(reqs []stamp) []phase {
	by := map[string]*phase{}
	var out []*phase
	for _, r := range reqs {
		p := by[r.route]
		if p == nil {
			p = &phase{route: r.route, first: r.at}
			by[r.route] = p
			out = append(out, p)
		}
		p.n++
		p.last = r.at
	}
	res := make([]phase, len(out))
	for i, p := range out {
		res[i] = *p
	}
	return res
}

func perWindow(reqs []stamp, elapsed, window time.Duration) []int {
	n := int(elapsed/window) + 1
	out := make([]int, n)
	for _, r := range reqs {
		if i := int(r.at / window); i < n {
			out[i]++
		}
	}
	return out
}

// peakWindow is the most requests in any sliding window.
func peakWindow(reqs []stamp, window time.Duration) int {
	peak, j := 0, 0
	for i := range reqs {
		for reqs[i].at-reqs[j].at >= window {
			j++
		}
		peak = max(peak, i-j+1)
	}
	return peak
}

// BenchmarkApplyBackends is the apply budget benchmark's kzmap cases with
// the checkpoint in a bbolt file and in PostgreSQL, one after the other in
// one run: the wall-s ratio is the pg backend's cost. Run it against a
// durable cluster, as bbolt syncs every commit to disk:
//
//	PG_DURABLE=1 go test ./bench -run '^$' -bench ApplyBackends -benchtime 1x -timeout 20m
//
// (with KZMAP_TEST_PG_URL unset, the benchmark starts its own cluster;
// PG_DURABLE=1 keeps PostgreSQL's fsync and synchronous commit on).
func BenchmarkApplyBackends(b *testing.B) {
	for _, bc := range []budgetCase{{time.Second, 0}, {10 * time.Second, 30}} {
		workers := "default"
		if bc.Workers > 0 {
			workers = fmt.Sprint(bc.Workers)
		}
		for _, backend := range []string{"local", "pg"} {
			b.Run(fmt.Sprintf("window=%v/workers=%s/backend=%s", bc.Window, workers, backend), func(b *testing.B) {
				for range b.N {
					var pg *checkpoint.PG
					if backend == "pg" {
						pg = &checkpoint.PG{URL: pgtest.URL(b), Workspace: pgtest.Workspace()}
					}
					benchKzmapApplyTo(b, bc, pg)
				}
			})
		}
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// benchBaseline is the guide's loader: one POST /api/v2/imports/tickets
// per ticket, paced by the same limiter (Wait before, Observe after; a 429
// is sent again once its Retry-After has passed).
func benchBaseline(b *testing.B, bc budgetCase) {
	s := newBudgetSim(b, bc)
	lim := bc.newLimiter()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	n := *baseTickets
	if n <= 0 {
		b.Skip("-apply.baseline 0")
	}
	work := make(chan int, n)
	for i := range n {
		work <- i
	}
	close(work)
	ctx := context.Background()
	var failed atomic.Int64
	var firstErr atomic.Value
	send := func(i int) error {
		body, _ := json.Marshal(map[string]any{"ticket": baselineTicket(i)})
		for attempt := 0; attempt < 20; attempt++ {
			if err := lim.Wait(ctx); err != nil {
				return err
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v2/imports/tickets", bytes.NewReader(body))
			req.SetBasicAuth(simEmail+"/token", simToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				lim.Observe(nil)
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lim.Observe(resp)
			switch {
			case resp.StatusCode == http.StatusCreated:
				return nil
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
				continue
			default:
				return fmt.Errorf("ticket %d: %s", i, resp.Status)
			}
		}
		return fmt.Errorf("ticket %d: gave up", i)
	}
	s.rec.reset()
	s.sim.ResetStats()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range *baseWorkers {
		wg.Go(func() {
			for i := range work {
				if err := send(i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d tickets failed; first: %v", failed.Load(), firstErr.Load())
	}
	st := s.settled()
	f := budgetFigures{Tickets: n, Requests: st.Total, TooMany: st.TooMany, Early: st.Early, Elapsed: elapsed}
	f.report(b, bc)
	ls := lim.Stats()
	b.ReportMetric(100*float64(ls.Waits)/float64(max(ls.Requests, 1)), "%req-waited-for-budget")
	reqs := s.rec.snapshot()
	b.ReportMetric(float64(peakWindow(reqs, bc.Window))/(budgetLimit*budgetShare)*100, "peak-window-%budget")
	b.Logf("one request per ticket: %d tickets, %d requests in %v; by route %v", n, st.Total, elapsed.Round(time.Millisecond), st.ByRoute)
}

// baselineTicket is the ticket the default mapping makes of Synth's
// conversation i, as a guide's script would send it (requester left to
// the default: the script's users are not part of this comparison).
func baselineTicket(i int) map[string]any {
	var comments []map[string]any
	for j := range 3 {
		comments = append(comments, map[string]any{
			"body":       fmt.Sprintf("Message %d of conversation %d: where is my order? It was due last week.", j, i),
			"html_body":  fmt.Sprintf("<p>Message %d of conversation %d</p>", j, i),
			"public":     true,
			"created_at": epoch.Add(time.Duration(i*60+j*30) * time.Second).Format(time.RFC3339),
		})
	}
	return map[string]any{
		"external_id": hexID(kConversation, i),
		"subject":     fmt.Sprintf("Order %d", i),
		"status":      [3]string{"open", "pending", "solved"}[i%3],
		"tags":        []string{"refund", "vip_customer"},
		"comments":    comments,
		"created_at":  epoch.Add(time.Duration(i*60) * time.Second).Format(time.RFC3339),
		"updated_at":  epoch.Add(time.Duration(i*60+3600) * time.Second).Format(time.RFC3339),
	}
}
