package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
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
// set to the mapping's plan tier and share.
func zendeskClient(cfg *dsl.Config) (*zendesk.Client, error) {
	zc, err := zendesk.FromEnv()
	if err != nil {
		return nil, err
	}
	window, err := rateWindow()
	if err != nil {
		return nil, err
	}
	zc.RateLimit, zc.Share, zc.Window = cfg.Target.RateLimit, cfg.Target.Share, window
	return zendesk.New(zc)
}

// rateWindow reads KZMAP_RATE_WINDOW: the length of a rate limit
// "minute" when rehearsing against simulators that compress time (kzmap
// sim --window prints it). Real Zendesk and Kustomer use a minute.
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

func openCheckpointRW() (*checkpoint.Store, error) {
	return checkpoint.Open(checkpointPath(), checkpoint.Options{})
}

// openForWrite is what a command that writes the checkpoint after asking
// Zendesk needs: the client, and the checkpoint opened for writing and
// bound to the accounts before anything is written (a checkpoint's ids
// mean nothing in another account).
func openForWrite(cfg *dsl.Config, snap engine.Snapshot) (*zendesk.Client, *checkpoint.Store, error) {
	client, err := zendeskClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	org, err := snap.Org()
	if err != nil {
		return nil, nil, err
	}
	store, err := openCheckpointRW()
	if err != nil {
		return nil, nil, err
	}
	if err := store.Bind(checkpoint.Binding{ZendeskAccount: client.Account(), KustomerOrg: org}); err != nil {
		store.Close()
		return nil, nil, err
	}
	return client, store, nil
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
			&cli.IntFlag{Name: "workers", Value: 6, Usage: "batches in flight at once"},
			&cli.DurationFlag{Name: "settle", Value: apply.DefaultSettle, Usage: "how long a batch whose answer was lost waits for Zendesk before its missing records are sent again"},
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
	client, store, err := openForWrite(cfg, snap)
	if err != nil {
		return err
	}
	defer store.Close()

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := c.App.Writer

	me, err := apply.Importer(ctx, client)
	if err != nil {
		return err
	}
	n, err := apply.Recover(ctx, store, client, c.Duration("settle"), machineClock(c))
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "Resolved %d batches that an interrupted apply left in flight.\n", n)
	}

	planPath := c.Args().First()
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
		writePlan(out, cfg, res.Header, res.Summary, res.Ops, compared)
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
	prog := newProgressView(c.App.ErrWriter)
	res, err := apply.Apply(ctx, apply.Options{Config: cfg, Snapshot: snap, Files: files, Store: store, Client: client,
		Plan: planPath, Summary: &summary, RetryDeadLetters: c.Bool("retry-dead-letters"), Workers: c.Int("workers"), OnProgress: prog.update, Settle: c.Duration("settle"), Clock: machineClock(c), Importer: me.ID, Account: client.Account(), KzmapVersion: Version})
	if res != nil {
		writeApplyResult(out, res)
		if pr := passOf(c); pr != nil {
			pr.res = res
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(out, "Interrupted: every batch sent was checkpointed. Run kzmap apply again to go on.")
		return exitCode(1)
	case err != nil:
		return err
	}
	return deadLetterExit(c, res)
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
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(out, refused)
		return exitCode(1)
	}
	return nil
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

// progressView prints one line per kind as apply goes, on a terminal only.
type progressView struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	last  time.Time
	start time.Time // of the current kind
	begun time.Time // of the apply
}

func newProgressView(w io.Writer) *progressView {
	return &progressView{w: w, tty: isTerminal(w), start: time.Now(), begun: time.Now()}
}

func (p *progressView) update(pr apply.Progress) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond && pr.Done < pr.Total {
		return
	}
	p.last = time.Now()
	eta := ""
	if pr.Done > 0 && pr.Total > pr.Done {
		el := time.Since(p.start)
		eta = fmt.Sprintf(", ETA %s", (el * time.Duration(pr.Total-pr.Done) / time.Duration(pr.Done)).Round(time.Second))
	}
	rpm := ""
	if el := time.Since(p.begun).Minutes(); el > 0 && pr.RequestsUsed > 0 {
		rpm = fmt.Sprintf(", %.0f requests/min", float64(pr.RequestsUsed)/el)
	}
	fmt.Fprintf(p.w, "\r\x1b[K  %-22s %d/%d (%d dead)%s%s", pr.Kind, pr.Done, pr.Total, pr.Dead, rpm, eta)
	if pr.Done >= pr.Total {
		fmt.Fprintln(p.w)
		p.start = time.Now()
	}
}
