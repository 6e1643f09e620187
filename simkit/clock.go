package simkit

import (
	"net/http"
	"time"
)

// Anchored returns a simulator's clock: it reads anchor when it is made and
// then advances with machine. A real server's Date header, its rate limit
// windows and its "today" (Kustomer's two-year search window, Zendesk's
// "not in the future") come from one clock; a simulator serving a dataset
// whose "now" is fixed gets that one clock from here, so nothing it answers
// depends on the day the tests run. A zero anchor returns machine itself;
// a nil machine is time.Now.
func Anchored(anchor time.Time, machine func() time.Time) func() time.Time {
	if machine == nil {
		machine = time.Now
	}
	if anchor.IsZero() {
		return machine
	}
	start := machine()
	anchor = anchor.UTC()
	return func() time.Time { return anchor.Add(machine().Sub(start)) }
}

// DateHeader sets every response's Date header from now before next runs,
// so clients read the simulator's clock, not the machine's (net/http only
// fills in Date when the handler left it unset).
func DateHeader(now func() time.Time, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", now().UTC().Format(http.TimeFormat))
		next.ServeHTTP(w, r)
	})
}
