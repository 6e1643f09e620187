package kustomer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kzmap/kzmap/internal/jsonscan"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/throttle"
)

// DefaultBaseURL is the US region's host.
const DefaultBaseURL = "https://api.kustomerapp.com"

// Environment variables the client reads (README, "Pointing kzmap at real accounts").
const (
	EnvAPIKey  = "KUSTOMER_API_KEY"
	EnvBaseURL = "KUSTOMER_BASE_URL"
)

// Limiter paces requests against one server budget; *throttle.Limiter is
// the implementation. Wait before every request, Observe exactly once
// after it (nil when no answer came).
type Limiter interface {
	Wait(ctx context.Context) error
	Observe(resp *http.Response)
}

// Options configure a Client. Zero values mean the defaults.
type Options struct {
	// HTTPClient sends the requests (default: a client with no overall
	// timeout; RequestTimeout bounds each API request).
	HTTPClient *http.Client
	// Share and SearchShare are the parts of the org limit and of the
	// search limit kzmap may spend (default 0.8 each).
	Share, SearchShare float64
	// Limit and SearchLimit are the limits assumed until the server
	// announces its own (default 60 — cautious until the first answer —
	// and 100, the documented machine-user search limit).
	Limit, SearchLimit int
	// Window is the rate limit window (default one minute; tests compress
	// it together with the simulator's).
	Window time.Duration
	// Org and Search replace the limiters built from the options above
	// (tests, or several clients sharing one budget).
	Org, Search Limiter
	// MaxRetries is how many times a request that failed with a 5xx, a
	// reset or a timeout is retried (default 6); 429s are retried after
	// the server's reset and count separately (at most 20 in a row).
	MaxRetries int
	// Backoff is the first retry delay, doubled at each retry with ±50%
	// jitter and capped at 30s (default 500ms).
	Backoff time.Duration
	// RequestTimeout bounds one API request (default 2 minutes).
	RequestTimeout time.Duration
	// CDNHosts are the hosts besides the API host that attachment bytes
	// may be downloaded from (source.cdn_hosts in the mapping).
	CDNHosts []string
	// UserAgent is sent on every request (default "kzmap").
	UserAgent string
	// OnRetry, when set, hears each failed attempt that is tried again,
	// as a line a person can read, so a command is not silent while the
	// client waits.
	OnRetry func(line string)
}

// Client is a Kustomer API client. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	key     string
	hc      *http.Client
	org     Limiter
	search  Limiter
	orgT    *throttle.Limiter // nil when the caller supplied Org
	searchT *throttle.Limiter
	opts    Options
	cdn     map[string]bool
	stats   counters
}

type counters struct {
	requests, searches, downloads, retries, tooMany, serverErrors, netErrors atomic.Int64
	lastDate                                                                 atomic.Int64 // Unix ms of the last Date header
}

// Stats counts what the client has sent.
type Stats struct {
	Requests     int64 // every request sent, retries and downloads included
	Searches     int64 // of those, searches (standard and archive)
	Downloads    int64 // of those, attachment downloads
	Retries      int64 // requests that repeated an earlier one
	TooMany      int64 // answers 429
	ServerErrors int64 // answers 5xx
	NetErrors    int64 // requests that got no answer (reset, timeout)
	// Remaining is what the server last said is left of the org window,
	// SearchRemaining of the search window; -1 unknown.
	Remaining, SearchRemaining int
	// Limit and SearchLimit are the limits per window in force.
	Limit, SearchLimit int
}

