package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kzmap": func() { os.Exit(run(os.Args)) },
	})
}

// TestScripts runs the CLI scenarios in testdata/script: whole workflows
// through the real binary entry point.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"zsim":      simCmd,
		"sleep":     sleepCmd,
		"first":     firstCmd,
		"interrupt": interruptCmd,
		"pty":       ptyCmd,
	}})
}

// firstCmd is `first DIR FILTER`: it sets $ADDR and $ZID to the address
// and Zendesk id of the first record of DIR's checkpoint that FILTER (a
// kind or block) matches, for scenarios that name one record.
func firstCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: first DIR FILTER")
	}
	s, err := checkpoint.Open(filepath.Join(ts.MkAbs(args[0]), ".kzmap", "checkpoint.db"), checkpoint.Options{ReadOnly: true})
	ts.Check(err)
	defer s.Close()
	for _, k := range kind.All {
		done := errors.New("done")
		err := s.ForEach(string(k), func(key string, e checkpoint.Entry) error {
			if a := address(k, key); matches(a, k, []string{args[1]}) {
				ts.Setenv("ADDR", a)
				ts.Setenv("ZID", e.ZendeskID)
				return done
			}
			return nil
		})
		if errors.Is(err, done) {
			return
		}
		ts.Check(err)
	}
	ts.Fatalf("no record matches %s", args[1])
}

// sleepCmd is `sleep DURATION`: to let a background command get going
// before it is killed.
func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}
