package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
)

func stateCommand() *cli.Command {
	withStore := func(fn func(c *cli.Context, s *checkpoint.Store) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			s, err := openCheckpointRO()
			if err != nil {
				return err
			}
			if s == nil {
				return fmt.Errorf("nothing was applied yet: there is no %s", checkpointPath())
			}
			defer s.Close()
			return fn(c, s)
		}
	}
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print one JSON document"}
	return &cli.Command{
		Name:  "state",
		Usage: "show what the checkpoint store knows: records, runs, batches, dead letters",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "count the records written to Zendesk, per kind, and list the runs",
				Flags: []cli.Flag{jsonFlag},
				Action: withStore(func(c *cli.Context, s *checkpoint.Store) error {
					counts := map[kind.Kind]int{}
					for _, k := range kind.All {
						n, err := s.Count(string(k))
						if err != nil {
							return err
						}
						counts[k] = n
					}
					runs, err := s.Runs()
					if err != nil {
						return err
					}
					serial, _ := s.Serial()
					if c.Bool("json") {
						return printJSON(c.App.Writer, map[string]any{"format_version": formatVersion, "lineage": s.Lineage(), "serial": serial, "records": counts, "runs": runs})
					}
					fmt.Fprintf(c.App.Writer, "checkpoint %s, serial %d\n\n", s.Lineage(), serial)
					for _, k := range kind.All {
						fmt.Fprintf(c.App.Writer, "  %-22s %d\n", k, counts[k])
					}
					if len(runs) > 0 {
						fmt.Fprintln(c.App.Writer, "\nRuns:")
						for _, r := range runs {
							fmt.Fprintf(c.App.Writer, "  %s  %s  %-11s %s\n", r.ID, r.Started.Format("2006-01-02 15:04:05"), r.Status, runCounts(r.Counts))
						}
					}
					return nil
				}),
			},
			{
				Name:      "show",
				Usage:     "show one record: kzmap state show KIND KEY (for example ticket ticket.conversation:ID)",
				ArgsUsage: "KIND KEY",
				Flags:     []cli.Flag{jsonFlag},
				Action: withStore(func(c *cli.Context, s *checkpoint.Store) error {
					if c.NArg() != 2 {
						return fmt.Errorf("state show takes a kind and a key")
					}
					e, ok, err := s.Get(c.Args().Get(0), c.Args().Get(1))
					if err != nil {
						return err
					}
					if !ok {
						return fmt.Errorf("no %s %s in the checkpoint", c.Args().Get(0), c.Args().Get(1))
					}
					return printJSON(c.App.Writer, e)
				}),
			},
			{
				Name:  "dead-letters",
				Usage: "list the records Zendesk refused, with its reasons",
				Flags: []cli.Flag{jsonFlag},
				Action: withStore(func(c *cli.Context, s *checkpoint.Store) error {
					dls, err := s.DeadLetters()
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, map[string]any{"format_version": formatVersion, "dead_letters": dls})
					}
					if len(dls) == 0 {
						fmt.Fprintln(c.App.Writer, "No dead letters.")
						return nil
					}
					for _, d := range dls {
						fmt.Fprintf(c.App.Writer, "%s %s (attempts %d, batch %s)\n    %s\n", d.Kind, d.Key, d.Attempts, d.Batch, d.Error)
					}
					return nil
				}),
			},
			{
				Name:      "batch",
				Usage:     "show a batch and what it created",
				ArgsUsage: "BATCH_ID",
				Action: withStore(func(c *cli.Context, s *checkpoint.Store) error {
					b, ok, err := s.Batch(c.Args().First())
					if err != nil {
						return err
					}
					if !ok {
						return fmt.Errorf("no batch %q", c.Args().First())
					}
					return printJSON(c.App.Writer, b)
				}),
			},
		},
	}
}

func runCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
