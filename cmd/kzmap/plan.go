package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// stateDir is where the stores live: .kzmap under the mapping directory,
// or the global --state DIR (another workspace on purpose: another
// checkpoint and snapshot for the same mapping).
var stateDir = defaultStateDir

const defaultStateDir = ".kzmap"

func checkpointPath() string { return filepath.Join(stateDir, "checkpoint.db") }

// loadValid loads the mapping and prints its diagnostics; it fails when
// the mapping has errors.
func loadValid(c *cli.Context) (*dsl.Config, error) {
	cfg, diags := loadConfig(".")
	if diags.HasErrors() {
		return nil, loadFailed(c, cfg, diags, "fix the mapping first (kzmap validate)")
	}
	return cfg, nil
}

// loadFailed prints a mapping's load errors and what to do, and returns
// the exit code.
func loadFailed(c *cli.Context, cfg *dsl.Config, diags hcl.Diagnostics, todo string) error {
	files := map[string]*hcl.File{}
	if cfg != nil {
		files = cfg.Files
	}
	dsl.WriteDiagnostics(c.App.ErrWriter, diags, files)
	fmt.Fprintf(c.App.ErrWriter, "%d error(s): %s.\n", len(diags.Errs()), todo)
	return exitCode(1)
}

var fromExportFlag = &cli.StringFlag{Name: "from-export", Usage: "plan from a Kustomer export `DIR` instead of the extracted snapshot"}

// planView is the --json document of plan and show.
type planView struct {
	FormatVersion string           `json:"format_version"`
	Path          string           `json:"path,omitempty"`
	Header        planfile.Header  `json:"header"`
	Summary       planfile.Summary `json:"summary"`
	Operations    []planfile.Op    `json:"operations,omitempty"`
	Samples       []engine.Sample  `json:"samples,omitempty"`
}

func planCommand() *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "show what apply would write to Zendesk, and save it to a plan file",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "save the plan to `FILE` (apply it with kzmap apply FILE)"},
			fromExportFlag,
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
			&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 2 when the plan has changes, 0 when it has none"},
			&cli.StringSliceFlag{Name: "only", Usage: "plan only these `KINDS` (organization, user, group, group_membership, custom_object, ticket, custom_object_record)"},
			&cli.IntFlag{Name: "sample", Value: 1, Usage: "render `N` changed records of each kind in full"},
			&cli.BoolFlag{Name: "refresh", Usage: "read back from Zendesk what the checkpoint says it holds, and plan from the truth (deleted there: created again; changed there: a conflict, left alone)"},
			&cli.BoolFlag{Name: "hazards", Usage: "list the hazards even when nothing changes"},
			&cli.BoolFlag{Name: "refresh-only", Usage: "read back from Zendesk and record what drifted in the checkpoint; plan nothing"},
		},
		Action: func(c *cli.Context) error {
			cfg, snap, closeSnap, err := openWorkspace(c)
			if err != nil {
				return err
			}
			defer closeSnap()
			compared := notRead
			if c.Bool("refresh") || c.Bool("refresh-only") {
				line, drifted, err := planRefresh(c, cfg, snap)
				if err != nil {
					return err
				}
				if c.Bool("refresh-only") {
					if c.Bool("detailed-exitcode") && drifted {
						return exitCode(2)
					}
					return nil
				}
				compared = line
			}
			cp, err := openCheckpointRO(c)
			if err != nil {
				return err
			}
			opts := engine.PlanOptions{Config: cfg, Snapshot: snap, Out: c.String("out"), KzmapVersion: Version, Samples: c.Int("sample")}
			if zc, err := zendesk.FromEnv(); err == nil {
				opts.ZendeskAccount = zc.Account() // a plan made offline binds to none
			}
			if kinds := c.StringSlice("only"); len(kinds) > 0 {
				opts.Only = map[kind.Kind]bool{}
				for _, arg := range kinds {
					for _, name := range strings.Split(arg, ",") {
						k, ok := kind.Of(strings.TrimSpace(name))
						if !ok {
							return fmt.Errorf("--only: %q is not a kind; kinds: %s (comment: with their tickets)", name, strings.Join(kind.Names(), ", "))
						}
						opts.Only[k] = true
					}
				}
			}
			if cp != nil {
				defer cp.Close()
				opts.Checkpoint = cp
			}
			res, err := engine.Plan(c.Context, opts)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if err := printJSON(c.App.Writer, planView{FormatVersion: formatVersion, Path: opts.Out, Header: res.Header, Summary: res.Summary, Operations: res.Ops, Samples: res.Samples}); err != nil {
					return err
				}
			} else {
				writePlan(c.App.Writer, planLookOf(c), res.Header, res.Summary, res.Ops, compared)
				writeSamples(c.App.Writer, planLookOf(c).colors, res.Samples)
				if opts.Out != "" {
					fmt.Fprintf(c.App.Writer, "\nSaved the plan to %s. Apply it with: kzmap apply %s\n", opts.Out, opts.Out)
				} else if res.Summary.Changes > 0 {
					fmt.Fprintf(c.App.Writer, "\nThis plan was not saved; use -out FILE to apply exactly this plan.\n")
				}
			}
			if c.Bool("detailed-exitcode") && res.Summary.Changes > 0 {
				return exitCode(2)
			}
			return nil
		},
	}
}

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show a saved plan",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
			&cli.BoolFlag{Name: "ops", Usage: "list every operation"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("show takes the plan file: kzmap show FILE")
			}
			path := c.Args().First()
			r, err := planfile.Open(path)
			if err != nil {
				return err
			}
			defer r.Close()
			var ops []planfile.Op
			var sum planfile.Summary
			for {
				op, s, err := r.Next()
				if errors.Is(err, io.EOF) {
					sum = *s
					break
				}
				if err != nil {
					return err
				}
				if c.Bool("ops") || len(ops) < 20 {
					ops = append(ops, *op)
				}
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, planView{FormatVersion: formatVersion, Path: path, Header: r.Header, Summary: sum, Operations: ops})
			}
			writePlan(c.App.Writer, planLook{colors: colorsFor(c, c.App.Writer), hazards: true}, r.Header, sum, ops, "the plan was made with nothing to change")
			return nil
		},
	}
}

