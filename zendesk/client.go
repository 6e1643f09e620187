package zendesk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kzmap/kzmap/throttle"
)

// Client talks to one Zendesk account. It is safe for concurrent use;
// every request waits on the shared Limiter and reports its answer to it.
type Client struct {
	base  *url.URL
	email string
	// auth returns the Authorization header. A closure, because fmt
	// prints any struct or pointer field it is given, even unexported
	// ones, but prints a func as an address.
	auth    func() string
	hc      *http.Client
	lim     *throttle.Limiter
	hcLim   *throttle.Limiter // the Help Center's own budget
	cfg     Config
	jobs    *jobTracker
	jitter  func() float64
	userAgt string

	// date is the latest server time a response's Date header gave, in
	// Unix seconds: when kzmap's writes were made, on Zendesk's clock.
	date *atomic.Int64 // a pointer: a Client copied for printing stays vet-clean
}

// ServerTime is the latest time Zendesk's answers gave (Date header),
// the zero time before any answer. Records written are stamped with it,
// so that a later change in Zendesk (updated_at after it) shows on
// Zendesk's own clock, whatever this machine's says.
func (c *Client) ServerTime() time.Time {
	if s := c.date.Load(); s != 0 {
		return time.Unix(s, 0).UTC()
	}
	return time.Time{}
}

func (c *Client) sawDate(h http.Header) {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	for {
		old := c.date.Load()
		if t.Unix() <= old || c.date.CompareAndSwap(old, t.Unix()) {
			return
		}
	}
}

