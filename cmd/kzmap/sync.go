package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/snapshot"
)

// sync and cutover repeat the delta pass — incremental extract, refresh,
// plan, apply — until the team switches (spec/rules.md, rule 29). A pass
// is the same extract and apply the commands run, so it has their
// exactly-once protocol: a pass stopped by a signal, or killed, is resumed
// by the next. Each pass is a run in the checkpoint's history (command
// "sync").

// passFlags are the flags extract and apply read, set as a pass needs
// them: unattended (nothing to ask), refreshing, dead letters reported at
// the end rather than stopping the loop.
func passFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "verbose", Usage: "print each pass's extract and apply reports, not only its status line"},
		&cli.BoolFlag{Name: "auto-approve", Value: true, Hidden: true},
		&cli.BoolFlag{Name: "refresh", Value: true, Usage: "read Zendesk back before each plan"},
		&cli.BoolFlag{Name: "allow-dead-letters", Value: true, Hidden: true},
		&cli.BoolFlag{Name: "retry-dead-letters", Usage: "send again, on every pass, the records that failed before"},
		&cli.IntFlag{Name: "workers", Value: engine.ApplyWorkers, Usage: "batches (and extract requests) in flight at once"},
		&cli.DurationFlag{Name: "settle", Value: apply.DefaultSettle, Usage: "how long a batch whose answer was lost waits before its records are sent again"},
	}
}

func syncCommand() *cli.Command {
	return &cli.Command{
		Name:  "sync",
		Usage: "repeat the delta pass (extract what changed, refresh, plan, apply) until stopped, to keep Zendesk converged with a working Kustomer",
		Description: "Each pass reads only what changed in Kustomer since the last, re-imports the conversations that changed\n" +
			"(every comment with its own time, no trigger emails anyone), and applies the rest of the plan. It never asks:\n" +
			"it is the unattended loop. Ctrl-C (or SIGTERM) stops it between passes, or inside one with every batch sent\n" +
			"checkpointed. Then kzmap cutover makes the last pass and verifies.",
		Flags: append(passFlags(),
			&cli.DurationFlag{Name: "every", Value: 2 * time.Minute, Usage: "start a pass this long after the last one started"},
			&cli.StringFlag{Name: "until", Usage: "stop after the first pass that ends after `T` (RFC 3339 or YYYY-MM-DD)"},
			&cli.IntFlag{Name: "passes", Usage: "stop after `N` passes (0: until stopped)"},
		),
		Action: runSync,
	}
}

func cutoverCommand() *cli.Command {
	return &cli.Command{
		Name:  "cutover",
		Usage: "the last delta pass, then verify, then a report of the window: what changed and what is left (dead letters, conflicts)",
		Flags: append(passFlags(),
			&cli.StringFlag{Name: "report", Usage: "also write verify's HTML report to `FILE`"},
			&cli.IntFlag{Name: "sample", Value: 20, Usage: "verify compares `N` random records of each kind"},
			&cli.Int64Flag{Name: "seed", Usage: "verify's seed"},
			&cli.BoolFlag{Name: "json", Hidden: true},
		),
		Action: func(c *cli.Context) error {
			ctx, stop := interruptible(c, "finishing the pass under way", "the snapshot and the checkpoint keep what was done; run the command again")
			defer stop()
			c.Context = ctx
			if err := pass(c, 1); err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "\nVerify:")
			verr := runVerify(c)
			if err := windowReport(c); err != nil {
				return err
			}
			return verr
		},
	}
}

func runSync(c *cli.Context) error {
	until, err := parseWhen("until", c.String("until"))
	if err != nil {
		return err
	}
	ctx, stop := interruptible(c, "finishing the pass under way", "the snapshot and the checkpoint keep what was done; run the command again")
	defer stop()
	c.Context = ctx
	// One writer from the first pass to the last: another apply between
	// passes would race the window.
	release, err := holdCheckpoint(c)
	if err != nil {
		return err
	}
	defer release()
	now := machineClock(c)
	for n := 1; ; n++ {
		started := now()
		last := c.Int("passes") > 0 && n >= c.Int("passes")
		err := pass(c, n)
		switch {
		case err != nil && !last && errors.As(err, new(*apply.UnsettledError)):
			// A batch whose answer was lost has not settled, and the pass
			// stopped at it. The loop goes on; the next pass asks Zendesk
			// again.
			fmt.Fprintf(c.App.ErrWriter, "sync: %v\nsync: the next pass asks Zendesk again.\n", err)
		case err != nil:
			return err
		}
		switch {
		case last:
			return nil
		case !until.IsZero() && now().After(until):
			fmt.Fprintf(c.App.Writer, "sync: past %s; run kzmap cutover for the last pass.\n", until.Format(time.RFC3339))
			return err // a pass that waited for Zendesk is not done
		}
		next := started.Add(c.Duration("every"))
		fmt.Fprintf(c.App.Writer, "sync: next pass at %s (Ctrl-C stops).\n", next.Format("15:04:05"))
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.App.Writer, "sync: stopped between passes; nothing is in flight.")
			return interruptedCode
		case <-time.After(time.Until(next)):
		}
	}
}

