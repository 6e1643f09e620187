package extract

import (
	"context"
	"testing"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
)

// Injected 5xx answers, connection resets and 429 bursts (with
// Retry-After) are retried; the snapshot is whole, and no request goes
// out before a Retry-After has passed.
func TestFaultsAreRetried(t *testing.T) {
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{RetryAfter: true, Faults: simkit.Faults{
		Error5xx: 0.06, Reset: 0.03, Burst429: 0.02, BurstLen: 2, Seed: 11,
	}})
	st := openStore(t, t.TempDir())
	c := s.client(t, kustomer.Options{})
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
	if stats.EarlyRetries != 0 {
		t.Errorf("%d requests were sent before a Retry-After had passed", stats.EarlyRetries)
	}
}

// Against a rate limit that leaves no room (the client told the whole
// limit is its share), 429s are waited out until the window resets, and
// nothing is sent early.
func TestRateLimitIsWaitedOut(t *testing.T) {
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{Limit: 25, SearchLimit: 5})
	st := openStore(t, t.TempDir())
	// An optimistic client: it starts out believing the limit is 1,000.
	c := s.client(t, kustomer.Options{Limit: 1000, SearchLimit: 1000, Share: 1, SearchShare: 1})
	res, err := Run(context.Background(), c, st, Options{Strategies: map[string]string{"conversation": "search"}})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkReconciled(t, res)
	stats := s.server.Stats()
	t.Logf("client %+v; server %d answered 429, %d early", c.Stats(), stats.TooMany, stats.EarlyRetries)
	if stats.EarlyRetries != 0 {
		t.Errorf("%d requests were sent before the window reset", stats.EarlyRetries)
	}
}
