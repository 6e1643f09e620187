package kustomer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/record"
)

const key = "sk-secret-0123456789abcdef"

// fast are options for tests: a compressed window and quick backoff.
func fast(o Options) Options {
	if o.Window == 0 {
		o.Window = time.Second
	}
	if o.Limit == 0 {
		o.Limit = 1000
	}
	o.SearchLimit = max(o.SearchLimit, 1000)
	if o.Backoff == 0 {
		o.Backoff = time.Millisecond
	}
	return o
}

func newClient(t *testing.T, url string, o Options) *Client {
	t.Helper()
	c, err := New(url, key, fast(o))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBearerAndBaseURL(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization"))
		w.Write([]byte(`{"data":[]}`))
	}))
	defer srv.Close()
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/v1", srv.URL + "/v1/"} {
		c := newClient(t, base, Options{})
		if _, err := c.List(context.Background(), "customers", url.Values{"sort": {"createdAt"}}, 2, 100); err != nil {
			t.Fatal(err)
		}
	}
	want := "GET /v1/customers?page=2&pageSize=100&sort=createdAt Bearer " + key
	for _, g := range got {
		if g != want {
			t.Errorf("sent %q, want %q", g, want)
		}
	}
	for _, bad := range []string{"", "api.kustomerapp.com", "ftp://x", "https://"} {
		if _, err := New(bad, key, Options{}); err == nil || !strings.Contains(err.Error(), EnvBaseURL) {
			t.Errorf("base %q: %v", bad, err)
		}
	}
}

func TestNewFromEnv(t *testing.T) {
	t.Setenv(EnvAPIKey, "")
	t.Setenv(EnvBaseURL, "")
	if _, err := NewFromEnv(Options{}); err == nil || !strings.Contains(err.Error(), EnvAPIKey) {
		t.Errorf("no key: %v", err)
	}
	t.Setenv(EnvAPIKey, key)
	c, err := NewFromEnv(Options{})
	if err != nil || c.BaseURL() != DefaultBaseURL {
		t.Errorf("default base: %v %v", c, err)
	}
	t.Setenv(EnvBaseURL, "https://acme.api.kustomerapp.com/")
	if c, _ := NewFromEnv(Options{}); c.Host() != "acme.api.kustomerapp.com" {
		t.Errorf("host %q", c.Host())
	}
}

// The key is never part of an error, even when the server echoes it.
func TestKeyNeverInErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
			"code": "unauthorized", "message": "invalid auth token " + r.Header.Get("Authorization")}}})
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	_, err := c.Get(context.Background(), "customers", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("the key leaked into the error: %v", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") || !strings.Contains(err.Error(), EnvAPIKey) {
		t.Errorf("error: %v", err)
	}
	// Nothing listens here: a network error, retried then reported.
	c = newClient(t, "http://127.0.0.1:1", Options{MaxRetries: 1})
	_, err = c.Get(context.Background(), "customers", nil)
	if err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("network error: %v", err)
	}
}

