package apply

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

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
	lookups  lookups
	hc       hcAccount
	held     hcHeld // what the Help Center held before the run
	// translations says whether the mapping writes Help Center
	// translations (articles are then created as drafts).
	translations bool
	totals       map[kind.Kind]int

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
	_, field := kind.Fields[it.op.Kind]
	return field || it.op.Kind.HelpCenter() || it.op.Kind == kind.Group || it.op.Kind == kind.CustomObject || (it.op.Kind == kind.Ticket && it.op.Action != kind.Create && it.op.Action != kind.Replace && it.op.Action != kind.Delete)
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
	if ctx.Err() != nil { // after Ctrl-C, nothing new is sent
		ex.fail(ctx.Err())
		return
	}
	select {
	case ex.sem <- struct{}{}:
	case <-ctx.Done():
		ex.fail(ctx.Err())
		return
	}
	ex.wg.Add(1)
	if f := ex.opts.InFlight; f != nil {
		f.Add(1)
	}
	go func() {
		defer ex.wg.Done()
		if f := ex.opts.InFlight; f != nil {
			defer f.Add(-1)
		}
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
// refers to ids these create. After Ctrl-C it only waits.
func (ex *executor) barrier(ctx context.Context) error {
	for len(ex.order) > 0 && ctx.Err() == nil {
		ex.dispatch(ctx, ex.order[0])
	}
	ex.wg.Wait()
	if err := ex.failed(); err != nil {
		return err
	}
	return ctx.Err()
}

// progress counts n records of kind k done by the batch sent at sent.
func (ex *executor) progress(k kind.Kind, n, dead int, sent time.Time) {
	ex.mu.Lock()
	if ex.done == nil {
		ex.done = map[kind.Kind]int{}
	}
	ex.done[k] += n
	p := Progress{Kind: k, Done: ex.done[k], Total: ex.totals[k], Dead: dead, Batch: n}
	ex.mu.Unlock()
	if !sent.IsZero() {
		p.Latency = ex.opts.Clock().Sub(sent)
	}
	lim := ex.opts.Client.Limiter()
	if k.HelpCenter() {
		lim = ex.opts.Client.HelpCenterLimiter()
	}
	if lim != nil {
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

func newExecutor(opts Options, res *Result, summary *planfile.Summary) *executor {
	totals := map[kind.Kind]int{}
	for k, by := range summary.Counts {
		for a, n := range by {
			if a != kind.Noop {
				totals[k] += n
			}
		}
	}
	return &executor{opts: opts, res: res, refs: newRefs(opts.Store), sem: make(chan struct{}, opts.Workers),
		importer: opts.Importer, archive: archiveImmediately(opts.Config), totals: totals, translations: hcWritesTranslations(opts.Config)}
}