// DefaultPollMin and DefaultPollMax bound how often a job is polled
// (Config.PollMin, PollMax): from the first, doubling, up to the second.
const (
	DefaultPollMin = time.Second
	DefaultPollMax = 30 * time.Second
)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	var errs []error
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		errs = append(errs, err)
	}
	if cfg.Email == "" {
		errs = append(errs, errors.New("zendesk: Config.Email is empty"))
	}
	if cfg.Token.IsZero() {
		errs = append(errs, errors.New("zendesk: Config.Token is empty"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 256
		tr.MaxIdleConnsPerHost = 64
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 700
	}
	if cfg.Limiter == nil {
		cfg.Limiter = throttle.New(throttle.Options{
			Limit: cfg.RateLimit, Share: cfg.Share, Window: cfg.Window,
			Endpoints: map[string]int{"tickets-update": TicketUpdatesPerMinute, "incremental-exports": ExportsPerMinute},
		})
	}
	if cfg.HelpCenterLimiter == nil {
		cfg.HelpCenterLimiter = throttle.New(throttle.Options{Limit: cfg.RateLimit, Share: cfg.Share, Window: cfg.Window})
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 2 * time.Minute
	}
	if cfg.MaxJobs <= 0 || cfg.MaxJobs > MaxJobs {
		cfg.MaxJobs = MaxJobs
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = DefaultPollMin
		if cfg.Window > 0 && cfg.Window < time.Minute {
			cfg.PollMin = cfg.Window / 10 // a compressed window polls as often, relatively
		}
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = max(DefaultPollMax, cfg.PollMin)
	}
	if cfg.MaxUploadSize <= 0 {
		cfg.MaxUploadSize = MaxUploadBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kzmap"
	}
	c := &Client{
		base:    base,
		email:   cfg.Email,
		auth:    basicAuth(cfg.Email, cfg.Token),
		hc:      cfg.HTTPClient,
		lim:     cfg.Limiter,
		hcLim:   cfg.HelpCenterLimiter,
		cfg:     cfg,
		jitter:  rand.Float64,
		userAgt: cfg.UserAgent,
		date:    new(atomic.Int64),
	}
	c.cfg.Token = Secret{} // the Authorization header is all the client keeps
	c.jobs = newJobTracker(c)
	return c, nil
}

func basicAuth(email string, token Secret) func() string {
	h := "Basic " + base64.StdEncoding.EncodeToString([]byte(email+"/token:"+token.Reveal()))
	return func() string { return h }
}

// String names the account and user, never the token.
func (c *Client) String() string {
	return fmt.Sprintf("zendesk.Client{BaseURL: %q, Email: %q}", c.base.String(), c.email)
}

// GoString is String.
func (c *Client) GoString() string { return c.String() }

// Limiter returns the limiter the client's Support requests wait on.
func (c *Client) Limiter() *throttle.Limiter { return c.lim }

// HelpCenterLimiter returns the limiter the Help Center requests wait on.
func (c *Client) HelpCenterLimiter() *throttle.Limiter { return c.hcLim }

// BaseURL returns the base URL the client was configured with
// (Config.BaseURL), without a trailing slash: "https://acme.zendesk.com".
func (c *Client) BaseURL() string { return strings.TrimRight(c.base.String(), "/") }

// Account names the account the client writes to (Config.Account).
func (c *Client) Account() string { return c.cfg.Account() }

// request is one API call.
type request struct {
	method string
	path   string // "/api/v2/…"
	query  url.Values
	body   any // encoded as JSON unless nil

	// raw is a body sent as is (uploads); rawLen its length or -1;
	// reopen gives it again for another attempt, nil if it cannot.
	raw         io.Reader
	rawLen      int64
	reopen      func() (io.Reader, error)
	contentType string

	// safe marks a request Zendesk lets us repeat: reads, and writes
	// whose repetition changes nothing.
	safe           bool
	idempotencyKey string
	endpoint       string // endpoint limit name, "" for the account only

}

// response is a successful answer.
type response struct {
	status int
	header http.Header
}

// do sends req until it succeeds, fails for good, or runs out of
// attempts, and decodes a 2xx JSON body into out (when non-nil).
func (c *Client) do(ctx context.Context, req *request, out any) (*response, error) {
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("zendesk: encoding %s %s: %w", req.method, req.path, err)
		}
	}
	lim := c.lim
	switch {
	case isHelpCenterPath(req.path):
		lim = c.hcLim
	case req.endpoint != "":
		lim = c.lim.Endpoint(req.endpoint)
	}
	retryable := req.safe || req.idempotencyKey != ""
	var lastErr error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if attempt > 0 && req.raw != nil {
			if req.reopen == nil {
				return nil, fmt.Errorf("zendesk: %s %s: the body cannot be read again for another attempt: %w", req.method, req.path, lastErr)
			}
			r, err := req.reopen()
			if err != nil {
				return nil, fmt.Errorf("zendesk: %s %s: reopening the body for another attempt: %w", req.method, req.path, err)
			}
			req.raw = r
		}
		if err := lim.Wait(ctx); err != nil {
			return nil, err
		}
		res, err := c.send(ctx, req, body)
		if res != nil {
			c.sawDate(res.Header)
			lim.Observe(res)
		} else {
			lim.Observe(nil)
		}
		if err != nil {
			if ctx.Err() != nil {
				if retryable || notSent(err) {
					return nil, ctx.Err()
				}
				// Cancelled in flight: it may have been carried out.
				return nil, &MaybeSentError{Method: req.method, Path: req.path, Err: ctx.Err()}
			}
			switch {
			case notSent(err) || retryable && retriableNetError(err):
				lastErr = err
				if notSent(err) {
					lastErr = c.unreachable(err)
					if c.date.Load() == 0 && attempt >= 1 {
						// Never answered yet: a wrong address or a closed
						// port, said in a second rather than after every retry.
						return nil, fmt.Errorf("%w (Zendesk has not answered yet); check the address, and that this machine reaches it (network, proxy, VPN)", lastErr)
					}
				}
				if err := c.retry(ctx, req, attempt, lastErr); err != nil {
					return nil, err
				}
				continue
			case retryable:
				return nil, fmt.Errorf("zendesk: %w", err)
			}
			return nil, &MaybeSentError{Method: req.method, Path: req.path, Err: err}
		}
		if res.StatusCode >= 200 && res.StatusCode < 300 {
			err := decodeBody(res, out)
			if err != nil {
				err = fmt.Errorf("zendesk: %s %s: reading the answer: %w", req.method, req.path, err)
				if !retryable {
					return nil, &MaybeSentError{Method: req.method, Path: req.path, Err: err}
				}
				lastErr = err
				continue
			}
			return &response{status: res.StatusCode, header: res.Header}, nil
		}
		errBody, _ := io.ReadAll(io.LimitReader(res.Body, 16<<10))
		res.Body.Close()
		apiErr := decodeError(req.method, req.path, res.StatusCode, res.Header, errBody)
		switch {
		case apiErr.Code == "TooManyJobs":
			// The caller (submit) knows what to wait for.
			return nil, apiErr
		case res.StatusCode == http.StatusTooManyRequests:
			// Refused before it was carried out: always safe to repeat,
			// once the Limiter has waited out the Retry-After.
			lastErr = apiErr
			if apiErr.RetryAfter == 0 {
				if err := c.backoff(ctx, attempt); err != nil {
					return nil, err
				}
			}
			continue
		case res.StatusCode >= 500:
			if !retryable {
				return nil, &MaybeSentError{Method: req.method, Path: req.path, Err: apiErr}
			}
			lastErr = apiErr
			if apiErr.RetryAfter == 0 { // a 503's Retry-After is the Limiter's to honour
				if err := c.retry(ctx, req, attempt, apiErr); err != nil {
					return nil, err
				}
			}
			continue
		}
		return nil, apiErr
	}
	// A request that is not safe to repeat only gets here after answers
	// that say it was not carried out (429s) or failures before it left.
	var unreachable *UnreachableError
	if errors.As(lastErr, &unreachable) {
		return nil, fmt.Errorf("%w (%d attempts); check the address, and that this machine reaches it (network, proxy, VPN)", lastErr, c.cfg.MaxAttempts)
	}
	return nil, fmt.Errorf("zendesk: %s %s: giving up after %d attempts: %w", req.method, req.path, c.cfg.MaxAttempts, lastErr)
}

