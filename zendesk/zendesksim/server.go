package zendesksim

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kzmap/kzmap/simkit"
)

// PlanTier names a Zendesk plan for the limits that depend on it (custom
// objects per account, lookup fields per object).
type PlanTier string

// Plan tiers. The empty tier means PlanEnterprise.
const (
	PlanTeam           PlanTier = "team"
	PlanGrowth         PlanTier = "growth"
	PlanProfessional   PlanTier = "professional"
	PlanEnterprise     PlanTier = "enterprise"
	PlanEnterprisePlus PlanTier = "enterprise_plus"
)

// objectLimit is the number of custom objects an account may have [CO-INTRO].
func (p PlanTier) objectLimit() int {
	switch p {
	case PlanTeam:
		return 3
	case PlanGrowth:
		return 5
	case PlanProfessional:
		return 30
	default:
		return 50
	}
}

// lookupLimit is the number of lookup fields per custom object [CO-INTRO].
func (p PlanTier) lookupLimit() int {
	if p == PlanTeam || p == PlanGrowth {
		return 5
	}
	return 10
}

// Options configure a Server. Email and Token are required; every other
// zero value means the documented default.
type Options struct {
	// Email and Token are the only accepted credentials, sent as basic
	// auth "email/token:TOKEN". The account owner (an admin) has Email.
	Email, Token string

	// Limit is the account's requests per Window: 200 Team, 400
	// Growth/Professional, 700 Enterprise (the default), 2500 High Volume.
	Limit int
	// Window is the length of a rate limit "minute"; tests compress it to
	// a second. Every per-minute and per-10-minutes limit scales with it.
	Window time.Duration
	// HighVolume raises the tickets-update account limit from 100 to 300
	// per minute, as the High Volume add-on does.
	HighVolume bool

	// Faults is the fault switch. Its Render hook is replaced so that
	// fault responses carry Zendesk's shapes and rate limit headers.
	Faults simkit.Faults

	// Now is the clock (default time.Now). The Date header, rate limit
	// windows, upload and job expiry, comment timestamps and job progress
	// all read it. A rehearsal over a dataset whose "now" is fixed anchors
	// it there (simkit.Anchored), as the Kustomer simulator does.
	Now func() time.Time

	// BulkImportEnabled allows users/create_many and
	// users/create_or_update_many; off, they answer 403 as Zendesk does
	// until support enables data imports on the account.
	BulkImportEnabled bool

	// PlanTier sets the custom object limits (default PlanEnterprise).
	PlanTier PlanTier

	// NoStandardTriggers turns off the standard triggers (notification
	// emails on updates), as an admin may before a migration.
	NoStandardTriggers bool
	// CloseSolvedAfter is the standard automation's delay before a solved
	// ticket is closed (default 4 days; negative: never). Automations run
	// once an hour of the server's clock.
	CloseSolvedAfter time.Duration

	// JobDelay is how long a job stays queued and then working before it
	// completes. Zero completes a job at the next request.
	JobDelay time.Duration
	// JobTTL is how long a job status can be read after the job was
	// created; later it is 404. Default one day (current docs).
	JobTTL time.Duration
	// UploadTTL is how long an upload token lives (default 60 minutes).
	UploadTTL time.Duration
	// MaxUploadSize caps one uploaded file (default 50 MB).
	MaxUploadSize int64
	// IdempotencyTTL is how long an Idempotency-Key is remembered on
	// ticket creation (default two hours).
	IdempotencyTTL time.Duration

	// BaseURL prefixes the url fields of objects (a trailing slash is
	// dropped); empty means "http://" + the request's Host.
	BaseURL string

	// ValidateRequests, when set, checks every JSON request body against
	// the OpenAPI file and answers 400 when it does not match. The file
	// describes the Support API only: Help Center requests are not
	// checked.
	ValidateRequests *Spec

	// HelpCenterLocales are the locales the Help Center has enabled
	// (default DefaultHelpCenterLocales: en-us, es, de), and
	// HelpCenterDefaultLocale its default one (default en-us, enabled
	// with the others).
	HelpCenterLocales       []string
	HelpCenterDefaultLocale string
	// HelpCenterLimit is the Help Center's requests per Window. It is a
	// budget of its own: "The Help Center API follows the Support API's
	// requests-per-minute limits … Requests in one API don't count
	// against the rate limit of the other API" [HC-INTRO]. Default Limit.
	HelpCenterLimit int
	// MaxArticleAttachmentSize caps one article attachment (default
	// 20 MB [HC-ATT-DOC]).
	MaxArticleAttachmentSize int64
}

