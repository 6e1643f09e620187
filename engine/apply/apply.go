package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// ErrStalePlan is returned when the plan no longer matches the mapping,
// the snapshot or the checkpoint it was made against.
var ErrStalePlan = errors.New("the plan is stale")

// Files gives the bytes of Kustomer attachments.
type Files interface {
	// Open returns the attachment's content and what is known of it. A
	// missing file is an error wrapping ErrMissingFile.
	Open(id string) (io.ReadCloser, FileInfo, error)
}

// FileInfo describes an attachment.
type FileInfo struct {
	Name        string
	ContentType string
	Size        int64
}

// ErrMissingFile marks an attachment whose bytes are not available.
var ErrMissingFile = errors.New("attachment file missing")

// Progress is what apply reports as it goes.
type Progress struct {
	Kind         kind.Kind
	Done, Total  int
	Dead         int
	RequestsUsed int
}

// Options configure Apply.
type Options struct {
	Config   *dsl.Config
	Snapshot engine.Snapshot
	Files    Files
	Store    *checkpoint.Store
	Client   *zendesk.Client
	// Plan is the plan file to apply.
	Plan string
	// Summary is the plan's summary when the caller has read it already
	// (for the totals of progress); otherwise Apply reads it.
	Summary *planfile.Summary
	// RetryDeadLetters sends records that failed before; otherwise they
	// are skipped and counted.
	RetryDeadLetters bool
	// Workers is how many batches may be in flight at once (default 6).
	Workers int
	// OnProgress, when set, is called after each batch.
	OnProgress func(Progress)
	// Settle is how long a batch whose answer was lost waits for Zendesk
	// before its missing records are sent again (0: DefaultSettle).
	Settle time.Duration
	// Clock is the machine's clock for the times the checkpoint records
	// (runs, batches sent); default time.Now.
	Clock func() time.Time
	// Account is the Zendesk account written to (zendesk.Config's
	// Account) and KzmapVersion this kzmap's: the plan and the checkpoint
	// must have been made for them.
	Account, KzmapVersion string
	// Importer is the Zendesk id of the importing admin (Preflight), who
	// writes the comments the plan leaves without an author; 0 asks
	// Zendesk who the credentials belong to.
	Importer int64
}

// Result is what an apply did, per kind and outcome.
type Result struct {
	RunID    string
	Counts   map[kind.Kind]map[string]int // kind → created, adopted, updated, appended, dead, skipped, unwritable
	Warnings []string
}

func (r *Result) add(k kind.Kind, what string, n int) {
	if n == 0 {
		return
	}
	if r.Counts[k] == nil {
		r.Counts[k] = map[string]int{}
	}
	r.Counts[k][what] += n
}

// CheckPlan refuses a plan made against another mapping, snapshot,
// checkpoint state, Zendesk account or kzmap version, saying which.
// account is the Zendesk account applied to ("" skips that check), version
// this kzmap's.
func CheckPlan(h planfile.Header, cfg *dsl.Config, snap engine.Snapshot, store *checkpoint.Store, account, version string) error {
	var why []string
	if h.KzmapVersion != version {
		why = append(why, fmt.Sprintf("it was made by kzmap %s, and this is %s", h.KzmapVersion, version))
	}
	if h.ZendeskAccount != "" && account != "" && h.ZendeskAccount != account {
		why = append(why, fmt.Sprintf("it was made for Zendesk account %s, and the settings now point at %s", h.ZendeskAccount, account))
	}
	if org, err := snap.Org(); err != nil {
		return err
	} else if h.KustomerOrg != "" && org != h.KustomerOrg {
		why = append(why, fmt.Sprintf("it was made from Kustomer org %s, and the snapshot is of %s", h.KustomerOrg, org))
	}
	if h.Lineage != "" && h.Lineage != store.Lineage() {
		why = append(why, "it was made against another checkpoint store")
	}
	if serial, err := store.Serial(); err != nil {
		return err
	} else if serial != h.Serial {
		why = append(why, fmt.Sprintf("the checkpoint changed since (serial %d, now %d)", h.Serial, serial))
	}
	if engine.MappingHash(cfg) != h.MappingHash {
		why = append(why, "the mapping files changed since")
	}
	if d, err := snap.Digest(); err != nil {
		return err
	} else if d != h.SnapshotDigest {
		why = append(why, "the snapshot changed since (a new extract?)")
	}
	if len(why) > 0 {
		return fmt.Errorf("%w: %s; make a new plan with kzmap plan -out FILE, or run kzmap apply without a file to plan and apply in one go", ErrStalePlan, strings.Join(why, "; "))
	}
	return nil
}

