package throttle

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Limiter. Zero values mean the defaults.
type Options struct {
	// Limit is the number of requests the plan allows per Window (Zendesk
	// Team 200, Growth/Professional 400, Enterprise 700). Once a response
	// announces the limit (ratelimit-limit, X-Rate-Limit,
	// x-ratelimit-limit), the server's figure replaces this one. Zero or
	// less means 60 until the server says otherwise.
	Limit int
	// Window is the length of the server's rate limit window (default one
	// minute; tests compress it).
	Window time.Duration
	// Share is the part of the limit kzmap may spend, in (0, 1]; the rest
	// is left to the people working in the account (default 0.8).
	Share float64
	// Endpoints are known endpoint limits per Window by their
	// zendesk-ratelimit-<name> name, e.g. {"tickets-update": 100}. An
	// endpoint not listed learns its limit from its header.
	Endpoints map[string]int

	// Now is the clock (default time.Now).
	Now func() time.Time
	// After returns a channel that receives once d has passed on the
	// clock (default time.After). Tests pair it with Now.
	After func(d time.Duration) <-chan time.Time
}

// Stats describe what a Limiter has done since it was made.
type Stats struct {
	Requests    int64         // Waits that let a request go
	Waits       int64         // of those, how many had to wait
	Waited      time.Duration // total time spent waiting, on the Limiter's clock
	Responses   int64         // responses observed
	TooMany     int64         // 429 answers observed
	RetryAfters int64         // answers whose Retry-After paused every request
	Limit       int           // the account limit per window now in force
	Remaining   int           // the server's last known remaining count; -1 unknown
}

// Limiter paces requests against one server budget. It is safe for
// concurrent use; all workers spending the same budget must share it.
//
// Call Wait before every request and Observe exactly once after it, with
// the response or with nil when none arrived, so the Limiter knows how
// many requests are still in flight.
type Limiter struct {
	c  *core
	ep *bucket // nil on the account limiter
	// baton lets one waiter at a time pace itself against the clock; the
	// others queue on it instead of all waking at every slot.
	baton chan struct{}
}

// core is the state shared by a Limiter and its endpoint views.
type core struct {
	mu      sync.Mutex
	now     func() time.Time
	after   func(time.Duration) <-chan time.Time
	window  time.Duration
	share   float64
	account *bucket
	eps     map[string]*bucket
	views   map[string]*Limiter
	// blocked is the end of the latest Retry-After: nothing goes before.
	blocked time.Time
	backoff time.Duration // for a 429 that names no wait at all
	changed chan struct{} // closed and replaced when Observe learns something
	stats   Stats
}

