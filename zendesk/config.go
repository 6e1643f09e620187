package zendesk

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kzmap/kzmap/throttle"
)

// Environment variables FromEnv reads.
const (
	EnvSubdomain = "ZENDESK_SUBDOMAIN"
	EnvBaseURL   = "ZENDESK_BASE_URL"
	EnvEmail     = "ZENDESK_EMAIL"
	EnvToken     = "ZENDESK_API_TOKEN"
)

// Secret is a credential. It prints, formats and encodes as "[redacted]",
// so a Config can be logged; Reveal is the only way to the value. The
// value sits in a closure because fmt prints the fields of a struct it
// cannot call methods on (an unexported field holding a Config, say), but
// prints a func only as an address.
type Secret struct{ value func() string }

const redacted = "[redacted]"

// NewSecret wraps a credential.
func NewSecret(v string) Secret {
	if v == "" {
		return Secret{}
	}
	return Secret{value: func() string { return v }}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return s.value()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == nil }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return `zendesk.Secret("` + redacted + `")` }

// Format implements fmt.Formatter, so that no verb prints more.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, redacted)
}

// MarshalText implements encoding.TextMarshaler, for JSON and logs.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Config says which account to talk to and how. Only BaseURL, Email and
// Token are required; zero values of the rest mean the defaults.
type Config struct {
	// BaseURL is the account's address, e.g. https://acme.zendesk.com.
	BaseURL string
	// Email and Token authenticate as "email/token:TOKEN" (basic auth).
	Email string
	Token Secret

	// HTTPClient sends the requests (default: a client on a transport
	// that keeps enough idle connections for concurrent workers).
	HTTPClient *http.Client
	// Limiter paces every request. Share one Limiter between every Client
	// of the same account. Default: one the client builds from RateLimit,
	// Share and Window, with Zendesk's ticket update limit as an endpoint
	// limit.
	Limiter *throttle.Limiter
	// RateLimit is the plan's requests per window (default 700,
	// Enterprise; the server's headers correct it), Share the part of it
	// kzmap takes (default throttle's), Window the length of a rate limit
	// "minute" (default a minute; simulators compress it). They build the
	// default Limiter.
	RateLimit int
	Share     float64
	Window    time.Duration
	// HelpCenterLimiter paces the Help Center requests (/api/v2/
	// help_center/…, /api/v2/guide/…), which Zendesk counts apart from
	// Support's: the same figure per minute, a budget of its own
	// (spec/zendesk.md, Help Center). Share it like Limiter. Default: one
	// built from RateLimit, Share and Window; a caller that gives Limiter
	// for a compressed window gives this one too.
	HelpCenterLimiter *throttle.Limiter

	// MaxAttempts is how many times a request that is safe to repeat is
	// sent before its error is returned (default 6).
	MaxAttempts int
	// RetryBase and RetryMax bound the exponential backoff with full
	// jitter between attempts after 5xx answers, resets and timeouts
	// (defaults 500ms and 30s).
	RetryBase, RetryMax time.Duration
	// RequestTimeout bounds one attempt (default 2 minutes).
	RequestTimeout time.Duration

	// MaxJobs is the number of bulk jobs kept queued or running at once
	// (default and maximum 30, Zendesk's limit).
	MaxJobs int
	// PollMin and PollMax bound the time between two polls of job
	// statuses; between them the interval follows how long jobs have
	// been taking (defaults 1s and 30s).
	PollMin, PollMax time.Duration

	// MaxUploadSize is the largest file Upload sends (default 50 MB).
	MaxUploadSize int64

	// UserAgent is sent on every request (default "kzmap").
	UserAgent string
	// OnRetry, when set, hears each failed attempt that is tried again:
	// a line a person can read ("cannot reach …; again in 1.2s"), so a
	// command is not silent while the client waits.
	OnRetry func(line string)
	// BaseURLFrom names where BaseURL came from (FromEnv: the variable
	// set), for the error that says Zendesk cannot be reached.
	BaseURLFrom string
}

// Account names the Zendesk account the configuration points at: the
// host of its base URL, lowercased ("acme.zendesk.com"). Plans and
// checkpoints are bound to it, so one made against a sandbox is never
// applied to production by mistake.
func (c Config) Account() string {
	u, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// String describes the configuration without its token.
func (c Config) String() string {
	return fmt.Sprintf("zendesk.Config{BaseURL: %q, Email: %q, Token: %s}", c.BaseURL, c.Email, redacted)
}

// GoString is String: a %#v must not print the token either.
func (c Config) GoString() string { return c.String() }

// FromEnv reads the account from the environment: ZENDESK_EMAIL,
// ZENDESK_API_TOKEN, and ZENDESK_BASE_URL or ZENDESK_SUBDOMAIN (the base
// URL wins). The error names every variable that is missing or wrong.
func FromEnv() (Config, error) { return configFromEnv(os.Getenv) }

func configFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Email: strings.TrimSpace(getenv(EnvEmail)),
		Token: NewSecret(strings.TrimSpace(getenv(EnvToken))),
	}
	var errs []error
	base := strings.TrimSpace(getenv(EnvBaseURL))
	sub := strings.TrimSpace(getenv(EnvSubdomain))
	switch {
	case base != "":
		cfg.BaseURL, cfg.BaseURLFrom = base, EnvBaseURL+"="+base
	case sub != "":
		cfg.BaseURLFrom = EnvSubdomain + "=" + sub
		if !validSubdomain(sub) {
			// The value is not echoed: a misplaced token must not land in a log.
			errs = append(errs, fmt.Errorf("%s is not a subdomain: give only the name before .zendesk.com, e.g. acme", EnvSubdomain))
		}
		cfg.BaseURL = "https://" + sub + ".zendesk.com"
	default:
		errs = append(errs, fmt.Errorf("%s is not set: set it to the account's subdomain (acme for acme.zendesk.com), or set %s", EnvSubdomain, EnvBaseURL))
	}
	if cfg.Email == "" {
		errs = append(errs, fmt.Errorf("%s is not set: set it to the email of the admin whose API token is used", EnvEmail))
	}
	if cfg.Token.IsZero() {
		errs = append(errs, fmt.Errorf("%s is not set: create an API token in Admin Center > Apps and integrations > Zendesk API", EnvToken))
	}
	if base != "" {
		if _, err := parseBaseURL(base); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvBaseURL, err))
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}

func validSubdomain(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return s != ""
}

// parseBaseURL checks a base URL: http(s), a host, no credentials, no
// query; a trailing slash is dropped. Errors do not echo the URL: a
// misplaced token must not land in a log.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	switch {
	case err != nil:
		return nil, fmt.Errorf("base URL is not a URL")
	case u.User != nil:
		return nil, fmt.Errorf("base URL must not carry credentials; use %s and %s", EnvEmail, EnvToken)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("base URL must start with https://")
	case u.Host == "":
		return nil, fmt.Errorf("base URL has no host")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("base URL must not have a query or fragment")
	}
	return u, nil
}
