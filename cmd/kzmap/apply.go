package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// zendeskClient builds the client from the environment, with the limiter
// set to the mapping's plan tier and share; each retry is said on stderr.
func zendeskClient(c *cli.Context, cfg *dsl.Config) (*zendesk.Client, error) {
	zc, err := zendesk.FromEnv()
	if err != nil {
		return nil, err
	}
	window, err := rateWindow()
	if err != nil {
		return nil, err
	}
	zc.RateLimit, zc.Share, zc.Window = cfg.Target.RateLimit, cfg.Target.Share, window
	zc.OnRetry = retryNotes(c, "zendesk")
	return zendesk.New(zc)
}

// rateWindow reads KZMAP_RATE_WINDOW: the length of a rate limit
// "minute" when rehearsing against simulators that compress time (kzmap
// sim --window prints it). Real Zendesk and Kustomer use a minute.
// retryNotes prints a client's retries on stderr as they happen, above
// any progress line: a server that does not answer is never silence.
func retryNotes(c *cli.Context, who string) func(string) {
	w := c.App.ErrWriter
	return func(line string) { noteTo(w, who+": "+line) }
}

func rateWindow() (time.Duration, error) {
	v := os.Getenv("KZMAP_RATE_WINDOW")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("KZMAP_RATE_WINDOW=%q: want a duration such as 1m or 1s", v)
	}
	return d, nil
}

// openForWrite is what a command that writes the checkpoint after asking
// Zendesk needs: the client, the importing admin, and the checkpoint
// opened for writing and bound to the accounts before anything is written
// (a checkpoint's ids mean nothing in another account). A checkpoint bound
// to another account is refused before Zendesk is asked; a new one is
// bound only once Zendesk has answered to the credentials, so that a
// mistyped address is not written into it.
func openForWrite(ctx context.Context, c *cli.Context, cfg *dsl.Config, snap engine.Snapshot) (*zendesk.Client, *checkpoint.Store, *zendesk.User, error) {
	client, err := zendeskClient(c, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	org, err := snap.Org()
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := openCheckpointRW(c)
	if err != nil {
		return nil, nil, nil, err
	}
	bind := checkpoint.Binding{ZendeskAccount: client.Account(), KustomerOrg: org}
	me, err := bindAfterPreflight(ctx, store, client, bind)
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	return client, store, me, nil
}

func bindAfterPreflight(ctx context.Context, store *checkpoint.Store, client *zendesk.Client, bind checkpoint.Binding) (*zendesk.User, error) {
	have, err := store.Binding()
	if err != nil {
		return nil, err
	}
	if have.ZendeskAccount != "" && have.ZendeskAccount != bind.ZendeskAccount {
		return nil, store.Bind(bind) // says which account, and what to do
	}
	me, err := apply.Importer(ctx, client)
	if err != nil {
		return nil, err
	}
	return me, store.Bind(bind)
}

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "write the plan to Zendesk: batched, throttled by Zendesk's headers, checkpointed, resumable",
		ArgsUsage: "[PLAN FILE]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "auto-approve", Usage: "apply without asking (needed when stdin is not a terminal)"},
			fromExportFlag,
			&cli.BoolFlag{Name: "retry-dead-letters", Usage: "send again the records that failed before"},
			&cli.BoolFlag{Name: "allow-dead-letters", Usage: "exit 0 even when records went to (or stayed in) the dead letters"},
			&cli.BoolFlag{Name: "refresh", Value: true, Usage: "read back from Zendesk what the checkpoint says it holds before planning (-refresh=false skips it)"},
			&cli.IntFlag{Name: "workers", Value: engine.ApplyWorkers, Usage: "batches in flight at once"},
			&cli.DurationFlag{Name: "settle", Value: apply.DefaultSettle, Usage: "how long a batch whose answer was lost waits for Zendesk before its missing records are sent again"},
			&cli.StringFlag{Name: "progress-log", Usage: "append the progress to `FILE` as JSON lines (records done, requests, batch latency, memory), for watching or charting a long apply"},
			&cli.IntFlag{Name: "progress-every", Value: 10_000, Usage: "write a progress-log line each time a kind passes another `N` records"},
		},
		Action: runApply,
	}
}

