package zendesk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// hcBase makes the Help Center's skeleton through the client: a category
// and a section in en-us, and the seeded permission group.
func hcBase(t *testing.T, e *env) (HCSection, HCPermissionGroup) {
	t.Helper()
	groups, err := e.c.HCPermissionGroups(ctx(t))
	if err != nil || len(groups) != 1 || groups[0].Name != "Admins" {
		t.Fatalf("permission groups = %+v, %v", groups, err)
	}
	cat, err := e.c.HCCreateCategory(ctx(t), HCCategory{Name: "Billing", Description: "Money", Locale: "en-us", Position: 1})
	if err != nil || cat.ID == 0 || cat.Locale != "en-us" || cat.HTMLURL == "" || cat.CreatedAt.IsZero() {
		t.Fatalf("create category = %+v, %v", cat, err)
	}
	sec, err := e.c.HCCreateSection(ctx(t), HCSection{CategoryID: cat.ID, Name: "Invoices", Locale: "en-us"})
	if err != nil || sec.ID == 0 || sec.CategoryID != cat.ID {
		t.Fatalf("create section = %+v, %v", sec, err)
	}
	return sec, groups[0]
}

func TestHelpCenterRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	c := ctx(t)
	loc, err := e.c.HCLocales(c)
	if diff := cmp.Diff(HCLocales{Default: "en-us", Locales: []string{"en-us", "es", "de"}}, loc); diff != "" || err != nil {
		t.Errorf("locales (-want +got):\n%s (%v)", diff, err)
	}
	segs, err := e.c.HCUserSegments(c)
	if err != nil || len(segs) != 2 {
		t.Fatalf("segments = %+v, %v", segs, err)
	}
	sec, group := hcBase(t, e)

	staff := segs[slices.IndexFunc(segs, func(s HCUserSegment) bool { return s.UserType == "staff" })].ID
	a, err := e.c.HCCreateArticle(c, HCArticle{SectionID: sec.ID, Title: "How to pay", Body: "<p>By card.</p>", Locale: "en-us",
		Draft: true, PermissionGroupID: group.ID, UserSegmentID: &staff, LabelNames: []string{"billing", "card"}})
	if err != nil || a.ID == 0 || !a.Draft || a.SourceLocale != "en-us" || a.UserSegmentID == nil || *a.UserSegmentID != staff || a.EditedAt.IsZero() {
		t.Fatalf("create article = %+v, %v", a, err)
	}
	everyone, err := e.c.HCCreateArticle(c, HCArticle{SectionID: sec.ID, Title: "Refunds", Locale: "de", PermissionGroupID: group.ID})
	if err != nil || everyone.UserSegmentID != nil || everyone.Locale != "de" {
		t.Fatalf("article for everyone = %+v, %v", everyone, err)
	}
	if _, err := e.c.HCCreateArticle(c, HCArticle{SectionID: sec.ID, Title: "No locale", PermissionGroupID: group.ID}); err == nil {
		t.Error("an article without a locale was sent")
	}

	// Metadata updates leave the title and draft to the translations.
	a.Title, a.Draft, a.Promoted, a.UserSegmentID = "Ignored", false, true, nil
	u, err := e.c.HCUpdateArticle(c, a.ID, a)
	if err != nil || u.Title != "How to pay" || !u.Draft || !u.Promoted || u.UserSegmentID != nil {
		t.Fatalf("update article = %+v, %v", u, err)
	}

	// Translations: create, the same locale again, update, list, delete.
	es, err := e.c.HCCreateTranslation(c, a.ID, HCTranslation{Locale: "es", Title: "Cómo pagar", Body: "<p>Con tarjeta.</p>", Draft: true})
	if err != nil || es.ID == 0 || es.SourceID != a.ID || !es.Draft {
		t.Fatalf("create translation = %+v, %v", es, err)
	}
	_, err = e.c.HCCreateTranslation(c, a.ID, HCTranslation{Locale: "es", Title: "Otra"})
	if !errors.Is(err, ErrTranslationExists) || errors.Is(err, ErrNotFound) {
		t.Errorf("duplicate locale: err = %v, want ErrTranslationExists", err)
	}
	if _, err := e.c.HCCreateTranslation(c, a.ID, HCTranslation{Locale: "fr", Title: "Payer"}); err == nil || errors.Is(err, ErrTranslationExists) {
		t.Errorf("locale not enabled: err = %v", err)
	}
	src, err := e.c.HCUpdateTranslation(c, a.ID, HCTranslation{Locale: "en-us", Title: "Paying", Body: "<p>Tap.</p>"})
	if err != nil || src.Title != "Paying" || src.Draft {
		t.Fatalf("update translation = %+v, %v", src, err)
	}
	if got, err := e.c.HCArticle(c, a.ID); err != nil || got.Title != "Paying" || got.Draft {
		t.Errorf("article after translation update = %+v, %v", got, err)
	}
	trs, err := e.c.HCTranslations(c, a.ID)
	if err != nil || len(trs) != 2 {
		t.Fatalf("translations = %+v, %v", trs, err)
	}
	if err := e.c.HCDeleteTranslation(c, src.ID); err == nil {
		t.Error("the source translation was deleted")
	}
	if err := e.c.HCDeleteTranslation(c, es.ID); err != nil {
		t.Fatal(err)
	}

	// Attachments: multipart up, the bytes at content_url, delete.
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 500)...)
	att, err := e.c.HCCreateAttachment(c, a.ID, `logo "main".png`, "image/png", png, true)
	if err != nil || att.ID == 0 || att.ArticleID != a.ID || att.Size != int64(len(png)) || !att.Inline || att.FileName != `logo "main".png` {
		t.Fatalf("create attachment = %+v, %v", att, err)
	}
	res, err := http.Get(att.ContentURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, png) {
		t.Errorf("GET %s = %d, %d bytes", att.ContentURL, res.StatusCode, len(got))
	}
	if list, err := e.c.HCAttachments(c, a.ID); err != nil || len(list) != 1 || list[0].ContentURL != att.ContentURL {
		t.Errorf("attachments = %+v, %v", list, err)
	}
	if err := e.c.HCDeleteAttachment(c, att.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.HCDeleteAttachment(c, att.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}

	// Labels filter; archiving; sections and categories.
	if l, err := e.c.HCArticles(c, []string{"card"}); err != nil || len(l) != 1 || l[0].ID != a.ID {
		t.Errorf("articles labelled card = %+v, %v", l, err)
	}
	if err := e.c.HCDeleteArticle(c, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.HCArticle(c, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("archived article: err = %v, want ErrNotFound", err)
	}
	if l, err := e.c.HCArticles(c, nil); err != nil || len(l) != 1 || l[0].ID != everyone.ID {
		t.Errorf("articles after archiving = %+v, %v", l, err)
	}
	moved, err := e.c.HCUpdateSection(c, sec.ID, HCSection{Name: "Bills", Description: "All bills", Position: 4})
	if err != nil || moved.Name != "Bills" || moved.Position != 4 || moved.CategoryID != sec.CategoryID {
		t.Errorf("update section = %+v, %v", moved, err)
	}
	renamed, err := e.c.HCUpdateCategory(c, sec.CategoryID, HCCategory{Name: "Payments", Description: "Paying us", Position: 7})
	if err != nil || renamed.Name != "Payments" || renamed.Description != "Paying us" || renamed.Position != 7 {
		t.Errorf("update category = %+v, %v", renamed, err)
	}
	if cats, err := e.c.HCCategories(c); err != nil || len(cats) != 1 || cats[0].Name != "Payments" {
		t.Errorf("categories = %+v, %v", cats, err)
	}
	if err := e.c.HCDeleteCategory(c, sec.CategoryID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.HCDeleteCategory(c, sec.CategoryID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	if err := e.c.HCDeleteSection(c, sec.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("section of a deleted category: err = %v, want ErrNotFound", err)
	}
	d := e.sim.Dump()
	if len(d.HelpCenter.Articles) != 0 || len(d.HelpCenter.Sections) != 0 || len(d.Flags) != 0 {
		t.Errorf("after deleting the category: %d articles, %d sections, flags %+v", len(d.HelpCenter.Articles), len(d.HelpCenter.Sections), d.Flags)
	}
}

func TestHelpCenterEveryPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	sec, group := hcBase(t, e)
	const n = 130
	for i := range n {
		labels := []string{"all"}
		if i%10 == 0 {
			labels = append(labels, "tenth")
		}
		if _, err := e.c.HCCreateArticle(ctx(t), HCArticle{SectionID: sec.ID, Title: fmt.Sprintf("Article %d", i), Locale: "es",
			PermissionGroupID: group.ID, LabelNames: labels}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.c.HCArticles(ctx(t), nil)
	if err != nil || len(all) != n {
		t.Fatalf("articles = %d, %v", len(all), err)
	}
	tenth, err := e.c.HCArticles(ctx(t), []string{"all", "tenth"})
	if err != nil || len(tenth) != n/10 {
		t.Errorf("articles labelled all and tenth = %d, %v", len(tenth), err)
	}
	settledTotal(e.sim) // the simulator counts a request after answering it
	if st := e.sim.Stats(); st.ByRoute["GET /api/v2/help_center/articles"] != 2+1 {
		t.Errorf("list requests = %v", st.ByRoute)
	}
}

// TestHelpCenterOwnBudget: the client paces Help Center requests on a
// limiter of their own, sized by the Help Center's headers, and a Help
// Center 429 does not hold Support requests back.
func TestHelpCenterOwnBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{Limit: 3000, HelpCenterLimit: 1000}, nil)
	if _, err := e.c.HCLocales(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Me(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if hc, sup := e.c.HelpCenterLimiter().Stats(), e.c.Limiter().Stats(); hc.Limit != 1000 || sup.Limit != 3000 || hc.Requests != 1 || sup.Requests != 1 {
		t.Errorf("help center limiter %+v, support limiter %+v", hc, sup)
	}
}

// TestHelpCenterCreatesAreNotRepeated: a create that failed after it was
// sent may have been carried out; the client says so instead of sending
// it again.
func TestHelpCenterCreatesAreNotRepeated(t *testing.T) {
	t.Parallel()
	f, err := simkit.ParseFaults("5xx=1")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, zendesksim.Options{Faults: f}, nil)
	_, err = e.c.HCCreateCategory(ctx(t), HCCategory{Name: "Billing", Locale: "en-us"})
	if !errors.Is(err, ErrMaybeSent) {
		t.Fatalf("err = %v, want ErrMaybeSent", err)
	}
	if n := settledTotal(e.sim); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestHelpCenterAttachmentTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	_, err := e.c.HCCreateAttachment(ctx(t), 1, "big.pdf", "application/pdf", make([]byte, MaxArticleAttachmentBytes+1), false)
	if !errors.Is(err, ErrUploadTooLarge) {
		t.Fatalf("err = %v, want ErrUploadTooLarge", err)
	}
	if n := settledTotal(e.sim); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestDecodeHelpCenterErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		exists bool
	}{
		{"help center shape", 400, `{"errors":{"locale":["has already been taken"]}}`, true},
		{"record invalid shape", 422, `{"error":"RecordInvalid","description":"Record validation errors","details":{"locale":[{"description":"Locale has already been taken","error":"DuplicateValue"}]}}`, true},
		{"another field", 400, `{"errors":{"title":["can't be blank"]}}`, false},
		{"not found", 404, `{"error":"RecordNotFound","description":"Not found"}`, false},
	} {
		e := decodeError("POST", "/api/v2/help_center/articles/1/translations", tc.status, http.Header{}, []byte(tc.body))
		if got := errors.Is(e, ErrTranslationExists); got != tc.exists {
			t.Errorf("%s: ErrTranslationExists = %v (%v)", tc.name, got, e)
		}
		if tc.name == "another field" && e.DetailText() != "title: can't be blank" {
			t.Errorf("%s: details = %q", tc.name, e.DetailText())
		}
	}
}

// authRecorder notes the Authorization header of every request.
type authRecorder struct {
	mu   sync.Mutex
	seen map[string]string // path → Authorization
}

func (a *authRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.seen[r.URL.Path] = r.Header.Get("Authorization")
	a.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestClientBaseURL(t *testing.T) {
	for _, raw := range []string{"https://acme.zendesk.com", "https://acme.zendesk.com/", "https://acme.zendesk.com//"} {
		c, err := New(Config{BaseURL: raw, Email: testEmail, Token: NewSecret("t")})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.BaseURL(); got != "https://acme.zendesk.com" {
			t.Errorf("BaseURL() of %q = %q", raw, got)
		}
	}
}

// TestHCPublicGet: the public pages and files are read without
// credentials, on the Help Center's limiter; a 404 is an answer, not an
// error; another host is refused before anything is sent.
func TestHCPublicGet(t *testing.T) {
	t.Parallel()
	rec := &authRecorder{seen: map[string]string{}}
	e := newEnv(t, zendesksim.Options{}, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: rec} })
	c := ctx(t)
	if e.c.BaseURL() != e.srv.URL {
		t.Fatalf("BaseURL() = %q, want %q", e.c.BaseURL(), e.srv.URL)
	}
	sec, group := hcBase(t, e)
	a, err := e.c.HCCreateArticle(c, HCArticle{SectionID: sec.ID, Title: "How to pay", Body: "<p>By card.</p>", Locale: "en-us", PermissionGroupID: group.ID})
	if err != nil {
		t.Fatal(err)
	}
	es, err := e.c.HCCreateTranslation(c, a.ID, HCTranslation{Locale: "es", Title: "Cómo pagar", Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 255, '\r', '\n'}, 64)...)
	att, err := e.c.HCCreateAttachment(c, a.ID, "logo main.png", "image/png", png, true)
	if err != nil {
		t.Fatal(err)
	}

	hcBefore, supBefore := e.c.HelpCenterLimiter().Stats().Requests, e.c.Limiter().Stats().Requests
	for _, tc := range []struct {
		url, contentType, holds string
		status                  int
	}{
		{att.ContentURL, "image/png", string(png), 200},
		{fmt.Sprintf("%s/hc/article_attachments/%d", e.c.BaseURL(), att.ID), "image/png", string(png), 200},
		{a.HTMLURL, "text/html; charset=utf-8", "<p>By card.</p>", 200},
		{a.HTMLURL + "#pay", "text/html; charset=utf-8", "<h1>How to pay</h1>", 200},
		{es.HTMLURL, "text/html; charset=utf-8", "", 404}, // a draft
		{fmt.Sprintf("%s/hc/article_attachments/%d/x.png", e.c.BaseURL(), att.ID+1000), "text/html; charset=utf-8", "", 404},
	} {
		status, body, ct, err := e.c.HCPublicGet(c, tc.url)
		if err != nil || status != tc.status || ct != tc.contentType || !bytes.Contains(body, []byte(tc.holds)) ||
			(tc.contentType == "image/png" && !bytes.Equal(body, png)) {
			t.Errorf("HCPublicGet(%s) = %d %q %d bytes, %v; want %d %q holding %q", tc.url, status, ct, len(body), err, tc.status, tc.contentType, tc.holds)
		}
	}
	if hc, sup := e.c.HelpCenterLimiter().Stats().Requests-hcBefore, e.c.Limiter().Stats().Requests-supBefore; hc != 6 || sup != 0 {
		t.Errorf("public GETs waited on the Help Center limiter %d times and on Support's %d, want 6 and 0", hc, sup)
	}
	rec.mu.Lock()
	for path, auth := range rec.seen {
		if public := strings.HasPrefix(path, "/hc/"); public != (auth == "") {
			t.Errorf("%s sent with Authorization %q", path, auth)
		}
	}
	rec.mu.Unlock()

	// Refused before anything is sent.
	sent := settledTotal(e.sim)
	other := strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1)
	u, _ := url.Parse(e.srv.URL)
	for _, tc := range []struct {
		url       string
		otherHost bool
	}{
		{"https://example.com/hc/en-us/articles/1", true},
		{other + "/hc/en-us/articles/1", true},
		{"http://" + u.Hostname() + ":1/hc/en-us/articles/1", true},
		{"/hc/en-us/articles/1", false},
		{"ftp://" + u.Host + "/hc/x", false},
		{"http://admin:hunter2@" + u.Host + "/hc/x", false},
		{"http://" + u.Host + "/%zz", false},
	} {
		status, body, _, err := e.c.HCPublicGet(c, tc.url)
		switch {
		case err == nil || status != 0 || body != nil:
			t.Errorf("HCPublicGet(%s) = %d, %v; want it refused", tc.url, status, err)
		case errors.Is(err, ErrOtherHost) != tc.otherHost:
			t.Errorf("HCPublicGet(%s): err = %v, ErrOtherHost %v", tc.url, err, tc.otherHost)
		case strings.Contains(err.Error(), "hunter2"):
			t.Errorf("the error shows the URL's password: %v", err)
		}
	}
	if n := settledTotal(e.sim); n != sent {
		t.Errorf("%d requests sent for refused URLs", n-sent)
	}
}