// NewFromEnv builds a client from KUSTOMER_API_KEY and KUSTOMER_BASE_URL.
func NewFromEnv(opts Options) (*Client, error) {
	key := os.Getenv(EnvAPIKey)
	if key == "" {
		return nil, fmt.Errorf("%s is not set: create an API key in Kustomer (Settings › Security › API Keys) with the read roles and export it", EnvAPIKey)
	}
	base := os.Getenv(EnvBaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	return New(base, key, opts)
}

// New returns a client of the API at baseURL (scheme and host, optionally
// with a trailing /v1) authenticating with key.
func New(baseURL, key string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an absolute http(s) URL such as %s", EnvBaseURL, baseURL, DefaultBaseURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1")
	u.RawQuery, u.Fragment, u.User = "", "", nil
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		return nil, fmt.Errorf("%s is empty or holds whitespace", EnvAPIKey)
	}
	if opts.Share <= 0 || opts.Share > 1 {
		opts.Share = 0.8
	}
	if opts.SearchShare <= 0 || opts.SearchShare > 1 {
		opts.SearchShare = 0.8
	}
	if opts.SearchLimit <= 0 {
		opts.SearchLimit = 100
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 6
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 2 * time.Minute
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "kzmap"
	}
	c := &Client{base: u, key: key, opts: opts, cdn: map[string]bool{}}
	c.hc = opts.HTTPClient
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	// Redirects are followed only to hosts we may download from, and the
	// key never leaves the API host (net/http drops Authorization on a
	// redirect to another host; CheckRedirect makes sure).
	hc := *c.hc
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		if !c.Allowed(req.URL) {
			return &HostError{Host: req.URL.Host, Redirect: true}
		}
		if !strings.EqualFold(req.URL.Host, c.base.Host) {
			req.Header.Del("Authorization")
		}
		return nil
	}
	c.hc = &hc
	for _, h := range opts.CDNHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			c.cdn[h] = true
		}
	}
	c.org, c.search = opts.Org, opts.Search
	if c.org == nil {
		c.orgT = throttle.New(throttle.Options{Limit: opts.Limit, Window: opts.Window, Share: opts.Share})
		c.org = c.orgT
	}
	if c.search == nil {
		c.searchT = throttle.New(throttle.Options{Limit: opts.SearchLimit, Window: opts.Window, Share: opts.SearchShare})
		c.search = c.searchT
	}
	return c, nil
}

// BaseURL is the API's base URL, without /v1.
func (c *Client) BaseURL() string { return c.base.String() }

// Host is the API host.
func (c *Client) Host() string { return c.base.Host }

// Stats returns what the client has sent so far.
func (c *Client) Stats() Stats {
	s := Stats{
		Requests: c.stats.requests.Load(), Searches: c.stats.searches.Load(),
		Downloads: c.stats.downloads.Load(), Retries: c.stats.retries.Load(),
		TooMany: c.stats.tooMany.Load(), ServerErrors: c.stats.serverErrors.Load(),
		NetErrors: c.stats.netErrors.Load(), Remaining: -1, SearchRemaining: -1,
	}
	if c.orgT != nil {
		ts := c.orgT.Stats()
		s.Remaining, s.Limit = ts.Remaining, ts.Limit
	}
	if c.searchT != nil {
		ts := c.searchT.Stats()
		s.SearchRemaining, s.SearchLimit = ts.Remaining, ts.Limit
	}
	return s
}

