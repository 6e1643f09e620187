package zendesksim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock shared by the test and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a simulator behind a real HTTP server, with a client that
// authenticates as the account owner.
type harness struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	clock *clock
	email string
	token string
}

// randomToken makes a credential for this test run only.
func randomToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newHarness starts a simulator; zero Options fields get test defaults:
// a frozen clock, bulk imports on, jobs that complete at the next request.
func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock(), email: "owner@example.test", token: randomToken()}
	opts.Email, opts.Token = h.email, h.token
	if opts.Now == nil {
		opts.Now = h.clock.Now
	}
	h.srv = New(opts)
	h.http = httptest.NewServer(h.srv)
	t.Cleanup(h.http.Close)
	return h
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r resp) str(path ...string) string {
	v := r.get(path...)
	s, _ := v.(string)
	return s
}

func (r resp) get(path ...string) any { return dig(r.body, path...) }

// dig walks maps by key and slices by index ("0", "1", …).
func dig(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, ch := range p {
				i = i*10 + int(ch-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case float64:
		return int64(x)
	}
	return 0
}

func (h *harness) request(method, path string, body any, hdr map[string]string) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.http.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.SetBasicAuth(h.email+"/token", h.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Decode(&out.body)
	return out
}

func (h *harness) do(method, path string, body any) resp {
	h.t.Helper()
	return h.request(method, path, body, nil)
}

// must sends a request and fails the test unless the status is want.
func (h *harness) must(want int, method, path string, body any) resp {
	h.t.Helper()
	r := h.do(method, path, body)
	if r.status != want {
		h.t.Fatalf("%s %s = %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r
}

// user creates a user with a role and returns its id.
func (h *harness) user(name, email, role string) int64 {
	h.t.Helper()
	r := h.must(201, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": name, "email": email, "role": role}})
	return num(r.get("user", "id"))
}

func (h *harness) group(name string) int64 {
	h.t.Helper()
	r := h.must(201, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": name}})
	return num(r.get("group", "id"))
}

func (h *harness) member(user, group int64) {
	h.t.Helper()
	h.must(201, "POST", "/api/v2/group_memberships", map[string]any{"group_membership": map[string]any{"user_id": user, "group_id": group}})
}

// job polls a job status once and returns it.
func (h *harness) job(id string) resp {
	h.t.Helper()
	return h.must(200, "GET", "/api/v2/job_statuses/"+id, nil)
}

// startJob sends a bulk request and returns the queued job's id.
func (h *harness) startJob(want int, method, path string, body any) string {
	h.t.Helper()
	r := h.must(want, method, path, body)
	if st := r.str("job_status", "status"); st != "queued" {
		h.t.Fatalf("new job status = %q, want queued", st)
	}
	return r.str("job_status", "id")
}

// runJob starts a job and returns its completed status (JobDelay 0: it
// completes at the next request).
func (h *harness) runJob(want int, method, path string, body any) resp {
	h.t.Helper()
	id := h.startJob(want, method, path, body)
	r := h.job(id)
	if st := r.str("job_status", "status"); st != "completed" {
		h.t.Fatalf("job %s status = %q, want completed", id, st)
	}
	return r
}
