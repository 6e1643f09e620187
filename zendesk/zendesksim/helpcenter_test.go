package zendesksim

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// kb is a knowledge base skeleton made over HTTP: one category and one
// section in en-us, and the seeded permission group.
type kb struct {
	h                   *harness
	category, section   int64
	group, signedIn     int64
	staffSegment, owner int64
}

func newKB(t *testing.T, opts Options) *kb {
	t.Helper()
	h := newHarness(t, opts)
	k := &kb{h: h}
	for _, g := range h.must(200, "GET", "/api/v2/guide/permission_groups", nil).get("permission_groups").([]any) {
		k.group = num(dig(g, "id"))
	}
	for _, sg := range h.must(200, "GET", "/api/v2/help_center/user_segments", nil).get("user_segments").([]any) {
		switch dig(sg, "user_type") {
		case "signed_in_users":
			k.signedIn = num(dig(sg, "id"))
		case "staff":
			k.staffSegment = num(dig(sg, "id"))
		}
	}
	k.owner = num(h.must(200, "GET", "/api/v2/users/me", nil).get("user", "id"))
	k.category = num(h.must(201, "POST", "/api/v2/help_center/categories", map[string]any{"category": map[string]any{"name": "Billing", "locale": "en-us"}}).get("category", "id"))
	k.section = num(h.must(201, "POST", fmt.Sprintf("/api/v2/help_center/categories/%d/sections", k.category), map[string]any{"section": map[string]any{"name": "Invoices", "locale": "en-us"}}).get("section", "id"))
	return k
}

// article sends a create with fields over the valid defaults; a nil
// value removes the key.
func (k *kb) article(want int, fields map[string]any) resp {
	k.h.t.Helper()
	a := map[string]any{"title": "How to pay", "body": "<p>By card.</p>", "locale": "en-us",
		"permission_group_id": k.group, "user_segment_id": nil}
	for f, v := range fields {
		if v == nil {
			delete(a, f)
			continue
		}
		a[f] = v
	}
	return k.h.must(want, "POST", fmt.Sprintf("/api/v2/help_center/sections/%d/articles", k.section), map[string]any{"article": a, "notify_subscribers": false})
}

func TestHelpCenterSeedsAndLocales(t *testing.T) {
	k := newKB(t, Options{})
	r := k.h.must(200, "GET", "/api/v2/help_center/locales", nil)
	if diff := cmp.Diff(map[string]any{"locales": []any{"en-us", "es", "de"}, "default_locale": "en-us"}, r.body); diff != "" {
		t.Errorf("locales (-want +got):\n%s", diff)
	}
	if k.group == 0 || k.signedIn == 0 || k.staffSegment == 0 {
		t.Errorf("seeds: group %d, segments %d %d", k.group, k.signedIn, k.staffSegment)
	}
	h := newHarness(t, Options{HelpCenterLocales: []string{"fr", "ja"}, HelpCenterDefaultLocale: "ja"})
	r = h.must(200, "GET", "/api/v2/help_center/locales", nil)
	if r.str("default_locale") != "ja" || len(r.get("locales").([]any)) != 2 {
		t.Errorf("configured locales = %s", r.raw)
	}
}

