package zendesksim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/simkit"
)

// The Help Center's public pages, as a reader's browser fetches them:
// no credentials, no API budget.

// publicGet is an anonymous GET of path (or an absolute URL on the
// harness): no Authorization header.
func (h *harness) publicGet(path string) (int, http.Header, []byte) {
	h.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = h.http.URL + path
	}
	res, err := http.Get(path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// attach uploads a file to an article and returns the attachment object.
func (k *kb) attach(t *testing.T, article int64, name, contentType string, data []byte) map[string]any {
	t.Helper()
	body, ct := multipartFile(t, name, contentType, data, false)
	r := k.h.request("POST", fmt.Sprintf("/api/v2/help_center/articles/%d/attachments", article), body, map[string]string{"Content-Type": ct})
	if r.status != 201 {
		t.Fatalf("attach %s = %d %s", name, r.status, r.raw)
	}
	return r.get("article_attachment").(map[string]any)
}

func TestHelpCenterPublicAttachmentBytes(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	id := num(k.article(201, nil).get("article", "id"))
	// Every byte value, CR LF and a marker the dump must not hold.
	data := []byte("%PDF-1.7\r\nPUBLIC-BYTES-MARKER\r\n")
	for i := range 256 {
		data = append(data, byte(i))
	}
	name := "Résumé 2024 (final)#1?.pdf"
	x := k.attach(t, id, name, "application/pdf", data)
	attID := num(x["id"])
	// content_url is https://{subdomain}.zendesk.com/hc/article_attachments/{id}/{file_name}.
	wantURL := fmt.Sprintf("%s/hc/article_attachments/%d/%s", h.http.URL, attID, url.PathEscape(name))
	if x["content_url"] != wantURL || x["content_type"] != "application/pdf" || x["file_name"] != name {
		t.Fatalf("attachment = %v, want content_url %s", x, wantURL)
	}
	// A part without a type takes the name's.
	txt := k.attach(t, id, "notes.txt", "", []byte("plain notes\n"))

	for _, tc := range []struct {
		path, contentType string
		want              []byte
	}{
		{strings.TrimPrefix(wantURL, h.http.URL), "application/pdf", data},
		{fmt.Sprintf("/hc/article_attachments/%d", attID), "application/pdf", data},
		{fmt.Sprintf("/hc/article_attachments/%d/", attID), "application/pdf", data},
		{fmt.Sprintf("/hc/article_attachments/%d/renamed.pdf", attID), "application/pdf", data}, // the id finds the file
		{strings.TrimPrefix(txt["content_url"].(string), h.http.URL), txt["content_type"].(string), []byte("plain notes\n")},
	} {
		status, hdr, got := h.publicGet(tc.path)
		if status != 200 || !bytes.Equal(got, tc.want) || hdr.Get("Content-Type") != tc.contentType ||
			hdr.Get("Content-Length") != strconv.Itoa(len(tc.want)) || hdr.Get("X-Rate-Limit") != "" {
			t.Errorf("GET %s = %d %q (%d bytes) %v, want %q (%d bytes)", tc.path, status, hdr.Get("Content-Type"), len(got), hdr, tc.contentType, len(tc.want))
		}
	}
	if !strings.HasPrefix(txt["content_type"].(string), "text/plain") {
		t.Errorf("notes.txt content_type = %v", txt["content_type"])
	}

	// The dump keeps the digest, never the bytes.
	d := h.srv.Dump()
	j, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(j, []byte("PUBLIC-BYTES-MARKER")) || bytes.Contains(j, []byte(base64.StdEncoding.EncodeToString(data[:30]))) {
		t.Errorf("the dump holds an attachment's bytes: %s", j)
	}
	if len(d.HelpCenter.Attachments) != 2 || d.HelpCenter.Attachments[0].SHA256 == "" {
		t.Errorf("dump attachments = %+v", d.HelpCenter.Attachments)
	}

	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/articles/attachments/%d", attID), nil)
	for _, path := range []string{
		strings.TrimPrefix(wantURL, h.http.URL), // deleted
		fmt.Sprintf("/hc/article_attachments/%d", attID),
		fmt.Sprintf("/hc/article_attachments/%d/x.pdf", num(txt["id"])+100), // unknown
		fmt.Sprintf("/hc/article_attachments/%d-x/notes.txt", num(txt["id"])),
		"/hc/article_attachments/0",
		"/hc/article_attachments/abc/notes.txt",
		"/hc/article_attachments",
		fmt.Sprintf("/hc/article_attachments/%d/notes.txt/more", num(txt["id"])),
	} {
		if status, hdr, _ := h.publicGet(path); status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %q, want a 404 page", path, status, hdr.Get("Content-Type"))
		}
	}
}

