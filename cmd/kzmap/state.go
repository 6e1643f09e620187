package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

func stateCommand() *cli.Command {
	withStore := func(fn func(c *cli.Context, s *checkpoint.Store) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			s, err := openCheckpointRO(c)
			if err != nil {
				return err
			}
			if s == nil {
				return nothingApplied(c)
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
				Name:      "list",
				Usage:     "count the records written to Zendesk and list the runs; with FILTERs (a kind, a block, an address prefix) list their addresses",
				ArgsUsage: "[FILTER…]",
				Flags:     []cli.Flag{jsonFlag, &cli.BoolFlag{Name: "all", Usage: "list the address of every record"}},
				Action: withStore(func(c *cli.Context, s *checkpoint.Store) error {
					if c.NArg() > 0 || c.Bool("all") {
						return listAddresses(c, s, c.Args().Slice())
					}
					return listCounts(c, s)
				}),
			},
			{
				Name:      "show",
				Usage:     "show one record: kzmap state show ADDRESS (for example 'ticket.conversation[\"ID\"]')",
				ArgsUsage: "ADDRESS",
				Flags:     []cli.Flag{jsonFlag},
				Action: withStore(func(c *cli.Context, s *checkpoint.Store) error {
					arg := strings.Join(c.Args().Slice(), ":") // the older KIND KEY form too
					if c.NArg() == 2 {
						arg = c.Args().Get(1)
					}
					if c.NArg() < 1 || c.NArg() > 2 {
						return fmt.Errorf("state show takes one address (kzmap state list KIND prints them)")
					}
					k, key, err := parseAddress(arg)
					if err != nil {
						return err
					}
					return showRecord(c, s, k, key)
				}),
			},
			{
				Name:      "rm",
				Usage:     "forget records without deleting them from Zendesk (the next plan creates them again, unless kzmap import adopts them)",
				ArgsUsage: "ADDRESS…",
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return fmt.Errorf("state rm takes the addresses to forget (kzmap state list KIND prints them)")
					}
					keys := map[kind.Kind][]string{}
					for _, a := range c.Args().Slice() {
						k, key, err := parseAddress(a)
						if err != nil {
							return err
						}
						keys[k] = append(keys[k], key)
					}
					s, err := openCheckpointRW(c)
					if err != nil {
						return err
					}
					defer s.Close()
					run, n, err := apply.Forget(s, keys, machineClock(c))
					if n > 0 {
						fmt.Fprintf(c.App.Writer, "Forgot %d records (run %s); Zendesk keeps them. The next plan creates them again, unless kzmap import adopts them.\n", n, run.ID)
					}
					return err
				},
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
				Name:      "unlock",
				Usage:     "break a lock whose holder is gone but whose PostgreSQL session stayed: kzmap state unlock ID (the id the lock error printed); asks first",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "auto-approve", Usage: "break it without asking"}},
				Action:    stateUnlock,
			},
			{
				Name:  "migrate",
				Usage: "move the checkpoint to another backend (--to pg or --to local): copied whole, counts and contents checked, the source marked as moved",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "to", Required: true, Usage: "the backend to move to: `pg` or local"},
					&cli.StringFlag{Name: "from", Usage: "the backend to move from (default: the other one)"},
				},
				Action: stateMigrate,
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

// listCounts is state list without filters: records per kind, and runs.
func listCounts(c *cli.Context, s *checkpoint.Store) error {
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
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, map[string]any{"format_version": formatVersion, "lineage": s.Lineage(), "serial": serial, "records": counts, "runs": runs})
	}
	fmt.Fprintf(w, "checkpoint %s, serial %d\n\n", s.Lineage(), serial)
	for _, k := range kind.All {
		fmt.Fprintf(w, "  %-22s %d\n", k, counts[k])
	}
	if len(runs) > 0 {
		fmt.Fprintln(w, "\nRuns:")
		for _, r := range runs {
			cmd := r.Command
			if cmd == "" {
				cmd = "apply"
			}
			fmt.Fprintf(w, "  %s  %s  %-9s %-11s %s\n", r.ID, r.Started.Format("2006-01-02 15:04:05"), cmd, r.Status, runCounts(r.Counts))
		}
	}
	fmt.Fprintln(w, "\nkzmap state list KIND|BLOCK|ADDRESS… (or --all) lists the records' addresses.")
	return nil
}

