package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
)

func destroyCommand() *cli.Command {
	return &cli.Command{
		Name:  "destroy",
		Usage: "roll back: delete from Zendesk what one batch or one apply run created",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "batch", Usage: "the batch `ID` (kzmap state list, kzmap state batch)"},
			&cli.StringFlag{Name: "run", Usage: "the apply run `ID` (kzmap state list), or last: the latest run that created or replaced records"},
			&cli.BoolFlag{Name: "auto-approve", Usage: "delete without asking"},
		},
		Action: func(c *cli.Context) error {
			if (c.String("batch") == "") == (c.String("run") == "") {
				return fmt.Errorf("destroy takes exactly one of --batch ID and --run ID")
			}
			cfg, err := loadValid(c)
			if err != nil {
				return err
			}
			store, err := openCheckpointRW(c)
			if err != nil {
				return err
			}
			defer store.Close()
			var batches []checkpoint.Batch
			if id := c.String("batch"); id != "" {
				b, ok, err := store.Batch(id)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("no batch %q in the checkpoint (kzmap state list shows the runs)", id)
				}
				batches = []checkpoint.Batch{b}
			} else if run, err := runID(store, c.String("run")); err != nil {
				return err
			} else if batches, err = store.Batches(run); err != nil {
				return err
			} else if len(batches) == 0 {
				return fmt.Errorf("no batches of run %q in the checkpoint (kzmap state list shows the runs)", c.String("run"))
			}
			targets, err := apply.Targets(store, batches)
			if err != nil {
				return err
			}
			counts, kept := map[kind.Kind]int{}, map[kind.Kind]int{}
			var del []apply.Target
			for _, t := range targets {
				if t.Kind.Deletable() {
					counts[t.Kind]++
					del = append(del, t)
				} else {
					kept[t.Kind]++
				}
			}
			w := c.App.Writer
			if len(targets) == 0 {
				fmt.Fprintln(w, "Nothing to destroy: what these batches created is gone already or was rewritten since.")
				return nil
			}
			fmt.Fprintf(w, "Destroy what %d batch(es) created:\n", len(batches))
			for _, k := range kind.All {
				if n := counts[k]; n > 0 {
					fmt.Fprintf(w, "  delete %-22s %d\n", k, n)
				}
			}
			for _, k := range kind.All {
				if n := kept[k]; n > 0 {
					fmt.Fprintf(w, "  keep   %-22s %d (kzmap does not delete these; remove them in Zendesk's admin if you must)\n", k, n)
				}
			}
			if len(del) == 0 {
				return nil
			}
			if err := approve(c, "Delete these records from Zendesk?", "Nothing deleted.", ""); err != nil {
				return err
			}
			client, err := zendeskClient(c, cfg)
			if err != nil {
				return err
			}
			ctx, stop := interruptible(c, "finishing the deletes under way", "the checkpoint keeps what was deleted; run kzmap destroy again for the rest")
			defer stop()
			res, err := apply.Destroy(ctx, store, client, del)
			writeDestroyed(w, res, len(del))
			if err != nil {
				return err
			}
			if len(res.Failed) > 0 {
				return exitCode(1)
			}
			return nil
		},
	}
}

// runID resolves "last" to the latest run that created something.
func runID(store *checkpoint.Store, id string) (string, error) {
	if id != "last" {
		return id, nil
	}
	runs, err := store.Runs()
	if err != nil {
		return "", err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		for k, n := range runs[i].Counts {
			if n > 0 && (strings.HasSuffix(k, ".created") || strings.HasSuffix(k, ".replaced")) {
				return runs[i].ID, nil
			}
		}
	}
	return "", fmt.Errorf("no apply run created anything yet")
}

// writeDestroyed says exactly what destroy did: what Zendesk deleted, what
// it no longer had, and what it kept (still in the checkpoint).
func writeDestroyed(w io.Writer, res apply.Destroyed, asked int) {
	fmt.Fprintf(w, "Deleted %d of %d records", res.Deleted, asked)
	if res.Gone > 0 {
		fmt.Fprintf(w, "; %d were no longer in Zendesk", res.Gone)
	}
	fmt.Fprintln(w, ".")
	if res.Deleted+res.Gone > 0 {
		fmt.Fprintf(w, "The checkpoint forgot those %d, so a later plan creates them again if the mapping still wants them.\n", res.Deleted+res.Gone)
	}
	if n := len(res.Failed); n > 0 {
		fmt.Fprintf(w, "%d were not deleted and stay in the checkpoint (run destroy again to retry them):\n", n)
		for i, f := range res.Failed {
			if i == 20 {
				fmt.Fprintf(w, "  … and %d more\n", n-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	if stopped := asked - res.Deleted - res.Gone - len(res.Failed); stopped > 0 {
		fmt.Fprintf(w, "%d were not sent (the run stopped): run destroy again for them.\n", stopped)
	}
}