// New returns a Limiter for opts.
func New(opts Options) *Limiter {
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.Share <= 0 || opts.Share > 1 {
		opts.Share = 0.8
	}
	if opts.Limit <= 0 {
		opts.Limit = 60
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	c := &core{
		now:     opts.Now,
		after:   opts.After,
		window:  opts.Window,
		share:   opts.Share,
		eps:     map[string]*bucket{},
		views:   map[string]*Limiter{},
		changed: make(chan struct{}),
	}
	c.account = c.newBucket(opts.Limit, true)
	for name, limit := range opts.Endpoints {
		c.eps[name] = c.newBucket(limit, true)
	}
	return &Limiter{c: c, baton: make(chan struct{}, 1)}
}

// Endpoint returns the limiter for the endpoint limit Zendesk reports as
// zendesk-ratelimit-<name> (for example "tickets-update"). Its Wait paces
// against both the endpoint's limit and the account's; its Observe is the
// account's. An endpoint listed in Options.Endpoints is paced at Share of
// its limit per Window; any other is held to what its header says
// remains, less (1-Share) of its total, spread until it resets.
func (l *Limiter) Endpoint(name string) *Limiter {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.views[name]; ok {
		return v
	}
	b, ok := c.eps[name]
	if !ok {
		b = c.newBucket(0, false)
		c.eps[name] = b
	}
	v := &Limiter{c: c, ep: b, baton: make(chan struct{}, 1)}
	c.views[name] = v
	return v
}

// Wait blocks until a request may be sent, or ctx is done.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := l.c
	entry := c.now()
	waited := false
	select {
	case l.baton <- struct{}{}:
	default:
		waited = true
		select {
		case l.baton <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-l.baton }()

	for {
		c.mu.Lock()
		now := c.now()
		at := c.readyAt(now, l.ep)
		if !at.After(now) {
			c.grant(now, l.ep)
			if waited {
				c.stats.Waits++
				c.stats.Waited += now.Sub(entry)
			}
			c.mu.Unlock()
			return nil
		}
		waited = true
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-c.after(at.Sub(now)):
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Observe reads the rate limit headers of resp, the answer to a request
// Wait let go. A nil resp (the request failed without an answer) only
// ends the request's time in flight.
func (l *Limiter) Observe(resp *http.Response) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.account.done()
	if l.ep != nil {
		l.ep.done()
	}
	if resp == nil {
		return
	}
	c.stats.Responses++
	h := resp.Header

	limit := firstInt(h, "ratelimit-limit", "X-Rate-Limit", "x-ratelimit-limit")
	rem := firstInt(h, "ratelimit-remaining", "X-Rate-Limit-Remaining", "x-ratelimit-remaining")
	lo, hi, hasReset := resetWindow(h, now)
	c.account.observe(now, limit, rem, lo, hi, hasReset)

	for key, vals := range h {
		name, ok := cutPrefixFold(key, "zendesk-ratelimit-")
		if !ok || len(vals) == 0 {
			continue
		}
		b, ok := c.eps[strings.ToLower(name)]
		if !ok {
			continue // nobody paces against it
		}
		total, remaining, resets := parseEndpoint(vals[0])
		if resets >= 0 {
			b.observe(now, total, remaining, now.Add(time.Duration(resets-1)*time.Second), now.Add(time.Duration(resets)*time.Second), true)
		} else {
			b.observe(now, total, remaining, time.Time{}, time.Time{}, false)
		}
	}

	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if resp.StatusCode == http.StatusTooManyRequests {
			c.stats.TooMany++
		}
		if d, ok := RetryAfter(h, now); ok {
			c.stats.RetryAfters++
			c.block(now.Add(d))
			c.backoff = 0
		} else if resp.StatusCode == http.StatusTooManyRequests {
			// A 429 naming no wait: the window's reset if we know it,
			// else back off exponentially from one pacing interval.
			if hasReset {
				c.block(hi)
			} else {
				c.backoff = min(max(2*c.backoff, c.account.interval), c.window)
				c.block(now.Add(c.backoff))
			}
		}
	default:
		c.backoff = 0
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// Stats returns a copy of the Limiter's counters.
func (l *Limiter) Stats() Stats {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Limit = c.account.limit
	s.Remaining = -1
	if c.account.known {
		s.Remaining = c.account.remaining
	}
	return s
}

func (c *core) block(until time.Time) {
	if until.After(c.blocked) {
		c.blocked = until
	}
}

func (c *core) readyAt(now time.Time, ep *bucket) time.Time {
	at := c.blocked
	if t := c.account.readyAt(now); t.After(at) {
		at = t
	}
	if ep != nil {
		if t := ep.readyAt(now); t.After(at) {
			at = t
		}
	}
	return at
}

func (c *core) grant(now time.Time, ep *bucket) {
	c.account.grant(now)
	if ep != nil {
		ep.grant(now)
	}
	c.stats.Requests++
}

// bucket paces one limit: evenly spaced slots at share of the limit, never
// more than the server says remain in its window.
//
// A limit known per window (the account's, an endpoint's from
// Options.Endpoints) is paced at share of it. An endpoint limit learned
// only from its header is not: the header gives no period (Zendesk's
// endpoint limits run per second, per minute or per ten minutes), so
// such a bucket only spreads what remains until the reset and leaves
// (1-share) of the announced total to others.
type bucket struct {
	c        *core
	paced    bool          // limit is per window: pace at share of it
	limit    int           // per window; 0 is unknown (no pacing)
	total    int           // the server's announced total, for the reserve of unpaced buckets
	interval time.Duration // window / (share * limit)
	last     time.Time     // the slot of the last request let go
	inflight int           // let go, not yet observed

	// The server's current window, as last reported.
	known     bool
	remaining int       // lowest remaining reported in this window
	resetLo   time.Time // the window ends after resetLo...
	resetHi   time.Time // ...and no later than resetHi
}

func (c *core) newBucket(limit int, paced bool) *bucket {
	b := &bucket{c: c, paced: paced}
	b.setLimit(limit)
	return b
}

func (b *bucket) setLimit(limit int) {
	if limit <= 0 {
		return
	}
	b.total = limit
	if !b.paced {
		return
	}
	b.limit = limit
	b.interval = time.Duration(float64(b.c.window) / (b.c.share * float64(limit)))
}

// avail is how many more requests may go in the server's current window.
func (b *bucket) avail() int {
	n := b.remaining - b.inflight
	if !b.paced {
		n -= int(math.Floor((1-b.c.share)*float64(b.total) + 1e-9))
	}
	return n
}

// pace is the spacing between requests now: the share of the limit, or
// slower when the server's remaining requests would not last until its
// window resets at that pace.
func (b *bucket) pace(now time.Time) time.Duration {
	gap := b.interval
	if b.known && b.resetLo.After(now) {
		if avail := b.avail(); avail > 0 {
			if g := b.resetLo.Sub(now) / time.Duration(avail); g > gap {
				gap = g
			}
		}
	}
	return gap
}

func (b *bucket) readyAt(now time.Time) time.Time {
	if b.known && !now.Before(b.resetHi) {
		b.known = false // that window is over
	}
	if b.limit == 0 && !b.known {
		return time.Time{}
	}
	if b.known && b.avail() <= 0 {
		return b.resetHi
	}
	return b.last.Add(b.pace(now))
}

// grant books the next slot. Slots are theoretical times one gap apart. A
// request let go late (the machine was busy, every worker was waiting on
// an answer) keeps the slot it was due if it is at most catchUp slots
// behind, so the lost time is made up by sending the next few without a
// pause; further behind (an idle spell) the slots start afresh from now,
// so idling never turns into a burst.
func (b *bucket) grant(now time.Time) {
	gap := b.pace(now)
	slot := b.last.Add(gap)
	if now.Sub(slot) > catchUp*gap {
		slot = now
	}
	b.last = slot
	b.inflight++
}

// catchUp is how many slots a late request may be behind and still be made
// up: at most that many requests go back to back.
const catchUp = 4

func (b *bucket) done() {
	if b.inflight > 0 {
		b.inflight--
	}
}

// observe takes in what one response says about the window: its limit
// (0: not said), remaining (-1: not said) and when it resets.
func (b *bucket) observe(now time.Time, limit, rem int, lo, hi time.Time, hasReset bool) {
	b.setLimit(limit)
	if rem < 0 {
		return
	}
	if !hasReset {
		lo, hi = now, now.Add(b.c.window)
	}
	if maxHi := now.Add(b.c.window); hi.After(maxHi) {
		hi = maxHi
	}
	// Within a window remaining only falls; answers overtaking each other
	// can make it rise by the requests in flight. More than that is a new
	// window.
	if !b.known || !now.Before(b.resetHi) || rem > b.remaining+b.inflight+1 {
		b.known, b.remaining, b.resetLo, b.resetHi = true, rem, lo, hi
		return
	}
	b.remaining = min(b.remaining, rem)
	if hi.Before(b.resetHi) {
		b.resetHi = hi
		if b.resetLo.After(hi) {
			b.resetLo = hi
		}
	}
	if lo.After(b.resetLo) && lo.Before(b.resetHi) {
		b.resetLo = lo
	}
}

// resetWindow reads when the server's window resets (ResetIn). The
// values are rounded up to whole seconds, so the reset lies within the
// second before the value.
func resetWindow(h http.Header, now time.Time) (lo, hi time.Time, ok bool) {
	d, ok := ResetIn(h, now)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	hi = now.Add(d)
	return hi.Add(-time.Second), hi, true
}

// ResetIn reads how long until the server's rate limit window resets:
// Zendesk's ratelimit-reset is seconds from now; Kustomer's
// x-ratelimit-reset is Unix seconds (values too large to be a wait are
// read as a time), read against the response's Date (ServerInstant). now
// is the client's clock when the response arrived.
func ResetIn(h http.Header, now time.Time) (time.Duration, bool) {
	n := firstInt(h, "ratelimit-reset", "x-ratelimit-reset")
	if n < 0 {
		return 0, false
	}
	if n > 1e9 {
		return max(ServerInstant(h, time.Unix(int64(n), 0), now).Sub(now), 0), true
	}
	return time.Duration(n) * time.Second, true
}

// RetryAfter reads a response's Retry-After: delay seconds (fractions
// allowed) or an HTTP date (ServerInstant). It is the one parser both
// clients use. now is the client's clock when the response arrived.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return time.Duration(min(n, 24*3600) * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(ServerInstant(h, t, now).Sub(now), 0), true
	}
	return 0, false
}

// ServerInstant maps an instant the server wrote (a Retry-After date, a
// reset in Unix seconds) onto the client's clock through the response's
// Date header, so a client whose clock differs from the server's waits
// what the server meant. Date is whole seconds, rounded down, so the wait
// comes out at most a second long, never short. Without a Date the two
// clocks are taken to agree.
func ServerInstant(h http.Header, t, now time.Time) time.Time {
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		return now.Add(t.Sub(d))
	}
	return t
}

// parseEndpoint reads "total=100; remaining=99; resets=41"; a part that
// is missing is 0, -1 and -1.
func parseEndpoint(v string) (total, remaining, resets int) {
	remaining, resets = -1, -1
	for part := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "total":
			total = n
		case "remaining":
			remaining = n
		case "resets":
			resets = n
		}
	}
	return total, remaining, resets
}

// firstInt returns the first of the headers that holds a non-negative
// integer, or -1.
func firstInt(h http.Header, keys ...string) int {
	for _, k := range keys {
		if v := h.Get(k); v != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				return n
			}
		}
	}
	return -1
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}
