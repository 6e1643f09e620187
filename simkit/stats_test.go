package simkit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatsEarlyRetries(t *testing.T) {
	c := newClock()
	s := NewStats(c.now)
	s.Arrive("a")
	s.Record("a", "GET /x", 429, 2*time.Second)
	c.add(time.Second)
	if !s.Arrive("a") { // one second into a two-second wait
		t.Error("retry after 1s of a 2s Retry-After not counted early")
	}
	s.Record("a", "GET /x", 200, 0)
	if s.Arrive("b") {
		t.Error("another client counted early")
	}
	s.Record("b", "GET /y", 200, 0)
	c.add(time.Second)
	if s.Arrive("a") {
		t.Error("retry once Retry-After elapsed counted early")
	}
	s.Record("a", "GET /x", 0, 0)
	want := StatsSnapshot{
		Total:        4,
		ByRoute:      map[string]int64{"GET /x": 3, "GET /y": 1},
		ByStatus:     map[int]int64{200: 2, 429: 1},
		TooMany:      1,
		Resets:       1,
		EarlyRetries: 1,
		EarlyByKey:   map[string]int64{"a": 1},
	}
	got := s.Snapshot()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("snapshot (-want +got):\n%s", d)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back StatsSnapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, back); d != "" {
		t.Errorf("JSON round trip (-before +after):\n%s", d)
	}
	s.Reset()
	if got := s.Snapshot(); got.Total != 0 || len(got.ByRoute) != 0 {
		t.Errorf("after Reset: %+v", got)
	}
}

func TestStatsWrap(t *testing.T) {
	s := NewStats(nil)
	var n int
	var mu sync.Mutex
	h := s.Wrap(func(r *http.Request) string { return r.Header.Get("X-Client") }, nil,
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", strconv.Itoa(60))
				w.WriteHeader(429)
				return
			}
			io.WriteString(w, "ok")
		}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, client := range []string{"a", "a", "b"} {
		req, _ := http.NewRequest("GET", srv.URL+"/p", nil)
		req.Header.Set("X-Client", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got := s.Snapshot()
	want := StatsSnapshot{
		Total: 3, ByRoute: map[string]int64{"GET /p": 3}, ByStatus: map[int]int64{200: 2, 429: 1},
		TooMany: 1, EarlyRetries: 1, EarlyByKey: map[string]int64{"a": 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("snapshot (-want +got):\n%s", d)
	}
}

func TestStatsCountsResets(t *testing.T) {
	s := NewStats(nil)
	f := Faults{Reset: 1}
	srv := httptest.NewServer(s.Wrap(nil, nil, f.Wrap(http.NotFoundHandler())))
	defer srv.Close()
	if resp, err := http.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Fatal("request through reset=1 succeeded")
	}
	// Record runs after the connection closes; wait for it.
	deadline := time.Now().Add(2 * time.Second)
	for s.Snapshot().Resets == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.Snapshot(); got.Resets != 1 || got.Total != 1 {
		t.Errorf("snapshot = %+v, want one reset", got)
	}
}

// Refusals are named one by one, the first maxRefused of them; a 429 and a
// success are not refusals.
func TestStatsNamesRefusals(t *testing.T) {
	s := NewStats(nil)
	s.Record("a", "GET /ok", 200, 0)
	s.Record("a", "GET /slow", 429, time.Second)
	s.Record("a", "POST /bad", 400, 0)
	for range maxRefused + 5 {
		s.Record("a", "GET /gone", 404, 0)
	}
	got := s.Snapshot().Refused
	if len(got) != maxRefused || got[0] != "400 POST /bad" || got[1] != "404 GET /gone" {
		t.Errorf("refused = %q, want %d starting with 400 POST /bad, 404 GET /gone", got, maxRefused)
	}
	s.Reset()
	if got := s.Snapshot().Refused; len(got) != 0 {
		t.Errorf("after Reset: refused = %q", got)
	}
}
