package throttle

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/simkit"
)

// jumpClock is a clock for one waiting goroutine: After moves time on by
// d at once, so a Wait returns immediately at the instant it would have.
type jumpClock struct {
	mu sync.Mutex
	t  time.Time
}

func newJumpClock() *jumpClock {
	return &jumpClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *jumpClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *jumpClock) After(d time.Duration) <-chan time.Time {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

func (c *jumpClock) opts(o Options) Options {
	o.Now, o.After = c.Now, c.After
	return o
}

func response(status int, kv ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return &http.Response{StatusCode: status, Header: h}
}

// grants calls Wait n times and returns the clock offset from start of
// each request let go, observing resp (when non-nil) after each.
func grants(t *testing.T, l *Limiter, c *jumpClock, n int, resp func(i int) *http.Response) []time.Duration {
	t.Helper()
	start := c.Now()
	var out []time.Duration
	for i := range n {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatalf("Wait %d: %v", i, err)
		}
		out = append(out, c.Now().Sub(start))
		var r *http.Response
		if resp != nil {
			r = resp(i)
		}
		l.Observe(r)
	}
	return out
}

func seconds(s ...float64) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v * float64(time.Second))
	}
	return out
}

func TestPacesAtShareOfLimit(t *testing.T) {
	c := newJumpClock()
	// 60 a minute at half share: one request every two seconds.
	l := New(c.opts(Options{Limit: 60, Share: 0.5}))
	got := grants(t, l, c, 5, nil)
	if diff := cmp.Diff(seconds(0, 2, 4, 6, 8), got); diff != "" {
		t.Errorf("grant times (-want +got):\n%s", diff)
	}
	st := l.Stats()
	if st.Requests != 5 || st.Waits != 4 || st.Waited != 8*time.Second {
		t.Errorf("stats = %+v, want 5 requests, 4 waits, 8s waited", st)
	}
}

func TestDefaults(t *testing.T) {
	c := newJumpClock()
	// Limit 100/min at the default share 0.8: every 750ms.
	l := New(c.opts(Options{Limit: 100}))
	got := grants(t, l, c, 3, nil)
	if diff := cmp.Diff(seconds(0, 0.75, 1.5), got); diff != "" {
		t.Errorf("grant times (-want +got):\n%s", diff)
	}
}

func TestIdleDoesNotBurst(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 60, Share: 0.5}))
	grants(t, l, c, 3, nil)
	c.Advance(10 * time.Minute)
	got := grants(t, l, c, 4, nil)
	// After an idle spell the first goes at once, the others a gap apart.
	if diff := cmp.Diff(seconds(0, 2, 4, 6), got); diff != "" {
		t.Errorf("grant times (-want +got):\n%s", diff)
	}
}

func TestLateWakeUpsAreMadeUp(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 60, Share: 0.5}))
	start := c.Now()
	for i := range 100 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Every wake-up comes 300ms late, as a loaded machine's might.
		if i%2 == 1 {
			c.Advance(300 * time.Millisecond)
		}
		l.Observe(nil)
	}
	// 100 requests at one per 2s take 198s; the lateness is absorbed.
	if got := c.Now().Sub(start); got > 199*time.Second {
		t.Errorf("100 requests took %v, want about 198s", got)
	}
}

func TestServerLimitReplacesOption(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 60, Share: 0.5}))
	got := grants(t, l, c, 4, func(int) *http.Response {
		return response(200, "X-Rate-Limit", "120", "X-Rate-Limit-Remaining", "100")
	})
	if diff := cmp.Diff(seconds(0, 1, 2, 3), got); diff != "" {
		t.Errorf("grant times (-want +got):\n%s", diff)
	}
	if st := l.Stats(); st.Limit != 120 || st.Remaining != 100 {
		t.Errorf("stats = %+v, want limit 120, remaining 100", st)
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value func(now time.Time) string
		wait  time.Duration
	}{
		{"seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"http date", func(now time.Time) string { return now.Add(20 * time.Second).Format(http.TimeFormat) }, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, status := range []int{429, 503} {
				c := newJumpClock()
				l := New(c.opts(Options{Limit: 6000}))
				if err := l.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
				at := c.Now()
				l.Observe(response(status, "Retry-After", tc.value(at)))
				if err := l.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := c.Now().Sub(at); got != tc.wait {
					t.Errorf("status %d: next request after %v, want %v", status, got, tc.wait)
				}
				if st := l.Stats(); st.RetryAfters != 1 || (status == 429) != (st.TooMany == 1) {
					t.Errorf("status %d: stats = %+v", status, st)
				}
			}
		})
	}
}

