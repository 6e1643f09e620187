package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/extract"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

func snapshotPath() string { return filepath.Join(stateDir, "snapshot.db") }

func extractCommand() *cli.Command {
	return &cli.Command{
		Name:  "extract",
		Usage: "pull Kustomer into the local snapshot (.kzmap/snapshot.db): resumable, then incremental",
		Description: "The first extract reads everything; a later one reads only what changed since, with a small overlap.\n" +
			"An extract that was interrupted (Ctrl-C, a crash, kill -9) resumes where it stopped.\n" +
			"Credentials come from KUSTOMER_API_KEY and KUSTOMER_BASE_URL; the source block of the mapping sets\n" +
			"the share of the rate limit to use and the CDN hosts attachments may come from.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "since", Usage: "only records updated at or after `T` (RFC 3339 or YYYY-MM-DD)"},
			&cli.StringFlag{Name: "until", Usage: "only records updated before `T` (RFC 3339 or YYYY-MM-DD)"},
			&cli.StringSliceFlag{Name: "only", Usage: "extract only these `TYPES`, comma-separated (" + strings.Join(record.Types, ", ") + ")"},
			&cli.BoolFlag{Name: "json", Usage: "print the run's account as one JSON document"},
			&cli.BoolFlag{Name: "restart", Usage: "discard an interrupted extract instead of resuming it"},
			&cli.IntFlag{Name: "workers", Value: 6, Usage: "requests in flight at once (the rate limit share, not this, sets the pace)"},
		},
		Action: runExtract,
	}
}

// sourceSettings reads the source block of the mapping. Extract needs
// only that block, so a mapping with errors elsewhere does not stop it.
func sourceSettings(c *cli.Context) dsl.SourceSettings {
	def := dsl.SourceSettings{Share: 0.8, SearchShare: 0.8}
	cfg, diags := loadConfig(".")
	if cfg == nil {
		return def
	}
	if diags.HasErrors() {
		fmt.Fprintf(c.App.ErrWriter, "warning: the mapping has %d error(s) (kzmap validate); extract reads only its source block\n", len(diags.Errs()))
	}
	s := cfg.Source
	if s.Share <= 0 {
		s.Share = def.Share
	}
	if s.SearchShare <= 0 {
		s.SearchShare = def.SearchShare
	}
	return s
}

func parseWhen(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s %q: want a time such as 2024-03-01 or 2024-03-01T09:30:00Z", flag, v)
}

func runExtract(c *cli.Context) error {
	since, err := parseWhen("since", c.String("since"))
	if err != nil {
		return err
	}
	until, err := parseWhen("until", c.String("until"))
	if err != nil {
		return err
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return fmt.Errorf("--until %s is not after --since %s", c.String("until"), c.String("since"))
	}
	if _, err := extract.Scope(c.StringSlice("only")); err != nil {
		return err
	}
	src := sourceSettings(c)
	window, err := rateWindow()
	if err != nil {
		return err
	}
	client, err := kustomer.NewFromEnv(kustomer.Options{Share: src.Share, SearchShare: src.SearchShare, CDNHosts: src.CDNHosts, Window: window,
		OnRetry: retryNotes(c, "kustomer")})
	if err != nil {
		return err
	}
	store, err := snapshot.Open(snapshotPath(), snapshot.Options{})
	if err != nil {
		return err
	}
	defer store.Close()

	ctx, stop := interruptible(c, "finishing the pages being read", "the snapshot keeps every page read; kzmap extract resumes from there")
	defer stop()
	jsonOut := c.Bool("json")
	view := newExtractProgress(c.App.ErrWriter, client, jsonOut, time.Now)
	res, err := extract.Run(ctx, client, store, extract.Options{
		Since: since, Until: until, Only: c.StringSlice("only"), Workers: c.Int("workers"),
		Restart: c.Bool("restart"), Progress: view, Clock: machineClock(c),
	})
	view.finish()
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(c.App.ErrWriter, "Interrupted: every page read is in the snapshot. Run kzmap extract again to resume.")
		return interruptedCode
	case err != nil:
		return err
	}
	if jsonOut {
		return printJSON(c.App.Writer, struct {
			FormatVersion string `json:"format_version"`
			*extract.Result
		}{formatVersion, res})
	}
	writeExtractResult(c.App.Writer, res)
	return nil
}

// extractProgress shows each phase on stderr (statusLine: a redrawn line
// on a terminal, a line a minute and one per phase in a log): records
// written, how fast, Kustomer requests used and what the server says is
// left of its window, and the time in the phase. With --json only notes
// are quiet too.
type extractProgress struct {
	line   *statusLine
	client *kustomer.Client
	now    func() time.Time
	quiet  bool

	mu       sync.Mutex
	phase    string
	began    time.Time
	expected int
	done     int
	stop     chan struct{}
	stopped  sync.WaitGroup
}