// Apply executes the plan. Batches left in flight by an earlier run must
// have been resolved first (Recover); CheckPlan is part of Apply.
func Apply(ctx context.Context, opts Options) (*Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = 6
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	inflight, err := opts.Store.InFlight()
	if err != nil {
		return nil, err
	}
	if len(inflight) > 0 {
		return nil, fmt.Errorf("%d batches of an interrupted apply are still in flight: resolve them first (kzmap apply does, before planning)", len(inflight))
	}
	r, err := planfile.Open(opts.Plan)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := CheckPlan(r.Header, opts.Config, opts.Snapshot, opts.Store, opts.Account, opts.KzmapVersion); err != nil {
		return nil, err
	}
	org, err := opts.Snapshot.Org()
	if err != nil {
		return nil, err
	}
	if err := opts.Store.Bind(checkpoint.Binding{ZendeskAccount: opts.Account, KustomerOrg: org}); err != nil {
		return nil, err
	}
	dead := map[string]bool{}
	if !opts.RetryDeadLetters {
		dls, err := opts.Store.DeadLetters()
		if err != nil {
			return nil, err
		}
		for _, d := range dls {
			dead[d.Kind+"\x00"+d.Key] = true
		}
	}

	// A run still "running" was killed: say so in the history.
	runs, err := opts.Store.Runs()
	if err != nil {
		return nil, err
	}
	for _, old := range runs {
		if old.Status == "running" {
			old.Status = "interrupted"
			if err := opts.Store.PutRun(old); err != nil {
				return nil, err
			}
		}
	}
	res := &Result{RunID: checkpoint.NewRunID(), Counts: map[kind.Kind]map[string]int{}}
	run := checkpoint.Run{ID: res.RunID, Started: opts.Clock().UTC(), Status: "running"}
	if err := opts.Store.PutRun(run); err != nil {
		return nil, err
	}
	if opts.Importer == 0 {
		me, err := opts.Client.Me(ctx)
		if err != nil {
			return nil, fmt.Errorf("asking Zendesk who imports: %w", err)
		}
		opts.Importer = me.ID
	}
	ex := &executor{opts: opts, res: res, refs: newRefs(opts.Store), sem: make(chan struct{}, opts.Workers), importer: opts.Importer}
	ex.archive = archiveImmediately(opts.Config)

	summary := opts.Summary
	if summary == nil {
		_, s, err := planfile.ReadSummary(opts.Plan)
		if err != nil {
			return nil, err
		}
		summary = &s
	}
	next, _, err := readOp(r)
	if err != nil {
		return nil, err
	}
	totals := map[kind.Kind]int{}
	for k, by := range summary.Counts {
		for a, n := range by {
			if a != kind.Noop {
				totals[k] += n
			}
		}
	}
	ex.totals = totals
	gen := engine.NewGenerator(opts.Config, opts.Snapshot)
	var cur kind.Kind
	err = gen.Run(ctx, func(d *engine.Desired) error {
		if next == nil || d.Key != next.Key || d.Kind != next.Kind {
			return nil // unchanged since the plan's checkpoint
		}
		op := *next
		if next, _, err = readOp(r); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if d.Kind != cur {
			if err := ex.barrier(); err != nil {
				return err
			}
			cur = d.Kind
		}
		if op.Action == kind.Unwritable {
			res.add(d.Kind, "unwritable", 1)
			return nil
		}
		if d.Hash() != op.Hash {
			return fmt.Errorf("%w: %s evaluates differently than when the plan was made", ErrStalePlan, d.Key)
		}
		if dead[string(d.Kind)+"\x00"+d.Key] {
			res.add(d.Kind, "skipped", 1)
			return nil
		}
		return ex.add(ctx, item{op: op, d: d})
	})
	if err == nil {
		err = ex.barrier()
	}
	if err == nil && next != nil {
		err = fmt.Errorf("%w: the plan has operations (first: %s) that the mapping no longer produces", ErrStalePlan, next.Key)
	}
	run.Finished = opts.Clock().UTC()
	run.Counts = map[string]int{}
	for k, by := range res.Counts {
		for what, n := range by {
			run.Counts[string(k)+"."+what] = n
		}
	}
	switch {
	case err == nil:
		run.Status = "done"
	case errors.Is(err, context.Canceled):
		run.Status = "interrupted"
	default:
		run.Status = "failed"
	}
	if perr := opts.Store.PutRun(run); err == nil {
		err = perr
	}
	sort.Strings(res.Warnings)
	return res, err
}

