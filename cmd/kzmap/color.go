package main

import (
	"io"
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine/kind"
)

// palette colours what a terminal shows, as Terraform does: errors red,
// hazards yellow, creates green. It is off unless the stream is a terminal,
// and off with --no-color, NO_COLOR (no-color.org) or TERM=dumb.
type palette struct{ on bool }

func colorsFor(c *cli.Context, w io.Writer) palette {
	return palette{on: isTerminal(w) && !c.Bool("no-color") && colorAllowed()}
}

// colorAllowed is the environment's say: NO_COLOR set and not empty
// (no-color.org), or a dumb terminal, turn colour off.
func colorAllowed() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// colorArgs is colorsFor before the flags are parsed (the last error).
func colorArgs(args []string, w io.Writer) palette {
	return palette{on: isTerminal(w) && colorAllowed() && !slices.Contains(args, "--no-color") && !slices.Contains(args, "-no-color")}
}

func (p palette) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) red(s string) string    { return p.paint("31", s) }
func (p palette) yellow(s string) string { return p.paint("33", s) }
func (p palette) green(s string) string  { return p.paint("32", s) }
func (p palette) bold(s string) string   { return p.paint("1", s) }

// action colours an action by what it does to Zendesk.
func (p palette) action(a kind.Action, s string) string {
	switch a {
	case kind.Create, kind.AppendComments:
		return p.green(s)
	case kind.Update:
		return p.yellow(s)
	case kind.Replace, kind.Delete, kind.Unwritable:
		return p.red(s)
	}
	return s
}

// severity colours a hazard's or a diagnostic's severity.
func (p palette) severity(sev, s string) string {
	switch sev {
	case "error":
		return p.red(s)
	case "warning":
		return p.yellow(s)
	}
	return s
}
