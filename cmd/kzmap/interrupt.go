package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"
)

// interruptedCode is the exit status of a command stopped by Ctrl-C or
// SIGTERM, as shells report a process killed by SIGINT (128+2).
const interruptedCode = exitCode(130)

// interrupter turns the first Ctrl-C into a cancelled context, and says at
// once what the command is waiting for; the second stops the process
// without waiting. What is left half done then is what a kill leaves: the
// checkpoint and the snapshot are written so that the next run recovers it
// (batches in flight, pages being read).
type interrupter struct {
	w      io.Writer
	cancel context.CancelFunc
	sigs   chan os.Signal

	mu       sync.Mutex
	inFlight func() int // batches in flight, while an apply runs
	waiting  string     // what the first Ctrl-C waits for, by default
	hint     string     // what the next run does with what is left
	count    int
}

type interrupterKey struct{}

// interruptible is the context a command that writes runs in. Commands
// that run others (sync, cutover run apply) share one interrupter, so one
// key press is one interrupt; stop releases the signals.
func interruptible(c *cli.Context, waiting, hint string) (context.Context, func()) {
	if in, ok := c.Context.Value(interrupterKey{}).(*interrupter); ok {
		in.say(waiting, hint)
		return c.Context, func() {}
	}
	ctx, cancel := context.WithCancel(c.Context)
	in := &interrupter{w: c.App.ErrWriter, cancel: cancel, sigs: make(chan os.Signal, 2), waiting: waiting, hint: hint}
	ctx = context.WithValue(ctx, interrupterKey{}, in)
	signal.Notify(in.sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go in.listen(done)
	return ctx, func() {
		signal.Stop(in.sigs)
		close(done)
		cancel()
	}
}

// interrupterOf is the command's interrupter, nil outside interruptible.
func interrupterOf(ctx context.Context) *interrupter {
	in, _ := ctx.Value(interrupterKey{}).(*interrupter)
	return in
}

// say sets what the next interrupt reports.
func (in *interrupter) say(waiting, hint string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.waiting, in.hint = waiting, hint
}

// watch makes the first interrupt count the batches in flight; nil stops.
func (in *interrupter) watch(inFlight func() int) {
	if in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.inFlight = inFlight
}

// interrupted reports whether a Ctrl-C came.
func (in *interrupter) interrupted() bool {
	if in == nil {
		return false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.count > 0
}

func (in *interrupter) listen(done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-in.sigs:
			in.interrupt()
		}
	}
}

func (in *interrupter) interrupt() {
	in.mu.Lock()
	in.count++
	n, waiting, hint := -1, in.waiting, in.hint
	if in.inFlight != nil {
		n = in.inFlight()
	}
	first := in.count == 1
	in.mu.Unlock()
	if n >= 0 {
		waiting = plural(n, "batch") + " in flight"
	}
	if first {
		in.cancel()
		fmt.Fprintf(in.w, "\nstopping: %s; press Ctrl-C again to stop without waiting (%s)\n", waiting, hint)
		return
	}
	fmt.Fprintf(in.w, "\nstopped without waiting (%s)\n", hint)
	os.Exit(int(interruptedCode))
}