func newExtractProgress(stderr io.Writer, client *kustomer.Client, quiet bool, now func() time.Time) *extractProgress {
	p := &extractProgress{line: newStatusLine(stderr, now), client: client, now: now, quiet: quiet, stop: make(chan struct{})}
	if !quiet {
		p.stopped.Add(1)
		go p.tick()
	}
	return p
}

// tick redraws the line while a phase waits on the server.
func (p *extractProgress) tick() {
	defer p.stopped.Done()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.phase != "" {
				p.line.show(p.describe())
			}
			p.mu.Unlock()
		}
	}
}

// describe is the phase's line. The total is what the server has said to
// expect so far: it grows as search windows are counted, so it is shown
// as that, not as a percentage that would go backwards.
func (p *extractProgress) describe() string {
	el := p.now().Sub(p.began)
	parts := []string{fmt.Sprintf("  %s: %s", p.phase, plural(p.done, "record"))}
	if p.expected > p.done {
		parts[0] += fmt.Sprintf(" (%s expected so far)", thousands(p.expected))
	}
	if r := rate(p.done, el, "records"); r != "" {
		parts = append(parts, r)
	}
	st := p.client.Stats()
	req := plural(int(st.Requests), "request")
	if st.Remaining >= 0 {
		req += fmt.Sprintf(", %s left in the window", thousands(st.Remaining))
	}
	return strings.Join(append(parts, req, humanDuration(el)), " · ")
}

func (p *extractProgress) Phase(name string) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endPhase()
	p.phase, p.began, p.expected, p.done = name, p.now(), 0, 0
	p.line.show(p.describe())
}

func (p *extractProgress) endPhase() {
	if p.phase != "" {
		p.line.done(p.describe())
	}
	p.phase = ""
}

func (p *extractProgress) Expect(n int) {
	if p.quiet || n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expected += n
}

func (p *extractProgress) Records(n int) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.line.show(p.describe())
}

func (p *extractProgress) Note(msg string) {
	if p.quiet {
		return
	}
	p.line.note(msg)
}

func (p *extractProgress) finish() {
	if p.quiet {
		return
	}
	close(p.stop)
	p.stopped.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endPhase()
}

func writeExtractResult(w io.Writer, res *extract.Result) {
	how := res.Mode
	if res.Resumed {
		how += ", resumed"
	}
	fmt.Fprintf(w, "Extracted Kustomer org %q (run %d, %s) in %s: %d requests (%d searches, %d downloads, %d retries, %d answered 429).\n",
		res.Org, res.RunID, how, res.Elapsed.Round(time.Millisecond), res.Requests.Total, res.Requests.Search, res.Requests.Downloads, res.Requests.Retries, res.Requests.TooMany)

	fmt.Fprintln(w, "\nHow each type was read:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range res.Plan {
		est := ""
		if s.Estimate > 0 && s.Estimate != s.Requests {
			est = fmt.Sprintf(" (estimated %d)", s.Estimate)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s%s\t%s\n", s.Type, s.Strategy, plural(s.Requests, "request"), est, s.Why)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nReconciliation (what Kustomer reports against what the snapshot holds):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  type\tKustomer\tsnapshot\t\tsource\n")
	bad := 0
	for _, c := range res.Checks {
		status := "ok"
		expected := fmt.Sprint(c.Expected)
		switch {
		case c.Expected < 0:
			status, expected = "no figure", "-"
		case !c.OK:
			status = "DIFFERS"
			bad++
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", c.Type, expected, c.Extracted, status, c.Source)
	}
	tw.Flush()

	f := res.Files
	fmt.Fprintf(w, "\nAttachments: %d; %d files staged (%s), %d missing in Kustomer, %d oversize, %d refused (host not allowed), %d failed, %d not fetched yet; %d fetched in this run.\n",
		f.Attachments, f.Staged, humanBytes(f.Bytes), f.Missing, f.Oversize, f.Refused, f.Failed, f.Pending, f.Downloaded)
	var written []string
	for _, t := range record.Types {
		if n := res.Written[t]; n > 0 {
			written = append(written, fmt.Sprintf("%d %s", n, t))
		}
	}
	if len(written) == 0 {
		written = []string{"nothing"}
	}
	fmt.Fprintf(w, "New or changed in this run: %s.\n", strings.Join(written, ", "))
	if bad > 0 {
		fmt.Fprintf(w, "\nWarning: %d type(s) do not match Kustomer's counts. Run kzmap extract again; if they still differ, kzmap audit shows the details.\n", bad)
	}
	fmt.Fprintln(w, "\nNext: kzmap audit, then kzmap plan.")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// plural is "1 change", "2 changes", "3 batches", "2 device telemetries".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %s", n, builtin.Pluralize(what))
}
