package simkit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults is a seeded fault switch for a simulator. The zero value injects
// nothing. Build one with ParseFaults or as a literal; copies share the
// random source once Wrap or JobFail has been called, so one sequence of
// draws serves the whole server.
//
// Draws happen under a mutex in request arrival order, so two runs with the
// same seed and the same request order see the same faults.
type Faults struct {
	Error5xx   float64       // probability a request is answered 500 or 503
	Reset      float64       // probability the connection is reset with no response
	Latency    time.Duration // added to every request
	SlowP      float64       // probability a request is delayed by Slow more
	Slow       time.Duration
	Burst429   float64       // probability a request starts a burst of 429s
	BurstLen   int           // length of a 429 burst; 0 means 3
	RetryAfter time.Duration // Retry-After on fault 429s and 503s; 0 means 1s
	JobFailP   float64       // probability one item of an async job fails
	Seed       uint64

	// Render writes a fault response. Wrap has already set Retry-After when
	// the status carries one; Render must call WriteHeader(status) and
	// write the body in the simulated service's error shape. Nil writes
	// the status text as text/plain.
	Render func(w http.ResponseWriter, r *http.Request, status int)

	src *faultSource
}

type faultSource struct {
	mu        sync.Mutex
	req       *rand.Rand // draws for requests
	job       *rand.Rand // draws for job items, independent of request order
	burstLeft int
}

// lazyMu guards the lazy creation of Faults.src for literals that skipped
// ParseFaults; after creation each source has its own lock.
var lazyMu sync.Mutex

func (f *Faults) source() *faultSource {
	lazyMu.Lock()
	defer lazyMu.Unlock()
	if f.src == nil {
		f.src = newFaultSource(f.Seed)
	}
	return f.src
}

func newFaultSource(seed uint64) *faultSource {
	return &faultSource{
		req: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		job: rand.New(rand.NewPCG(seed, 0xbf58476d1ce4e5b9)),
	}
}

// Enabled reports whether any fault can fire.
func (f *Faults) Enabled() bool {
	return f.Error5xx > 0 || f.Reset > 0 || f.Latency > 0 || (f.SlowP > 0 && f.Slow > 0) ||
		f.Burst429 > 0 || f.JobFailP > 0
}

// JobFail reports whether the next async job item should fail. Its draws
// come from their own seeded source, so job failures do not shift when the
// number of HTTP requests changes.
func (f *Faults) JobFail() bool {
	if f.JobFailP <= 0 {
		return false
	}
	s := f.source()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.job.Float64() < f.JobFailP
}

// decision is what the fault switch does to one request.
type decision struct {
	reset  bool
	status int // 0, 429, 500 or 503
	delay  time.Duration
}

func (f *Faults) decide() decision {
	s := f.source()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Always draw the same number of values so that one request's outcome
	// never changes how many draws the next one sees.
	uReset, u5xx, uWhich, uBurst, uSlow := s.req.Float64(), s.req.Float64(), s.req.Float64(), s.req.Float64(), s.req.Float64()
	d := decision{delay: f.Latency}
	if uSlow < f.SlowP {
		d.delay += f.Slow
	}
	switch {
	case uReset < f.Reset:
		d.reset = true
	case s.burstLeft > 0:
		s.burstLeft--
		d.status = http.StatusTooManyRequests
	case uBurst < f.Burst429:
		s.burstLeft = f.burstLen() - 1
		d.status = http.StatusTooManyRequests
	case u5xx < f.Error5xx:
		d.status = http.StatusInternalServerError
		if uWhich < 0.5 {
			d.status = http.StatusServiceUnavailable
		}
	}
	return d
}

func (f *Faults) burstLen() int {
	if f.BurstLen <= 0 {
		return 3
	}
	return f.BurstLen
}

func (f *Faults) retryAfter() time.Duration {
	if f.RetryAfter <= 0 {
		return time.Second
	}
	return f.RetryAfter
}

// Wrap returns next behind the fault switch. A zero Faults returns next
// unchanged. Resets hijack the connection and close it with SO_LINGER 0 so
// the client sees ECONNRESET; where hijacking is impossible (HTTP/2) the
// handler aborts with http.ErrAbortHandler instead.
func (f *Faults) Wrap(next http.Handler) http.Handler {
	if !f.Enabled() {
		return next
	}
	f.source()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := f.decide()
		if d.delay > 0 {
			t := time.NewTimer(d.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if d.reset {
			resetConn(w)
			return
		}
		if d.status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if d.status == http.StatusTooManyRequests || d.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(f.retryAfter())))
		}
		if f.Render != nil {
			f.Render(w, r, d.status)
			return
		}
		http.Error(w, http.StatusText(d.status), d.status)
	})
}

