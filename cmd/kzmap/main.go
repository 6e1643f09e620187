// Command kzmap migrates a Kustomer help desk into Zendesk from declarative
// mapping files. main only wires commands; each command parses its flags,
// calls the engine or the dsl, and hands the result to a view.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

// exitCode carries a process exit code through cli's error return; the
// message, if any, has already been printed.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	if path := os.Getenv("KZMAP_HEAPPROFILE"); path != "" {
		// For a run whose memory grows: the heap profile at the
		// highest live heap seen, checked every second.
		go heapProfiles(path, time.Second)
	}
	if path := os.Getenv("KZMAP_CPUPROFILE"); path != "" {
		// For a slow run's report: a CPU profile of the whole command
		// (go tool pprof reads it).
		stop, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kzmap: KZMAP_CPUPROFILE:", err)
			os.Exit(1)
		}
		code := run(os.Args)
		stop()
		os.Exit(code)
	}
	os.Exit(run(os.Args))
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// heapProfiles writes the heap profile to path each time the live heap
// (as of the last collection) is a tenth above what it was at the last
// write: the file left holds what the command kept at its highest.
func heapProfiles(path string, every time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var written uint64
	for range time.Tick(every) {
		metrics.Read(sample)
		live := sample[0].Value.Uint64()
		if live <= written+written/10 {
			continue
		}
		if err := writeHeapProfile(path); err != nil {
			fmt.Fprintln(os.Stderr, "kzmap: KZMAP_HEAPPROFILE:", err)
			return
		}
		written = live
	}
}

func writeHeapProfile(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".heap-*")
	if err != nil {
		return err
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func run(args []string) int { return runWith(args, os.Stdout, os.Stderr) }

// runWith runs kzmap with its output going to stdout and stderr, so tests
// can capture it.
func runWith(args []string, stdout, stderr io.Writer) int {
	return runClock(args, stdout, stderr, time.Now)
}

// runClock is runWith on another machine clock: tests set it a year ahead
// to show that nothing kzmap decides about the data reads it.
func runClock(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	app := newApp()
	app.Writer, app.ErrWriter = stdout, stderr
	app.Metadata = map[string]any{clockKey: now}
	// -chdir changes the process's directory; put it back so that tests
	// running commands in-process stay where they were.
	if wd, err := os.Getwd(); err == nil {
		defer os.Chdir(wd)
	}
	err := app.Run(hoistGlobals(args))
	if err == nil {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "kzmap: interrupted (%v); nothing done is lost: run the command again to go on\n", err)
		return int(interruptedCode)
	}
	fmt.Fprintf(stderr, "%s %v\n", colorArgs(args, stderr).red("kzmap:"), err)
	return 1
}

// globalFlags are the flags of kzmap itself, which users also put after
// the command (kzmap plan -chdir m): true for those that take a value.
var globalFlags = map[string]bool{"chdir": true, "state": true, "backend": true, "workspace": true, "no-color": false}

// hoistGlobals moves the global flags written after the command to before
// it, where the flag parser looks for them: kzmap plan -chdir m is kzmap
// -chdir m plan. Nothing after "--" moves.
func hoistGlobals(args []string) []string {
	if len(args) < 2 {
		return args
	}
	var global, rest []string
	command := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue, isGlobal := globalFlags[name]
		switch {
		case !strings.HasPrefix(a, "-") || !isGlobal:
			command = command || !strings.HasPrefix(a, "-")
			rest = append(rest, a)
		case takesValue && !hasValue && i+1 < len(args):
			global = append(global, a, args[i+1])
			i++
		default:
			global = append(global, a)
		}
	}
	if !command {
		return args
	}
	return append(append([]string{args[0]}, global...), rest...)
}

const clockKey = "clock"

// machineClock is the clock commands read for the times they record (when
// a run started and ended, a batch was sent) and for the simulators they
// start. Data decisions use the servers' clocks (the Date of their
// answers), never this one.
func machineClock(c *cli.Context) func() time.Time {
	if f, ok := c.App.Metadata[clockKey].(func() time.Time); ok {
		return f
	}
	return time.Now
}

func newApp() *cli.App {
	return &cli.App{
		Name:    "kzmap",
		Usage:   "migrate a Kustomer help desk into Zendesk from declarative mapping files",
		Version: Version,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chdir", Usage: "use `DIR` as the mapping directory"},
			&cli.BoolFlag{Name: "no-color", Usage: "no colour, even on a terminal (NO_COLOR=1 does the same)"},
			&cli.StringFlag{Name: "state", Value: defaultStateDir, Usage: "keep the snapshot and the checkpoint in `DIR` (relative to the mapping directory): another workspace for the same mapping"},
			&cli.StringFlag{Name: "backend", Usage: "keep the checkpoint in `BACKEND`: local (a file in the state directory) or pg (PostgreSQL at KZMAP_PG_URL, shared by a team); overrides the mapping's state block (KZMAP_BACKEND does too)"},
			&cli.StringFlag{Name: "workspace", Usage: "the pg backend's workspace `NAME` (the schema kzmap_NAME); overrides the state block (KZMAP_WORKSPACE does too)"},
		},
		Before: func(c *cli.Context) error {
			stateDir = c.String("state")
			if dir := c.String("chdir"); dir != "" {
				if err := os.Chdir(dir); err != nil {
					return fmt.Errorf("-chdir: %w", err)
				}
			}
			return nil
		},
		Commands: []*cli.Command{
			demoCommand(),
			initCommand(),
			fmtCommand(),
			validateCommand(),
			testCommand(),
			simCommand(),
			extractCommand(),
			auditCommand(),
			planCommand(),
			showCommand(),
			applyCommand(),
			verifyCommand(),
			stateCommand(),
			importCommand(),
			syncCommand(),
			cutoverCommand(),
			destroyCommand(),
			versionCommand(),
		},
		HideVersion:          false,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
	}
}
