package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// Source is what the engine needs of the Kustomer client
// (*kustomer.Client implements it).
type Source interface {
	Org(ctx context.Context) (string, error)
	List(ctx context.Context, path string, q url.Values, page, pageSize int) (*kustomer.Page, error)
	Search(ctx context.Context, archive bool, body json.RawMessage, page, pageSize int) (*kustomer.Page, error)
	Download(ctx context.Context, rawURL string) (io.ReadCloser, int64, string, error)
	Allowed(u *url.URL) bool
	ServerTime() time.Time
	Stats() kustomer.Stats
}

// Options configure a run. Zero values mean the defaults.
// defaultWorkers is how many requests extract keeps in flight unless told.
const defaultWorkers = 6

type Options struct {
	// Since and Until bound the updatedAt of the searchable types
	// (companies, customers, conversations, messages, notes, kobjects);
	// users, teams and Klasses are always listed whole.
	Since, Until time.Time
	// Only restricts the run to these types (record.Types names; plurals
	// accepted). Attachments come with messages.
	Only []string
	// Overlap is how far before the last cursor an incremental run starts
	// again (default 5 minutes), so a record written while the previous
	// run was reading is not missed.
	Overlap time.Duration
	// Workers is the number of requests in flight at once (default
	// defaultWorkers). The throttle, not this, keeps the budget.
	Workers int
	// MaxAttachment is the largest file downloaded (default 50 MB);
	// larger ones are recorded as oversize.
	MaxAttachment int64
	// SearchPageSize and ListPageSize are the page sizes asked for
	// (defaults 500 and 100, the API's maximums). Tests lower the search
	// size to make windows split on small datasets.
	SearchPageSize, ListPageSize int
	// Strategies forces the endpoint family of a type ("list" or
	// "search") instead of the cheapest estimate; for tests and
	// benchmarks.
	Strategies map[string]string
	// AttachmentShare is the assumed share of conversations with an
	// attachment, used to price reading messages by search (default 0.25).
	AttachmentShare float64
	// Restart discards an interrupted run instead of resuming it.
	Restart bool
	// Progress hears about the run (default: nothing).
	Progress Progress
	// Clock is the machine's clock (default time.Now), for the times a run
	// records. What counts as "now" for the data is Kustomer's clock (the
	// Date of its answers); Clock stands in only when the server sends none.
	Clock func() time.Time
}

// Cursor names. Everything under "s:" belongs to the current run and is
// cleared when a new run starts; "hwm:<type>" (the newest updatedAt
// written of each type) and "covered:<type>" (a run read the whole type,
// not a --since/--until window of it) carry over to the next run, which is
// incremental for a type only when both are there.
const (
	runPrefix     = "s:"
	hwmPrefix     = "hwm:"
	coveredPrefix = "covered:"
)

type engine struct {
	src   Source
	store *snapshot.Store
	opts  Options
	prog  Progress
	sem   chan struct{}
	run   snapshot.Run
	prev  snapshot.Run // the last complete run, if any
	has   bool         // prev is set
	now   time.Time    // the server's clock at the start of the run
	scope map[string]bool

	mu       sync.Mutex
	written  map[string]int
	steps    map[string]*Step
	notes    []string
	reqs     map[string]*atomic.Int64
	files    atomic.Int64
	repaired map[string]int // conversations whose own lists were read, by what
}

