package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
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
	RequestsUsed int // on the kind's limiter: Support's, or the Help Center's
	// Batch is how many records the batch just done held, and Latency how
	// long it took from being begun in the checkpoint to being completed
	// there (waits for the budget and for Zendesk's job included).
	Batch   int
	Latency time.Duration
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
	// Workers is how many batches may be in flight at once (default
	// engine.ApplyWorkers).
	Workers int
	// OnProgress, when set, is called after each batch.
	OnProgress func(Progress)
	// InFlight, when set, is kept at the number of batches sent and not
	// yet checkpointed: what an interrupt waits for.
	InFlight *atomic.Int32
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
		why = append(why, "the mapping files changed since"+movedModules(h.Modules, cfg.Modules))
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
		opts.Workers = engine.ApplyWorkers
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	r, err := planfile.Open(opts.Plan)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := ready(opts, r.Header); err != nil {
		return nil, err
	}
	dead, err := deadLetters(opts)
	if err != nil {
		return nil, err
	}
	if opts.Importer == 0 {
		me, err := opts.Client.Me(ctx)
		if err != nil {
			return nil, fmt.Errorf("asking Zendesk who imports: %w", err)
		}
		opts.Importer = me.ID
	}
	summary := opts.Summary
	if summary == nil {
		_, s, err := planfile.ReadSummary(opts.Plan)
		if err != nil {
			return nil, err
		}
		summary = &s
	}
	res := &Result{RunID: checkpoint.NewRunID(), Counts: map[kind.Kind]map[string]int{}}
	run, err := beginRun(opts, res.RunID)
	if err != nil {
		return nil, err
	}
	ex := newExecutor(opts, res, summary)
	err = ex.follow(ctx, r, dead)
	ex.wg.Wait() // batches that had started when an error or Ctrl-C came
	if err == nil {
		err = ex.failed()
	}
	if perr := endRun(opts, run, res, err); err == nil {
		err = perr
	}
	sort.Strings(res.Warnings)
	return res, err
}

// ready refuses to start while batches are in flight, or with a plan made
// for other inputs (CheckPlan), and binds the checkpoint to the accounts.
func ready(opts Options, h planfile.Header) error {
	inflight, err := opts.Store.InFlight()
	if err != nil {
		return err
	}
	if len(inflight) > 0 {
		return fmt.Errorf("%d batches of an interrupted apply are still in flight: resolve them first (kzmap apply does, before planning)", len(inflight))
	}
	if err := CheckPlan(h, opts.Config, opts.Snapshot, opts.Store, opts.Account, opts.KzmapVersion); err != nil {
		return err
	}
	org, err := opts.Snapshot.Org()
	if err != nil {
		return err
	}
	return opts.Store.Bind(checkpoint.Binding{ZendeskAccount: opts.Account, KustomerOrg: org})
}

// deadLetters are the records to skip (none with RetryDeadLetters).
func deadLetters(opts Options) (map[string]bool, error) {
	dead := map[string]bool{}
	if opts.RetryDeadLetters {
		return dead, nil
	}
	dls, err := opts.Store.DeadLetters()
	if err != nil {
		return nil, err
	}
	for _, d := range dls {
		dead[d.Kind+"\x00"+d.Key] = true
	}
	return dead, nil
}

// beginRun records the run; a run still "running" was killed, and the
// history says so.
func beginRun(opts Options, id string) (checkpoint.Run, error) {
	runs, err := opts.Store.Runs()
	if err != nil {
		return checkpoint.Run{}, err
	}
	for _, old := range runs {
		if old.Status == "running" {
			old.Status = "interrupted"
			if err := opts.Store.PutRun(old); err != nil {
				return checkpoint.Run{}, err
			}
		}
	}
	run := checkpoint.Run{ID: id, Started: opts.Clock().UTC(), Status: "running"}
	return run, opts.Store.PutRun(run)
}

// endRun records how the run ended and what it did.
func endRun(opts Options, run checkpoint.Run, res *Result, err error) error {
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
	return opts.Store.PutRun(run)
}

// follow runs the generator along the plan: each desired record the plan
// has an operation for is checked against it (the same hash, or the plan
// is stale) and handed to the batches, kind after kind.
func (ex *executor) follow(ctx context.Context, r *planfile.Reader, dead map[string]bool) error {
	next, _, err := readOp(r)
	if err != nil {
		return err
	}
	var cur kind.Kind
	err = engine.NewGenerator(ex.opts.Config, ex.opts.Snapshot).Known(ex.opts.Store).Run(ctx, func(d *engine.Desired) error {
		if next == nil || d.Key != next.Key || d.Kind != next.Kind {
			return nil // unchanged since the plan's checkpoint
		}
		op := *next
		if next, _, err = readOp(r); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if d.Kind != cur {
			if err := ex.barrier(ctx); err != nil {
				return err
			}
			cur = d.Kind
		}
		switch {
		case op.Action == kind.Unwritable:
			ex.count(d.Kind, "unwritable", 1)
			return nil
		case d.Hash() != op.Hash:
			return fmt.Errorf("%w: %s evaluates differently than when the plan was made", ErrStalePlan, d.Key)
		case dead[string(d.Kind)+"\x00"+d.Key]:
			ex.count(d.Kind, "skipped", 1)
			return nil
		}
		return ex.add(ctx, item{op: op, d: d})
	})
	if err == nil {
		err = ex.barrier(ctx)
	}
	if err == nil && next != nil {
		err = fmt.Errorf("%w: the plan has operations (first: %s) that the mapping no longer produces", ErrStalePlan, next.Key)
	}
	return err
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

// movedModules names the git modules whose pinned commit moved since a
// plan was made (kzmap init -upgrade, or a changed source).
func movedModules(planned []planfile.Module, now []dsl.ModuleVersion) string {
	was := map[string]string{}
	for _, m := range planned {
		was[m.Address] = m.Commit
	}
	var moved []string
	for _, m := range now {
		if c, ok := was[m.Address]; ok && c != m.Commit {
			moved = append(moved, fmt.Sprintf("module %s moved from %.12s to %.12s", m.Address, c, m.Commit))
		}
	}
	if len(moved) == 0 {
		return ""
	}
	return " (" + strings.Join(moved, ", ") + ")"
}