// passResult is what a pass's apply planned and did (runApply fills it
// when the app's metadata holds one).
type passResult struct {
	planned int
	res     *apply.Result
}

const passKey = "kzmap.pass"

func passOf(c *cli.Context) *passResult {
	p, _ := c.App.Metadata[passKey].(*passResult)
	return p
}

// pass is one delta pass, recorded as a run of the checkpoint. Without
// --verbose, extract's and apply's own reports are left out and the pass
// is one status line.
func pass(c *cli.Context, n int) error {
	now := machineClock(c)
	started := now().UTC()
	w := c.App.Writer
	pr := &passResult{}
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata[passKey] = pr
	defer delete(c.App.Metadata, passKey)
	if !c.Bool("verbose") {
		c.App.Writer = io.Discard
		defer func() { c.App.Writer = w }()
	} else {
		fmt.Fprintf(w, "== pass %d, %s\n", n, started.Format(time.RFC3339))
	}
	err := runExtract(c)
	if err == nil {
		err = runApply(c)
	}
	c.App.Writer = w
	status := "done"
	var code exitCode
	switch {
	case errors.Is(err, context.Canceled) || c.Context.Err() != nil:
		status = "interrupted"
	case errors.As(err, new(*apply.UnsettledError)):
		status = "waiting for Zendesk"
	case errors.As(err, &code):
		status = "failed"
	case err != nil:
		status = "failed"
	}
	if rerr := recordPass(c, n, started, now().UTC(), status); rerr != nil && err == nil {
		err = rerr
	}
	lag := ""
	if s, serr := snapshot.OpenReadOnly(snapshotPath()); serr == nil {
		if r, ok, _ := s.LastComplete(); ok && !r.ServerTime.IsZero() {
			lag = fmt.Sprintf("; Kustomer read up to %s", r.ServerTime.UTC().Format(time.RFC3339))
		}
		s.Close()
	}
	did := "nothing to do"
	if pr.planned > 0 {
		did = plural(pr.planned, "change") + " planned"
		if pr.res != nil {
			var parts []string
			for _, k := range kind.All {
				for _, what := range []string{"created", "adopted", "updated", "replaced", "appended", "deleted", "dead"} {
					if v := pr.res.Counts[k][what]; v > 0 {
						parts = append(parts, fmt.Sprintf("%s %s %d", k, what, v))
					}
				}
			}
			did += ": " + strings.Join(parts, ", ")
		}
	}
	fmt.Fprintf(w, "== pass %d %s in %s: %s%s\n", n, status, now().Sub(started).Round(time.Millisecond), did, lag)
	if status == "interrupted" {
		fmt.Fprintln(c.App.ErrWriter, "sync: interrupted inside a pass; every batch sent is checkpointed. kzmap sync (or apply) goes on.")
		return exitCode(1)
	}
	return err
}

// recordPass writes the pass into the checkpoint's history.
func recordPass(c *cli.Context, n int, started, finished time.Time, status string) error {
	st, err := openCheckpointRW(c)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.PutRun(checkpoint.Run{ID: checkpoint.NewRunID(), Command: "sync", Started: started, Finished: finished, Status: status,
		Counts: map[string]int{"pass": n}})
}

// windowReport says what the window changed (the runs since the first
// apply) and what is left: dead letters and conflicts.
func windowReport(c *cli.Context) error {
	st, err := openCheckpointRO(c)
	if err != nil || st == nil {
		return err
	}
	defer st.Close()
	w := c.App.Writer
	runs, err := st.Runs()
	if err != nil {
		return err
	}
	totals := map[string]int{}
	passes, applies := 0, 0
	for _, r := range runs {
		if r.Command == "sync" {
			passes++
		}
		if r.Command != "" {
			continue
		}
		if applies++; applies == 1 {
			continue // the first apply is the migration; the window is after it
		}
		for k, v := range r.Counts {
			totals[k] += v
		}
	}
	changed := runCounts(totals)
	if changed == "" {
		changed = "nothing"
	}
	fmt.Fprintf(w, "\nThe window: %d sync passes; after the first apply, %s.\n", passes, changed)
	dls, err := st.DeadLetters()
	if err != nil {
		return err
	}
	conflicts := 0
	for _, k := range []string{"ticket", "user", "organization"} {
		if err := st.ForEach(k, func(_ string, e checkpoint.Entry) error {
			if e.Drift != "" {
				conflicts++
			}
			return nil
		}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Left: %d dead letters (kzmap state dead-letters), %d records changed in Zendesk by hand (kzmap state list shows them as drift).\n", len(dls), conflicts)
	return nil
}