func TestHelpCenterPublicArticleDrafts(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	r := k.article(201, map[string]any{"title": "How to pay", "body": "<p>By card.</p>"})
	id := num(r.get("article", "id"))
	tr := func(locale, title string, draft bool) resp {
		return h.must(201, "POST", fmt.Sprintf("/api/v2/help_center/articles/%d/translations", id),
			map[string]any{"translation": map[string]any{"locale": locale, "title": title, "body": "<p>" + title + "</p>", "draft": draft}})
	}
	es := tr("es", "Cómo pagar", true)
	tr("de", "Bezahlen", false)
	draftID := num(k.article(201, map[string]any{"title": "Not yet", "draft": true}).get("article", "id"))

	page := func(path string) (int, string) {
		t.Helper()
		status, hdr, b := h.publicGet(path)
		if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" || hdr.Get("X-Rate-Limit") != "" {
			t.Errorf("GET %s headers = %v", path, hdr)
		}
		return status, string(b)
	}
	esURL := es.str("translation", "html_url")
	if want := fmt.Sprintf("%s/hc/es/articles/%d-C%%C3%%B3mo-pagar", h.http.URL, id); esURL != want {
		t.Errorf("es html_url = %s, want %s", esURL, want)
	}
	for path, want := range map[string]string{
		r.str("article", "html_url"):                      "<h1>How to pay</h1>\n<p>By card.</p>",
		fmt.Sprintf("/hc/en-us/articles/%d", id):          `<html lang="en-us">`,
		fmt.Sprintf("/hc/de/articles/%d-x", id):           "<h1>Bezahlen</h1>\n<p>Bezahlen</p>",
		esURL:                                             "", // a draft: anonymous readers do not see it
		fmt.Sprintf("/hc/es/articles/%d", id):             "",
		fmt.Sprintf("/hc/fr/articles/%d", id):             "", // no translation (and not enabled)
		fmt.Sprintf("/hc/en-us/articles/%d", draftID):     "",
		fmt.Sprintf("/hc/en-us/articles/%d", draftID+100): "",
	} {
		status, body := page(path)
		if want == "" {
			if status != 404 {
				t.Errorf("GET %s = %d, want 404", path, status)
			}
		} else if status != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %q, want 200 holding %q", path, status, body, want)
		}
	}

	// Publishing the translation shows it; making the source a draft
	// hides that one.
	h.must(200, "PUT", fmt.Sprintf("/api/v2/help_center/articles/%d/translations/es", id), map[string]any{"translation": map[string]any{"draft": false}})
	if status, body := page(esURL); status != 200 || !strings.Contains(body, "<h1>Cómo pagar</h1>") || !strings.Contains(body, `lang="es"`) {
		t.Errorf("published es page = %d %q", status, body)
	}
	h.must(200, "PUT", fmt.Sprintf("/api/v2/help_center/articles/%d/translations/en-us", id), map[string]any{"translation": map[string]any{"draft": true}})
	if status, _ := page(fmt.Sprintf("/hc/en-us/articles/%d", id)); status != 404 {
		t.Errorf("en-us page after it became a draft = %d, want 404", status)
	}
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/articles/%d", id), nil)
	if status, _ := page(esURL); status != 404 {
		t.Errorf("archived article's page = %d, want 404", status)
	}
}

