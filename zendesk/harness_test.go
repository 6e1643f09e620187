package zendesk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// The tests run the client against the real simulator over loopback.
// Windows are compressed to a second, so a limit of 3000 lets the tests
// move fast while every request still goes through the limiter.

const testEmail = "admin@kzmap.test"

// testToken is a credential unique to this test run, planted so that the
// leak test can search every message for it.
var testToken = func() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "kzmap-test-token-" + hex.EncodeToString(b)
}()

// spec is the OpenAPI file the simulator checks requests against, when
// the checkout has it.
var spec struct {
	once sync.Once
	s    *zendesksim.Spec
	err  error
}

func loadSpec(t testing.TB) *zendesksim.Spec {
	t.Helper()
	spec.once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			spec.err = err
			return
		}
		// shared/api sits beside the module's checkout.
		path := filepath.Join(wd, "..", "..", "shared", "api", "zendesk-support-oas.yaml")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return
		}
		spec.s, spec.err = zendesksim.LoadSpec(path)
	})
	if spec.err != nil {
		t.Fatalf("loading the OpenAPI file: %v", spec.err)
	}
	return spec.s
}

type env struct {
	t   testing.TB
	sim *zendesksim.Server
	srv *httptest.Server
	c   *Client
	cfg Config
}

// newEnv starts a simulator (bulk imports on, one-second windows, requests
// checked against the OpenAPI file when present) and a client for it.
// opts and tweak adjust either side.
func newEnv(t testing.TB, opts zendesksim.Options, tweak func(*Config)) *env {
	t.Helper()
	return startEnv(t, opts, tweak, true)
}

// newEnvUnchecked is newEnv without the OpenAPI checks, for requests the
// documentation allows and the OpenAPI file gets wrong.
func newEnvUnchecked(t testing.TB, opts zendesksim.Options, tweak func(*Config)) *env {
	t.Helper()
	return startEnv(t, opts, tweak, false)
}

func startEnv(t testing.TB, opts zendesksim.Options, tweak func(*Config), check bool) *env {
	t.Helper()
	opts.Email, opts.Token = testEmail, testToken
	opts.BulkImportEnabled = true
	if opts.Limit == 0 {
		opts.Limit = 3000
	}
	if opts.Window == 0 {
		opts.Window = time.Second
	}
	if check && opts.ValidateRequests == nil {
		opts.ValidateRequests = loadSpec(t)
	}
	sim := zendesksim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := Config{
		BaseURL: srv.URL, Email: testEmail, Token: NewSecret(testToken),
		Limiter: throttle.New(throttle.Options{Limit: opts.Limit, Window: opts.Window,
			Endpoints: map[string]int{"tickets-update": 100}}),
		RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond,
		PollMin: 2 * time.Millisecond, PollMax: 50 * time.Millisecond,
		// The Help Center's budget is its own, of the same size.
		HelpCenterLimiter: throttle.New(throttle.Options{Limit: opts.Limit, Window: opts.Window}),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.CloseClientConnections)
	return &env{t: t, sim: sim, srv: srv, c: c, cfg: cfg}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// wait waits for a job and fails the test on error.
func (e *env) wait(j *Job, err error) *JobOutcome {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("submitting: %v", err)
	}
	o, err := j.Wait(ctx(e.t))
	if err != nil {
		e.t.Fatalf("waiting for job %s: %v", j.ID(), err)
	}
	if len(o.Results) != j.Items() {
		e.t.Fatalf("job %s: %d results for %d items", j.ID(), len(o.Results), j.Items())
	}
	return o
}

// users creates users through create_many and returns their ids.
func (e *env) users(us ...User) []int64 {
	e.t.Helper()
	o := e.wait(e.c.CreateManyUsers(ctx(e.t), us))
	ids := make([]int64, len(us))
	for i, r := range o.Results {
		id, ok := r.IntID()
		if !r.Success || !ok {
			e.t.Fatalf("creating user %d: %+v", i, r)
		}
		ids[i] = id
	}
	return ids
}

func ptr[T any](v T) *T { return &v }

// settledTotal returns the simulator's request count once it stops
// changing: the simulator counts a request after answering it, so the
// client can be ahead of the count.
func settledTotal(sim *zendesksim.Server) int64 {
	last := sim.Stats().Total
	for range 50 {
		time.Sleep(2 * time.Millisecond)
		n := sim.Stats().Total
		if n == last {
			return n
		}
		last = n
	}
	return last
}
