package main

import (
	"os"
	"testing"

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
		"zsim": simCmd,
	}})
}
