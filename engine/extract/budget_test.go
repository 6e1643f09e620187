package extract

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
)

// perWindow counts the requests that arrived in each window of the
// simulator (windows are aligned to multiples of their length), all of
// them and searches only.
func (s *sim) perWindow(length time.Duration) (all, search map[int64]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, search = map[int64]int{}, map[int64]int{}
	for i, at := range s.times {
		w := at.UnixNano() / int64(length)
		all[w]++
		if strings.Contains(s.log[i], "/search?") {
			search[w]++
		}
	}
	return all, search
}

// The client spends its share of the org limit and of the search limit
// (80% by default) in every window of the server's. The limiter paces
// requests one interval apart and lets a request that was let go late
// keep its slot, so up to throttle's catch-up of 4 requests may go back to
// back after a stall: a server window can hold the share plus those few,
// never the server's limit (no 429s), and on average no more than the
// share.
func TestBudgetShareIsRespected(t *testing.T) {
	t.Parallel()
	dir := generated(t, "small")
	const limit, searchLimit = 50, 10
	s := startSim(t, dir, kustomersim.Options{Limit: limit, SearchLimit: searchLimit})
	st := openStore(t, t.TempDir())
	c := s.client(t, kustomer.Options{Limit: limit, SearchLimit: searchLimit})
	start := time.Now()
	force := map[string]string{"conversation": "search", "message": "search", "customer": "search"}
	res, err := Run(context.Background(), c, st, Options{Strategies: force})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	checkReconciled(t, res)
	all, search := s.perWindow(time.Second)
	share, searchShare := int(0.8*limit), int(0.8*searchLimit)
	const catchUp = 4
	for w, n := range all {
		if n > share+catchUp+1 {
			t.Errorf("window %d: %d requests, the share is %d", w, n, share)
		}
	}
	for w, n := range search {
		if n > searchShare+1 {
			t.Errorf("window %d: %d searches, the share is %d", w, n, searchShare)
		}
	}
	if stats := s.server.Stats(); stats.TooMany != 0 {
		t.Errorf("%d answers 429", stats.TooMany)
	}
	used := float64(len(s.requests())) / (elapsed.Seconds() * float64(share))
	if used > 1.05 {
		t.Errorf("%.0f%% of the share's rate on average", 100*used)
	}
	t.Logf("%d requests in %s: %.0f%% of the share's rate; per window %v, searches %v", len(s.requests()), elapsed.Round(time.Millisecond), 100*used, all, search)
}