// ServerTime is the server's clock as of the last answer (its Date
// header), or the zero time before any.
func (c *Client) ServerTime() time.Time {
	ms := c.stats.lastDate.Load()
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// APIError is an answer other than 2xx, in Kustomer's error shape.
type APIError struct {
	Method string
	Path   string // path and query, relative to the base URL
	Status int
	Code   string
	Msg    string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("kustomer %s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		s += fmt.Sprintf(" (check %s, its read roles, and that %s is the region that issued it)", EnvAPIKey, EnvBaseURL)
	}
	return s
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// HostError is returned for a download URL (or a redirect) on a host the
// client may not fetch from.
type HostError struct {
	Host     string
	Redirect bool
}

func (e *HostError) Error() string {
	what := "download URL"
	if e.Redirect {
		what = "redirect"
	}
	return fmt.Sprintf("%s to host %q refused: attachments are fetched only from the Kustomer API host and the source's cdn_hosts", what, e.Host)
}

// Allowed reports whether bytes may be downloaded from u: the API host or
// a configured CDN host, over https (or http when the API itself is http,
// as the simulator is).
func (c *Client) Allowed(u *url.URL) bool {
	if u == nil || u.Host == "" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Host)
	switch {
	case strings.EqualFold(host, c.base.Host):
		return u.Scheme == c.base.Scheme || u.Scheme == "https"
	case c.cdn[host] || c.cdn[strings.ToLower(u.Hostname())]:
		return u.Scheme == "https" || c.base.Scheme == "http"
	}
	return false
}

// redact removes the key from a message that might echo it back.
func (c *Client) redact(s string) string {
	if c.key != "" && strings.Contains(s, c.key) {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	return s
}

// limiterFor says which budgets a request spends.
type budget int

const (
	orgBudget budget = iota
	searchBudget
	noBudget // a CDN download
)

// do sends a request with retries and returns the final answer's body
// (for a stream, the open response). build makes a fresh request per
// attempt.
func (c *Client) do(ctx context.Context, b budget, build func(ctx context.Context) (*http.Request, error), stream bool) (*http.Response, []byte, error) {
	failures, tooMany := 0, 0
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.stats.retries.Add(1)
		}
		if err := c.wait(ctx, b); err != nil {
			return nil, nil, err
		}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if !stream {
			actx, cancel = context.WithTimeout(ctx, c.opts.RequestTimeout)
		}
		req, err := build(actx)
		if err != nil {
			cancel()
			c.observe(b, nil)
			return nil, nil, err
		}
		req.Header.Set("User-Agent", c.opts.UserAgent)
		c.stats.requests.Add(1)
		if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
			n.Add(1)
		}
		if b == searchBudget {
			c.stats.searches.Add(1)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			cancel()
			c.observe(b, nil)
			var he *HostError
			if errors.As(err, &he) {
				return nil, nil, he
			}
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			c.stats.netErrors.Add(1)
			failures++
			why := c.redact(err.Error())
			if reason, ok := unreachable(err); ok && strings.EqualFold(req.URL.Host, c.base.Host) {
				why = fmt.Sprintf("cannot reach %s=%s: %s", EnvBaseURL, c.base, reason)
				if c.stats.lastDate.Load() == 0 && failures >= 2 {
					// Never answered yet: a wrong address or a closed
					// port, said in a second rather than after every retry.
					return nil, nil, fmt.Errorf("kustomer %s %s: %s (Kustomer has not answered yet); check the address, and that this machine reaches it (network, proxy, VPN)", req.Method, c.rel(req.URL), why)
				}
			}
			if failures > c.opts.MaxRetries {
				return nil, nil, fmt.Errorf("kustomer %s %s: %s (gave up after %d attempts; check the address, and that this machine reaches it: network, proxy, VPN)", req.Method, c.rel(req.URL), why, failures)
			}
			if err := c.sleep(ctx, failures, req, why); err != nil {
				return nil, nil, err
			}
			continue
		}
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			c.stats.lastDate.Store(d.UnixMilli())
		}
		c.observeResponse(b, resp)
		if resp.StatusCode/100 == 2 && stream {
			return withCancel(resp, cancel), nil, nil
		}
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			c.stats.tooMany.Add(1)
			tooMany++
			if tooMany > 20 {
				return nil, nil, c.apiError(req, resp, body)
			}
			// The limiter now holds every request until the window
			// resets or Retry-After has passed.
			continue
		case resp.StatusCode >= 500 || rerr != nil:
			if resp.StatusCode >= 500 {
				c.stats.serverErrors.Add(1)
			} else {
				c.stats.netErrors.Add(1)
			}
			failures++
			if failures > c.opts.MaxRetries {
				if rerr != nil {
					return nil, nil, fmt.Errorf("kustomer %s %s: reading the answer: %s (gave up after %d attempts)", req.Method, c.rel(req.URL), c.redact(rerr.Error()), failures)
				}
				return nil, nil, c.apiError(req, resp, body)
			}
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
				continue // the limiter waits out Retry-After
			}
			if err := c.sleep(ctx, failures, req, fmt.Sprintf("answered %d", resp.StatusCode)); err != nil {
				return nil, nil, err
			}
			continue
		case resp.StatusCode/100 != 2:
			return resp, body, c.apiError(req, resp, body)
		}
		return resp, body, nil
	}
}

