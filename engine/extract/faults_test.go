package extract

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
)

// waitWatch is a transport that notes every Retry-After the client
// receives and every request it sends before that wait has passed.
type waitWatch struct {
	next  http.RoundTripper
	mu    sync.Mutex
	until time.Time
	got   time.Time // when the Retry-After arrived
	early []string
}

// inFlight is how long after a Retry-After arrives a request that had
// already passed the limiter may still leave: not a client's choice.
const inFlight = 5 * time.Millisecond

func (w *waitWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	now := time.Now()
	w.mu.Lock()
	if now.Before(w.until) && now.Sub(w.got) > inFlight {
		w.early = append(w.early, fmt.Sprintf("%s %s sent %s before the Retry-After ended", r.Method, r.URL.Path, w.until.Sub(now)))
	}
	w.mu.Unlock()
	resp, err := w.next.RoundTrip(r)
	if err == nil && (resp.StatusCode == 429 || resp.StatusCode == 503) {
		var u time.Time
		if n, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil {
			u = time.Now().Add(time.Duration(n) * time.Second)
		} else if n, perr := strconv.ParseInt(resp.Header.Get("x-ratelimit-reset"), 10, 64); perr == nil && resp.StatusCode == 429 {
			// Unix seconds, rounded up: the window ends within the second before.
			u = time.Unix(n-1, 0)
		}
		w.mu.Lock()
		if u.After(w.until) {
			w.until, w.got = u, time.Now()
		}
		w.mu.Unlock()
	}
	return resp, err
}

// Injected 5xx answers, connection resets and 429 bursts (with
// Retry-After) are retried; the snapshot is whole, and no request leaves
// the client after it received a Retry-After and before that passed.
func TestFaultsAreRetried(t *testing.T) {
	t.Parallel()
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{RetryAfter: true, Faults: simkit.Faults{
		Error5xx: 0.06, Reset: 0.03, Burst429: 0.015, BurstLen: 1, Seed: 11,
	}})
	st := openStore(t, t.TempDir())
	watch := &waitWatch{next: http.DefaultTransport}
	c := s.client(t, kustomer.Options{HTTPClient: &http.Client{Transport: watch}})
	start := time.Now()
	res, err := Run(context.Background(), c, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkFiles(t, st, dir)
	checkReconciled(t, res)
	stats := s.server.Stats()
	cs := c.Stats()
	t.Logf("%s: client %+v; server too many %d, resets %d, early %d", time.Since(start).Round(time.Millisecond), cs, stats.TooMany, stats.Resets, stats.EarlyRetries)
	if cs.Retries == 0 || cs.ServerErrors == 0 || cs.NetErrors == 0 {
		t.Errorf("faults were not met: %+v", cs)
	}
	for _, e := range watch.early {
		t.Error(e)
	}
	// The server cannot tell a request sent before its sender saw the
	// Retry-After from one sent after; those in flight are the bound: the
	// other workers' requests, for each answer that carried a Retry-After
	// (429s and 503s). The watch above is the exact check.
	waits := stats.ByStatus[http.StatusTooManyRequests] + stats.ByStatus[http.StatusServiceUnavailable]
	if bound := waits * int64(defaultWorkers-1); stats.EarlyRetries > bound {
		t.Errorf("the server saw %d requests arrive inside a Retry-After; %d answers carried one, so at most %d were in flight", stats.EarlyRetries, waits, bound)
	}
}

// The org's live team spends half the budget behind kzmap's back, and the
// client was told the whole limit is its share: it meets 429s, waits each
// out until the window resets, and sends nothing early.
func TestRateLimitIsWaitedOut(t *testing.T) {
	t.Parallel()
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{Limit: 60, SearchLimit: 10})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { // the live team: 30 requests a second, from another address
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				req := httptest.NewRequest("GET", "/v1/users?pageSize=1", nil)
				req.Header.Set("Authorization", "Bearer "+testKey)
				s.server.ServeHTTP(httptest.NewRecorder(), req)
			}
		}
	}()
	// And two 429s that name only the window's reset, as Kustomer's do.
	var n atomic.Int64
	s.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if k := n.Add(1); k != 10 && k != 40 {
			return false
		}
		w.Header().Set("x-ratelimit-limit", "60")
		w.Header().Set("x-ratelimit-remaining", "0")
		w.Header().Set("x-ratelimit-reset", strconv.FormatInt(time.Now().Unix()+1, 10))
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"errors":[{"code":"too_many_requests","message":"rate limit exceeded","meta":{}}]}`))
		return true
	}
	st := openStore(t, t.TempDir())
	watch := &waitWatch{next: http.DefaultTransport}
	c := s.client(t, kustomer.Options{Limit: 60, SearchLimit: 10, Share: 1, SearchShare: 1, HTTPClient: &http.Client{Transport: watch}})
	res, err := Run(context.Background(), c, st, Options{Strategies: map[string]string{"conversation": "search"}})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkReconciled(t, res)
	stats := s.server.Stats()
	cs := c.Stats()
	t.Logf("client %+v; server: %d answered 429, early by client %v", cs, stats.TooMany, stats.EarlyByKey)
	if cs.TooMany < 2 {
		t.Errorf("the client met %d 429s, want at least the 2 injected", cs.TooMany)
	}
	for _, e := range watch.early {
		t.Error(e)
	}
	if n := stats.EarlyByKey["127.0.0.1"]; n > 6 {
		t.Errorf("the server saw %d of kzmap's requests arrive before the window reset", n)
	}
}