func runApply(c *cli.Context) error {
	cfg, snap, closeSnap, err := openWorkspace(c)
	if err != nil {
		return err
	}
	defer closeSnap()
	planPath := c.Args().First()
	ctx, stop := interruptible(c, "finishing the request under way", "the checkpoint keeps what was done")
	defer stop()
	c.Context = ctx
	out := c.App.Writer

	client, store, me, err := openForWrite(ctx, c, cfg, snap)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := apply.Recover(ctx, store, client, c.Duration("settle"), machineClock(c))
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "Resolved %d batches that an interrupted apply left in flight.\n", n)
	}

	if planPath == "" {
		compared := notRead
		if c.Bool("refresh") {
			_, line, err := refresh(ctx, out, store, client, machineClock(c))
			if err != nil {
				return err
			}
			fmt.Fprintln(out)
			compared = line
		}
		planPath = filepath.Join(stateDir, "apply.kzplan")
		res, err := engine.Plan(ctx, engine.PlanOptions{Config: cfg, Snapshot: snap, Checkpoint: store, Out: planPath, KzmapVersion: Version, ZendeskAccount: client.Account()})
		if err != nil {
			return err
		}
		defer os.Remove(planPath)
		writePlan(out, planLook{colors: colorsFor(c, out)}, res.Header, res.Summary, res.Ops, compared)
		if pr := passOf(c); pr != nil {
			pr.planned = res.Summary.Changes
		}
		if res.Summary.Changes == 0 {
			return nil
		}
		if err := approve(c, "Apply these changes to Zendesk?", "Nothing applied.", ", or apply a saved plan file"); err != nil {
			return err
		}
	} else if n > 0 {
		return fmt.Errorf("%w: resolving the interrupted batches changed the checkpoint; run kzmap plan again, or kzmap apply without a file", apply.ErrStalePlan)
	}

	_, summary, err := planfile.ReadSummary(planPath)
	if err != nil {
		return err
	}
	if err := apply.Preflight(ctx, client, summary); err != nil {
		return err
	}
	files := attachmentFiles(snap, c.String("from-export"))
	prog := newProgressView(c.App.ErrWriter, client, summary, time.Now)
	onProgress := prog.update
	if path := c.String("progress-log"); path != "" {
		plog, err := openProgressLog(path, c.Int("progress-every"), time.Now)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := plog.close(); cerr != nil {
				fmt.Fprintln(c.App.ErrWriter, cerr)
			}
		}()
		onProgress = func(p apply.Progress) { prog.update(p); plog.update(p) }
	}
	var inFlight atomic.Int32
	in := interrupterOf(ctx)
	in.say("finishing the batches in flight", "they are recovered by the next kzmap apply")
	in.watch(func() int { return int(inFlight.Load()) })
	res, err := apply.Apply(ctx, apply.Options{Config: cfg, Snapshot: snap, Files: files, Store: store, Client: client,
		Plan: planPath, Summary: &summary, RetryDeadLetters: c.Bool("retry-dead-letters"), Workers: c.Int("workers"), OnProgress: onProgress, InFlight: &inFlight,
		Settle: c.Duration("settle"), Clock: machineClock(c), Importer: me.ID, Account: client.Account(), KzmapVersion: Version})
	in.watch(nil)
	prog.finish()
	if res != nil {
		writeApplyResult(out, res)
		if pr := passOf(c); pr != nil {
			pr.res = res
		}
	}
	switch {
	case errors.Is(err, context.Canceled) || in.interrupted():
		fmt.Fprintf(c.App.ErrWriter, "Interrupted: every batch that was sent is checkpointed. %s\n", goOn(c.Args().First()))
		return interruptedCode
	case err != nil:
		return err
	}
	return deadLetterExit(c, res)
}

// goOn is the sentence that names the command that goes on after an
// interrupted apply: a saved plan is stale once part of it was applied, so
// it is never "apply the plan file again".
func goOn(planFile string) string {
	if planFile != "" {
		return "The saved plan is stale now: run kzmap apply without the plan file (it plans again) to go on."
	}
	return "Run kzmap apply again to go on."
}

// deadLetterExit is apply's exit status once the run finished: non-zero
// while records wait in the dead letters, new ones or ones skipped, unless
// --allow-dead-letters accepts them.
func deadLetterExit(c *cli.Context, res *apply.Result) error {
	dead, skipped := 0, 0
	for _, by := range res.Counts {
		dead += by["dead"]
		skipped += by["skipped"]
	}
	if dead+skipped == 0 || c.Bool("allow-dead-letters") {
		return nil
	}
	fmt.Fprintf(c.App.ErrWriter, "kzmap: %d records are in the dead letters (%d new in this run, %d skipped from before): the migration is not complete. kzmap state dead-letters says why; fix the cause and run kzmap apply --retry-dead-letters (or --allow-dead-letters to accept them).\n", dead+skipped, dead, skipped)
	return exitCode(1)
}

