package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine/verify"
	"github.com/kzmap/kzmap/zendesk"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "read Zendesk back and compare it with the mapping and the checkpoint: counts per kind, sampled records field by field",
		Description: "verify counts every kind three ways (made by the mapping from the snapshot, recorded in the checkpoint,\n" +
			"found in Zendesk), then compares random records and the ugliest ones (longest, oldest, most assignees,\n" +
			"most attachments, split, merged, largest) field by field and comment by comment. With the Help Center\n" +
			"blocks it counts the articles per locale too, and checks sampled article bodies: their text, their images\n" +
			"(their article's attachments, read as a visitor reads them) and their links (to live migrated articles,\n" +
			"in a locale they have). It exits 1 when anything differs.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
			&cli.StringFlag{Name: "report", Usage: "also write a self-contained HTML report to `FILE`"},
			&cli.IntFlag{Name: "sample", Value: verify.DefaultSample, Usage: "compare `N` random records of each kind, besides the ugliest ones (0: only the ugliest)"},
			&cli.Int64Flag{Name: "seed", Usage: "pick the random records with seed `N` (default: a new seed each run, printed so it can be repeated)"},
			fromExportFlag,
		},
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	cfg, err := loadValid(c)
	if err != nil {
		return err
	}
	store, err := openCheckpointRO(c)
	if err != nil {
		return err
	}
	if store == nil {
		return nothingApplied(c)
	}
	defer store.Close()
	snap, closeSnap, err := openSnapshot(c.String("from-export"))
	if err != nil {
		return err
	}
	defer closeSnap()
	client, err := zendeskClient(c, cfg)
	if err != nil {
		return err
	}
	env, err := zendesk.FromEnv()
	if err != nil {
		return err
	}
	sample := c.Int("sample")
	if sample == 0 {
		sample = -1 // Options.Sample 0 means the default
	}
	ctx, stop := interruptible(c, "finishing the reads under way", "verify writes nothing; run it again")
	defer stop()
	rep, err := verify.Run(ctx, verify.Options{Config: cfg, Snapshot: snap, Store: store, Client: client,
		Files: attachmentFiles(snap, c.String("from-export")), Sample: sample, Seed: c.Int64("seed"), BaseURL: env.BaseURL})
	if err != nil {
		return err
	}
	if path := c.String("report"); path != "" {
		if err := writeVerifyReport(path, rep, machineClock(c)()); err != nil {
			return err
		}
	}
	if c.Bool("json") {
		err = printJSON(c.App.Writer, struct {
			FormatVersion string `json:"format_version"`
			*verify.Report
		}{formatVersion, rep})
	} else {
		writeVerify(c.App.Writer, rep, c.String("report"))
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return exitCode(1)
	}
	return nil
}

// writeVerifyReport writes the HTML report readable by its owner only (it
// quotes customer data), replacing the file whole.
func writeVerifyReport(path string, rep *verify.Report, now time.Time) error {
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf, now); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".verify-*.html")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// maxNotesShown bounds the notes the text view prints.
const maxNotesShown = 20

func writeVerify(w io.Writer, rep *verify.Report, reportPath string) {
	fmt.Fprintf(w, "%-22s %8s %10s %10s %8s %8s %11s %5s %8s %8s %11s\n", "kind", "mapping", "unwritable", "checkpoint", "Zendesk", "missing", "not written", "dead", "changed", "compared", "differences")
	row := func(k verify.KindCount) {
		fmt.Fprintf(w, "%-22s %8d %10d %10d %8d %8d %11d %5d %8d %8d %11d\n", k.Kind, k.Desired, k.Unwritable, k.Checkpoint, k.Zendesk,
			k.MissingInZendesk, k.NotInCheckpoint, k.DeadLetters, k.Outdated, k.Compared, k.Differences)
	}
	for _, k := range rep.Kinds {
		row(k)
	}
	row(rep.Total())
	fmt.Fprintf(w, "\n%s\n", rep.Summary())
	fmt.Fprintf(w, "Seed %d: %d random records of each kind, plus the ugliest, were compared field by field.\n", rep.Seed, rep.Sample)
	if len(rep.HelpCenterLocales) > 0 {
		fmt.Fprintf(w, "\n%-22s %8s %8s\n", "Help Center locale", "mapping", "Zendesk")
		for _, l := range rep.HelpCenterLocales {
			mark := ""
			if l.Desired != l.Zendesk {
				mark = "  ≠"
			}
			fmt.Fprintf(w, "%-22s %8d %8d%s\n", l.Locale, l.Desired, l.Zendesk, mark)
		}
	}
	if len(rep.Differences) > 0 {
		fmt.Fprintln(w, "\nDifferences:")
		for _, d := range rep.Differences {
			fmt.Fprintf(w, "  %s\n", d.Message)
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintf(w, "\nNotes (known losses, already reported by plan and apply; they do not fail verify):\n")
		for i, n := range rep.Notes {
			if i == maxNotesShown {
				fmt.Fprintf(w, "  … %d more (--json or --report FILE lists them all)\n", len(rep.Notes)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", n.Message)
		}
	}
	fmt.Fprintln(w, "\nWhere to look:")
	for _, h := range rep.Hints() {
		fmt.Fprintf(w, "  - %s\n", h)
	}
	if reportPath != "" {
		fmt.Fprintf(w, "  - The report with links to every record in Zendesk: %s\n", reportPath)
	}
}
