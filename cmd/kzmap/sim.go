package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "serve the Kustomer and Zendesk simulators on loopback, to rehearse a migration",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Usage: "serve the Kustomer export `DIR`"},
			&cli.StringFlag{Name: "profile", Value: "small", Usage: "without --dataset, generate a dataset of this `PROFILE` (small, edge, large)"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "generator seed"},
			&cli.DurationFlag{Name: "window", Value: time.Minute, Usage: "length of a rate limit window (compress it to rehearse faster)"},
			&cli.IntFlag{Name: "kustomer-limit", Value: 1000, Usage: "Kustomer requests per window"},
			&cli.IntFlag{Name: "kustomer-search-limit", Value: 100, Usage: "Kustomer searches per window"},
			&cli.IntFlag{Name: "zendesk-limit", Value: 400, Usage: "Zendesk requests per window"},
			&cli.StringFlag{Name: "zendesk-plan", Value: "professional", Usage: "Zendesk plan tier for custom object limits"},
			&cli.BoolFlag{Name: "bulk-imports", Value: true, Usage: "Zendesk bulk user imports enabled"},
			&cli.StringFlag{Name: "faults", Usage: "fault `SPEC` for both servers, e.g. 5xx=0.02,reset=0.01,429burst=0.01,jobfail=0.01,seed=7"},
			&cli.StringFlag{Name: "kustomer-listen", Value: "127.0.0.1:0", Usage: "Kustomer simulator `ADDR`"},
			&cli.StringFlag{Name: "zendesk-listen", Value: "127.0.0.1:0", Usage: "Zendesk simulator `ADDR`"},
			&cli.StringFlag{Name: "zendesk-dump", Usage: "write the Zendesk state as JSON to `FILE` on exit"},
			&cli.BoolFlag{Name: "print-env", Usage: "print only the export lines (for eval)"},
		},
		Subcommands: []*cli.Command{simGenerateCommand()},
		Action:      runSim,
	}
}

func simGenerateCommand() *cli.Command {
	return &cli.Command{
		Name:  "generate",
		Usage: "write a Kustomer export directory with realistic data and every ugly case",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Value: "small", Usage: "small, edge or large"},
			&cli.Int64Flag{Name: "seed", Value: 1},
			&cli.StringFlag{Name: "out", Required: true, Usage: "the directory to write (must not exist or be empty)"},
			&cli.IntFlag{Name: "customers", Usage: "number of customers (default: the profile's)"},
		},
		Action: func(c *cli.Context) error {
			s, err := dataset.Generate(c.Context, dataset.Options{Profile: c.String("profile"), Seed: c.Int64("seed"), Customers: c.Int("customers")}, c.String("out"))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %s: %d customers", c.String("out"), s.Customers)
			for _, t := range dataset.Types() {
				fmt.Fprintf(c.App.Writer, ", %d %s", s.Counts[t], t)
			}
			fmt.Fprintf(c.App.Writer, " (%d files, %.1f MB)\n", s.Files, float64(s.Bytes)/1e6)
			return nil
		},
	}
}

func randomSecret(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func runSim(c *cli.Context) error {
	dir := c.String("dataset")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kzmap-sim-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "export")
		if _, err := dataset.Generate(c.Context, dataset.Options{Profile: c.String("profile"), Seed: c.Int64("seed")}, dir); err != nil {
			return err
		}
	}
	ds, err := kustomersim.Load(dir)
	if err != nil {
		return err
	}
	var faults simkit.Faults
	if spec := c.String("faults"); spec != "" {
		if faults, err = simkit.ParseFaults(spec); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
	}
	kl, err := net.Listen("tcp", c.String("kustomer-listen"))
	if err != nil {
		return err
	}
	zl, err := net.Listen("tcp", c.String("zendesk-listen"))
	if err != nil {
		kl.Close()
		return err
	}
	kURL, zURL := "http://"+kl.Addr().String(), "http://"+zl.Addr().String()
	env := simEnv{Window: c.Duration("window"), KustomerURL: kURL, KustomerKey: randomSecret("kzsim-k-"), ZendeskURL: zURL,
		ZendeskEmail: "admin@zendesk-sim.example", ZendeskToken: randomSecret("kzsim-z-")}
	ksrv := kustomersim.New(ds, kustomersim.Options{APIKey: env.KustomerKey, Limit: c.Int("kustomer-limit"),
		SearchLimit: c.Int("kustomer-search-limit"), Window: c.Duration("window"), Faults: faults, BaseURL: kURL, Clock: machineClock(c)})
	zsrv := zendesksim.New(zendesksim.Options{Email: env.ZendeskEmail, Token: env.ZendeskToken, Limit: c.Int("zendesk-limit"),
		Window: c.Duration("window"), Faults: faults, BulkImportEnabled: c.Bool("bulk-imports"),
		PlanTier: zendesksim.PlanTier(c.String("zendesk-plan")), BaseURL: zURL, Now: simClock(ds, machineClock(c))})
	servers := []*http.Server{{Handler: ksrv}, {Handler: zsrv}}
	go servers[0].Serve(kl)
	go servers[1].Serve(zl)

	if !c.Bool("print-env") {
		fmt.Fprintf(c.App.ErrWriter, "Kustomer simulator on %s (dataset %s), Zendesk simulator on %s. Ctrl-C to stop.\n", kURL, dir, zURL)
	}
	env.write(c.App.Writer)

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		s.Shutdown(sctx)
	}
	if path := c.String("zendesk-dump"); path != "" {
		b, err := json.MarshalIndent(zsrv.Dump(), "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	return ctx.Err()
}

type simEnv struct {
	Window                                                           time.Duration
	KustomerURL, KustomerKey, ZendeskURL, ZendeskEmail, ZendeskToken string
}

func (e simEnv) write(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "export KUSTOMER_BASE_URL=%s\nexport KUSTOMER_API_KEY=%s\nexport ZENDESK_BASE_URL=%s\nexport ZENDESK_EMAIL=%s\nexport ZENDESK_API_TOKEN=%s\n",
		e.KustomerURL, e.KustomerKey, e.ZendeskURL, e.ZendeskEmail, e.ZendeskToken)
	if e.Window != time.Minute {
		fmt.Fprintf(w, "export KZMAP_RATE_WINDOW=%s\n", e.Window)
	}
}

// simClock is the Zendesk simulator's clock in a rehearsal: the dataset's
// "now", advancing with the machine's clock, as the Kustomer simulator's
// is, so both servers tell one time whatever day it is.
func simClock(ds *kustomersim.Dataset, machine func() time.Time) func() time.Time {
	anchor, _ := ds.Now()
	return simkit.Anchored(anchor, machine)
}