// approve asks before a command writes to Zendesk, unless --auto-approve
// says yes already; anything but "yes" is a refusal (exit code 1). On a
// stdin that is not a terminal there is no one to ask, so that is an error
// naming the flag (and other, when given, another way).
func approve(c *cli.Context, question, refused, other string) error {
	if c.Bool("auto-approve") {
		return nil
	}
	in, out := c.App.Reader, c.App.Writer
	if _, ok := in.(*os.File); ok && !isTerminal(in) {
		return fmt.Errorf("%s asks before it writes, and stdin is not a terminal: use --auto-approve%s", c.Command.Name, other)
	}
	fmt.Fprintf(out, "\n%s Only 'yes' is accepted: ", question)
	line, err := readLine(c.Context, in)
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(out, refused)
		return exitCode(1)
	}
	return nil
}

// readLine reads an answer, or gives up when Ctrl-C cancels ctx (the
// read itself cannot be interrupted; it is left to end with the process).
func readLine(ctx context.Context, in io.Reader) (string, error) {
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
		got <- answer{line, err}
	}()
	select {
	case a := <-got:
		return a.line, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func writeApplyResult(w io.Writer, res *apply.Result) {
	fmt.Fprintf(w, "\nApply run %s:\n", res.RunID)
	dead := 0
	for _, k := range kind.All {
		if res.Counts[k] == nil {
			continue
		}
		var parts []string
		for _, what := range slices.Sorted(maps.Keys(res.Counts[k])) {
			parts = append(parts, fmt.Sprintf("%s %d", what, res.Counts[k][what]))
		}
		dead += res.Counts[k]["dead"]
		fmt.Fprintf(w, "  %-22s %s\n", k, strings.Join(parts, ", "))
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if dead > 0 {
		fmt.Fprintf(w, "%d records went to the dead letters: kzmap state dead-letters shows why; kzmap apply --retry-dead-letters sends them again.\n", dead)
	}
}

// progressView shows apply's progress across all kinds: changes done of
// the plan's, the kind being written, records dead, Zendesk requests used
// and left in the window, elapsed and the time left at the pace so far.
type progressView struct {
	line   *statusLine
	client *zendesk.Client
	now    func() time.Time
	total  int // changes the plan holds

	mu    sync.Mutex
	done  int
	dead  int
	begun time.Time
	cur   apply.Progress
}

func newProgressView(w io.Writer, client *zendesk.Client, summary planfile.Summary, now func() time.Time) *progressView {
	total := 0
	for _, by := range summary.Counts {
		for a, n := range by {
			if a != kind.Noop && a != kind.Unwritable {
				total += n
			}
		}
	}
	return &progressView{line: newStatusLine(w, now), client: client, now: now, total: total, begun: now()}
}

func (p *progressView) update(pr apply.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur.Kind != "" && p.cur.Kind != pr.Kind && p.cur.Done < p.cur.Total {
		p.line.done(p.describe()) // the kind before ended short (dead letters, an error)
	}
	p.done += pr.Done - p.doneOf(pr.Kind)
	p.dead += pr.Dead
	p.cur = pr
	if pr.Done >= pr.Total {
		p.line.done(p.describe())
		return
	}
	p.line.show(p.describe())
}

// doneOf is what the view last heard of kind k (Progress counts per kind).
func (p *progressView) doneOf(k kind.Kind) int {
	if p.cur.Kind == k {
		return p.cur.Done
	}
	return 0
}

func (p *progressView) describe() string {
	el := p.now().Sub(p.begun)
	parts := []string{fmt.Sprintf("  apply %s/%s changes", thousands(p.done), thousands(p.total))}
	if p.total > 0 {
		parts[0] += fmt.Sprintf(" (%d%%)", p.done*100/p.total)
	}
	parts = append(parts, fmt.Sprintf("%s %s/%s", p.cur.Kind, thousands(p.cur.Done), thousands(p.cur.Total)))
	if p.dead > 0 {
		parts = append(parts, fmt.Sprintf("%s dead", thousands(p.dead)))
	}
	lim, what := p.client.Limiter(), ""
	if p.cur.Kind.HelpCenter() {
		// The Help Center's requests count against a limit of their own.
		lim, what = p.client.HelpCenterLimiter(), "Help Center "
	}
	if lim != nil {
		st := lim.Stats()
		req := what + plural(int(st.Requests), "request")
		if st.Remaining >= 0 {
			req += fmt.Sprintf(", %s left in the window", thousands(st.Remaining))
		}
		parts = append(parts, req)
	}
	tail := humanDuration(el) + " elapsed"
	if l := left(p.done, p.total, el); l != "" {
		tail += ", " + l
	}
	return strings.Join(append(parts, tail), " · ")
}

// finish takes the progress line off the terminal before the result.
func (p *progressView) finish() { p.line.clear() }
