package simkit

import (
	"sync"
	"time"
)

// Window is a fixed-window rate limiter: at most limit requests in each
// window of the given length. Windows are aligned to multiples of length
// since the zero time (for a minute: on the minute), as Zendesk's
// per-minute limits are, so ratelimit-reset counts down to a clock
// boundary. The clock is injected so tests can compress a minute into a
// second, or stop time altogether.
type Window struct {
	mu     sync.Mutex
	limit  int
	length time.Duration
	now    func() time.Time
	start  time.Time
	used   int
}

// NewWindow returns a limiter of limit requests per length. A nil now uses
// time.Now; a length of zero or less means one minute.
func NewWindow(limit int, length time.Duration, now func() time.Time) *Window {
	if now == nil {
		now = time.Now
	}
	if length <= 0 {
		length = time.Minute
	}
	return &Window{limit: limit, length: length, now: now}
}

// Take spends one request. It reports whether the request fits, how many
// remain in the current window after it, and when the window resets.
// A refused request spends nothing.
func (w *Window) Take() (ok bool, remaining int, reset time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	reset = w.start.Add(w.length)
	if w.used >= w.limit {
		return false, 0, reset
	}
	w.used++
	return true, w.limit - w.used, reset
}

// Peek reports what Take would, without spending anything.
func (w *Window) Peek() (remaining int, reset time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	return max(w.limit-w.used, 0), w.start.Add(w.length)
}

// Limit is the number of requests allowed per window.
func (w *Window) Limit() int { return w.limit }

// Length is the window length.
func (w *Window) Length() time.Duration { return w.length }

func (w *Window) roll() {
	start := w.now().Truncate(w.length)
	if !start.Equal(w.start) {
		w.start, w.used = start, 0
	}
}