func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// RetryAfterSeconds renders a wait as the whole seconds of a Retry-After
// header: rounded up, and never below 1 so a client always backs off.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}

// ParseFaults reads a fault spec: comma-separated key=value items, in any
// order, each key at most once. Blank items and surrounding spaces are
// ignored; the empty spec means no faults.
//
//	5xx=P            probability a request is answered 500 or 503 (503 carries Retry-After)
//	reset=P          probability the connection is reset before any response
//	latency=D        delay added to every request
//	slow=P:D         probability a request is delayed by D more
//	429burst=P[:N]   probability a request starts a burst of N consecutive 429s (N defaults to 3)
//	retry-after=D    Retry-After on fault 429s and 503s (default 1s, rounded up to whole seconds)
//	jobfail=P        probability one item of an async job fails
//	seed=N           unsigned seed of the random source (default 0)
//
// P is a probability in [0,1]; D is a Go duration such as 20ms or 1.5s.
// Example: "5xx=0.05,reset=0.01,latency=20ms,slow=0.1:500ms,429burst=0.02,jobfail=0.05,seed=7".
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	seen := map[string]bool{}
	var errs []error
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok {
			errs = append(errs, fmt.Errorf("fault %q: want key=value", item))
			continue
		}
		if seen[key] {
			errs = append(errs, fmt.Errorf("fault %q: given twice", key))
			continue
		}
		seen[key] = true
		if err := f.set(key, val); err != nil {
			errs = append(errs, fmt.Errorf("fault %q: %w", key, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Faults{}, err
	}
	f.src = newFaultSource(f.Seed)
	return f, nil
}

// faultKeys lists the spec keys, in the order String writes them.
var faultKeys = []string{"5xx", "reset", "latency", "slow", "429burst", "retry-after", "jobfail", "seed"}

func (f *Faults) set(key, val string) error {
	var err error
	switch key {
	case "5xx":
		f.Error5xx, err = parseProb(val)
	case "reset":
		f.Reset, err = parseProb(val)
	case "latency":
		f.Latency, err = parseDur(val)
	case "slow":
		p, d, ok := strings.Cut(val, ":")
		if !ok {
			return fmt.Errorf("want P:DURATION, got %q", val)
		}
		if f.SlowP, err = parseProb(p); err == nil {
			f.Slow, err = parseDur(d)
		}
	case "429burst":
		p, n, ok := strings.Cut(val, ":")
		if f.Burst429, err = parseProb(p); err == nil && ok {
			f.BurstLen, err = strconv.Atoi(n)
			if err == nil && f.BurstLen < 1 {
				err = fmt.Errorf("burst length %d is below 1", f.BurstLen)
			}
		}
	case "retry-after":
		f.RetryAfter, err = parseDur(val)
	case "jobfail":
		f.JobFailP, err = parseProb(val)
	case "seed":
		f.Seed, err = strconv.ParseUint(val, 10, 64)
	default:
		return fmt.Errorf("unknown key; known keys are %s", strings.Join(faultKeys, ", "))
	}
	return err
}

func parseProb(s string) (float64, error) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
		return 0, fmt.Errorf("probability %q is not a number in [0,1]", s)
	}
	return p, nil
}

func parseDur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q is not a non-negative Go duration like 20ms", s)
	}
	return d, nil
}

// String renders f in the ParseFaults grammar, omitting zero settings.
func (f *Faults) String() string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	prob := func(p float64) string { return strconv.FormatFloat(p, 'g', -1, 64) }
	if f.Error5xx > 0 {
		add("5xx", prob(f.Error5xx))
	}
	if f.Reset > 0 {
		add("reset", prob(f.Reset))
	}
	if f.Latency > 0 {
		add("latency", f.Latency.String())
	}
	if f.SlowP > 0 || f.Slow > 0 {
		add("slow", prob(f.SlowP)+":"+f.Slow.String())
	}
	if f.Burst429 > 0 || f.BurstLen > 0 {
		v := prob(f.Burst429)
		if f.BurstLen > 0 {
			v += ":" + strconv.Itoa(f.BurstLen)
		}
		add("429burst", v)
	}
	if f.RetryAfter > 0 {
		add("retry-after", f.RetryAfter.String())
	}
	if f.JobFailP > 0 {
		add("jobfail", prob(f.JobFailP))
	}
	if f.Seed != 0 {
		add("seed", strconv.FormatUint(f.Seed, 10))
	}
	return strings.Join(parts, ",")
}
