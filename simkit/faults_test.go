package simkit

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ignoreRuntime = cmpopts.IgnoreFields(Faults{}, "Render", "src")

func TestParseFaults(t *testing.T) {
	tests := []struct {
		spec string
		want Faults
	}{
		{"", Faults{}},
		{" , ", Faults{}},
		{
			"5xx=0.05,reset=0.01,latency=20ms,slow=0.1:500ms,429burst=0.02,jobfail=0.05,seed=7",
			Faults{Error5xx: 0.05, Reset: 0.01, Latency: 20 * time.Millisecond, SlowP: 0.1, Slow: 500 * time.Millisecond,
				Burst429: 0.02, JobFailP: 0.05, Seed: 7},
		},
		{"429burst=1:5, retry-after=2s", Faults{Burst429: 1, BurstLen: 5, RetryAfter: 2 * time.Second}},
	}
	for _, tt := range tests {
		got, err := ParseFaults(tt.spec)
		if err != nil {
			t.Errorf("ParseFaults(%q): %v", tt.spec, err)
			continue
		}
		if d := cmp.Diff(tt.want, got, ignoreRuntime); d != "" {
			t.Errorf("ParseFaults(%q) (-want +got):\n%s", tt.spec, d)
		}
	}
}

func TestParseFaultsErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"5xx=2", `fault "5xx": probability "2" is not a number in [0,1]`},
		{"boom=1", `fault "boom": unknown key; known keys are 5xx, reset, latency, slow, 429burst, retry-after, jobfail, seed`},
		{"slow=0.1", `fault "slow": want P:DURATION, got "0.1"`},
		{"latency=fast", `fault "latency": duration "fast" is not a non-negative Go duration like 20ms`},
		{"reset", `fault "reset": want key=value`},
		{"seed=1,seed=2", `fault "seed": given twice`},
		{"429burst=0.1:0", `fault "429burst": burst length 0 is below 1`},
	}
	for _, tt := range tests {
		_, err := ParseFaults(tt.spec)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseFaults(%q) error = %v, want %s", tt.spec, err, tt.want)
		}
	}
	// Every bad item is reported, not only the first.
	_, err := ParseFaults("a=1,b=2")
	if err == nil || strings.Count(err.Error(), "unknown key") != 2 {
		t.Errorf("ParseFaults(a=1,b=2) = %v, want two errors", err)
	}
}

func FuzzParseFaults(f *testing.F) {
	f.Add("5xx=0.05,reset=0.01,latency=20ms,slow=0.1:500ms,429burst=0.02,jobfail=0.05,seed=7")
	f.Add("429burst=1:4,retry-after=3s")
	f.Fuzz(func(t *testing.T, spec string) {
		a, err := ParseFaults(spec)
		if err != nil {
			return
		}
		b, err := ParseFaults(a.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", a.String(), err)
		}
		if d := cmp.Diff(a, b, ignoreRuntime); d != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", spec, d)
		}
	})
}

// statuses sends n sequential requests through f and returns the codes,
// with -1 for a reset connection.
func statuses(t *testing.T, f *Faults, n int) []int {
	t.Helper()
	srv := httptest.NewServer(f.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	// No keep-alives: the transport silently retries an idempotent request
	// whose reused connection was reset, which would hide the fault.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var out []int
	for range n {
		resp, err := client.Get(srv.URL)
		if err != nil {
			if !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "EOF") {
				t.Fatalf("unexpected transport error: %v", err)
			}
			out = append(out, -1)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out = append(out, resp.StatusCode)
	}
	return out
}

func TestFaultsDeterministic(t *testing.T) {
	spec := "5xx=0.2,reset=0.1,429burst=0.1:2,seed=42"
	a, _ := ParseFaults(spec)
	b, _ := ParseFaults(spec)
	got1, got2 := statuses(t, &a, 60), statuses(t, &b, 60)
	if d := cmp.Diff(got1, got2); d != "" {
		t.Fatalf("same seed, different faults (-first +second):\n%s", d)
	}
	seen := map[int]bool{}
	for _, s := range got1 {
		seen[s] = true
	}
	for _, s := range []int{-1, 200, 429, 500, 503} {
		if !seen[s] {
			t.Errorf("status %d never seen in %v", s, got1)
		}
	}
}

func TestFaultsBurstAndRender(t *testing.T) {
	f := Faults{Burst429: 1, BurstLen: 3, RetryAfter: 1500 * time.Millisecond}
	f.Render = func(w http.ResponseWriter, r *http.Request, status int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":"TooManyRequests"}`)
	}
	srv := httptest.NewServer(f.Wrap(http.NotFoundHandler()))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || string(body) != `{"error":"TooManyRequests"}` {
		t.Errorf("got %d Retry-After=%q body %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestFaultsLatency(t *testing.T) {
	f := Faults{Latency: 30 * time.Millisecond}
	srv := httptest.NewServer(f.Wrap(http.NotFoundHandler()))
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Errorf("request took %v, want at least 30ms", el)
	}
}

func TestJobFailIndependentOfRequests(t *testing.T) {
	draw := func(requests int) []bool {
		f, _ := ParseFaults("jobfail=0.5,5xx=0.5,seed=3")
		statuses(t, &f, requests)
		var out []bool
		for range 20 {
			out = append(out, f.JobFail())
		}
		return out
	}
	if d := cmp.Diff(draw(0), draw(5)); d != "" {
		t.Errorf("job failures shifted with request count (-0 +5):\n%s", d)
	}
	var zero Faults
	if zero.JobFail() {
		t.Error("zero Faults failed a job")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, -time.Second: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 41 * time.Second: 41} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

// TestDateIsWhenAnswered: the Date header is the time the response was
// written, after the handler (and any latency), as a real server's: a
// record the response says was updated is never newer than its Date.
func TestDateIsWhenAnswered(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 12, 0, 0, 900_000_000, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := DateHeader(clock, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now = now.Add(200 * time.Millisecond) // the handler runs past the second
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, want := res.Header.Get("Date"), "Fri, 01 May 2026 12:00:01 GMT"; got != want {
		t.Errorf("Date %q, want %q (the time of the answer)", got, want)
	}
}