func readOp(r *planfile.Reader) (*planfile.Op, *planfile.Summary, error) {
	op, s, err := r.Next()
	if errors.Is(err, io.EOF) {
		return nil, s, nil
	}
	return op, nil, err
}

// archiveImmediately reads the option from the ticket mappings.
func archiveImmediately(cfg *dsl.Config) bool {
	for _, m := range cfg.Mappings {
		if m.Kind == string(kind.Ticket) && m.Options.Ticket.ArchiveImmediately {
			return true
		}
	}
	return false
}

// item is one operation with the record it writes.
type item struct {
	op planfile.Op
	d  *engine.Desired
}

// executor groups operations into batches and runs them, several at a
// time within a kind, one kind after the other.
type executor struct {
	opts     Options
	res      *Result
	refs     *refs
	importer int64 // the importing admin's Zendesk id
	archive  bool
	orgsMu   sync.Mutex
	orgs     *orgIndex // what Zendesk held before the first organization was created
	totals   map[kind.Kind]int

	pending map[string][]item // batch group → items
	order   []string
	sem     chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
	done    map[kind.Kind]int
}

// group says which items may share a request.
func group(it item) string {
	g := string(it.op.Kind) + "/" + string(it.op.Action)
	switch {
	case it.op.Kind == kind.CustomObjectRecord:
		obj, _ := it.d.Payload["object"].(string)
		return g + "/" + obj
	case singleGroup(it):
		return g + "/" + it.op.Key // one at a time
	}
	return g
}

func (ex *executor) add(ctx context.Context, it item) error {
	if err := ex.failed(); err != nil {
		return err
	}
	if ex.pending == nil {
		ex.pending = map[string][]item{}
	}
	g := group(it)
	if _, ok := ex.pending[g]; !ok {
		ex.order = append(ex.order, g)
	}
	ex.pending[g] = append(ex.pending[g], it)
	if len(ex.pending[g]) >= zendesk.MaxBatch || singleGroup(it) {
		ex.dispatch(ctx, g)
	}
	return nil
}

func singleGroup(it item) bool {
	return it.op.Kind == kind.Group || it.op.Kind == kind.CustomObject || (it.op.Kind == kind.Ticket && it.op.Action != kind.Create)
}

// dispatch sends one group's pending items as a batch, in the background.
func (ex *executor) dispatch(ctx context.Context, g string) {
	items := ex.pending[g]
	delete(ex.pending, g)
	for i, o := range ex.order {
		if o == g {
			ex.order = append(ex.order[:i], ex.order[i+1:]...)
			break
		}
	}
	if len(items) == 0 {
		return
	}
	select {
	case ex.sem <- struct{}{}:
	case <-ctx.Done():
		ex.fail(ctx.Err())
		return
	}
	ex.wg.Add(1)
	go func() {
		defer ex.wg.Done()
		var once sync.Once
		release := func() { once.Do(func() { <-ex.sem }) }
		defer release()
		// A batch that has started runs to its end even after Ctrl-C, so
		// it is checkpointed rather than left in flight.
		if err := ex.runBatch(context.WithoutCancel(ctx), items, release); err != nil {
			ex.fail(err)
		}
		if ctx.Err() != nil {
			ex.fail(ctx.Err())
		}
	}()
}

func (ex *executor) fail(err error) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.err == nil {
		ex.err = err
	}
}

func (ex *executor) failed() error {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.err
}

// barrier sends what is pending and waits for every batch: the next kind
// refers to ids these create.
func (ex *executor) barrier() error {
	ctx := context.Background()
	for len(ex.order) > 0 {
		ex.dispatch(ctx, ex.order[0])
	}
	ex.wg.Wait()
	return ex.failed()
}

func (ex *executor) progress(k kind.Kind, n, dead int) {
	ex.mu.Lock()
	if ex.done == nil {
		ex.done = map[kind.Kind]int{}
	}
	ex.done[k] += n
	p := Progress{Kind: k, Done: ex.done[k], Total: ex.totals[k], Dead: dead}
	ex.mu.Unlock()
	if lim := ex.opts.Client.Limiter(); lim != nil {
		p.RequestsUsed = int(lim.Stats().Requests)
	}
	if ex.opts.OnProgress != nil {
		ex.opts.OnProgress(p)
	}
}

func (ex *executor) count(k kind.Kind, what string, n int) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.res.add(k, what, n)
}

func (ex *executor) warn(format string, args ...any) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if len(ex.res.Warnings) < 200 {
		ex.res.Warnings = append(ex.res.Warnings, fmt.Sprintf(format, args...))
	}
}
