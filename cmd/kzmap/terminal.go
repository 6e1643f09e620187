package main

import (
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether v, a stream a command reads or writes, is a
// terminal (a real isatty: /dev/null and pipes are not). Progress and
// prompts look at the stream they use.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