// Data holds each resource byte for byte as the server wrote it.
func TestPageKeepsRawBytes(t *testing.T) {
	one := `{"type":"customer", "id":"a",  "attributes":{"name":"Z\u00fcrich \ud83d\ude00","n":1.50}}`
	two := `{"type":"customer","id":"b","attributes":{}}`
	body := `{"meta":{"page":1,"pageSize":2,"total":7,"totalPages":4},"links":{"self":"/v1/customers?page=1","next":"/v1/customers?page=2","prev":null},"data":[` + one + ",\n  " + two + `],"included":[{"type":"attachment","id":"x"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
	defer srv.Close()
	p, err := newClient(t, srv.URL, Options{}).Get(context.Background(), "customers", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 2 || string(p.Data[0]) != one || string(p.Data[1]) != two || len(p.Included) != 1 {
		t.Errorf("data %q", p.Data)
	}
	want := Meta{Page: 1, PageSize: 2, Total: 7, TotalPages: 4}
	if diff := cmp.Diff(want, p.Meta); diff != "" {
		t.Error(diff)
	}
	if p.Links.Next != "/v1/customers?page=2" || p.Links.Prev != "" {
		t.Errorf("links %+v", p.Links)
	}
	v, err := Decode(p.Data[0])
	if err != nil {
		t.Fatal(err)
	}
	c, ok := v.(*record.Customer)
	if !ok || c.Name != "Zürich 😀" || c.Extra["n"] != 1.5 {
		t.Errorf("decoded %#v", v)
	}
}

func TestSingleResourceAndMissingTotals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{"type":"token","id":"t","attributes":{"org":"acme"}}}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	org, err := c.Org(context.Background())
	if err != nil || org != "acme" {
		t.Errorf("org %q %v", org, err)
	}
	p, _ := c.Get(context.Background(), "x", nil)
	if len(p.Data) != 1 || p.Meta.Total != -1 || p.Meta.TotalPages != -1 {
		t.Errorf("page %+v", p)
	}
}

// 5xx answers are retried with backoff, then reported.
func TestServerErrorsAreRetried(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"data":[]}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	if _, err := c.Get(context.Background(), "customers", nil); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Requests != 3 || s.Retries != 2 || s.ServerErrors != 2 {
		t.Errorf("stats %+v", s)
	}
	n.Store(-100)
	c = newClient(t, srv.URL, Options{MaxRetries: 2})
	_, err := c.Get(context.Background(), "customers", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || c.Stats().Requests != 3 {
		t.Errorf("err %v after %d requests", err, c.Stats().Requests)
	}
	// A 4xx is not retried.
	srv4 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		w.Write([]byte(`{"errors":[{"code":"not_found","message":"customer x not found"}]}`))
	}))
	defer srv4.Close()
	c = newClient(t, srv4.URL, Options{})
	_, err = c.Get(context.Background(), "customers/x", nil)
	if !IsNotFound(err) || c.Stats().Requests != 1 || !strings.Contains(err.Error(), "customer x not found") {
		t.Errorf("404: %v after %d", err, c.Stats().Requests)
	}
}

// A 429 that names the window's reset holds every request until then.
func TestTooManyWaitsForTheReset(t *testing.T) {
	var mu sync.Mutex
	var resetAt time.Time
	var after []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if resetAt.IsZero() {
			resetAt = time.Unix(time.Now().Unix()+1, 0)
			w.Header().Set("x-ratelimit-limit", "1000")
			w.Header().Set("x-ratelimit-remaining", "0")
			w.Header().Set("x-ratelimit-reset", strconv.FormatInt(resetAt.Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		after = append(after, time.Now())
		w.Write([]byte(`{"data":[]}`))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Get(context.Background(), "customers", nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Requests already in flight when the 429 came may have gone through;
	// every retry came after the reset.
	if c.Stats().TooMany < 1 {
		t.Fatalf("stats %+v", c.Stats())
	}
	late := 0
	for _, at := range after {
		if !at.Before(resetAt.Add(-time.Second)) {
			late++
		}
	}
	if late == 0 {
		t.Errorf("no request waited for the reset at %s: %v", resetAt, after)
	}
}

func TestContextCancelsWaits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Get(ctx, "customers", nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %s", err, time.Since(start))
	}
}

func TestWithCounter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":[]}`)) }))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	var n atomic.Int64
	ctx := WithCounter(context.Background(), &n)
	c.Get(ctx, "a", nil)
	c.Get(ctx, "b", nil)
	c.Get(context.Background(), "c", nil)
	if n.Load() != 2 {
		t.Errorf("counted %d", n.Load())
	}
}

