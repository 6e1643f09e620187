package simkit

import (
	"bufio"
	"net"
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

// DateHeader sets every response's Date header from now when the response
// is written, as a real server does: after the request was handled (and
// after any latency the faults add), so a record a response reports as
// updated is never newer than that response's Date. Clients read the
// simulator's clock, not the machine's (net/http only fills in Date when
// the handler left it unset).
func DateHeader(now func() time.Time, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&datedWriter{ResponseWriter: w, now: now}, r)
	})
}

// datedWriter stamps Date on the response's first write.
type datedWriter struct {
	http.ResponseWriter
	now     func() time.Time
	stamped bool
}

func (d *datedWriter) stamp() {
	if !d.stamped {
		d.stamped = true
		d.Header().Set("Date", d.now().UTC().Format(http.TimeFormat))
	}
}

func (d *datedWriter) WriteHeader(code int) {
	d.stamp()
	d.ResponseWriter.WriteHeader(code)
}

func (d *datedWriter) Write(b []byte) (int, error) {
	d.stamp()
	return d.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection through the
// stamp; Flush and Hijack pass through for the faults (resets, slow
// bodies) that assert them.
func (d *datedWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

func (d *datedWriter) Flush() {
	d.stamp()
	if f, ok := d.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (d *datedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := d.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}
