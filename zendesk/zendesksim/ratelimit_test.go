package zendesksim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/simkit"
)

func TestRateLimit(t *testing.T) {
	h := newHarness(t, Options{Limit: 3, Window: time.Second})
	for i, want := range []string{"2", "1", "0"} {
		r := h.must(200, "GET", "/api/v2/users/me", nil)
		for _, k := range []string{"X-Rate-Limit-Remaining", "ratelimit-remaining"} {
			if got := r.header.Get(k); got != want {
				t.Errorf("request %d: %s = %q, want %q", i, k, got, want)
			}
		}
		if r.header.Get("X-Rate-Limit") != "3" || r.header.Get("ratelimit-limit") != "3" || r.header.Get("ratelimit-reset") != "1" {
			t.Errorf("request %d headers = %v", i, r.header)
		}
	}
	r := h.do("GET", "/api/v2/users/me", nil)
	if r.status != 429 || r.header.Get("Retry-After") != "1" || r.str("errors", "0", "code") != "TooManyRequests" {
		t.Fatalf("past the limit = %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.raw)
	}
	// Retrying before Retry-After elapsed is counted against the client.
	h.do("GET", "/api/v2/users/me", nil)
	h.clock.Advance(time.Second)
	h.must(200, "GET", "/api/v2/users/me", nil)
	st := h.srv.Stats()
	if st.TooMany != 2 || st.EarlyRetries != 1 || st.EarlyByKey[h.email] != 1 || st.Total != 6 {
		t.Errorf("stats = %+v", st)
	}
	if st.ByRoute["GET /api/v2/users/me"] != 6 {
		t.Errorf("by route = %v", st.ByRoute)
	}
}

func TestFaultResponses(t *testing.T) {
	f, err := simkit.ParseFaults("429burst=1:2,seed=1")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{Faults: f})
	r := h.do("GET", "/api/v2/users/me", nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" || r.header.Get("X-Rate-Limit") == "" || r.str("errors", "0", "code") != "TooManyRequests" {
		t.Errorf("fault 429 = %d %v %s", r.status, r.header, r.raw)
	}
	f, _ = simkit.ParseFaults("5xx=1")
	h = newHarness(t, Options{Faults: f})
	r = h.do("GET", "/api/v2/users/me", nil)
	if r.status < 500 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("fault 5xx = %d %s", r.status, r.header.Get("Content-Type"))
	}
	f, _ = simkit.ParseFaults("reset=1")
	h = newHarness(t, Options{Faults: f})
	req, _ := http.NewRequest("POST", h.http.URL+"/api/v2/users/me", nil)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Errorf("reset=1 answered %d", res.StatusCode)
	}
}