func (c *Client) wait(ctx context.Context, b budget) error {
	switch b {
	case searchBudget:
		if err := c.search.Wait(ctx); err != nil {
			return err
		}
		if err := c.org.Wait(ctx); err != nil {
			c.search.Observe(nil)
			return err
		}
	case orgBudget:
		return c.org.Wait(ctx)
	}
	return nil
}

func (c *Client) observe(b budget, resp *http.Response) {
	switch b {
	case searchBudget:
		c.search.Observe(resp)
		c.org.Observe(nil)
	case orgBudget:
		c.org.Observe(resp)
	}
}

// observeResponse hands the rate headers to the budget they describe. A
// search's answer describes the search window; a 429 on a search blocks
// both budgets until the server's reset (or Retry-After), since either
// window may be the one that refused it and the server counts a request
// sent before then as early, whatever its kind.
func (c *Client) observeResponse(b budget, resp *http.Response) {
	if b != searchBudget || resp.StatusCode != http.StatusTooManyRequests {
		c.observe(b, resp)
		return
	}
	block := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
	if wait, ok := waitOf(resp); ok {
		block.Header.Set("Retry-After", strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
	}
	c.search.Observe(block)
	c.org.Observe(block)
}

// waitOf reads how long a 429 asks to wait: Retry-After, else until
// x-ratelimit-reset, both read against the answer's Date.
func waitOf(resp *http.Response) (time.Duration, bool) {
	now := time.Now()
	if d, ok := throttle.RetryAfter(resp.Header, now); ok {
		return d, true
	}
	if resp.Header.Get("x-ratelimit-reset") != "" {
		return throttle.ResetIn(resp.Header, now)
	}
	return 0, false
}

// sleep backs off before retry n (1-based): Backoff·2^(n-1), ±50% jitter,
// at most 30s.
// sleep waits before the n-th retry of req, and says why (Options.OnRetry).
func (c *Client) sleep(ctx context.Context, n int, req *http.Request, why string) error {
	d := c.opts.Backoff << min(n-1, 10)
	d = min(d, 30*time.Second)
	d = time.Duration(float64(d) * (0.5 + rand.Float64()))
	if c.opts.OnRetry != nil {
		c.opts.OnRetry(fmt.Sprintf("%s %s: %s; attempt %d of %d, again in %s", req.Method, c.rel(req.URL), why, n, c.opts.MaxRetries+1, d.Round(100*time.Millisecond)))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unreachable says why a request never reached the server (the name does
// not resolve, nothing answers there), or false for other failures.
func unreachable(err error) (string, bool) {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error(), true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return op.Err.Error(), true
	}
	return "", false
}

func (c *Client) rel(u *url.URL) string {
	if strings.EqualFold(u.Host, c.base.Host) {
		return c.redact(u.RequestURI())
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func (c *Client) apiError(req *http.Request, resp *http.Response, body []byte) error {
	e := &APIError{Method: req.Method, Path: c.rel(req.URL), Status: resp.StatusCode}
	var shape struct {
		Errors []struct {
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Title   string          `json:"title"`
			Detail  string          `json:"detail"`
			Status  json.RawMessage `json:"status"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &shape) == nil && len(shape.Errors) > 0 {
		er := shape.Errors[0]
		e.Code = er.Code
		e.Msg = er.Message
		if e.Msg == "" {
			e.Msg = strings.TrimSpace(er.Title + " " + er.Detail)
		}
	} else if len(body) > 0 {
		e.Msg = strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	e.Msg = c.redact(e.Msg)
	return e
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	u := *c.base
	u.Path = c.base.Path + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Page is one answer of a list, a search or a lookup.
type Page struct {
	// Data holds each resource exactly as the API sent it. A lookup of one
	// resource gives a Data of one.
	Data []json.RawMessage
	// Included holds side-loaded resources (?include=attachments).
	Included []json.RawMessage
	Meta     Meta
	Links    Links
}

// Meta is a list's meta object; Total and TotalPages are -1 on endpoints
// that do not report them.
type Meta struct {
	Page, PageSize    int
	Total, TotalPages int
}

// Links are a list's relative links; "" where the API sent null.
type Links struct {
	Self, First, Prev, Next, Last string
}

func decodePage(body []byte) (*Page, error) {
	if p, ok := fastPage(body); ok {
		return p, nil
	}
	return slowPage(body)
}

// slowPage decodes a page's envelope with encoding/json.
func slowPage(body []byte) (*Page, error) {
	var env pageEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("answer is not the JSON:API envelope: %w", err)
	}
	p := &Page{Included: env.Included}
	d := bytes.TrimSpace(env.Data)
	switch {
	case len(d) == 0 || string(d) == "null":
	case d[0] == '[':
		if err := json.Unmarshal(d, &p.Data); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	case d[0] == '{':
		p.Data = []json.RawMessage{env.Data}
	default:
		return nil, fmt.Errorf("data is neither an object nor an array")
	}
	env.finish(p)
	return p, nil
}

// fastPage reads a page's envelope in one pass, its resources as slices
// of body, without encoding/json validating the whole answer and then
// skipping through every resource again (a sixth of extract's time). It
// reports false for anything it does not read plainly — a member given
// twice, a key encoding/json might match without spelling it exactly, an
// included that is not an array, a meta or links encoding/json refuses —
// and decodePage hands such a page to encoding/json, errors included.
func fastPage(body []byte) (*Page, bool) {
	var data, included, meta, links []byte
	var seen [4]bool
	ok := jsonscan.Members(body, func(key, val []byte) bool {
		f, ok := jsonscan.Field(key, "data", "included", "meta", "links")
		if !ok || f < 0 {
			return ok
		}
		if seen[f] {
			return false
		}
		seen[f] = true
		switch f {
		case 0:
			data = val
		case 1:
			included = val
		case 2:
			meta = val
		default:
			links = val
		}
		return true
	})
	if !ok {
		return nil, false
	}
	p := &Page{}
	each := func(arr []byte, dst *[]json.RawMessage) bool {
		*dst = []json.RawMessage{}
		return jsonscan.Elements(arr, func(v []byte) bool {
			*dst = append(*dst, v)
			return true
		})
	}
	switch {
	case data == nil || jsonscan.Null(data):
	case data[0] == '[':
		if !each(data, &p.Data) {
			return nil, false
		}
	case data[0] == '{':
		p.Data = []json.RawMessage{data}
	default:
		return nil, false
	}
	if included != nil && (included[0] != '[' || !each(included, &p.Included)) {
		return nil, false
	}
	var env pageEnvelope
	if meta != nil && json.Unmarshal(meta, &env.Meta) != nil || links != nil && json.Unmarshal(links, &env.Links) != nil {
		return nil, false
	}
	env.finish(p)
	return p, true
}

// pageEnvelope is the JSON:API envelope of an answer.
type pageEnvelope struct {
	Data     json.RawMessage   `json:"data"`
	Included []json.RawMessage `json:"included"`
	Meta     struct {
		Page       int  `json:"page"`
		PageSize   int  `json:"pageSize"`
		Total      *int `json:"total"`
		TotalPages *int `json:"totalPages"`
	} `json:"meta"`
	Links struct {
		Self  *string `json:"self"`
		First *string `json:"first"`
		Prev  *string `json:"prev"`
		Next  *string `json:"next"`
		Last  *string `json:"last"`
	} `json:"links"`
}

// finish sets the page's meta and links from the envelope's.
func (env *pageEnvelope) finish(p *Page) {
	p.Meta = Meta{Page: env.Meta.Page, PageSize: env.Meta.PageSize, Total: -1, TotalPages: -1}
	if env.Meta.Total != nil {
		p.Meta.Total = *env.Meta.Total
	}
	if env.Meta.TotalPages != nil {
		p.Meta.TotalPages = *env.Meta.TotalPages
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	p.Links = Links{str(env.Links.Self), str(env.Links.First), str(env.Links.Prev), str(env.Links.Next), str(env.Links.Last)}
}

// Get sends GET /v1/<path> with query q and decodes the envelope.
func (c *Client) Get(ctx context.Context, path string, q url.Values) (*Page, error) {
	path = "/v1/" + strings.TrimPrefix(strings.TrimPrefix(path, "/v1"), "/")
	_, body, err := c.do(ctx, orgBudget, func(ctx context.Context) (*http.Request, error) {
		return c.newRequest(ctx, http.MethodGet, path, q, nil)
	}, false)
	if err != nil {
		return nil, err
	}
	p, err := decodePage(body)
	if err != nil {
		return nil, fmt.Errorf("kustomer GET %s: %w", path, err)
	}
	return p, nil
}

// List fetches one page of a list endpoint.
func (c *Client) List(ctx context.Context, path string, q url.Values, page, pageSize int) (*Page, error) {
	v := url.Values{}
	for k, vals := range q {
		v[k] = vals
	}
	v.Set("page", strconv.Itoa(page))
	v.Set("pageSize", strconv.Itoa(pageSize))
	return c.Get(ctx, path, v)
}

// Org returns the name of the org the key belongs to
// (GET /v1/auth/tokens/current, which works whatever the key's roles).
func (c *Client) Org(ctx context.Context) (string, error) {
	p, err := c.Get(ctx, "auth/tokens/current", nil)
	if err != nil {
		return "", err
	}
	if len(p.Data) == 0 {
		return "", errors.New("kustomer GET /v1/auth/tokens/current: no data")
	}
	var tok struct {
		Attributes struct {
			Org  string `json:"org"`
			Name string `json:"orgName"`
		} `json:"attributes"`
		Relationships struct {
			Org struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			} `json:"org"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(p.Data[0], &tok); err != nil {
		return "", fmt.Errorf("kustomer GET /v1/auth/tokens/current: %w", err)
	}
	for _, s := range []string{tok.Attributes.Org, tok.Relationships.Org.Data.ID, tok.Attributes.Name} {
		if s != "" {
			return s, nil
		}
	}
	return "", nil
}

// Download opens an attachment's bytes at rawURL (an attachment's
// links.related), which must be on the API host or a CDN host. The key is
// sent to the API host only. The caller closes the body.
func (c *Client) Download(ctx context.Context, rawURL string) (io.ReadCloser, int64, string, error) {
	u, err := c.resolve(rawURL)
	if err != nil {
		return nil, 0, "", err
	}
	if !c.Allowed(u) {
		return nil, 0, "", &HostError{Host: u.Host}
	}
	onAPI := strings.EqualFold(u.Host, c.base.Host)
	b := noBudget
	if onAPI {
		b = orgBudget
	}
	c.stats.downloads.Add(1)
	resp, _, err := c.do(ctx, b, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		if onAPI {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		return req, nil
	}, true)
	if err != nil {
		return nil, 0, "", err
	}
	return resp.Body, resp.ContentLength, resp.Header.Get("Content-Type"), nil
}

// resolve makes a links.related value absolute against the base URL.
func (c *Client) resolve(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("attachment URL %q: %w", raw, err)
	}
	if !u.IsAbs() {
		u = c.base.ResolveReference(u)
	}
	return u, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func withCancel(resp *http.Response, cancel context.CancelFunc) *http.Response {
	resp.Body = cancelBody{resp.Body, cancel}
	return resp
}

// Decode decodes one resource into its record model type, keeping the
// attributes the model does not name in Extra.
func Decode(raw json.RawMessage) (any, error) { return record.DecodeJSON(raw) }

type counterKey struct{}

// WithCounter returns a context under which every request the client
// sends (retries included) is also added to n, so a caller can book
// requests to the work that spent them.
func WithCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, counterKey{}, n)
}