// TestServerClockSkew: absolute times in an answer (an HTTP-date
// Retry-After, Kustomer's x-ratelimit-reset) are the server's clock; read
// against the answer's Date, the wait is the one the server meant however
// far the two clocks disagree, and never shorter.
func TestServerClockSkew(t *testing.T) {
	now := time.Date(2027, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, skew := range []time.Duration{0, -370 * 24 * time.Hour, 9 * time.Hour, 1500 * time.Millisecond} {
		server := now.Add(skew)
		date := server.Format(http.TimeFormat) // whole seconds, rounded down
		for _, tc := range []struct {
			name string
			h    http.Header
			read func(http.Header) (time.Duration, bool)
		}{
			{"Retry-After date", response(429, "Date", date, "Retry-After", server.Add(30*time.Second).Format(http.TimeFormat)).Header,
				func(h http.Header) (time.Duration, bool) { return RetryAfter(h, now) }},
			{"x-ratelimit-reset", response(429, "Date", date, "x-ratelimit-reset", strconv.FormatInt(server.Add(30*time.Second).Unix(), 10)).Header,
				func(h http.Header) (time.Duration, bool) { return ResetIn(h, now) }},
		} {
			d, ok := tc.read(tc.h)
			if !ok || d < 30*time.Second-time.Second || d > 31*time.Second {
				t.Errorf("%s, server clock %v off: wait %v, %v; want 30s (at most a second more)", tc.name, skew, d, ok)
			}
		}
	}
	if d, ok := RetryAfter(response(429, "Retry-After", "2.5").Header, now); !ok || d != 2500*time.Millisecond {
		t.Errorf("Retry-After 2.5: %v, %v", d, ok)
	}
	for _, bad := range []string{"-1", "NaN", "soon", ""} {
		if d, ok := RetryAfter(response(429, "Retry-After", bad).Header, now); ok {
			t.Errorf("Retry-After %q read as %v", bad, d)
		}
	}
}

func TestRetryAfterStopsEveryEndpoint(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 6000, Endpoints: map[string]int{"tickets-update": 100}}))
	ep := l.Endpoint("tickets-update")
	if err := ep.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	at := c.Now()
	ep.Observe(response(429, "Retry-After", "41", "zendesk-ratelimit-tickets-update", "total=100; remaining=0; resets=41"))
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.Now().Sub(at); got != 41*time.Second {
		t.Errorf("account request after %v, want 41s", got)
	}
}

func TestRemainingSpent(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 6000}))
	l.Wait(context.Background())
	at := c.Now()
	l.Observe(response(200, "ratelimit-limit", "700", "ratelimit-remaining", "0", "ratelimit-reset", "30"))
	l.Wait(context.Background())
	if got := c.Now().Sub(at); got != 30*time.Second {
		t.Errorf("next request after %v, want 30s (the reset)", got)
	}
}

func TestInFlightCountAgainstRemaining(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 6000, Share: 1}))
	l.Wait(context.Background())
	l.Observe(response(200, "ratelimit-remaining", "3", "ratelimit-reset", "60"))
	at := c.Now()
	// Three requests may go; they are not answered yet, so a fourth must
	// wait for the window to reset.
	for range 3 {
		l.Wait(context.Background())
	}
	if got := c.Now().Sub(at); got >= time.Minute {
		t.Fatalf("the three remaining requests took %v", got)
	}
	l.Wait(context.Background())
	if got := c.Now().Sub(at); got != time.Minute {
		t.Errorf("fourth request after %v, want 1m", got)
	}
}

func TestSpreadsWhatRemains(t *testing.T) {
	c := newJumpClock()
	// The share allows one request a second, but others have spent the
	// window: 10 remain for the next 41 seconds, so kzmap spreads them.
	l := New(c.opts(Options{Limit: 60, Share: 1}))
	l.Wait(context.Background())
	l.Observe(response(200, "ratelimit-limit", "60", "ratelimit-remaining", "10", "ratelimit-reset", "41"))
	at := c.Now()
	l.Wait(context.Background())
	if got := c.Now().Sub(at); got != 4*time.Second {
		t.Errorf("next request after %v, want 4s (40s over 10 requests)", got)
	}
}

func TestKustomerHeaders(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 1000}))
	l.Wait(context.Background())
	at := c.Now()
	reset := at.Add(45 * time.Second).Unix()
	l.Observe(response(429, "x-ratelimit-limit", "120", "x-ratelimit-remaining", "0", "x-ratelimit-reset", strconv.FormatInt(reset, 10)))
	l.Wait(context.Background())
	if got := c.Now().Sub(at); got != 45*time.Second {
		t.Errorf("next request after %v, want 45s (x-ratelimit-reset is a Unix time)", got)
	}
	if st := l.Stats(); st.Limit != 120 || st.TooMany != 1 {
		t.Errorf("stats = %+v, want limit 120 and one 429", st)
	}
}

