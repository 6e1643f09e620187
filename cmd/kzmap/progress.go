package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// statusLine draws a long command's progress on the stream it writes to.
// On a terminal it is one line redrawn at most five times a second; on
// anything else (a file, a pipe, a CI log) it is plain lines: one when a
// phase ends and one a minute while it runs, never a carriage return.
type statusLine struct {
	w   io.Writer
	tty bool
	now func() time.Time

	mu      sync.Mutex
	last    time.Time // of the last frame (terminal) or line (log)
	onLine  bool      // a frame is on the terminal's last line
	logStep time.Duration
}

// shownLine is the status line on screen, which other lines written to
// its stream (retries) go above.
var shownLine atomic.Pointer[statusLine]

func newStatusLine(w io.Writer, now func() time.Time) *statusLine {
	s := &statusLine{w: w, tty: isTerminal(w), now: now, logStep: time.Minute}
	shownLine.Store(s)
	return s
}

// noteTo prints a line on w, above the status line when one is on w.
func noteTo(w io.Writer, msg string) {
	if s := shownLine.Load(); s != nil && s.w == w {
		s.note(msg)
		return
	}
	fmt.Fprintln(w, msg)
}

// show draws the line as it is now; a log gets it once a minute.
func (s *statusLine) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.tty {
		if now.Sub(s.last) < 200*time.Millisecond && s.onLine {
			return
		}
		fmt.Fprintf(s.w, "\r\x1b[K%s", line)
		s.onLine, s.last = true, now
		return
	}
	if s.last.IsZero() {
		s.last = now // the first line comes a minute in
		return
	}
	if now.Sub(s.last) >= s.logStep {
		fmt.Fprintln(s.w, line)
		s.last = now
	}
}

// done ends a phase with its line, on a terminal and in a log alike.
func (s *statusLine) done(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprintf(s.w, "\r\x1b[K%s\n", line)
	} else {
		fmt.Fprintln(s.w, line)
	}
	s.onLine, s.last = false, s.now()
}

// note prints a line of its own above the progress.
func (s *statusLine) note(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty && s.onLine {
		fmt.Fprint(s.w, "\r\x1b[K")
		s.onLine = false
	}
	fmt.Fprintln(s.w, msg)
}

// clear takes a frame off the terminal, before other output.
func (s *statusLine) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty && s.onLine {
		fmt.Fprint(s.w, "\r\x1b[K")
		s.onLine = false
	}
}

// rate says how fast n things went in el, once there is enough to say it:
// nothing in the first two seconds (no first frames of 700000/s), per
// second when at least one a second, else per minute (never "0/hr").
func rate(n int, el time.Duration, unit string) string {
	if n <= 0 || el < 2*time.Second {
		return ""
	}
	per := float64(n) / el.Seconds()
	if per >= 1 {
		return fmt.Sprintf("%.0f %s/s", per, unit)
	}
	return fmt.Sprintf("%.1f %s/min", per*60, unit)
}

// left is the time the rest takes at the pace so far, once there is a pace.
func left(done, total int, el time.Duration) string {
	if done <= 0 || total <= done || el < 2*time.Second {
		return ""
	}
	return "about " + humanDuration(el*time.Duration(total-done)/time.Duration(done)) + " left"
}

// humanDuration is a duration as a person says it: 45s, 3m10s, 2h05m.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// thousands writes n with separators: 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
