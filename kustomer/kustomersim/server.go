package kustomersim

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kzmap/kzmap/simkit"
)

// Options configure a Server. The zero value is a faithful Enterprise org:
// any bearer token, 1,000 requests and 100 searches per minute, no faults.
type Options struct {
	// APIKey is the bearer token the server accepts. Empty accepts any
	// well-formed "Bearer <token>"; a missing or malformed header is 401
	// either way.
	APIKey string
	// Limit is the org-wide number of requests per window: 0 means 1,000
	// (Enterprise), a negative value means no limit and no rate headers.
	Limit int
	// SearchLimit is the number of searches per window, spent on top of
	// Limit: 0 means 100 (machine users), a negative value means no limit.
	SearchLimit int
	// Window is the length of a rate limit window: 0 means one minute.
	// Tests compress a minute into a second with time.Second.
	Window time.Duration
	// Clock is the machine's clock (nil: time.Now). The server's own
	// clock starts at the manifest's "now" and advances with it from when
	// the server is made (the wall clock itself when the manifest has no
	// "now"): one clock for the Date header, the two-year search window,
	// the rate limit windows, x-ratelimit-reset and the statistics, as on
	// a real server.
	Clock func() time.Time
	// Faults is the fault switch (5xx, resets, latency, 429 bursts); the
	// zero value injects nothing. Its Render hook is replaced so injected
	// errors have Kustomer's error shape.
	Faults simkit.Faults
	// BaseURL is the server's own absolute URL, used for attachment
	// download links (links.related) and to point inline images at this
	// server. Empty means the scheme and Host of each request.
	BaseURL string
	// RetryAfter adds a Retry-After header (whole seconds) to rate limit
	// 429s. Kustomer does not document one, so the default leaves it out.
	RetryAfter bool
}

// Server answers the Kustomer /v1 API over a Dataset. It is an http.Handler.
type Server struct {
	ds      *Dataset
	opts    Options
	now     func() time.Time
	org     *simkit.Window // nil: unlimited
	search  *simkit.Window // nil: unlimited
	stats   *simkit.Stats
	handler http.Handler
	meta    metadataCache
}

const (
	defaultLimit       = 1000
	defaultSearchLimit = 100
	searchWindowDays   = 730
)

// New returns a server for ds.
func New(ds *Dataset, opts Options) *Server {
	s := &Server{ds: ds, opts: opts}
	s.opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	anchor, _ := ds.Now()
	s.now = simkit.Anchored(anchor, opts.Clock)
	limit := func(n, def int) *simkit.Window {
		switch {
		case n < 0:
			return nil
		case n == 0:
			n = def
		}
		return simkit.NewWindow(n, opts.Window, s.now)
	}
	s.org = limit(opts.Limit, defaultLimit)
	s.search = limit(opts.SearchLimit, defaultSearchLimit)
	s.stats = simkit.NewStats(s.now)
	faults := opts.Faults
	faults.Render = renderFault
	s.handler = simkit.DateHeader(s.now, s.recordStats(faults.Wrap(http.HandlerFunc(s.serve))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Stats returns the request statistics so far: totals by route and status,
// 429s (rate limits and fault bursts), resets, and requests a client sent
// before the rate limit window it was refused in had reset.
func (s *Server) Stats() simkit.StatsSnapshot { return s.stats.Snapshot() }

// ResetStats clears the statistics.
func (s *Server) ResetStats() { s.stats.Reset() }

// Dataset returns the dataset the server answers from.
func (s *Server) Dataset() *Dataset { return s.ds }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeError(w, notFound("no such endpoint: "+r.Method+" "+r.URL.Path+"; the API lives under /v1"))
		return
	}
	if err := s.authorize(r); err != nil {
		s.peekRateHeaders(w)
		writeError(w, err)
		return
	}
	rt, args := match(r.Method, r.URL.Path)
	if rt == nil {
		if !s.admit(w, r, false) {
			return
		}
		writeError(w, notFound("no such endpoint: "+r.Method+" "+r.URL.Path))
		return
	}
	if sw, ok := w.(*statsWriter); ok {
		sw.route = rt.name
	}
	if !s.admit(w, r, rt.search) {
		return
	}
	rq := &request{s: s, w: w, r: r, args: args, q: r.URL.Query()}
	if err := rt.h(rq); err != nil {
		writeError(w, err)
	}
}

func (s *Server) authorize(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &apiError{http.StatusUnauthorized, "unauthorized", "missing Authorization header; send \"Authorization: Bearer <API key>\""}
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" || strings.ContainsAny(token, " \t") {
		return &apiError{http.StatusUnauthorized, "unauthorized", "malformed Authorization header; send \"Authorization: Bearer <API key>\" with a single space"}
	}
	if s.opts.APIKey != "" && token != s.opts.APIKey {
		return &apiError{http.StatusUnauthorized, "unauthorized", "invalid auth token"}
	}
	return nil
}

