package zendesk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		want     Config
		errHas   []string
		errLacks []string
	}{
		{
			name: "subdomain",
			env:  map[string]string{EnvSubdomain: "acme", EnvEmail: "a@acme.test", EnvToken: testToken},
			want: Config{BaseURL: "https://acme.zendesk.com", Email: "a@acme.test", Token: NewSecret(testToken)},
		},
		{
			name: "base URL wins",
			env:  map[string]string{EnvSubdomain: "acme", EnvBaseURL: "http://127.0.0.1:8080", EnvEmail: "a@acme.test", EnvToken: testToken},
			want: Config{BaseURL: "http://127.0.0.1:8080", Email: "a@acme.test", Token: NewSecret(testToken)},
		},
		{
			name:   "nothing set names every variable",
			env:    map[string]string{},
			errHas: []string{EnvSubdomain, EnvBaseURL, EnvEmail, EnvToken},
		},
		{
			name:     "missing token",
			env:      map[string]string{EnvSubdomain: "acme", EnvEmail: "a@acme.test"},
			errHas:   []string{EnvToken + " is not set"},
			errLacks: []string{EnvEmail, EnvSubdomain},
		},
		{
			name:   "subdomain given as a URL",
			env:    map[string]string{EnvSubdomain: "acme.zendesk.com", EnvEmail: "a@acme.test", EnvToken: testToken},
			errHas: []string{EnvSubdomain + " is not a subdomain"},
		},
		{
			name:     "credentials in the base URL",
			env:      map[string]string{EnvBaseURL: "https://" + testToken + "@acme.zendesk.com", EnvEmail: "a@acme.test", EnvToken: testToken},
			errHas:   []string{EnvBaseURL + ": base URL must not carry credentials"},
			errLacks: []string{testToken},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := configFromEnv(func(k string) string { return tc.env[k] })
			if len(tc.errHas) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got.BaseURL != tc.want.BaseURL || got.Email != tc.want.Email || got.Token.Reveal() != tc.want.Token.Reveal() {
					t.Errorf("config = %s with token %v, want %s", got, got.Token.Reveal() == testToken, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; config %v", got)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			for _, s := range tc.errLacks {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q mentions %q", err, s)
				}
			}
		})
	}
}

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   *APIError
	}{
		{
			name: "record invalid", status: 422,
			body: `{"error":"RecordInvalid","description":"Record validation errors","details":{"assignee":[{"description":"Assignee: is not a member of the group","error":"InvalidValue"}]}}`,
			want: &APIError{Status: 422, Code: "RecordInvalid", Description: "Record validation errors",
				Details: map[string][]ErrorDetail{"assignee": {{Code: "InvalidValue", Description: "Assignee: is not a member of the group"}}}},
		},
		{
			name: "not found", status: 404, body: `{"error":"RecordNotFound","description":"Not found"}`,
			want: &APIError{Status: 404, Code: "RecordNotFound", Description: "Not found"},
		},
		{
			name: "unauthenticated", status: 401, body: `{"error":"Couldn't authenticate you"}`,
			want: &APIError{Status: 401, Description: "Couldn't authenticate you"},
		},
		{
			name: "errors list", status: 429, header: http.Header{"Retry-After": {"7"}},
			body: `{"errors":[{"code":"TooManyRequests","title":"Too many requests to update"}]}`,
			want: &APIError{Status: 429, Code: "TooManyRequests", Description: "Too many requests to update", RetryAfter: 7 * time.Second},
		},
		{
			name: "too many jobs", status: 429,
			body: `{"error":"TooManyJobs","description":"Too many UserBulkUpdateJobV2 jobs are currently queued or running. Try again later.","current_job_ids":["a","b"]}`,
			want: &APIError{Status: 429, Code: "TooManyJobs", Description: "Too many UserBulkUpdateJobV2 jobs are currently queued or running. Try again later.", CurrentJobIDs: []string{"a", "b"}},
		},
		{
			name: "error object", status: 403, body: `{"error":{"title":"Forbidden","message":"You do not have access"}}`,
			want: &APIError{Status: 403, Code: "Forbidden", Description: "You do not have access"},
		},
		{
			name: "plain text", status: 500, body: "Internal Server Error\nmore lines",
			want: &APIError{Status: 500, Description: "Internal Server Error"},
		},
		{
			name: "empty", status: 502, body: "",
			want: &APIError{Status: 502, Description: "Bad Gateway"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			got := decodeError("", "", tc.status, h, []byte(tc.body))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	e := &APIError{Method: "POST", Path: "/api/v2/imports/tickets", Status: 422, Code: "RecordInvalid", Description: "Record validation errors",
		Details: map[string][]ErrorDetail{"status": {{Description: "Status: bogus is not valid"}}, "assignee": {{Description: "Assignee: is invalid"}}}}
	want := "zendesk: POST /api/v2/imports/tickets: 422 RecordInvalid: Record validation errors (assignee: Assignee: is invalid; status: Status: bogus is not valid)"
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), want)
	}
	wrapped := fmt.Errorf("batch 7: %w", e)
	if !errors.Is(wrapped, ErrRecordInvalid) || errors.Is(wrapped, ErrNotFound) {
		t.Error("errors.Is does not see through the wrap")
	}
}