// Server is a simulated Zendesk Support account. It is safe for
// concurrent use.
type Server struct {
	opts    Options
	now     func() time.Time
	handler http.Handler
	mux     *http.ServeMux
	stats   *simkit.Stats
	faults  simkit.Faults
	limit   *simkit.Window
	hcLimit *simkit.Window // the Help Center's own

	mu sync.Mutex // guards everything below and all of st
	st *store
	// endpoint limit windows by "name|key"
	endpoint map[string]*simkit.Window
}

// maxJSONBody caps a JSON request body (inferred: Zendesk's own cap was
// not found; this only protects the simulator).
const maxJSONBody = 64 << 20

// New returns a server for opts. It panics when Email or Token is empty:
// a simulator that accepts anything would hide authentication bugs.
func New(opts Options) *Server {
	if opts.Email == "" || opts.Token == "" {
		panic("zendesksim: Options.Email and Options.Token are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Limit <= 0 {
		opts.Limit = 700
	}
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.PlanTier == "" {
		opts.PlanTier = PlanEnterprise
	}
	if opts.JobTTL <= 0 {
		opts.JobTTL = 24 * time.Hour
	}
	if opts.UploadTTL <= 0 {
		opts.UploadTTL = 60 * time.Minute
	}
	if opts.MaxUploadSize <= 0 {
		opts.MaxUploadSize = 50 << 20
	}
	if opts.IdempotencyTTL <= 0 {
		opts.IdempotencyTTL = 2 * time.Hour
	}
	if opts.HelpCenterLimit <= 0 {
		opts.HelpCenterLimit = opts.Limit
	}
	if opts.MaxArticleAttachmentSize <= 0 {
		opts.MaxArticleAttachmentSize = DefaultMaxArticleAttachmentSize
	}
	// "https://x/" would make every url field, content_url and html_url
	// included, "https://x//…".
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Server{
		opts:     opts,
		now:      func() time.Time { return opts.Now().UTC() },
		mux:      http.NewServeMux(),
		endpoint: map[string]*simkit.Window{},
	}
	s.stats = simkit.NewStats(s.now)
	s.limit = simkit.NewWindow(opts.Limit, opts.Window, s.now)
	s.hcLimit = simkit.NewWindow(opts.HelpCenterLimit, opts.Window, s.now)
	s.st = newStore(opts.Email, s.now())
	s.st.hc = newHelpCenter(s.st, opts, s.now())
	s.routes()
	s.faults = opts.Faults
	s.faults.Render = s.renderFault
	inner := s.stats.Wrap(statsKey, s.routeName, s.faults.Wrap(http.HandlerFunc(s.serve)))
	s.handler = simkit.DateHeader(s.now, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Zendesk accepts a .json suffix on every API path; a public
		// page's file name keeps its own.
		if strings.HasSuffix(r.URL.Path, ".json") && !isPublicPage(r.URL.Path) {
			r2 := *r
			u := *r.URL
			u.Path = strings.TrimSuffix(u.Path, ".json")
			u.RawPath = ""
			r2.URL = &u
			r = &r2
		}
		inner.ServeHTTP(w, withPathLocale(r))
	}))
	return s
}