// Run extracts into store, resuming an interrupted run or starting a
// full or incremental one.
func Run(ctx context.Context, src Source, store *snapshot.Store, opts Options) (*Result, error) {
	if opts.Overlap <= 0 {
		opts.Overlap = 5 * time.Minute
	}
	if opts.Workers <= 0 {
		opts.Workers = defaultWorkers
	}
	if opts.MaxAttachment <= 0 {
		opts.MaxAttachment = snapshot.MaxAttachment
	}
	if opts.SearchPageSize <= 0 || opts.SearchPageSize > kustomer.MaxSearchPageSize {
		opts.SearchPageSize = kustomer.MaxSearchPageSize
	}
	if opts.ListPageSize <= 0 || opts.ListPageSize > kustomer.MaxListPageSize {
		opts.ListPageSize = kustomer.MaxListPageSize
	}
	if opts.AttachmentShare <= 0 {
		opts.AttachmentShare = 0.25
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	e := &engine{src: src, store: store, opts: opts, prog: opts.Progress,
		sem: make(chan struct{}, opts.Workers), written: map[string]int{}, steps: map[string]*Step{},
		reqs: map[string]*atomic.Int64{}}
	if e.prog == nil {
		e.prog = nopProgress{}
	}
	scope, err := Scope(opts.Only)
	if err != nil {
		return nil, err
	}
	e.scope = scope
	for _, t := range record.Types {
		e.reqs[t] = new(atomic.Int64)
	}
	e.reqs["org"] = new(atomic.Int64)
	e.reqs["repair"] = new(atomic.Int64)
	e.repaired = map[string]int{}
	return e.do(ctx)
}

// Scope turns --only names into a set of types; empty means every type.
// Plurals are accepted, and attachments come with messages.
func Scope(only []string) (map[string]bool, error) {
	scope := map[string]bool{}
	if len(only) == 0 {
		for _, t := range record.Types {
			scope[t] = true
		}
		return scope, nil
	}
	for _, raw := range only {
		for name := range strings.SplitSeq(raw, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			t := name
			switch {
			case record.KnownType(name):
			case name == "companies":
				t = "company"
			case name == "klasses":
				t = "klass"
			case name == "agents":
				t = "user"
			case name == "kb":
				scope["kb_category"], scope["media"] = true, true
				t = "kb_article"
			case strings.HasSuffix(name, "s") && record.KnownType(strings.TrimSuffix(name, "s")):
				t = strings.TrimSuffix(name, "s")
			default:
				return nil, fmt.Errorf("--only: unknown type %q (types: %s)", name, strings.Join(record.Types, ", "))
			}
			scope[t] = true
			if t == "message" {
				scope["attachment"] = true
			}
		}
	}
	return scope, nil
}

func (e *engine) do(ctx context.Context) (res *Result, err error) {
	start := e.opts.Clock()
	before := e.src.Stats()
	org, err := e.src.Org(ctx)
	e.reqs["org"].Add(1)
	if err != nil {
		return nil, fmt.Errorf("reading the API key's org: %w", err)
	}
	if have, err := e.store.Org(); err != nil {
		return nil, err
	} else if have != "" && org != "" && have != org {
		return nil, fmt.Errorf("the snapshot holds Kustomer org %q but the API key belongs to %q; use another mapping directory (or -chdir) for another org", have, org)
	}
	e.now = e.src.ServerTime()
	if e.now.IsZero() {
		e.now = e.opts.Clock().UTC()
	}
	if err := e.begin(org); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			return
		}
		e.run.Status = "failed"
		if ctx.Err() != nil {
			e.run.Status = "interrupted"
		}
		e.run.Error = err.Error()
		e.run.Finished = e.opts.Clock().UTC()
		if serr := e.store.SaveRun(e.run); serr != nil {
			err = errors.Join(err, serr)
		}
	}()

	phases := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"reference data", e.phaseReference},
		{"conversations and objects", e.phaseRecords},
		{"messages and notes", e.phaseThreads},
		{"threads checked", e.phaseRepair},
		{"attachment files", e.phaseFiles},
		{"knowledge base", e.phaseKB},
	}
	for i, ph := range phases {
		key := fmt.Sprintf("%sphase/%d", runPrefix, i)
		if c, ok, err := e.store.Cursor(key); err != nil {
			return nil, err
		} else if ok && c.Done {
			continue
		}
		e.prog.Phase(ph.name)
		if err := ph.fn(ctx); err != nil {
			return nil, err
		}
		if err := e.store.Update(func(tx *snapshot.Tx) error {
			return tx.SetCursor(key, snapshot.Cursor{Done: true, Run: e.run.ID})
		}); err != nil {
			return nil, err
		}
	}

	res, err = e.result(ctx, before, start)
	if err != nil {
		return nil, err
	}
	if err := e.cover(); err != nil {
		return nil, err
	}
	report, _ := json.Marshal(res)
	e.run.Status = "complete"
	e.run.Finished = e.opts.Clock().UTC()
	e.run.Error = ""
	e.run.Report = report
	if err := e.store.SaveRun(e.run); err != nil {
		return nil, err
	}
	return res, nil
}

// begin resumes the last run when it was interrupted with the same
// options, or starts a new one.
func (e *engine) begin(org string) error {
	last, ok, err := e.store.LastRun()
	if err != nil {
		return err
	}
	e.prev, e.has, err = e.store.LastComplete()
	if err != nil {
		return err
	}
	want := snapshot.Run{Since: e.opts.Since.UTC(), Until: e.opts.Until.UTC(), Only: onlyList(e.scope)}
	if ok && last.Status != "complete" && last.Status != "abandoned" && !e.opts.Restart && sameScope(last, want) {
		e.run = last
		e.run.Status = "running"
		e.run.Resumed++
		e.run.Error = ""
		e.now = last.ServerTime
		why := "it was interrupted"
		if last.Status == "failed" && last.Error != "" {
			why = "it failed: " + last.Error
		}
		e.note(fmt.Sprintf("Resuming extract run %d where it stopped (%s).", last.ID, why))
		return e.store.SaveRun(e.run)
	}
	if ok && last.Status != "complete" && last.Status != "abandoned" {
		last.Status = "abandoned"
		if err := e.store.SaveRun(last); err != nil {
			return err
		}
	}
	if err := e.store.Update(func(tx *snapshot.Tx) error {
		if err := tx.DeleteCursors(runPrefix); err != nil {
			return err
		}
		return tx.SetOrg(org)
	}); err != nil {
		return err
	}
	mode := "full"
	switch {
	case !e.opts.Since.IsZero() || !e.opts.Until.IsZero():
		mode = "window"
	case e.has:
		mode = "incremental"
	}
	want.Mode, want.Status, want.Started, want.ServerTime = mode, "running", e.opts.Clock().UTC(), e.now
	e.run, err = e.store.BeginRun(want)
	return err
}