func TestMatchResults(t *testing.T) {
	status := func(st, results string) JobStatus {
		return JobStatus{ID: "j1", Status: st, Message: ptr("boom"), Results: json.RawMessage(results)}
	}
	unknown := func(i int, why string) JobResult {
		return JobResult{Index: i, Unknown: true, Error: "NoResult", Details: why}
	}
	for _, tc := range []struct {
		name string
		st   JobStatus
		n    int
		want []JobResult
	}{
		{
			name: "out of order, mixed shapes", n: 3,
			st: status("completed", `[{"id":12,"index":2},{"index":0,"action":"create","success":false,"error":"DuplicateValue","details":"Email: taken"},
				{"id":"01GDX","index":1,"action":"update","status":"Updated","success":true}]`),
			want: []JobResult{
				{Index: 0, Action: "create", Error: "DuplicateValue", Details: "Email: taken"},
				{Index: 1, ID: "01GDX", Action: "update", Status: "Updated", Success: true},
				{Index: 2, ID: "12", Success: true},
			},
		},
		{
			name: "missing and stray indexes", n: 2,
			st:   status("completed", `[{"id":5,"index":1},{"id":6,"index":7}]`),
			want: []JobResult{unknown(0, "Zendesk reported no result for this item"), {Index: 1, ID: "5", Success: true}},
		},
		{
			name: "failed job", n: 2, st: status("failed", `null`),
			want: []JobResult{unknown(0, "the job failed: boom"), unknown(1, "the job failed: boom")},
		},
		{
			name: "positional results", n: 2,
			st:   status("completed", `[{"id":1,"status":"Updated","success":true},{"id":2,"success":false,"error":"X","details":{"base":["no"]}}]`),
			want: []JobResult{{Index: 0, ID: "1", Status: "Updated", Success: true}, {Index: 1, ID: "2", Error: "X", Details: `{"base":["no"]}`}},
		},
		{
			name: "whole-job object", n: 2, st: status("completed", `{"success":true}`),
			want: []JobResult{{Index: 0, Success: true}, {Index: 1, Success: true}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := matchResults(tc.st, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	cfg := Config{BaseURL: "https://acme.zendesk.com", Email: testEmail, Token: NewSecret(testToken)}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(cfg)
	var outs []string
	type holder struct{ cfg Config } // fmt cannot call methods through unexported fields
	for _, v := range []any{cfg, &cfg, cfg.Token, c, *c, []any{*c, cfg}, map[string]any{"c": *c}, holder{cfg}, &holder{cfg}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
	}
	outs = append(outs, string(js), cfg.String(), c.String())
	for _, out := range outs {
		assertNoCredential(t, "output", out)
	}
	if cfg.Token.Reveal() != testToken {
		t.Error("Reveal lost the token")
	}
}

// assertNoCredential fails when s holds the token, in clear or as part of
// the basic auth header.
func assertNoCredential(t *testing.T, what, s string) {
	t.Helper()
	enc := base64.StdEncoding.EncodeToString([]byte(testEmail + "/token:" + testToken))
	bad := []string{testToken, enc[len(enc)-24:], fmt.Sprintf("%x", testToken)}
	// The token base64-encoded at each of the three alignments.
	for pad := range 3 {
		b := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", pad) + testToken))
		bad = append(bad, b[4+pad:len(b)-4])
	}
	for _, bad := range bad {
		if strings.Contains(s, bad) {
			t.Errorf("%s leaks the credential: %s", what, s)
		}
	}
}

// TestTokenNeverLeaked drives every kind of failure and scans each error
// message for the planted token.
func TestTokenNeverLeaked(t *testing.T) {
	t.Parallel()
	var errs []error
	collectErr := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	// Wrong credentials: the simulator knows another token.
	sim := zendesksim.New(zendesksim.Options{Email: testEmail, Token: "another-token", Window: time.Second, Limit: 3000})
	e := newEnv(t, zendesksim.Options{}, func(c *Config) { c.MaxAttempts = 2 })
	e.srv.Config.Handler = sim
	_, err := e.c.Me(ctx(t))
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong token: %v, want ErrUnauthorized", err)
	}
	collectErr(err)

	// Validation, not found, bad requests, too large, job failures.
	e = newEnv(t, zendesksim.Options{}, nil)
	ids := e.users(User{Name: "Ann", Email: "ann@example.test"})
	_, err = e.c.CreateIdentity(ctx(t), ids[0], Identity{Type: "email", Value: "not an email"})
	collectErr(err)
	_, err = e.c.ShowTicket(ctx(t), 424242)
	collectErr(err)
	_, err = e.c.CreateManyUsers(ctx(t), make([]User, 101))
	collectErr(err)
	_, err = e.c.Upload(ctx(t), UploadFile{Name: "x.bin", Body: strings.NewReader("x"), Size: 1 << 40})
	collectErr(err)
	_, err = e.c.ResumeJob("gone", 1).Wait(ctx(t))
	collectErr(err)
	o := e.wait(e.c.CreateManyUsers(ctx(t), []User{{Name: "Dup", Email: "ann@example.test"}}))
	for _, r := range o.Failed() {
		assertNoCredential(t, "job result", fmt.Sprintf("%+v", r))
	}

	// Faults: maybe-sent writes and exhausted reads.
	f, _ := simkit.ParseFaults("reset=1,seed=2")
	e = newEnv(t, zendesksim.Options{Faults: f}, func(c *Config) { c.MaxAttempts = 2 })
	_, err = e.c.ImportTicket(ctx(t), TicketImport{Comments: []Comment{{Body: "x"}}}, ImportOptions{})
	collectErr(err)
	_, err = e.c.Me(ctx(t))
	collectErr(err)

	// Nobody listening.
	e = newEnv(t, zendesksim.Options{}, func(c *Config) { c.MaxAttempts = 2 })
	e.srv.Close()
	_, err = e.c.Me(ctx(t))
	collectErr(err)
	_, err = e.c.ImportTickets(ctx(t), []TicketImport{{Subject: "x"}}, ImportOptions{})
	collectErr(err)

	// Cancelled.
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = e.c.Me(cctx)
	collectErr(err)

	// Configuration.
	_, err = New(Config{BaseURL: "https://" + testToken + ":x@acme.zendesk.com", Email: "a", Token: NewSecret(testToken)})
	collectErr(err)
	_, err = configFromEnv(func(k string) string {
		return map[string]string{EnvToken: testToken, EnvBaseURL: "ftp://" + testToken}[k]
	})
	collectErr(err)

	if len(errs) < 12 {
		t.Errorf("only %d errors collected", len(errs))
	}
	for _, err := range errs {
		assertNoCredential(t, "error", err.Error())
		assertNoCredential(t, "error", fmt.Sprintf("%+v %#v", err, err))
	}
}
