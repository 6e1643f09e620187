package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "run a whole migration on this machine: generated Kustomer data, both simulators, init → verify",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Value: "small", Usage: "dataset profile: small, edge or large"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "dataset seed"},
			&cli.StringFlag{Name: "keep", Usage: "keep the mapping directory and data in `DIR` (default: a temporary directory, removed)"},
		},
		Action: runDemo,
	}
}

// demoStep is one command of the consultant's workflow, run in-process.
type demoStep struct {
	name string
	args []string
	// show picks the lines of the command's output worth printing.
	show func(out string) []string
	// optional steps are skipped when the command does not exist.
	optional bool
}

func runDemo(c *cli.Context) error {
	start := time.Now()
	w := c.App.Writer
	root := c.String("keep")
	if root == "" {
		tmp, err := os.MkdirTemp("", "kzmap-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	} else if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	export := filepath.Join(root, "kustomer-export")
	mapping := filepath.Join(root, "acme")
	fmt.Fprintln(w, "kzmap demo: a whole Kustomer → Zendesk migration against simulators on this machine.")
	fmt.Fprintln(w)

	t0 := time.Now()
	if _, err := os.Stat(filepath.Join(export, "manifest.json")); err != nil {
		os.RemoveAll(export)
		sum, err := dataset.Generate(c.Context, dataset.Options{Profile: c.String("profile"), Seed: c.Int64("seed")}, export)
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		fmt.Fprintf(w, "  generate   %d customers, %d conversations, %d messages, %d notes, %d Klasses, %d attachments (%s)\n",
			sum.Customers, sum.Counts["conversation"], sum.Counts["message"], sum.Counts["note"], sum.Counts["klass"], sum.Counts["attachment"], since(t0))
	}

	ds, err := kustomersim.Load(export)
	if err != nil {
		return err
	}
	env := simEnv{Window: time.Second, KustomerKey: randomSecret("kzdemo-k-"), ZendeskEmail: "admin@zendesk-demo.example", ZendeskToken: randomSecret("kzdemo-z-")}
	kl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	zl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		kl.Close()
		return err
	}
	env.KustomerURL, env.ZendeskURL = "http://"+kl.Addr().String(), "http://"+zl.Addr().String()
	// A rate limit "minute" lasts a second here, so the demo runs at 60×.
	ksrv := kustomersim.New(ds, kustomersim.Options{APIKey: env.KustomerKey, Limit: 1000, SearchLimit: 100, Window: env.Window, BaseURL: env.KustomerURL, Clock: machineClock(c)})
	zsrv := zendesksim.New(zendesksim.Options{Email: env.ZendeskEmail, Token: env.ZendeskToken, Limit: 700, Window: env.Window,
		BulkImportEnabled: true, PlanTier: zendesksim.PlanEnterprise, BaseURL: env.ZendeskURL, Now: simClock(ds, machineClock(c))})
	servers := []*http.Server{{Handler: ksrv}, {Handler: zsrv}}
	go servers[0].Serve(kl)
	go servers[1].Serve(zl)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range servers {
			s.Shutdown(ctx)
		}
	}()
	fmt.Fprintf(w, "  simulators Kustomer on %s, Zendesk on %s (a rate-limit minute lasts 1s)\n", env.KustomerURL, env.ZendeskURL)
	restore := setEnv(map[string]string{
		"KUSTOMER_BASE_URL": env.KustomerURL, "KUSTOMER_API_KEY": env.KustomerKey,
		"ZENDESK_BASE_URL": env.ZendeskURL, "ZENDESK_EMAIL": env.ZendeskEmail, "ZENDESK_API_TOKEN": env.ZendeskToken,
		"ZENDESK_SUBDOMAIN": "", "KZMAP_RATE_WINDOW": env.Window.String(),
		// The demo's checkpoint is a file it starts afresh, whatever the
		// team's backend is.
		"KZMAP_BACKEND": "local",
	})
	defer restore()

	// The Zendesk simulator starts empty every time, so a kept directory's
	// checkpoint would describe an account that no longer exists.
	if err := os.RemoveAll(filepath.Join(mapping, stateDir, "checkpoint.db")); err != nil {
		return err
	}
	os.Remove(filepath.Join(mapping, stateDir, "checkpoint.db.lock"))

	app := newApp()
	has := func(name string) bool { return app.Command(name) != nil }
	source := []string{"--from-export", export}
	if has("extract") {
		source = nil
	}
	lines := func(prefixes ...string) func(string) []string {
		return func(out string) []string {
			var keep []string
			for _, l := range strings.Split(out, "\n") {
				for _, p := range prefixes {
					if strings.HasPrefix(strings.TrimSpace(l), p) {
						keep = append(keep, strings.TrimSpace(l))
						break
					}
				}
			}
			return keep
		}
	}
	steps := []demoStep{
		{name: "init", args: []string{"init", "--force", "--template", "default", mapping}, show: func(string) []string {
			return []string{"mapping directory " + mapping + " from the default template"}
		}},
		{name: "validate", args: []string{"-chdir", mapping, "validate"}, show: lines("The mapping")},
		{name: "test", args: []string{"-chdir", mapping, "test"}, show: lines("mapping tests:")},
		{name: "extract", args: []string{"-chdir", mapping, "extract"}, optional: true, show: lines("Extracted", "extracted", "Requests", "requests")},
		{name: "audit", args: []string{"-chdir", mapping, "audit"}, optional: true, show: lines("Customers", "customers", "Conversations", "conversations", "Attachments", "attachments")},
		{name: "plan", args: append([]string{"-chdir", mapping, "plan", "-out", "plan.kzplan"}, source...), show: lines("Plan:", "No changes", "Estimate:", "error ", "warning ")},
		{name: "apply", args: append([]string{"-chdir", mapping, "apply"}, append(source, "plan.kzplan")...), show: lines("organization", "user ", "user_field", "group", "ticket", "custom_object", "hc_article", "hc_translation", "records went")},
		{name: "verify", args: append([]string{"-chdir", mapping, "verify", "--report", "verify.html"}, source...), optional: true, show: lines("Verified", "verified", "difference", "Differences", "No differences")},
		{name: "plan", args: append([]string{"-chdir", mapping, "plan", "-refresh", "-detailed-exitcode"}, source...), show: lines("Plan:", "No changes", "Refresh:", "Zendesk holds", "no longer in", "changed in")},
	}
	for _, st := range steps {
		if st.optional && !has(st.args[len(st.args)-1]) && !has(stepCommand(st.args)) {
			fmt.Fprintf(w, "  %-10s (not in this build)\n", st.name)
			continue
		}
		t0 := time.Now()
		var out bytes.Buffer
		code := runClock(append([]string{"kzmap"}, st.args...), &out, &out, machineClock(c))
		shown := st.show(out.String())
		if len(shown) == 0 {
			shown = []string{"done"}
		}
		fmt.Fprintf(w, "  %-10s %s (%s)\n", st.name, shown[0], since(t0))
		for _, l := range shown[1:] {
			fmt.Fprintf(w, "  %-10s %s\n", "", l)
		}
		if code != 0 {
			fmt.Fprintf(w, "\nThe %s step failed (exit %d):\n%s", st.name, code, indent(out.String()))
			return exitCode(1)
		}
	}
	fmt.Fprintf(w, "\nDone in %s. The migration landed and a second plan shows no changes.\n", since(start))
	if c.String("keep") != "" {
		fmt.Fprintf(w, "Look next: %s (mapping files), %s/verify.html (report), `kzmap -chdir %s state list`.\n", mapping, mapping, mapping)
		fmt.Fprintf(w, "To go on by hand: eval \"$(kzmap sim --dataset %s --print-env)\" in another shell, then kzmap commands in %s.\n", export, mapping)
	} else {
		fmt.Fprintln(w, "Run `kzmap demo --keep DIR` to keep the mapping directory, the data and the verify report.")
	}
	return nil
}

func stepCommand(args []string) string {
	for i := 0; i < len(args); i++ {
		if args[i] == "-chdir" {
			i++
			continue
		}
		return args[i]
	}
	return ""
}

func since(t time.Time) string {
	return time.Since(t).Round(10 * time.Millisecond).String()
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	return b.String()
}

// setEnv sets variables for the demo's in-process commands and returns a
// function that restores them.
func setEnv(vars map[string]string) func() {
	old := map[string]*string{}
	for k, v := range vars {
		if prev, ok := os.LookupEnv(k); ok {
			old[k] = &prev
		} else {
			old[k] = nil
		}
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
	}
	return func() {
		for k, v := range old {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}
}