// ServeHTTP serves the Zendesk API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Stats returns the request statistics: totals per route and status, 429s,
// and requests sent before a Retry-After elapsed, per client email.
func (s *Server) Stats() simkit.StatsSnapshot { return s.stats.Snapshot() }

// ResetStats clears the request statistics.
func (s *Server) ResetStats() { s.stats.Reset() }

// Dump returns the whole account after advancing jobs to the current time.
func (s *Server) Dump() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.now())
	return s.st.dump()
}

// clientKey names the client for statistics: the basic auth email, which
// is not a secret, never the token.
func clientKey(r *http.Request) string {
	user, _, ok := r.BasicAuth()
	if !ok {
		return "anonymous"
	}
	return strings.TrimSuffix(user, "/token")
}

// statsKey is clientKey per rate limit, so that a Retry-After from one
// budget does not count the other's requests as early.
func statsKey(r *http.Request) string {
	if isHelpCenter(r.URL.Path) {
		return clientKey(r) + " (help center)"
	}
	return clientKey(r)
}

// window is the rate limit a request spends: the Help Center's or the
// account's.
func (s *Server) window(r *http.Request) *simkit.Window {
	if isHelpCenter(r.URL.Path) {
		return s.hcLimit
	}
	return s.limit
}

func (s *Server) routeName(r *http.Request) string {
	_, p := s.mux.Handler(r)
	if p == "/" || p == "" {
		return "unknown"
	}
	return p
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return false
	}
	want := s.opts.Email + "/token:" + s.opts.Token
	return subtle.ConstantTimeCompare(got, []byte(want)) == 1
}

// setRateHeaders writes the rate limit headers of win [RL-DOC].
func (s *Server) setRateHeaders(h http.Header, win *simkit.Window, remaining int, reset time.Time) {
	limit := strconv.Itoa(win.Limit())
	rem := strconv.Itoa(remaining)
	h.Set("X-Rate-Limit", limit)
	h.Set("X-Rate-Limit-Remaining", rem)
	h.Set("ratelimit-limit", limit)
	h.Set("ratelimit-remaining", rem)
	h.Set("ratelimit-reset", strconv.Itoa(simkit.RetryAfterSeconds(reset.Sub(s.now()))))
}