// planLook is how a plan is shown: colours, and whether a plan without
// changes lists its hazards (--hazards; one with changes always does).
type planLook struct {
	colors  palette
	hazards bool
}

func planLookOf(c *cli.Context) planLook {
	return planLook{colors: colorsFor(c, c.App.Writer), hazards: c.Bool("hazards")}
}

// writePlan is the human view of a plan: what changes, by kind; the
// hazards; the first operations, an update with its fields old → new;
// the estimate. A plan without changes is one line. compared says what
// such a plan compared.
func writePlan(w io.Writer, look planLook, h planfile.Header, s planfile.Summary, ops []planfile.Op, compared string) {
	pal := look.colors
	if s.Changes == 0 && !look.hazards {
		more := ""
		if n := len(s.Hazards); n > 0 {
			more = fmt.Sprintf(" (%s: --hazards lists them)", plural(n, "hazard"))
		}
		fmt.Fprintf(w, "%s %s.%s\n", pal.green("No changes:"), compared, more)
		return
	}
	if s.Changes == 0 {
		fmt.Fprintf(w, "%s %s.\n", pal.green("No changes:"), compared)
	} else {
		fmt.Fprintf(w, "%s %s.\n", pal.bold("Plan:"), plural(s.Changes, "change"))
	}
	fmt.Fprintf(w, "  snapshot %s, mapping %s, checkpoint serial %d\n", short(h.SnapshotDigest), short(h.MappingHash), h.Serial)
	for _, m := range h.Modules {
		fmt.Fprintf(w, "  module %s: %s at %s\n", m.Address, m.Source, shortCommit(m.Commit))
	}
	fmt.Fprintln(w)
	writeCounts(w, pal, s)
	writeHazards(w, pal, s.Hazards)
	if len(ops) > 0 && s.Changes > 0 {
		fmt.Fprintln(w, "\nFirst operations:")
		for i, op := range ops {
			if i == 10 {
				fmt.Fprintf(w, "  … and %d more (kzmap plan -out FILE, then kzmap show --ops FILE, lists them all)\n", s.Changes-10)
				break
			}
			writeOp(w, pal, op)
		}
	}
	writeEstimate(w, h, s.Estimate)
}