// listAddresses prints the address of every record a filter matches, with
// its Zendesk id, and "drift" for one changed in Zendesk.
func listAddresses(c *cli.Context, s *checkpoint.Store, filters []string) error {
	type row struct {
		Address   string `json:"address"`
		Kind      string `json:"kind"`
		ZendeskID string `json:"zendesk_id"`
		Drift     string `json:"drift,omitempty"`
	}
	var rows []row
	for _, k := range kind.All {
		err := s.ForEach(string(k), func(key string, e checkpoint.Entry) error {
			if a := address(k, key); matches(a, k, filters) {
				rows = append(rows, row{a, string(k), e.ZendeskID, e.Drift})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, map[string]any{"format_version": formatVersion, "records": rows})
	}
	for _, r := range rows {
		mark := ""
		if r.Drift != "" {
			mark = "  (drift)"
		}
		fmt.Fprintf(c.App.Writer, "%s  %s%s\n", r.Address, r.ZendeskID, mark)
	}
	if len(rows) == 0 && len(filters) > 0 {
		return fmt.Errorf("no record matches %s", strings.Join(filters, ", "))
	}
	return nil
}

// showRecord prints one record readably: where it came from, where it is
// in Zendesk, and which batch and run wrote it.
func showRecord(c *cli.Context, s *checkpoint.Store, k kind.Kind, key string) error {
	e, ok, err := s.Get(string(k), key)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is not in the checkpoint (kzmap state list %s lists what is)", address(k, key), k)
	}
	b, _, err := s.Batch(e.Batch)
	if err != nil {
		return err
	}
	var sources string
	for i, bk := range b.Keys {
		if bk == key && i < len(b.Sources) {
			sources = b.Sources[i]
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, map[string]any{"format_version": formatVersion, "address": address(k, key), "kind": k, "key": key,
			"sources": sources, "entry": e, "batch_op": b.Op, "url": recordURL(k, e)})
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s\n", address(k, key))
	fmt.Fprintf(w, "  kind        %s\n", k)
	if sources != "" {
		fmt.Fprintf(w, "  source      %s (Kustomer)\n", strings.ReplaceAll(sources, ",", ", "))
	}
	fmt.Fprintf(w, "  zendesk id  %s\n", e.ZendeskID)
	if u := recordURL(k, e); u != "" {
		fmt.Fprintf(w, "  url         %s\n", u)
	}
	hash := e.Hash
	if hash == "" {
		hash = "(none: adopted by hand or holding part of its thread; the next plan writes the mapping over it)"
	}
	fmt.Fprintf(w, "  hash        %s\n", hash)
	fmt.Fprintf(w, "  batch       %s (%s), run %s, at %s\n", e.Batch, b.Op, e.Run, e.At.UTC().Format("2006-01-02 15:04:05Z"))
	if !e.Written.IsZero() {
		fmt.Fprintf(w, "  written     %s (Zendesk's clock)\n", e.Written.UTC().Format("2006-01-02 15:04:05Z"))
	}
	if k == kind.Ticket {
		fmt.Fprintf(w, "  comments    %d\n", len(e.Comments))
	}
	if e.Object != "" {
		fmt.Fprintf(w, "  object      %s\n", e.Object)
	}
	if e.Drift != "" {
		fmt.Fprintf(w, "  drift       %s\n", e.Drift)
	}
	return nil
}

// recordURL is where an agent sees the record, when the Zendesk address
// is known from the environment.
func recordURL(k kind.Kind, e checkpoint.Entry) string {
	zc, err := zendesk.FromEnv()
	if err != nil || zc.BaseURL == "" {
		return ""
	}
	base := strings.TrimRight(zc.BaseURL, "/")
	switch k {
	case kind.Ticket:
		return base + "/agent/tickets/" + e.ZendeskID
	case kind.User:
		return base + "/agent/users/" + e.ZendeskID
	case kind.Organization:
		return base + "/agent/organizations/" + e.ZendeskID
	}
	return ""
}