// TestHelpCenterPublicNoBudget: public pages need no credentials, ignore
// any sent, and spend neither API's limit.
func TestHelpCenterPublicNoBudget(t *testing.T) {
	k := newKB(t, Options{Limit: 5, HelpCenterLimit: 12})
	h := k.h
	id := num(k.article(201, nil).get("article", "id"))
	x := k.attach(t, id, "a.png", "image/png", []byte("\x89PNG\r\n\x1a\n"))
	before := h.must(200, "GET", "/api/v2/help_center/locales", nil).header.Get("X-Rate-Limit-Remaining")
	for i := range 40 { // more than either limit; the clock is frozen
		path := fmt.Sprintf("%s/hc/en-us/articles/%d", h.http.URL, id)
		if i%2 == 1 {
			path = x["content_url"].(string)
		}
		req, err := http.NewRequest("GET", path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 {
			req.SetBasicAuth(h.email+"/token", "wrong") // not a reason to refuse a public page
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("X-Rate-Limit") != "" || res.Header.Get("ratelimit-remaining") != "" {
			t.Fatalf("public GET %d %s = %d %v", i, path, res.StatusCode, res.Header)
		}
	}
	after := h.must(200, "GET", "/api/v2/help_center/locales", nil).header.Get("X-Rate-Limit-Remaining")
	b, _ := strconv.Atoi(before)
	if a, _ := strconv.Atoi(after); a != b-1 {
		t.Errorf("Help Center remaining %s then %s: the public pages spent it", before, after)
	}
	if r := h.must(200, "GET", "/api/v2/users/me", nil); r.header.Get("X-Rate-Limit-Remaining") != "3" {
		t.Errorf("Support remaining = %s, want 3 (newKB spent one)", r.header.Get("X-Rate-Limit-Remaining"))
	}
	if st := h.srv.Stats(); st.ByRoute["GET /hc/"] != 40 || st.TooMany != 0 {
		t.Errorf("stats = %+v", st)
	}
	// A page that does not exist is the Help Center's 404 page, not the
	// API's JSON.
	if status, hdr, _ := h.publicGet("/hc/en-us/sections/999"); status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("unknown public page = %d %v", status, hdr)
	}
}

// TestHelpCenterPublicFaults: a fault on a public page carries no API
// rate limit headers (a client pacing on them would read the account's
// budget off a page that spends none).
func TestHelpCenterPublicFaults(t *testing.T) {
	h := newHarness(t, Options{Faults: simkit.Faults{Burst429: 1}})
	status, hdr, body := h.publicGet("/hc/en-us/articles/1")
	if status != 429 || hdr.Get("Retry-After") != "1" || hdr.Get("X-Rate-Limit") != "" || hdr.Get("ratelimit-limit") != "" ||
		!strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("public fault = %d %v %q", status, hdr, body)
	}
	if r := h.do("GET", "/api/v2/help_center/locales", nil); r.status != 429 || r.header.Get("X-Rate-Limit") == "" {
		t.Errorf("API fault = %d %v", r.status, r.header)
	}
}

// TestHelpCenterPublicURLForms: with a configured base URL (a trailing
// slash dropped) every url field has Zendesk's form, and the paths of
// content_url and html_url are the ones the simulator serves.
func TestHelpCenterPublicURLForms(t *testing.T) {
	const base = "https://acme.zendesk.com"
	k := newKB(t, Options{BaseURL: base + "/"})
	h := k.h
	r := k.article(201, map[string]any{"title": "What's new? (2026)"})
	id := num(r.get("article", "id"))
	x := k.attach(t, id, "a b.png", "image/png", []byte("\x89PNG\r\n\x1a\n"))
	attID := num(x["id"])
	for got, want := range map[string]string{
		r.str("article", "url"):      fmt.Sprintf("%s/api/v2/help_center/en-us/articles/%d.json", base, id),
		r.str("article", "html_url"): fmt.Sprintf("%s/hc/en-us/articles/%d-What-s-new-2026", base, id),
		x["url"].(string):            fmt.Sprintf("%s/api/v2/help_center/articles/attachments/%d.json", base, attID),
		x["content_url"].(string):    fmt.Sprintf("%s/hc/article_attachments/%d/a%%20b.png", base, attID),
	} {
		if got != want {
			t.Errorf("url field = %s, want %s", got, want)
		}
	}
	for _, u := range []string{r.str("article", "html_url"), x["content_url"].(string)} {
		if status, _, _ := h.publicGet(h.http.URL + strings.TrimPrefix(u, base)); status != 200 {
			t.Errorf("GET the path of %s = %d", u, status)
		}
	}
}