func writeCounts(w io.Writer, pal palette, s planfile.Summary) {
	for _, k := range kind.All {
		if s.Counts[k] == nil {
			continue
		}
		var parts []string
		for _, a := range []kind.Action{kind.Create, kind.Update, kind.Replace, kind.Delete, kind.AppendComments, kind.Unwritable, kind.Noop} {
			if n := s.Counts[k][a]; n > 0 {
				label := string(a)
				if a == kind.Noop {
					label = "unchanged"
				}
				parts = append(parts, pal.action(a, fmt.Sprintf("%s %d", label, n)))
			}
		}
		fmt.Fprintf(w, "  %-22s %s\n", k, strings.Join(parts, ", "))
	}
}

func writeHazards(w io.Writer, pal palette, hazards []planfile.Hazard) {
	if len(hazards) == 0 {
		return
	}
	fmt.Fprintln(w, "\nHazards:")
	for _, hz := range hazards {
		at := ""
		if hz.Pos != "" {
			at = " at " + hz.Pos
		}
		fmt.Fprintf(w, "  %s %s (%d)%s: %s\n", pal.severity(hz.Severity, fmt.Sprintf("%-7s", hz.Severity)), hz.Code, hz.Count, at, hz.Message)
		for _, ex := range hz.Examples {
			fmt.Fprintf(w, "          e.g. %s\n", ex)
		}
	}
}

// writeOp is one operation's line, and an update's changed fields.
func writeOp(w io.Writer, pal palette, op planfile.Op) {
	extra := ""
	switch {
	case op.Action == kind.Unwritable:
		extra = ": " + op.Reason
	case op.Comments > 0:
		extra = fmt.Sprintf(" (%s, %s)", plural(op.Comments, "comment"), plural(op.Attachments, "attachment"))
	}
	fmt.Fprintf(w, "  %s %s  [%s]%s\n", pal.action(op.Action, fmt.Sprintf("%-15s", op.Action)), shownKey(op.Kind, op.Key), op.Pos, extra)
	writeChanges(w, pal, "      ", op)
}

// writeChanges prints an update's fields as Terraform does: ~ changed
// old → new, + added, - removed.
func writeChanges(w io.Writer, pal palette, indent string, op planfile.Op) {
	switch {
	case op.Action == kind.Create || op.Action == kind.Unwritable || op.Action == kind.Delete:
		return
	case op.Changes == nil:
		fmt.Fprintf(w, "%s(the checkpoint holds no earlier values of this record: it was written by an older kzmap)\n", indent)
		return
	case len(op.Changes) == 0:
		fmt.Fprintf(w, "%s(no field changes in the first 200 characters of each; its comments or longer text changed)\n", indent)
		return
	}
	for _, ch := range op.Changes {
		switch {
		case ch.Old == "":
			fmt.Fprintf(w, "%s%s %s: %s\n", indent, pal.green("+"), ch.Field, ch.New)
		case ch.New == "":
			fmt.Fprintf(w, "%s%s %s: %s\n", indent, pal.red("-"), ch.Field, ch.Old)
		default:
			fmt.Fprintf(w, "%s%s %s: %s → %s\n", indent, pal.yellow("~"), ch.Field, ch.Old, ch.New)
		}
	}
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// writeSamples renders a few desired records in full, as Zendesk will
// receive them (references still as Kustomer ids).
func writeSamples(w io.Writer, pal palette, samples []engine.Sample) {
	if len(samples) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSample payloads (references are Kustomer ids until apply):")
	for _, s := range samples {
		fmt.Fprintf(w, "\n  %s %s  [%s]\n", pal.action(s.Action, string(s.Action)), shownKey(s.Kind, s.Key), s.Pos)
		mark := "  "
		if s.Action == kind.Create {
			mark = pal.green("+") + " "
		} else if s.Changes != nil {
			writeChanges(w, pal, "    ", planfile.Op{Action: s.Action, Changes: s.Changes})
			fmt.Fprintln(w, "    as it will be:")
		}
		writeFields(w, "  "+mark, s.Payload)
		for _, c := range s.Comments {
			fmt.Fprintf(w, "  %scomment %s\n", mark, c.Key)
			writeFields(w, "    "+mark, c.Payload)
		}
		if s.MoreComments > 0 {
			fmt.Fprintf(w, "    … and %d more comments\n", s.MoreComments)
		}
	}
}

func writeFields(w io.Writer, indent string, p dsl.Payload) {
	for _, k := range p.SortedFields() {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(p[k])
		v := strings.TrimSuffix(b.String(), "\n")
		if len(v) > 100 {
			v = v[:100] + "…"
		}
		fmt.Fprintf(w, "%s%-14s = %s\n", indent, k, v)
	}
}