func TestHelpCenterCategoriesAndSections(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	// The locale form of the path gives the locale.
	r := h.must(201, "POST", "/api/v2/help_center/es/categories", map[string]any{"category": map[string]any{"name": "Facturación", "position": 2}})
	es := num(r.get("category", "id"))
	if r.str("category", "locale") != "es" || num(r.get("category", "position")) != 2 || !strings.Contains(r.str("category", "html_url"), "/hc/es/categories/") {
		t.Errorf("es category = %s", r.raw)
	}
	for _, tc := range []struct {
		name, path string
		body       map[string]any
		field      string
	}{
		{"unknown locale", "/api/v2/help_center/categories", map[string]any{"name": "X", "locale": "fr"}, "locale"},
		{"no locale", "/api/v2/help_center/categories", map[string]any{"name": "X"}, "locale"},
		{"no name", "/api/v2/help_center/categories", map[string]any{"locale": "en-us"}, "name"},
		{"section in an unknown locale", fmt.Sprintf("/api/v2/help_center/categories/%d/sections", k.category), map[string]any{"name": "X", "locale": "xx"}, "locale"},
	} {
		key := "category"
		if strings.Contains(tc.path, "sections") {
			key = "section"
		}
		r := h.do("POST", tc.path, map[string]any{key: tc.body})
		if r.status != 400 || r.get("errors", tc.field) == nil {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
	h.must(404, "POST", "/api/v2/help_center/categories/77/sections", map[string]any{"section": map[string]any{"name": "X", "locale": "en-us"}})

	// PUT category changes the position, not the name (flagged); the
	// translation endpoint renames it.
	r = h.must(200, "PUT", fmt.Sprintf("/api/v2/help_center/categories/%d", k.category), map[string]any{"category": map[string]any{"position": 5, "name": "Renamed"}})
	if r.str("category", "name") != "Billing" || num(r.get("category", "position")) != 5 {
		t.Errorf("PUT category = %s", r.raw)
	}
	h.must(200, "PUT", fmt.Sprintf("/api/v2/help_center/categories/%d/translations/en-us", k.category), map[string]any{"translation": map[string]any{"title": "Payments", "body": "All about paying"}})
	if r = h.must(200, "GET", fmt.Sprintf("/api/v2/help_center/categories/%d", k.category), nil); r.str("category", "name") != "Payments" || r.str("category", "description") != "All about paying" {
		t.Errorf("renamed category = %s", r.raw)
	}
	if fl := h.srv.Dump().Flags; len(fl) != 1 || fl[0].Rule != FlagHCIgnored {
		t.Errorf("flags = %+v", fl)
	}
	// Sections move between categories that exist.
	h.must(200, "PUT", fmt.Sprintf("/api/v2/help_center/sections/%d", k.section), map[string]any{"section": map[string]any{"category_id": es, "name": "Facturas"}})
	if r := h.do("PUT", fmt.Sprintf("/api/v2/help_center/sections/%d", k.section), map[string]any{"section": map[string]any{"category_id": 999}}); r.status != 400 || r.get("errors", "category_id") == nil {
		t.Errorf("move to a missing category = %d %s", r.status, r.raw)
	}
	if r := h.must(200, "GET", fmt.Sprintf("/api/v2/help_center/categories/%d/sections", es), nil); len(r.get("sections").([]any)) != 1 {
		t.Errorf("sections of es = %s", r.raw)
	}

	// Deleting a category deletes its sections and their articles.
	a := num(k.article(201, nil).get("article", "id"))
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/categories/%d", es), nil)
	h.must(404, "GET", fmt.Sprintf("/api/v2/help_center/sections/%d", k.section), nil)
	h.must(404, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d", a), nil)
	d := h.srv.Dump().HelpCenter
	if len(d.Categories) != 1 || len(d.Sections) != 0 || len(d.Articles) != 0 {
		t.Errorf("after the cascade: %d categories, %d sections, %d articles", len(d.Categories), len(d.Sections), len(d.Articles))
	}
}

func TestHelpCenterArticleRules(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	agent := h.user("Agent", "agent@example.test", "agent")
	endUser := h.user("Reader", "reader@example.test", "end-user")
	for _, tc := range []struct {
		name  string
		drop  string         // a key left out
		set   map[string]any // keys changed
		field string         // the field the 400 names
	}{
		{"user_segment_id missing", "user_segment_id", nil, "user_segment_id"},
		{"permission_group_id missing", "permission_group_id", nil, "permission_group_id"},
		{"no title", "", map[string]any{"title": " "}, "title"},
		{"title not a string", "", map[string]any{"title": 5}, "title"},
		{"unknown locale", "", map[string]any{"locale": "fr"}, "locale"},
		{"unknown permission group", "", map[string]any{"permission_group_id": 42}, "permission_group_id"},
		{"unknown user segment", "", map[string]any{"user_segment_id": 42}, "user_segment_id"},
		{"author not an agent", "", map[string]any{"author_id": endUser}, "author_id"},
	} {
		a := map[string]any{"title": "T", "locale": "en-us", "permission_group_id": k.group, "user_segment_id": nil}
		delete(a, tc.drop)
		for f, v := range tc.set {
			a[f] = v
		}
		r := h.do("POST", fmt.Sprintf("/api/v2/help_center/sections/%d/articles", k.section), map[string]any{"article": a})
		if r.status != 400 || r.get("errors", tc.field) == nil {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
	h.must(404, "POST", "/api/v2/help_center/sections/5/articles", map[string]any{"article": map[string]any{"title": "T"}})

	// The server's clock sets the dates; what was sent is flagged.
	now := h.clock.Now()
	r := k.article(201, map[string]any{"created_at": "2015-01-01T00:00:00Z", "draft": true, "author_id": agent,
		"label_names": []string{"billing", "card"}, "user_segment_id": k.signedIn, "title": "How to pay, by card?"})
	id := num(r.get("article", "id"))
	for _, f := range []string{"created_at", "updated_at", "edited_at"} {
		if got := r.str("article", f); got != now.Format(time.RFC3339) {
			t.Errorf("%s = %s, want the server's %s", f, got, now.Format(time.RFC3339))
		}
	}
	if r.get("article", "draft") != true || num(r.get("article", "author_id")) != agent || num(r.get("article", "user_segment_id")) != k.signedIn ||
		r.str("article", "source_locale") != "en-us" {
		t.Errorf("created article = %s", r.raw)
	}
	wantURL := fmt.Sprintf("%s/hc/en-us/articles/%d-How-to-pay-by-card", h.http.URL, id)
	if got := r.str("article", "html_url"); got != wantURL {
		t.Errorf("html_url = %s, want %s", got, wantURL)
	}
	if got := r.header.Get("Location"); !strings.HasSuffix(got, fmt.Sprintf("/api/v2/help_center/articles/%d.json", id)) {
		t.Errorf("Location = %q", got)
	}
	// The author defaults to the requester; null is everyone.
	other := k.article(201, nil)
	if num(other.get("article", "author_id")) != k.owner || other.get("article", "user_segment_id") != nil {
		t.Errorf("defaults = %s", other.raw)
	}

	// PUT changes metadata only: draft and title stay, and are flagged.
	h.clock.Advance(time.Minute)
	r = h.must(200, "PUT", fmt.Sprintf("/api/v2/help_center/articles/%d", id), map[string]any{"article": map[string]any{
		"draft": false, "title": "New title", "promoted": true, "position": 3, "user_segment_id": nil}})
	if r.get("article", "draft") != true || r.str("article", "title") != "How to pay, by card?" || r.get("article", "promoted") != true ||
		num(r.get("article", "position")) != 3 || r.get("article", "user_segment_id") != nil {
		t.Errorf("after PUT = %s", r.raw)
	}
	if r.str("article", "updated_at") == r.str("article", "created_at") || r.str("article", "edited_at") != r.str("article", "created_at") {
		t.Errorf("PUT moved updated_at %s / edited_at %s", r.str("article", "updated_at"), r.str("article", "edited_at"))
	}
	rules := map[string]int{}
	for _, f := range h.srv.Dump().Flags {
		rules[f.Rule]++
	}
	if rules[FlagHCIgnored] != 3 { // created_at on create; draft and title on PUT
		t.Errorf("flags = %v", h.srv.Dump().Flags)
	}
	if r := h.do("PUT", fmt.Sprintf("/api/v2/help_center/articles/%d", id), map[string]any{"article": map[string]any{"section_id": 1}}); r.status != 400 {
		t.Errorf("move to a missing section = %d %s", r.status, r.raw)
	}
}

func TestHelpCenterListsLabelsAndArchive(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	a := num(k.article(201, map[string]any{"label_names": []string{"billing", "card"}}).get("article", "id"))
	b := num(k.article(201, map[string]any{"label_names": []string{"billing"}}).get("article", "id"))
	c := num(k.article(201, map[string]any{"locale": "de", "title": "Bezahlen"}).get("article", "id"))
	ids := func(path string) []int64 {
		t.Helper()
		var out []int64
		for _, x := range h.must(200, "GET", path, nil).get("articles").([]any) {
			out = append(out, num(dig(x, "id")))
		}
		return out
	}
	for path, want := range map[string][]int64{
		"/api/v2/help_center/articles":                                           {a, b, c},
		"/api/v2/help_center/articles?label_names=billing":                       {a, b},
		"/api/v2/help_center/articles?label_names=billing,CARD":                  {a},
		"/api/v2/help_center/articles?label_names=billing,other":                 nil,
		"/api/v2/help_center/de/articles":                                        {c},
		fmt.Sprintf("/api/v2/help_center/sections/%d/articles", k.section):       {a, b, c},
		fmt.Sprintf("/api/v2/help_center/en-us/sections/%d/articles", k.section): {a, b},
		fmt.Sprintf("/api/v2/help_center/de/sections/%d/articles", k.section):    {c},
	} {
		if diff := cmp.Diff(want, ids(path)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
	h.must(404, "GET", fmt.Sprintf("/api/v2/help_center/es/articles/%d", a), nil)
	if r := h.must(200, "GET", fmt.Sprintf("/api/v2/help_center/de/articles/%d", c), nil); r.str("article", "title") != "Bezahlen" {
		t.Errorf("de article = %s", r.raw)
	}

	// DELETE archives: gone from lists and show, kept in the dump.
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/articles/%d", a), nil)
	h.must(404, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d", a), nil)
	h.must(404, "DELETE", fmt.Sprintf("/api/v2/help_center/articles/%d", a), nil)
	h.must(404, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d/translations", a), nil)
	if diff := cmp.Diff([]int64{b, c}, ids("/api/v2/help_center/articles")); diff != "" {
		t.Errorf("after archiving (-want +got):\n%s", diff)
	}
	if d := h.srv.Dump().HelpCenter; len(d.Articles) != 3 || !d.Articles[0].Archived {
		t.Errorf("dump = %+v", d.Articles)
	}
}

func TestHelpCenterPagination(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	var want []int64
	for i := range 7 {
		want = append(want, num(k.article(201, map[string]any{"title": fmt.Sprintf("A%d", i)}).get("article", "id")))
	}
	// Cursor: page[size], meta.has_more, links.next keeping the locale.
	var got []int64
	path := "/api/v2/help_center/en-us/articles?page[size]=3"
	for pages := 0; path != ""; pages++ {
		r := h.must(200, "GET", path, nil)
		for _, x := range r.get("articles").([]any) {
			got = append(got, num(dig(x, "id")))
		}
		path = ""
		if r.get("meta", "has_more") == true {
			next := r.str("links", "next")
			if !strings.Contains(next, "/api/v2/help_center/en-us/articles") {
				t.Fatalf("links.next = %s", next)
			}
			path = strings.TrimPrefix(next, h.http.URL)
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cursor pages (-want +got):\n%s", diff)
	}
	// Offset: per_page and page, with count and next_page.
	r := h.must(200, "GET", "/api/v2/help_center/articles?per_page=5&page=2", nil)
	if len(r.get("articles").([]any)) != 2 || num(r.get("count")) != 7 || r.get("next_page") != nil || r.get("previous_page") == nil {
		t.Errorf("offset page 2 = %s", r.raw)
	}
}

func TestHelpCenterTranslations(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	id := num(k.article(201, map[string]any{"draft": true}).get("article", "id"))
	base := fmt.Sprintf("/api/v2/help_center/articles/%d/translations", id)
	r := h.must(201, "POST", base, map[string]any{"translation": map[string]any{"locale": "es", "title": "Cómo pagar", "body": "<p>Con tarjeta.</p>", "draft": true}})
	esID := num(r.get("translation", "id"))
	if r.str("translation", "source_type") != "Article" || num(r.get("translation", "source_id")) != id || r.get("translation", "draft") != true {
		t.Errorf("created translation = %s", r.raw)
	}
	// A locale that has one, and one that is not enabled.
	if r := h.do("POST", base, map[string]any{"translation": map[string]any{"locale": "ES", "title": "Otra"}}); r.status != 400 || r.get("errors", "locale") == nil {
		t.Errorf("duplicate locale = %d %s", r.status, r.raw)
	}
	if r := h.do("POST", base, map[string]any{"translation": map[string]any{"locale": "pt-br", "title": "Outra"}}); r.status != 400 || r.get("errors", "locale") == nil {
		t.Errorf("locale not enabled = %d %s", r.status, r.raw)
	}
	if r := h.must(200, "GET", base+"/es", nil); r.str("translation", "title") != "Cómo pagar" {
		t.Errorf("show es = %s", r.raw)
	}

	// An update that changes nothing keeps updated_at.
	h.clock.Advance(time.Hour)
	r = h.must(200, "PUT", base+"/es", map[string]any{"translation": map[string]any{"title": "Cómo pagar", "draft": true}})
	if r.str("translation", "updated_at") != r.str("translation", "created_at") {
		t.Errorf("no-op PUT moved updated_at: %s", r.raw)
	}
	r = h.must(200, "PUT", base+"/en-us", map[string]any{"translation": map[string]any{"title": "Paying", "draft": false}})
	if r.str("translation", "updated_at") == r.str("translation", "created_at") {
		t.Errorf("PUT kept updated_at: %s", r.raw)
	}
	// The article shows its source translation.
	a := h.must(200, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d", id), nil)
	if a.str("article", "title") != "Paying" || a.get("article", "draft") != false || a.str("article", "edited_at") == a.str("article", "created_at") {
		t.Errorf("article after translation PUT = %s", a.raw)
	}
	if r := h.must(200, "GET", base+"?locales=es", nil); len(r.get("translations").([]any)) != 1 {
		t.Errorf("locales filter = %s", r.raw)
	}
	if r := h.must(200, "GET", base+"?draft=true", nil); len(r.get("translations").([]any)) != 1 {
		t.Errorf("draft filter = %s", r.raw)
	}

	// The source translation cannot be deleted; another can.
	enID := num(h.must(200, "GET", base+"/en-us", nil).get("translation", "id"))
	if r := h.do("DELETE", fmt.Sprintf("/api/v2/help_center/translations/%d", enID), nil); r.status != 400 || r.get("errors", "locale") == nil {
		t.Errorf("delete source = %d %s", r.status, r.raw)
	}
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/translations/%d", esID), nil)
	h.must(404, "DELETE", fmt.Sprintf("/api/v2/help_center/translations/%d", esID), nil)
	d := h.srv.Dump().HelpCenter.Articles[0]
	if _, ok := d.Translation("es"); ok || len(d.Translations) != 1 {
		t.Errorf("translations after delete = %+v", d.Translations)
	}
}

// multipartFile builds an attachment request body.
func multipartFile(t *testing.T, name, contentType string, data []byte, inline bool) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("inline", fmt.Sprint(inline))
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	hdr.Set("Content-Type", contentType)
	p, err := w.CreatePart(hdr)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestHelpCenterAttachments(t *testing.T) {
	k := newKB(t, Options{MaxArticleAttachmentSize: 1 << 10})
	h := k.h
	id := num(k.article(201, nil).get("article", "id"))
	path := fmt.Sprintf("/api/v2/help_center/articles/%d/attachments", id)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)
	body, ct := multipartFile(t, "logo one.png", "image/png", png, true)
	r := h.request("POST", path, body, map[string]string{"Content-Type": ct})
	if r.status != 201 {
		t.Fatalf("create = %d %s", r.status, r.raw)
	}
	x := r.get("article_attachment").(map[string]any)
	attID := num(x["id"])
	wantURL := fmt.Sprintf("%s/hc/article_attachments/%d/logo%%20one.png", h.http.URL, attID)
	if x["content_url"] != wantURL || x["inline"] != true || num(x["size"]) != int64(len(png)) || x["content_type"] != "image/png" ||
		num(x["article_id"]) != id || x["file_name"] != "logo one.png" {
		t.Errorf("attachment = %s (want content_url %s)", r.raw, wantURL)
	}
	// The bytes are served to anyone, without credentials or API budget.
	res, err := http.Get(wantURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, png) || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Rate-Limit") != "" {
		t.Errorf("GET content_url = %d %q %v", res.StatusCode, res.Header.Get("Content-Type"), res.Header)
	}
	if r := h.must(200, "GET", path, nil); len(r.get("article_attachments").([]any)) != 1 {
		t.Errorf("list = %s", r.raw)
	}
	// Over the size limit, no file, not multipart.
	big, ct2 := multipartFile(t, "big.pdf", "application/pdf", bytes.Repeat([]byte("x"), 1<<10+1), false)
	if r := h.request("POST", path, big, map[string]string{"Content-Type": ct2}); r.status != 400 || r.get("errors", "file") == nil {
		t.Errorf("too big = %d %s", r.status, r.raw)
	}
	if r := h.do("POST", path, map[string]any{"inline": true}); r.status != 400 || r.get("errors", "file") == nil {
		t.Errorf("JSON body = %d %s", r.status, r.raw)
	}
	// A name whose extension contradicts its type is flagged.
	odd, ct3 := multipartFile(t, "photo.pdf", "image/png", png, true)
	h.request("POST", path, odd, map[string]string{"Content-Type": ct3})
	if fl := h.srv.Dump().Flags; len(fl) != 1 || fl[0].Rule != FlagUploadName {
		t.Errorf("flags = %+v", fl)
	}
	if d := h.srv.Dump().HelpCenter.Attachments; len(d) != 2 || d[0].SHA256 == "" {
		t.Errorf("dump attachments = %+v", d)
	}
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/articles/attachments/%d", attID), nil)
	if res, _ := http.Get(wantURL); res == nil || res.StatusCode != 404 {
		t.Errorf("deleted attachment still served")
	}
}

func TestHelpCenterPublicPages(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	r := k.article(201, map[string]any{"title": "Paying <fast>", "body": "<p>Tap the card.</p>"})
	id := num(r.get("article", "id"))
	h.must(201, "POST", fmt.Sprintf("/api/v2/help_center/articles/%d/translations", id), map[string]any{"translation": map[string]any{"locale": "de", "title": "Bezahlen", "body": "<p>Karte.</p>"}})
	get := func(path string) (int, string) {
		res, err := http.Get(h.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	htmlURL := r.str("article", "html_url")
	for path, want := range map[string]string{
		strings.TrimPrefix(htmlURL, h.http.URL):            "<h1>Paying &lt;fast&gt;</h1>\n<p>Tap the card.</p>",
		fmt.Sprintf("/hc/en-us/articles/%d", id):           "<p>Tap the card.</p>",
		fmt.Sprintf("/hc/de/articles/%d-old-slug", id):     "<h1>Bezahlen</h1>",
		fmt.Sprintf("/hc/es/articles/%d", id):              "",
		fmt.Sprintf("/hc/en-us/articles/%d", id+1):         "",
		fmt.Sprintf("/hc/en-us/articles/x%d", id):          "",
		fmt.Sprintf("/hc/en-us/sections/%d", k.section):    "",
		fmt.Sprintf("/api/v2/help_center/articles/%d", id): "401",
	} {
		status, body := get(path)
		switch {
		case want == "401":
			if status != 401 {
				t.Errorf("%s without credentials = %d", path, status)
			}
		case want == "":
			if status != 404 {
				t.Errorf("%s = %d, want 404", path, status)
			}
		case status != 200 || !strings.Contains(body, want):
			t.Errorf("%s = %d %q, want it to hold %q", path, status, body, want)
		}
	}
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/help_center/articles/%d", id), nil)
	if status, _ := get(fmt.Sprintf("/hc/en-us/articles/%d", id)); status != 404 {
		t.Errorf("archived article page = %d", status)
	}
}

// TestHelpCenterOwnRateLimit: each API spends its own budget, with its
// own headers and 429s.
func TestHelpCenterOwnRateLimit(t *testing.T) {
	h := newHarness(t, Options{Limit: 3, HelpCenterLimit: 2, Window: time.Second})
	for i, want := range []string{"1", "0"} {
		r := h.must(200, "GET", "/api/v2/help_center/locales", nil)
		if r.header.Get("X-Rate-Limit") != "2" || r.header.Get("ratelimit-remaining") != want {
			t.Errorf("help center request %d headers = %v", i, r.header)
		}
	}
	r := h.do("GET", "/api/v2/help_center/en-us/articles", nil)
	if r.status != 429 || r.header.Get("Retry-After") != "1" || r.str("errors", "0", "code") != "TooManyRequests" {
		t.Fatalf("help center past its limit = %d %v %s", r.status, r.header, r.raw)
	}
	// Support's budget is untouched…
	for i, want := range []string{"2", "1", "0"} {
		r := h.must(200, "GET", "/api/v2/users/me", nil)
		if r.header.Get("X-Rate-Limit") != "3" || r.header.Get("X-Rate-Limit-Remaining") != want {
			t.Errorf("support request %d headers = %v", i, r.header)
		}
	}
	h.must(429, "GET", "/api/v2/users/me", nil)
	// …and the next window refills the Help Center's without Support's
	// 429 counting Help Center requests as early retries.
	h.clock.Advance(time.Second)
	h.must(200, "GET", "/api/v2/guide/permission_groups", nil)
	h.must(200, "GET", "/api/v2/users/me", nil)
	if st := h.srv.Stats(); st.TooMany != 2 || st.EarlyRetries != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestHelpCenterDumpCounts(t *testing.T) {
	k := newKB(t, Options{})
	h := k.h
	id := num(k.article(201, map[string]any{"draft": true}).get("article", "id"))
	for _, l := range []string{"es", "de"} {
		h.must(201, "POST", fmt.Sprintf("/api/v2/help_center/articles/%d/translations", id), map[string]any{"translation": map[string]any{"locale": l, "title": "T " + l, "draft": l == "de"}})
	}
	d := h.srv.Dump().HelpCenter
	drafts := 0
	for _, tr := range d.Articles[0].Translations {
		if tr.Draft {
			drafts++
		}
	}
	if len(d.Articles) != 1 || len(d.Articles[0].Translations) != 3 || drafts != 2 || len(d.PermissionGroups) != 1 || len(d.UserSegments) != 2 ||
		d.Articles[0].Article.Locale != "en-us" {
		t.Errorf("dump = %+v", d)
	}
	// A dump is a copy.
	d.Articles[0].Article.LabelNames = append(d.Articles[0].Article.LabelNames, "x")
	if len(h.srv.Dump().HelpCenter.Articles[0].Article.LabelNames) != 0 {
		t.Error("changing a dump changed the server")
	}
}