func onlyList(scope map[string]bool) []string {
	if len(scope) == len(record.Types) {
		return nil
	}
	var out []string
	for _, t := range record.Types {
		if scope[t] {
			out = append(out, t)
		}
	}
	return out
}

func sameScope(a, b snapshot.Run) bool {
	return a.Since.Equal(b.Since) && a.Until.Equal(b.Until) && slices.Equal(a.Only, b.Only)
}

func (e *engine) note(msg string) {
	e.mu.Lock()
	e.notes = append(e.notes, msg)
	e.mu.Unlock()
	e.prog.Note(msg)
}

func (e *engine) step(typ string) *Step {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.steps[typ]
	if !ok {
		s = &Step{Type: typ}
		e.steps[typ] = s
	}
	return s
}

func (e *engine) setStep(typ, strategy string, estimate int, why string) {
	s := e.step(typ)
	e.mu.Lock()
	s.Strategy, s.Estimate, s.Why = strategy, estimate, why
	e.mu.Unlock()
}

// acquire takes a request slot; release gives it back.
func (e *engine) acquire(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *engine) release() { <-e.sem }

func (e *engine) list(ctx context.Context, typ, path string, q url.Values, page, size int) (*kustomer.Page, error) {
	if err := e.acquire(ctx); err != nil {
		return nil, err
	}
	defer e.release()
	return e.src.List(kustomer.WithCounter(ctx, e.reqs[typ]), path, q, page, size)
}

func (e *engine) search(ctx context.Context, typ string, archive bool, body json.RawMessage, size int) (*kustomer.Page, error) {
	if err := e.acquire(ctx); err != nil {
		return nil, err
	}
	defer e.release()
	return e.src.Search(kustomer.WithCounter(ctx, e.reqs[typ]), archive, body, 1, size)
}

// mode says how a searchable type is read this run: "full", "window"
// (--since/--until) or "incremental", and the updatedAt bounds.
func (e *engine) mode(typ string) (mode string, from, to time.Time, err error) {
	if !e.opts.Since.IsZero() || !e.opts.Until.IsZero() {
		return "window", e.opts.Since.UTC(), e.opts.Until.UTC(), nil
	}
	if !e.has {
		return "full", time.Time{}, time.Time{}, nil
	}
	c, ok, err := e.store.Cursor(hwmPrefix + typ)
	if err != nil || !ok {
		return "full", time.Time{}, time.Time{}, err
	}
	if _, ok, err := e.store.Cursor(coveredPrefix + typ); err != nil || !ok {
		// Only a window of the type was ever read: read it whole.
		return "full", time.Time{}, time.Time{}, err
	}
	from = c.UpdatedAt
	if s := e.prev.ServerTime; !s.IsZero() && s.Before(from) {
		from = s
	}
	return "incremental", from.Add(-e.opts.Overlap), time.Time{}, nil
}

// cover records, at the end of a complete run, the searchable types it
// read whole (fully or since a cursor of a run that did), so the next run
// may read them incrementally.
func (e *engine) cover() error {
	return e.store.Update(func(tx *snapshot.Tx) error {
		for _, typ := range searchable {
			if !e.scope[typ] {
				continue
			}
			plan, ok, err := tx.Cursor(runPrefix + "plan/" + typ)
			if err != nil {
				return err
			}
			if !ok || plan.Mode == "window" {
				continue
			}
			if err := tx.SetCursor(coveredPrefix+typ, snapshot.Cursor{Run: e.run.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// planned reads or records the strategy chosen for a type, so a resumed
// run reads the type the same way.
func (e *engine) planned(typ string) (snapshot.Cursor, bool, error) {
	return e.store.Cursor(runPrefix + "plan/" + typ)
}

func (e *engine) setPlan(typ string, c snapshot.Cursor) error {
	return e.store.Update(func(tx *snapshot.Tx) error { return tx.SetCursor(runPrefix+"plan/"+typ, c) })
}