// TestHCPublicGetRetries: a 5xx is tried again, and after the last
// attempt comes back with its status and an error.
func TestHCPublicGetRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zendesksim.Options{}, nil)
	var fail atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/hc/") && fail.Add(-1) >= 0 {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	var retries []string
	var mu sync.Mutex
	cfg := e.cfg
	cfg.BaseURL, cfg.MaxAttempts = front.URL, 3
	cfg.OnRetry = func(msg string) { mu.Lock(); retries = append(retries, msg); mu.Unlock() }
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sec, group := hcBase(t, &env{t: t, sim: e.sim, srv: front, c: c, cfg: cfg})
	a, err := c.HCCreateArticle(ctx(t), HCArticle{SectionID: sec.ID, Title: "Refunds", Body: "<p>Ask.</p>", Locale: "en-us", PermissionGroupID: group.ID})
	if err != nil {
		t.Fatal(err)
	}

	fail.Store(2)
	status, body, _, err := c.HCPublicGet(ctx(t), a.HTMLURL)
	if err != nil || status != 200 || !bytes.Contains(body, []byte("<p>Ask.</p>")) {
		t.Errorf("after two 502s = %d %q, %v", status, body, err)
	}
	mu.Lock()
	if len(retries) != 2 || !strings.Contains(retries[0], "GET "+a.HTMLURL) || !strings.Contains(retries[0], "502") {
		t.Errorf("retries = %q", retries)
	}
	mu.Unlock()

	fail.Store(10)
	status, body, ct, err := c.HCPublicGet(ctx(t), a.HTMLURL)
	if err == nil || status != 502 || !strings.Contains(string(body), "down") || !strings.HasPrefix(ct, "text/plain") ||
		!strings.Contains(err.Error(), "giving up after 3 attempts") || !strings.Contains(err.Error(), a.HTMLURL) {
		t.Errorf("always 502 = %d %q %q, %v", status, body, ct, err)
	}
}
