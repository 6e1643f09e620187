// Package enginetest is the rig the tests of apply, verify and the
// benchmarks share: a generated organisation, the default mapping, a
// Zendesk simulator on loopback, a checkpoint, and a client that talks to
// the simulator at test speed. It is imported by tests only.
package enginetest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// The simulator's credentials: made up for tests, never real.
const (
	Email = "admin@sim.example"
	Token = "test-token-7f3a"
)

// Options shape a Rig.
type Options struct {
	// Faults is a simkit fault spec for the simulator ("" for none).
	Faults string
	// Tweak adjusts the simulator's options before it starts.
	Tweak func(*zendesksim.Options)
	// Customers sizes the dataset (0: the profile's).
	Customers int
	// PG keeps the checkpoint in a PostgreSQL workspace instead of the
	// rig's file.
	PG *checkpoint.PG
}

// Rig is an organisation, a mapping, a Zendesk simulator and a checkpoint.
type Rig struct {
	T      testing.TB
	Dir    string // the rig's own directory (the checkpoint is under .kzmap/)
	Export string // the generated export directory
	Snap   *engine.DirSnapshot
	Cfg    *dsl.Config
	Sim    *zendesksim.Server
	URL    string
	Store  *checkpoint.Store
	PG     *checkpoint.PG // the checkpoint's workspace, when not the file
	// Timeout bounds one client request (0: the client's default).
	Timeout time.Duration
}

// New generates a dataset of the profile and seed for a fresh simulator
// (a second window, 4,000 requests, bulk imports on, Enterprise) and a
// fresh checkpoint.
func New(t testing.TB, profile string, seed int64, opts Options) *Rig {
	t.Helper()
	r := &Rig{T: t, Dir: t.TempDir(), PG: opts.PG}
	r.Export = filepath.Join(r.Dir, "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: profile, Seed: seed, Customers: opts.Customers}, r.Export); err != nil {
		t.Fatal(err)
	}
	var err error
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	r.Cfg = DefaultMapping(t)
	var f simkit.Faults
	if opts.Faults != "" {
		if f, err = simkit.ParseFaults(opts.Faults); err != nil {
			t.Fatal(err)
		}
	}
	so := zendesksim.Options{Email: Email, Token: Token, Limit: 4000, Window: time.Second,
		BulkImportEnabled: true, PlanTier: zendesksim.PlanEnterprise, Faults: f}
	if opts.Tweak != nil {
		opts.Tweak(&so)
	}
	r.Sim = zendesksim.New(so)
	srv := httptest.NewServer(r.Sim)
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	r.OpenStore()
	return r
}

// DefaultMapping loads the default template from examples/mappings.
func DefaultMapping(t testing.TB) *dsl.Config {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "examples", "mappings", "default")
	cfg, diags := dsl.Load(dir, dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

// OpenStore opens the rig's checkpoint (again, after a test closed it).
func (r *Rig) OpenStore() {
	s, err := OpenCheckpoint(r.Dir, r.PG, 0)
	if err != nil {
		r.T.Fatal(err)
	}
	r.Store = s
	r.T.Cleanup(func() { s.Close() })
}

// OpenCheckpoint opens a rig's checkpoint for writing: the file under
// dir/.kzmap, or the workspace pg names; timeout is how long to wait for
// another writer's lock.
func OpenCheckpoint(dir string, pg *checkpoint.PG, timeout time.Duration) (*checkpoint.Store, error) {
	if pg != nil {
		return checkpoint.OpenPG(context.Background(), *pg, checkpoint.Options{Timeout: timeout})
	}
	return checkpoint.Open(filepath.Join(dir, ".kzmap", "checkpoint.db"), checkpoint.Options{Timeout: timeout})
}

// Client is a client of the simulator at test speed: a second window,
// short polls and backoffs.
func (r *Rig) Client() *zendesk.Client {
	c, err := zendesk.New(zendesk.Config{BaseURL: r.URL, Email: Email, Token: zendesk.NewSecret(Token),
		Limiter: throttle.New(throttle.Options{Limit: 4000, Window: time.Second, Share: 0.8}), RateLimit: 4000,
		HelpCenterLimiter: throttle.New(throttle.Options{Limit: 4000, Window: time.Second, Share: 0.8}),
		PollMin:           5 * time.Millisecond, PollMax: 100 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		RequestTimeout: r.Timeout})
	if err != nil {
		r.T.Fatal(err)
	}
	return c
}

// Clock is the machine's clock moved forward on demand: for a simulator
// whose "later" must be a later second (Zendesk's times are whole
// seconds), or past the incremental export's one-minute lag.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now is the machine's time plus the offset.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// AddReplies appends a customer's reply to each of the first n
// conversations that have a customer and messages, and reopens the
// snapshot: a delta for the next plan. seq numbers the replies across
// calls (their ids and times), so passes never repeat one.
func (r *Rig) AddReplies(tb testing.TB, n int, seq *int) {
	tb.Helper()
	if n == 0 {
		return
	}
	f, err := os.OpenFile(filepath.Join(r.Export, "messages.ndjson"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	done := 0
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	err = r.Snap.ForEach("conversation", func(id string, raw []byte) error {
		rec, _ := record.DecodeJSON(raw)
		conv, ok := rec.(*record.Conversation)
		if !ok || conv.CustomerID == "" || conv.MessageCount == 0 || done == n {
			return nil
		}
		done++
		*seq++
		stamp := at.Add(time.Duration(*seq) * time.Minute).Format("2006-01-02T15:04:05.000Z")
		_, err := fmt.Fprintf(f, `{"type":"message","id":"eeeeeeeeeeeeeeee%08d","attributes":{"direction":"in","channel":"email","body":"Any news?","createdAt":%q,"updatedAt":%q},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}},"customer":{"data":{"type":"customer","id":%q}}}}`+"\n",
			*seq, stamp, stamp, id, conv.CustomerID)
		return err
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		tb.Fatal(err)
	}
}