func setRateHeaders(h http.Header, limit, remaining int, reset time.Time) {
	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset", strconv.FormatInt(resetSeconds(reset), 10))
}

// resetSeconds rounds a reset time up to whole Unix seconds, so a client
// that waits until the header's second is never early.
func resetSeconds(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// peekRateHeaders reports the org window on responses that do not spend
// from it (401).
func (s *Server) peekRateHeaders(w http.ResponseWriter) {
	if s.org == nil {
		return
	}
	rem, reset := s.org.Peek()
	setRateHeaders(w.Header(), s.org.Limit(), rem, reset)
}

// admit spends a request from the org window and, for searches, from the
// search window too. The headers describe the search window on searches
// (the tighter one) and the org window otherwise. Over a limit it writes
// the 429 and returns false.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, search bool) bool {
	h := w.Header()
	if s.org != nil {
		ok, rem, reset := s.org.Take()
		setRateHeaders(h, s.org.Limit(), rem, reset)
		if !ok {
			s.refuse(w, reset, "rate limit exceeded: the org allows "+strconv.Itoa(s.org.Limit())+" requests per "+windowName(s.org.Length())+"; wait until x-ratelimit-reset")
			return false
		}
	}
	if search && s.search != nil {
		ok, rem, reset := s.search.Take()
		setRateHeaders(h, s.search.Limit(), rem, reset)
		if !ok {
			s.refuse(w, reset, "search rate limit exceeded: API keys may search "+strconv.Itoa(s.search.Limit())+" times per "+windowName(s.search.Length())+"; wait until x-ratelimit-reset")
			return false
		}
	}
	return true
}

func windowName(d time.Duration) string {
	if d == time.Minute {
		return "minute"
	}
	return d.String()
}

func (s *Server) refuse(w http.ResponseWriter, reset time.Time, msg string) {
	wait := reset.Sub(s.now())
	if s.opts.RetryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(simkit.RetryAfterSeconds(wait)))
	}
	if sw, ok := w.(*statsWriter); ok {
		sw.wait = wait
	}
	writeError(w, &apiError{http.StatusTooManyRequests, "too_many_requests", msg})
}

// baseURL is the absolute URL clients reach this server at.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// recordStats counts every request into s.stats. simkit.Stats.Wrap learns a
// client's wait only from Retry-After, which Kustomer does not send, so the
// 429 path tells the statsWriter the window's reset instead.
func (s *Server) recordStats(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			key = host
		}
		s.stats.Arrive(key)
		sw := &statsWriter{ResponseWriter: w, route: r.Method + " (unrouted)"}
		defer func() {
			if p := recover(); p != nil {
				s.stats.Record(key, sw.route, 0, 0)
				panic(p)
			}
		}()
		next.ServeHTTP(sw, r)
		status := sw.status
		switch {
		case sw.hijacked:
			status = 0
		case status == 0:
			status = http.StatusOK
		}
		wait := sw.wait
		if v := sw.Header().Get("Retry-After"); v != "" && wait <= 0 {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				wait = time.Duration(n) * time.Second
			}
		}
		s.stats.Record(key, sw.route, status, wait)
	})
}

type statsWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
	route    string
	wait     time.Duration
}

func (w *statsWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statsWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statsWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statsWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	w.hijacked = true
	return hj.Hijack()
}

func (w *statsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// request is one routed request.
type request struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	args []string // the path's wildcard segments, in order
	q    url.Values
	kb   *kbQuery // what article versions to populate; nil outside the knowledge base
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 {
		bufPool.Put(b)
	}
}

func (rq *request) writeJSON(b *bytes.Buffer) {
	h := rq.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	rq.w.WriteHeader(http.StatusOK)
	rq.w.Write(b.Bytes())
}
