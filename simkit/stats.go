package simkit

import (
	"bufio"
	"context"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Stats counts the requests a simulator answers. It is safe for concurrent
// use. Besides totals per route and status, it remembers the Retry-After it
// handed to each client and counts the requests that client sent before it
// elapsed: a well-behaved client scores zero.
type Stats struct {
	mu      sync.Mutex
	now     func() time.Time
	total   int64
	resets  int64
	route   map[string]int64
	status  map[int]int64
	early   map[string]int64
	waitTil map[string]time.Time
	refused []string // the first maxRefused 4xx answers but 429: status and route
	// abandoned counts requests whose client stopped sending before the
	// request was whole (killed mid-upload): nothing answered them.
	abandoned int64
}

// maxRefused bounds the refusals Stats names one by one.
const maxRefused = 20

// StatsSnapshot is a point-in-time copy of Stats, ready for encoding/json.
type StatsSnapshot struct {
	Total        int64            `json:"total"`
	ByRoute      map[string]int64 `json:"by_route"`
	ByStatus     map[int]int64    `json:"by_status"`
	TooMany      int64            `json:"too_many"`      // answered 429
	Resets       int64            `json:"resets"`        // connections reset by the fault switch
	EarlyRetries int64            `json:"early_retries"` // requests sent before a Retry-After elapsed
	EarlyByKey   map[string]int64 `json:"early_by_client"`
	Refused      []string         `json:"refused,omitempty"` // the first 20 answers 4xx but 429, as "status route"
	// Abandoned requests are neither answers nor refusals: their client
	// went away before it had sent the whole request (Abandon).
	Abandoned int64 `json:"abandoned"`
}

// NewStats returns empty statistics on the given clock (nil: time.Now).
func NewStats(now func() time.Time) *Stats {
	if now == nil {
		now = time.Now
	}
	return &Stats{
		now:     now,
		route:   map[string]int64{},
		status:  map[int]int64{},
		early:   map[string]int64{},
		waitTil: map[string]time.Time{},
	}
}

// Arrive notes that client key sent a request, and reports whether it came
// before the last Retry-After handed to that client elapsed.
func (s *Stats) Arrive(key string) (early bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, ok := s.waitTil[key]; ok {
		if s.now().Before(until) {
			s.early[key]++
			return true
		}
		delete(s.waitTil, key)
	}
	return false
}

// Record counts one answered request. status 0 means the connection was
// reset without a response. A positive retryAfter is remembered as the
// time before which client key should not come back.
func (s *Stats) Record(key, route string, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	s.route[route]++
	if status == 0 {
		s.resets++
	} else {
		s.status[status]++
	}
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests && len(s.refused) < maxRefused {
		s.refused = append(s.refused, strconv.Itoa(status)+" "+route)
	}
	if retryAfter > 0 {
		until := s.now().Add(retryAfter)
		if until.After(s.waitTil[key]) {
			s.waitTil[key] = until
		}
	}
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() StatsSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := StatsSnapshot{
		Total:      s.total,
		Resets:     s.resets,
		ByRoute:    maps.Clone(s.route),
		ByStatus:   maps.Clone(s.status),
		TooMany:    s.status[http.StatusTooManyRequests],
		EarlyByKey: maps.Clone(s.early),
		Refused:    slices.Clone(s.refused),
		Abandoned:  s.abandoned,
	}
	for _, n := range s.early {
		snap.EarlyRetries += n
	}
	return snap
}

// Reset clears every counter and forgets the Retry-After deadlines.
func (s *Stats) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total, s.resets, s.abandoned = 0, 0, 0
	clear(s.route)
	clear(s.status)
	clear(s.early)
	clear(s.waitTil)
	s.refused = nil
}

// Wrap records every request that passes through next: key names the
// client (nil: the remote host), route names the endpoint (nil: the
// request's ServeMux pattern, else method and path). The status and
// Retry-After header are read from what next writes, so responses made by
// an inner fault switch or rate limiter are counted too; a hijacked
// connection counts as a reset.
func (s *Stats) Wrap(key, route func(*http.Request) string, next http.Handler) http.Handler {
	if key == nil {
		key = func(r *http.Request) string {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				return r.RemoteAddr
			}
			return host
		}
	}
	if route == nil {
		route = func(r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method + " " + r.URL.Path
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := key(r)
		s.Arrive(k)
		rec := &statusRecorder{ResponseWriter: w}
		gone := new(bool)
		r = r.WithContext(context.WithValue(r.Context(), abandonKey{}, gone))
		defer func() {
			// A fault switch without a hijackable connection aborts the
			// handler; that is a reset too.
			if p := recover(); p != nil {
				s.Record(k, route(r), 0, 0)
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
		if *gone {
			s.mu.Lock()
			s.total++
			s.route[route(r)]++
			s.abandoned++
			s.mu.Unlock()
			return
		}
		status := rec.status
		if rec.hijacked {
			status = 0
		} else if status == 0 {
			status = http.StatusOK
		}
		var wait time.Duration
		if v := rec.Header().Get("Retry-After"); v != "" && !rec.hijacked {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				wait = time.Duration(n) * time.Second
			}
		}
		s.Record(k, route(r), status, wait)
	})
}

type abandonKey struct{}

// Abandon tells the Stats wrapping r's handler that the client went away
// before it had sent the whole request (its body ended short, its
// connection dropped): the request is counted as abandoned, not by the
// status of an answer nobody reads. It reports whether a Stats was there
// to tell.
func Abandon(r *http.Request) bool {
	gone, ok := r.Context().Value(abandonKey{}).(*bool)
	if ok {
		*gone = true
	}
	return ok
}

// statusRecorder remembers the status written through it and keeps the
// Hijacker and Flusher of the writer it wraps.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	r.hijacked = true
	return hj.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