func TestTooManyWithoutHintsBacksOff(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 60, Share: 1})) // one a second
	var got []time.Time
	for range 4 {
		l.Wait(context.Background())
		got = append(got, c.Now())
		l.Observe(response(429))
	}
	var gaps []time.Duration
	for i := 1; i < len(got); i++ {
		gaps = append(gaps, got[i].Sub(got[i-1]))
	}
	if diff := cmp.Diff(seconds(1, 2, 4), gaps); diff != "" {
		t.Errorf("gaps after bare 429s (-want +got):\n%s", diff)
	}
}

func TestEndpointLimit(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 700, Endpoints: map[string]int{"tickets-update": 100}}))
	ep := l.Endpoint("tickets-update")
	if ep != l.Endpoint("tickets-update") {
		t.Fatal("Endpoint returned a new limiter for the same name")
	}
	// 100 a minute at 0.8: every 750ms.
	got := grants(t, ep, c, 3, nil)
	if diff := cmp.Diff(seconds(0, 0.75, 1.5), got); diff != "" {
		t.Errorf("endpoint grant times (-want +got):\n%s", diff)
	}
	if st := l.Stats(); st.Requests != 3 {
		t.Errorf("account saw %d requests, want 3: endpoint requests spend the account budget", st.Requests)
	}
}

func TestEndpointLearnsFromHeader(t *testing.T) {
	c := newJumpClock()
	l := New(c.opts(Options{Limit: 700}))
	ep := l.Endpoint("create-update-user")
	ep.Wait(context.Background())
	at := c.Now()
	ep.Observe(response(200, "ratelimit-remaining", "500", "zendesk-ratelimit-create-update-user", "total=60; remaining=0; resets=12"))
	// The account has room; the endpoint is spent for 12 seconds.
	l.Wait(context.Background())
	l.Observe(nil)
	if got := c.Now().Sub(at); got >= time.Second {
		t.Errorf("account request waited %v for an endpoint limit", got)
	}
	ep.Wait(context.Background())
	if got := c.Now().Sub(at); got != 12*time.Second {
		t.Errorf("endpoint request after %v, want 12s", got)
	}
	// The header names no period, so the endpoint is not paced by the
	// window; it spreads what remains beyond the 20% reserve of its total
	// (12 of 60) over the time left: 40 requests over 40 seconds.
	ep.Observe(response(200, "zendesk-ratelimit-create-update-user", "total=60; remaining=52; resets=41"))
	before := c.Now()
	ep.Wait(context.Background())
	if got := c.Now().Sub(before); got != time.Second {
		t.Errorf("endpoint gap %v, want 1s", got)
	}
	ep.Observe(response(200, "zendesk-ratelimit-create-update-user", "total=60; remaining=12; resets=30"))
	before = c.Now()
	ep.Wait(context.Background())
	if got := c.Now().Sub(before); got != 30*time.Second {
		t.Errorf("at the reserve the endpoint waited %v, want the 30s to its reset", got)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	l := New(Options{Limit: 60})
	l.Wait(context.Background())
	l.Observe(response(429, "Retry-After", "3600"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want deadline exceeded", err)
	}
	// A waiter queued behind the blocked one gives up too.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := l.Wait(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want canceled", err)
	}
}

func TestObserveWakesWaiters(t *testing.T) {
	// A waiter blocked on a spent window goes as soon as an answer shows
	// a new window, not at the old reset.
	l := New(Options{Limit: 6000, Share: 1})
	l.Wait(context.Background())
	l.Observe(response(200, "ratelimit-remaining", "0", "ratelimit-reset", "3600"))
	done := make(chan error)
	go func() { done <- l.Wait(context.Background()) }()
	select {
	case <-done:
		t.Fatal("Wait returned while the window was spent")
	case <-time.After(20 * time.Millisecond):
	}
	resp := response(200, "ratelimit-remaining", "599", "ratelimit-reset", "60")
	l.Observe(resp)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not wake when a new window was observed")
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in                      string
		total, remaining, reset int
	}{
		{"total=100; remaining=99; resets=41", 100, 99, 41},
		{"total=30;remaining=29;resets=60", 30, 29, 60},
		{" Remaining = 5 ", 0, 5, -1},
		{"garbage", 0, -1, -1},
	} {
		total, remaining, reset := parseEndpoint(tc.in)
		if total != tc.total || remaining != tc.remaining || reset != tc.reset {
			t.Errorf("parseEndpoint(%q) = %d, %d, %d; want %d, %d, %d", tc.in, total, remaining, reset, tc.total, tc.remaining, tc.reset)
		}
	}
}