func TestDownloadHosts(t *testing.T) {
	var cdnAuth atomic.Value
	cdnAuth.Store("")
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cdnAuth.Store(r.Header.Get("Authorization"))
		w.Write([]byte("cdn bytes"))
	}))
	defer cdn.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request reached a host not allowed: %s", r.URL)
	}))
	defer other.Close()
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/attachments/a":
			w.Write([]byte("api bytes " + r.Header.Get("Authorization")))
		case "/v1/attachments/to-cdn":
			http.Redirect(w, r, cdn.URL+"/signed?sig=1", http.StatusFound)
		case "/v1/attachments/to-other":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		}
	}))
	defer api.Close()
	cdnHost := strings.TrimPrefix(cdn.URL, "http://")
	c := newClient(t, api.URL, Options{CDNHosts: []string{cdnHost}})
	read := func(u string) (string, error) {
		body, _, _, err := c.Download(context.Background(), u)
		if err != nil {
			return "", err
		}
		defer body.Close()
		b, err := io.ReadAll(body)
		return string(b), err
	}
	if got, err := read("/v1/attachments/a"); err != nil || got != "api bytes Bearer "+key {
		t.Errorf("API host: %q %v", got, err)
	}
	if got, err := read(cdn.URL + "/f"); err != nil || got != "cdn bytes" || cdnAuth.Load() != "" {
		t.Errorf("CDN: %q %v, Authorization %q", got, err, cdnAuth.Load())
	}
	if got, err := read(api.URL + "/v1/attachments/to-cdn"); err != nil || got != "cdn bytes" || cdnAuth.Load() != "" {
		t.Errorf("redirect to the CDN: %q %v, Authorization %q", got, err, cdnAuth.Load())
	}
	var he *HostError
	if _, err := read(other.URL + "/x"); !errors.As(err, &he) {
		t.Errorf("other host: %v", err)
	}
	if _, err := read(api.URL + "/v1/attachments/to-other"); !errors.As(err, &he) || !he.Redirect {
		t.Errorf("redirect to another host: %v", err)
	}
	if c.Allowed(&url.URL{Scheme: "https", Host: "user@" + cdnHost, User: url.User("x")}) {
		t.Error("userinfo URL allowed")
	}
}

func TestWindowBody(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	cases := []struct {
		w       Window
		archive bool
		want    string
	}{
		{Window{Type: "message"}, false,
			`{"includeDeleted":true,"queryContext":"message","sort":[{"message_updated_at":"asc"},{"message_id":"asc"}]}`},
		{Window{Type: "conversation", From: at, To: at.Add(time.Hour), AfterTime: at.Add(time.Minute), AfterID: "abc"}, true,
			`{"and":[{"conversation_updated_at":{"gte":"2025-01-02T03:04:05.006Z"}},{"conversation_updated_at":{"lt":"2025-01-02T04:04:05.006Z"}},{"conversation_updated_at":{"gte":"2025-01-02T03:05:05.006Z"}},{"or":[{"conversation_updated_at":{"gt":"2025-01-02T03:05:05.006Z"}},{"conversation_id":{"gt":"abc"}}]}],"includeDeleted":true,"queryContext":"conversation","sort":[{"conversation_updated_at":"asc"},{"conversation_id":"asc"}]}`},
		// Company archive search takes no id: the keyset is updatedAt alone.
		{Window{Type: "company", AfterTime: at, AfterID: "abc"}, true,
			`{"and":[{"company_updated_at":{"gte":"2025-01-02T03:04:05.006Z"}}],"includeDeleted":true,"queryContext":"company","sort":[{"company_updated_at":"asc"}]}`},
	}
	for _, c := range cases {
		got, err := c.w.Body(c.archive)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("%+v archive %v:\n got %s\nwant %s", c.w, c.archive, got, c.want)
		}
	}
	if _, err := (Window{Type: "note"}).Body(true); err == nil {
		t.Error("archive search of notes accepted")
	}
	if _, err := (Window{Type: "user"}).Body(false); err == nil {
		t.Error("search of users accepted")
	}
}

// Against the simulator: the search caps are the server's, and the client
// reports its refusal plainly.
func TestAgainstSimulator(t *testing.T) {
	dir := t.TempDir()
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "small", Seed: 3}, dir); err != nil {
		t.Fatal(err)
	}
	ds, err := kustomersim.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(kustomersim.New(ds, kustomersim.Options{APIKey: key}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	ctx := context.Background()
	body, _ := Window{Type: "message"}.Body(false)
	p, err := c.Search(ctx, false, body, 1, 500)
	if err != nil || p.Meta.Total <= 0 || len(p.Data) == 0 {
		t.Fatalf("search: %v %+v", err, p.Meta)
	}
	_, err = c.Search(ctx, false, body, MaxSearchPages+1, 10)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Errorf("page 101: %v", err)
	}
	if org, err := c.Org(ctx); err != nil || org != "acme" {
		t.Errorf("org %q %v", org, err)
	}
	bad, _ := New(srv.URL, "wrong", fast(Options{}))
	if _, err := bad.Get(ctx, "customers", nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key: %v", err)
	}
}