// UnreachableError is a request that never reached Zendesk: the address
// does not resolve or nothing answers there.
type UnreachableError struct {
	Where string // "ZENDESK_BASE_URL=http://…", or the address
	Err   error
}

func (e *UnreachableError) Error() string { return fmt.Sprintf("cannot reach %s: %v", e.Where, e.Err) }
func (e *UnreachableError) Unwrap() error { return e.Err }

func (c *Client) unreachable(err error) error {
	where := c.cfg.BaseURLFrom
	if where == "" {
		where = "Zendesk at " + c.base.String()
	} else if !strings.Contains(where, "://") {
		where += " (" + c.base.String() + ")"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err // "connect: connection refused", without the URL twice
	}
	return &UnreachableError{Where: where, Err: err}
}

// retry waits before another attempt, and says so (Config.OnRetry).
func (c *Client) retry(ctx context.Context, req *request, attempt int, err error) error {
	wait := c.backoffDelay(attempt)
	if c.cfg.OnRetry != nil {
		c.cfg.OnRetry(fmt.Sprintf("%s %s: %v; attempt %d of %d, again in %s", req.method, req.path, err, attempt+1, c.cfg.MaxAttempts, wait.Round(100*time.Millisecond)))
	}
	return sleepCtx(ctx, wait)
}

// send makes one attempt. A non-nil response is returned with its body
// open for 2xx answers and read by the caller otherwise.
func (c *Client) send(ctx context.Context, req *request, body []byte) (*http.Response, error) {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + req.path
	u.RawQuery = req.query.Encode()
	var rd io.Reader
	switch {
	case req.raw != nil:
		rd = req.raw
	case body != nil:
		rd = bytes.NewReader(body)
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	hr, err := http.NewRequestWithContext(actx, req.method, u.String(), rd)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("zendesk: building %s %s: %w", req.method, req.path, err)
	}
	if req.raw != nil {
		hr.ContentLength = req.rawLen
		if req.rawLen < 0 {
			hr.ContentLength = -1
		}
		hr.Header.Set("Content-Type", req.contentType)
	} else if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Authorization", c.auth())
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.userAgt)
	if req.idempotencyKey != "" {
		hr.Header.Set("Idempotency-Key", req.idempotencyKey)
	}
	res, err := c.hc.Do(hr)
	if err != nil {
		cancel()
		return nil, cleanNetError(req.method, req.path, err)
	}
	res.Body = &cancelOnClose{ReadCloser: res.Body, cancel: cancel}
	return res, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// decodeBody reads a 2xx answer into out and closes it.
func decodeBody(res *http.Response, out any) error {
	defer res.Body.Close()
	if out == nil {
		_, err := io.Copy(io.Discard, res.Body)
		return err
	}
	return json.NewDecoder(res.Body).Decode(out)
}

// netError is a transport failure, described without the URL (which is
// the account's, not secret, but long) and never with headers.
type netError struct {
	op  string
	err error
}

func (e *netError) Error() string { return e.op + ": " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func cleanNetError(method, path string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &netError{op: method + " " + path, err: err}
}

// notSent reports whether a transport error happened before any byte of
// the request reached the server, so that repeating it is always safe.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// retriableNetError reports failures worth another attempt (resets,
// timeouts, closed connections).
func retriableNetError(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) || notSent(err)
}

// backoff sleeps for a full-jitter exponential delay (backoffDelay).
func (c *Client) backoff(ctx context.Context, attempt int) error {
	return sleepCtx(ctx, c.backoffDelay(attempt))
}

// backoffDelay is uniformly random in [0, min(RetryMax, RetryBase·2^attempt)].
func (c *Client) backoffDelay(attempt int) time.Duration {
	ceiling := c.cfg.RetryBase << min(attempt, 20)
	if ceiling <= 0 || ceiling > c.cfg.RetryMax {
		ceiling = c.cfg.RetryMax
	}
	return time.Duration(c.jitter() * float64(ceiling))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
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