// TestConcurrentWorkers runs many workers on the real clock under the
// race detector: every Wait is counted once and the pace holds.
func TestConcurrentWorkers(t *testing.T) {
	const workers, each = 16, 25
	// 20,000 a second at share 1: 50µs apart, 400 requests in ~20ms.
	l := New(Options{Limit: 20000, Window: time.Second, Share: 1})
	ep := l.Endpoint("tickets-update")
	var wg sync.WaitGroup
	var sent atomic.Int64
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			lim := l
			if w%4 == 0 {
				lim = ep
			}
			for range each {
				if err := lim.Wait(context.Background()); err != nil {
					t.Error(err)
					return
				}
				sent.Add(1)
				lim.Observe(response(200, "ratelimit-limit", "20000", "ratelimit-remaining", "19000", "ratelimit-reset", "1",
					"zendesk-ratelimit-tickets-update", "total=20000; remaining=19000; resets=1"))
				_ = l.Stats()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	st := l.Stats()
	if st.Requests != workers*each || sent.Load() != workers*each || st.Responses != workers*each {
		t.Errorf("stats = %+v, want %d requests and responses", st, workers*each)
	}
	// 400 requests 50µs apart cannot take less than ~19.9ms.
	if min := 399 * 50 * time.Microsecond * 9 / 10; elapsed < min {
		t.Errorf("%d requests in %v: faster than the limit allows (%v)", workers*each, elapsed, min)
	}
}

// fakeServer answers like a fixed-window rate limited API: the simulators'
// window, Zendesk's headers, and others spending part of the same budget.
type fakeServer struct {
	win *simkit.Window
	now func() time.Time
}

func (s *fakeServer) serve() *http.Response {
	ok, rem, reset := s.win.Take()
	wait := strconv.Itoa(simkit.RetryAfterSeconds(reset.Sub(s.now())))
	h := []string{"ratelimit-limit", strconv.Itoa(s.win.Limit()), "ratelimit-remaining", strconv.Itoa(rem), "ratelimit-reset", wait}
	if !ok {
		return response(429, append(h, "Retry-After", wait)...)
	}
	return response(200, h...)
}

// TestLongRunUsesTheShare runs simulated hours against a fixed-window
// server: kzmap must use ≥ 95% of its share with < 1% answered 429, and
// when others overspend their part it must give way rather than collect
// 429s.
func TestLongRunUsesTheShare(t *testing.T) {
	for _, tc := range []struct {
		name       string
		others     float64 // part of the limit others spend
		wantShare  float64 // of Share*Limit, at least
		maxTooMany float64
	}{
		{"alone", 0, 0.95, 0},
		{"others within their part", 0.2, 0.95, 0},
		{"others overspend", 0.4, 0.70, 0.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newJumpClock()
			c.Advance(17 * time.Second) // not aligned to the server's minute
			const limit, share = 400, 0.8
			srv := &fakeServer{win: simkit.NewWindow(limit, time.Minute, c.Now), now: c.Now}
			l := New(c.opts(Options{Limit: limit, Share: share}))
			start := c.Now()
			const run = 60 * time.Minute
			othersEvery := time.Duration(0)
			if tc.others > 0 {
				othersEvery = time.Duration(float64(time.Minute) / (tc.others * limit))
			}
			othersNext := start
			var sent, tooMany int
			for c.Now().Sub(start) < run {
				if err := l.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
				if othersEvery > 0 {
					for !othersNext.After(c.Now()) {
						srv.win.Take()
						othersNext = othersNext.Add(othersEvery)
					}
				}
				c.Advance(30 * time.Millisecond) // latency
				resp := srv.serve()
				sent++
				if resp.StatusCode == 429 {
					tooMany++
				}
				l.Observe(resp)
			}
			allowed := share * limit * run.Minutes()
			used := float64(sent) / allowed
			t.Logf("sent %d of %.0f allowed (%.1f%%), %d answered 429", sent, allowed, 100*used, tooMany)
			if used < tc.wantShare {
				t.Errorf("used %.1f%% of the share, want ≥ %.0f%%", 100*used, 100*tc.wantShare)
			}
			if used > 1.01 {
				t.Errorf("used %.1f%% of the share, more than allowed", 100*used)
			}
			if got := float64(tooMany) / float64(sent); got > tc.maxTooMany {
				t.Errorf("%.2f%% answered 429, want ≤ %.0f%%", 100*got, 100*tc.maxTooMany)
			}
		})
	}
}
