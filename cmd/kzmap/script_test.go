package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(pgMain{m}, map[string]func(){
		"kzmap": func() { os.Exit(run(os.Args)) },
	})
}

// pgMain stops the PostgreSQL cluster the tests started, if they did.
type pgMain struct{ m *testing.M }

func (p pgMain) Run() int { return pgtest.Main(p.m) }

// pgCondition is the script condition [pg]: a PostgreSQL server is
// there (started on first use). In CI its absence is an error, not a
// reason to skip.
func pgCondition(cond string) (bool, error) {
	if cond != "pg" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	_, err := pgtest.Server()
	if err != nil && pgtest.Required() {
		return false, fmt.Errorf("PostgreSQL is needed in CI: %v", err)
	}
	return err == nil, nil
}

// pgCmd is the script command `pg`: it points the scenario at the test
// PostgreSQL server (KZMAP_PG_URL) and a workspace of its own
// (KZMAP_WORKSPACE, also in $WORKSPACE). Scenarios guard it with
// [!pg] skip.
func pgCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: pg")
	}
	u, err := pgtest.Server()
	if err != nil {
		ts.Fatalf("no PostgreSQL server: %v", err)
	}
	ws := pgtest.Workspace()
	ts.Setenv("KZMAP_PG_URL", u)
	ts.Setenv("KZMAP_WORKSPACE", ws)
	ts.Setenv("WORKSPACE", ws)
}

// TestScripts runs the CLI scenarios in testdata/script: whole workflows
// through the real binary entry point.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Condition: pgCondition, Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"zsim":      simCmd,
		"sleep":     sleepCmd,
		"first":     firstCmd,
		"interrupt": interruptCmd,
		"pty":       ptyCmd,
		"pg":        pgCmd,
		"lostbatch": lostBatchCmd,
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

// lostBatchCmd is `lostbatch DIR`: it leaves in DIR's checkpoint what a
// kill between recording a batch and sending it leaves: an organization
// batch in flight, just sent, that Zendesk never saw.
func lostBatchCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: lostbatch DIR")
	}
	s, err := checkpoint.Open(filepath.Join(ts.MkAbs(args[0]), ".kzmap", "checkpoint.db"), checkpoint.Options{})
	ts.Check(err)
	defer s.Close()
	ts.Check(s.BeginBatch(checkpoint.Batch{ID: "blostbatch", Run: checkpoint.NewRunID(), Kind: string(kind.Organization), Op: string(kind.Create),
		Keys: []string{"kz-lost-1"}, ExternalIDs: []string{"kz-lost-1"}, SentAt: time.Now()}))
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