// serve is the part behind the fault switch: authentication, the rate
// limit (the Help Center's or the account's), the request body, optional
// OpenAPI validation, routing. The Help Center's public pages need none
// of it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if isPublicPage(r.URL.Path) {
		s.mux.ServeHTTP(w, r)
		return
	}
	win := s.window(r)
	if !s.authorized(r) {
		rem, reset := win.Peek()
		s.setRateHeaders(w.Header(), win, rem, reset)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
		return
	}
	ok, rem, reset := win.Take()
	s.setRateHeaders(w.Header(), win, rem, reset)
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(simkit.RetryAfterSeconds(reset.Sub(s.now()))))
		writeJSON(w, http.StatusTooManyRequests, tooManyRequests("Too many requests"))
		return
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "POST /api/v2/uploads" {
		s.mux.ServeHTTP(w, r) // streams its own body
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError("RequestEntityTooLarge", "The request body is too large"))
			return
		}
		if cutShort(r, err) {
			simkit.Abandon(r) // its client went away mid-body, as in serveUpload
			return
		}
		writeJSON(w, http.StatusBadRequest, apiError("BadRequest", "Could not read the request body"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if spec := s.opts.ValidateRequests; spec != nil && len(body) > 0 && !isHelpCenter(r.URL.Path) {
		if err := spec.ValidateRequest(r, body); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError("OpenAPIMismatch", err.Error()))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	s.mux.ServeHTTP(w, r)
}

// renderFault writes the responses of the fault switch: 429s look like the
// rate limiter's, 5xx come as text/plain, as API-level errors may [REQ-DOC].
// A public page's fault is plain text without rate limit headers: those
// pages spend no API budget, and a client pacing on the headers must not
// read the account's budget off them.
func (s *Server) renderFault(w http.ResponseWriter, r *http.Request, status int) {
	if isPublicPage(r.URL.Path) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintln(w, http.StatusText(status))
		return
	}
	win := s.window(r)
	rem, reset := win.Peek()
	s.setRateHeaders(w.Header(), win, rem, reset)
	if status == http.StatusTooManyRequests {
		writeJSON(w, status, tooManyRequests("Too many requests"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, http.StatusText(status))
}

// call is one request as a handler sees it, with the state lock held.
type call struct {
	r    *http.Request
	body []byte
	now  time.Time
	me   *User
	base string
	hdr  http.Header
}

// reply is what a handler answers; v is encoded as JSON unless nil.
type reply struct {
	status int
	v      any
}

type handlerFunc func(c *call) reply

// handle adapts a handler: it takes the state lock, advances jobs to now,
// runs h, and encodes the reply before releasing the lock so the encoder
// never reads state another request is changing.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := s.opts.BaseURL
		if base == "" {
			base = "http://" + r.Host
		}
		c := &call{r: r, base: base, hdr: w.Header()}
		if r.Body != nil {
			c.body, _ = io.ReadAll(r.Body) // already in memory, read by serve
		}
		s.mu.Lock()
		c.now = s.now()
		s.advance(c.now)
		c.me = s.st.users[s.st.ownerID]
		rep := h(c)
		var body []byte
		if rep.v != nil {
			var err error
			if body, err = json.Marshal(rep.v); err != nil {
				s.mu.Unlock()
				panic(fmt.Sprintf("zendesksim: encoding reply: %v", err))
			}
		}
		s.mu.Unlock()
		if body == nil {
			w.WriteHeader(rep.status)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(rep.status)
		w.Write(body)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads the JSON body into v; a malformed body is a 400 naming the
// field, like Zendesk's "users.0.id must be an integer".
func decode(c *call, v any) *reply {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			r := badRequest(fmt.Sprintf("%s must be %s", te.Field, jsonKind(te.Type.Kind().String())))
			return &r
		}
		if errors.Is(err, io.EOF) {
			r := badRequest("The request body is empty")
			return &r
		}
		r := badRequest("The request body is not valid JSON: " + err.Error())
		return &r
	}
	return nil
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "an integer"
	case strings.HasPrefix(k, "float"):
		return "a number"
	case k == "bool":
		return "a boolean"
	case k == "string":
		return "a string"
	case k == "slice":
		return "an array"
	default:
		return "an object"
	}
}

// pathID reads an integer path parameter; a malformed one matches nothing.
func pathID(c *call, name string) int64 {
	n, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// splitList splits a comma-separated query value, dropping blanks.
func splitList(raw string) []string {
	var out []string
	for part := range strings.SplitSeq(raw, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// scaled converts a documented duration (per minute, per 10 minutes) to
// the configured window length.
func (s *Server) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(s.opts.Window) / float64(time.Minute))
}

// takeEndpoint spends one request of an endpoint limit and writes its
// zendesk-ratelimit-<name> header [RL-DOC]. It returns a 429 reply when the
// limit is spent. Caller holds s.mu.
func (s *Server) takeEndpoint(c *call, name, key string, limit int, per time.Duration) *reply {
	k := name + "|" + key
	win := s.endpoint[k]
	if win == nil {
		win = simkit.NewWindow(limit, s.scaled(per), s.now)
		s.endpoint[k] = win
	}
	ok, rem, reset := win.Take()
	resets := simkit.RetryAfterSeconds(reset.Sub(c.now))
	c.hdr.Set("zendesk-ratelimit-"+name, fmt.Sprintf("total=%d; remaining=%d; resets=%d", limit, rem, resets))
	if ok {
		return nil
	}
	c.hdr.Set("Retry-After", strconv.Itoa(resets))
	r := reply{http.StatusTooManyRequests, tooManyRequests("Too many requests to " + strings.ReplaceAll(name, "-", " "))}
	return &r
}
