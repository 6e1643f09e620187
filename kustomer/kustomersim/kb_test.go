package kustomersim

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/record"
)

// Tags of the knowledge base fixture's ids.
const (
	tKBCategory = 0xd0 + iota
	tKBArticle
	tKBVersion
	tMedia
)

const gifBytes = "GIF89a fake gif"

// kbMediaURL is a media's URL as the export holds it.
func kbMediaURL(n int) string {
	return "https://acme.api.kustomerapp.com/v1/media/" + id(tMedia, n) + "/download"
}

func kbVersion(n int, lang, title, status, body string) obj {
	v := obj{"_id": id(tKBVersion, n), "lang": lang, "title": title, "slug": strings.ToLower(strings.ReplaceAll(title, " ", "-")),
		"htmlBody": body, "status": status, "scope": "public", "createdAt": tsA, "updatedAt": tsB}
	if status == "published" {
		v["publishedAt"] = tsB
	}
	return obj{"currentVersion": obj{"id": v}}
}

// kbFixture is a small knowledge base: a root, two categories under it and
// one under those, three articles and two media, one without its file.
func kbFixture() *fixture {
	f := smallFixture()
	kb := id(0xdf, 1)
	cat := func(n int, title string, parent int, created string) obj {
		attrs := obj{"langs": obj{"en_us": obj{"title": title, "slug": strings.ToLower(title), "description": "", "disabled": false}},
			"published": true, "root": parent == 0, "knowledgeBase": kb, "position": 0, "createdAt": created, "updatedAt": created}
		var rels obj
		if parent > 0 {
			rels = obj{"parent": rel("kb_category", id(tKBCategory, parent))}
		}
		return res("kb_category", id(tKBCategory, n), attrs, rels)
	}
	// A child listed before its parent: order of lines carries no meaning.
	f.add("kb_categories.ndjson",
		cat(4, "Kettles", 3, "2026-01-04T00:00:00.000Z"),
		cat(1, "Root", 0, "2026-01-01T00:00:00.000Z"),
		cat(2, "Orders", 1, "2026-01-02T00:00:00.000Z"),
		cat(3, "Products", 1, "2026-01-03T00:00:00.000Z"),
	)
	article := func(n int, created string, attrs obj) obj {
		base := obj{"title": "t", "status": "published", "scope": "public", "source": "en_us", "hash": "h" + strconv.Itoa(n),
			"categories": []obj{{"id": id(tKBCategory, 2), "knowledgeBase": kb}}, "deleted": false, "createdAt": created, "updatedAt": created}
		for k, v := range attrs {
			base[k] = v
		}
		return res("kb_article", id(tKBArticle, n), base, obj{"createdBy": rel("user", id(tUser, 1))})
	}
	f.add("kb_articles.ndjson",
		article(1, tsA, obj{"title": "Returns", "langVersions": obj{
			"en_us": kbVersion(1, "en_us", "Returns", "published", `<p>Send it back.</p><p><img src="`+kbMediaURL(1)+`"></p>`),
			"es":    kbVersion(2, "es", "Devoluciones", "draft", `<p>Devuélvelo.</p><p><img src="`+kbMediaURL(2)+`"></p>`),
		}}),
		article(2, tsB, obj{"title": "Old promo", "deleted": true, "langVersions": obj{
			"en_us": kbVersion(3, "en_us", "Old promo", "published", "<p>Gone.</p>"),
		}}),
		// Read without includeLang by an older extract: the versions are
		// only their ids, and stay so whatever a request asks.
		article(3, tsC, obj{"title": "Sizes", "source": "de", "langVersions": obj{
			"de": obj{"currentVersion": obj{"id": id(tKBVersion, 4)}},
		}}),
	)
	f.add("kb_media.ndjson",
		res("media", id(tMedia, 1), obj{"name": "step-1.png", "contentType": "image/png", "contentLength": len(pngBytes), "url": kbMediaURL(1), "createdAt": tsA, "updatedAt": tsA}, nil),
		res("media", id(tMedia, 2), obj{"name": "gone.gif", "contentType": "image/gif", "contentLength": 999, "url": kbMediaURL(2), "createdAt": tsA, "updatedAt": tsA}, nil),
		res("media", id(tMedia, 3), obj{"name": "spinner.gif", "contentType": "image/gif", "contentLength": len(gifBytes), "url": kbMediaURL(3), "createdAt": tsB, "updatedAt": tsB}, nil),
	)
	f.files[id(tMedia, 1)] = []byte(pngBytes)
	f.files[id(tMedia, 3)] = []byte(gifBytes)
	return f
}

func TestKBAbsentFilesAreEmpty(t *testing.T) {
	h := serve(t, smallFixture(), Options{})
	for _, p := range []string{"/v1/kb/categories", "/v1/kb/articles", "/v1/kb/articles?includeLang=en_us&includeBody=true"} {
		r := h.get(p)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
		if diff := cmp.Diff([]string{}, r.ids(t)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
	for _, p := range []string{"/v1/media/" + id(tMedia, 1), "/v1/media/" + id(tMedia, 1) + "/download", "/v1/kb/articles/" + id(tKBArticle, 1)} {
		if r := h.get(p); r.status != 404 || !strings.Contains(string(r.body), `"code":"not_found"`) {
			t.Errorf("%s: %d %s, want 404 not_found", p, r.status, r.body)
		}
	}
	counts := h.srv.Dataset().Counts()
	if counts["kb_category"] != 0 || counts["kb_article"] != 0 || counts["media"] != 0 {
		t.Errorf("counts %v, want no knowledge base", counts)
	}
}

func TestKBCategories(t *testing.T) {
	h := serve(t, kbFixture(), Options{})
	all := []string{id(tKBCategory, 1), id(tKBCategory, 2), id(tKBCategory, 3), id(tKBCategory, 4)}
	if diff := cmp.Diff(all, h.get("/v1/kb/categories").ids(t)); diff != "" {
		t.Errorf("categories, oldest first (-want +got):\n%s", diff)
	}
	r := h.get("/v1/kb/categories?page=2&pageSize=3")
	if diff := cmp.Diff(all[3:], r.ids(t)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	env := r.json(t)
	wantLinks := obj{"self": "/v1/kb/categories?page=2&pageSize=3", "first": "/v1/kb/categories?page=1&pageSize=3",
		"prev": "/v1/kb/categories?page=1&pageSize=3", "next": nil}
	if diff := cmp.Diff(wantLinks, env["links"]); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(obj{"page": 2.0, "pageSize": 3.0}, env["meta"]); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	if r := h.get("/v1/kb/categories?pageSize=1000"); len(r.ids(t)) != 4 || !strings.Contains(string(r.body), `"pageSize":100`) {
		t.Errorf("pageSize 1000 not clamped to 100: %s", r.body)
	}
	// A category is served as read.
	one := h.get("/v1/kb/categories/" + id(tKBCategory, 4))
	if want := `{"data":` + kbFixture().lines["kb_categories.ndjson"][0] + `}`; string(one.body) != want {
		t.Errorf("category served as\n%s\nwant\n%s", one.body, want)
	}
	for _, p := range []string{"/v1/kb/categories/" + id(tKBCategory, 9), "/v1/kb/categories/nope", "/v1/kb/categories?page=0"} {
		want := 404
		if strings.Contains(p, "page=") {
			want = 400
		}
		if r := h.get(p); r.status != want {
			t.Errorf("%s: %d, want %d", p, r.status, want)
		}
	}
}

// versions returns langVersions.<lang>.currentVersion.id of an article.
func versions(t *testing.T, article any) map[string]any {
	t.Helper()
	lv := article.(obj)["attributes"].(obj)["langVersions"].(obj)
	out := map[string]any{}
	for lang, v := range lv {
		out[lang] = v.(obj)["currentVersion"].(obj)["id"]
	}
	return out
}

func TestKBArticles(t *testing.T) {
	h := serve(t, kbFixture(), Options{})
	get := func(path string) []any {
		t.Helper()
		r := h.get(path)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		data, _ := r.json(t)["data"].([]any)
		return data
	}
	populated := func(n int, lang, title, status string, published bool, body string) obj {
		v := obj{"_id": id(tKBVersion, n), "lang": lang, "title": title, "slug": strings.ToLower(title), "status": status,
			"scope": "public", "createdAt": tsA, "updatedAt": tsB}
		if published {
			v["publishedAt"] = tsB
		}
		if body != "" {
			v["htmlBody"] = body
		}
		return v
	}
	enBody := `<p>Send it back.</p><p><img src="` + h.ts.URL + `/v1/media/` + id(tMedia, 1) + `/download"></p>`
	esBody := `<p>Devuélvelo.</p><p><img src="` + h.ts.URL + `/v1/media/` + id(tMedia, 2) + `/download"></p>`
	for _, tc := range []struct {
		query string
		want  map[string]any // versions of article 1
	}{
		{"", map[string]any{"en_us": id(tKBVersion, 1), "es": id(tKBVersion, 2)}},
		{"?includeBody=true", map[string]any{"en_us": id(tKBVersion, 1), "es": id(tKBVersion, 2)}},
		{"?includeLang=en_us", map[string]any{"en_us": populated(1, "en_us", "Returns", "published", true, ""), "es": id(tKBVersion, 2)}},
		{"?includeLang=es&includeBody=true", map[string]any{"en_us": id(tKBVersion, 1), "es": populated(2, "es", "Devoluciones", "draft", false, esBody)}},
		{"?includeLang=en_us,es&includeBody=true", map[string]any{"en_us": populated(1, "en_us", "Returns", "published", true, enBody), "es": populated(2, "es", "Devoluciones", "draft", false, esBody)}},
		{"?includeLang=en_us&includeLang=es&includeBody=false", map[string]any{"en_us": populated(1, "en_us", "Returns", "published", true, ""), "es": populated(2, "es", "Devoluciones", "draft", false, "")}},
		{"?includeLang=en_us,%20es,&includeBody=1", map[string]any{"en_us": populated(1, "en_us", "Returns", "published", true, enBody), "es": populated(2, "es", "Devoluciones", "draft", false, esBody)}},
		{"?includeLang=fr", map[string]any{"en_us": id(tKBVersion, 1), "es": id(tKBVersion, 2)}},
	} {
		data := get("/v1/kb/articles" + tc.query)
		if len(data) != 3 {
			t.Fatalf("%s: %d articles, want 3", tc.query, len(data))
		}
		if diff := cmp.Diff(tc.want, versions(t, data[0])); diff != "" {
			t.Errorf("%s: article 1 versions (-want +got):\n%s", tc.query, diff)
		}
		// The same through the single-article endpoint.
		r := h.get("/v1/kb/articles/" + id(tKBArticle, 1) + tc.query)
		if diff := cmp.Diff(tc.want, versions(t, r.json(t)["data"])); diff != "" {
			t.Errorf("GET one%s: versions (-want +got):\n%s", tc.query, diff)
		}
		// A version the line holds only as an id stays an id.
		if diff := cmp.Diff(map[string]any{"de": id(tKBVersion, 4)}, versions(t, data[2])); diff != "" {
			t.Errorf("%s: article 3 versions (-want +got):\n%s", tc.query, diff)
		}
	}

	// Deleted articles are served.
	data := get("/v1/kb/articles?includeLang=en_us")
	if del := data[1].(obj)["attributes"].(obj)["deleted"]; del != true {
		t.Errorf("article 2: deleted = %v, want true", del)
	}

	// With every language and the bodies, an article is its line (the
	// media URLs pointed at this server), members in their order.
	r := h.get("/v1/kb/articles/" + id(tKBArticle, 1) + "?includeLang=en_us,es&includeBody=true")
	line := strings.ReplaceAll(kbFixture().lines["kb_articles.ndjson"][0], "https://acme.api.kustomerapp.com/v1/media/", h.ts.URL+"/v1/media/")
	if want := `{"data":` + line + `}`; string(r.body) != want {
		t.Errorf("article served as\n%s\nwant\n%s", r.body, want)
	}

	// The engine's decoder reads both forms.
	for _, tc := range []struct {
		query     string
		populated bool
	}{{"", false}, {"?includeLang=en_us,es&includeBody=true", true}} {
		var env struct{ Data json.RawMessage }
		must(t, json.Unmarshal(h.get("/v1/kb/articles/"+id(tKBArticle, 1)+tc.query).body, &env))
		rec, err := record.DecodeJSON(env.Data)
		if err != nil {
			t.Fatalf("%s: record.DecodeJSON: %v", tc.query, err)
		}
		a := rec.(*record.KBArticle)
		if len(a.Versions) != 2 || a.Versions[0].Lang != "en_us" || a.Versions[0].ID != id(tKBVersion, 1) {
			t.Fatalf("%s: versions %+v", tc.query, a.Versions)
		}
		for _, v := range a.Versions {
			if v.Populated != tc.populated || (v.Body != "") != tc.populated {
				t.Errorf("%s: %s version populated %v, body %q", tc.query, v.Lang, v.Populated, v.Body)
			}
		}
	}

	// Pages keep the parameters.
	p := h.get("/v1/kb/articles?includeLang=es&includeBody=true&pageSize=1&page=2")
	if diff := cmp.Diff([]string{id(tKBArticle, 2)}, p.ids(t)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	if next := p.json(t)["links"].(obj)["next"]; next != "/v1/kb/articles?page=3&pageSize=1&includeBody=true&includeLang=es" {
		t.Errorf("links.next = %v", next)
	}

	for _, tc := range []struct {
		path   string
		status int
		code   string
		says   string
	}{
		{"/v1/kb/articles/" + id(tKBArticle, 9), 404, "not_found", "kb_article " + id(tKBArticle, 9) + " not found"},
		{"/v1/kb/articles/" + id(tKBCategory, 1), 404, "not_found", "not found"},
		{"/v1/kb/articles?includeLang=en-US", 400, "bad_request", `includeLang "en-US" is not a Kustomer language code`},
		{"/v1/kb/articles/" + id(tKBArticle, 1) + "?includeLang=EN_US", 400, "bad_request", "language code"},
		{"/v1/kb/articles?includeBody=yes", 400, "bad_request", `includeBody "yes" is not true or false`},
		{"/v1/kb/articles?page=x", 400, "bad_request", "page"},
	} {
		r := h.get(tc.path)
		var body struct {
			Errors []struct{ Code, Message string }
		}
		_ = json.Unmarshal(r.body, &body)
		if r.status != tc.status || len(body.Errors) != 1 || body.Errors[0].Code != tc.code || !strings.Contains(body.Errors[0].Message, tc.says) {
			t.Errorf("%s: %d %s, want %d %s saying %q", tc.path, r.status, r.body, tc.status, tc.code, tc.says)
		}
	}
}

func TestKBMedia(t *testing.T) {
	h := serve(t, kbFixture(), Options{})
	m := h.get("/v1/media/" + id(tMedia, 1)).json(t)["data"].(obj)
	if m["type"] != "media" || m["id"] != id(tMedia, 1) {
		t.Fatalf("media %v", m)
	}
	if u := m["attributes"].(obj)["url"]; u != h.ts.URL+"/v1/media/"+id(tMedia, 1)+"/download" {
		t.Errorf("url %v, want this server's download URL", u)
	}
	for _, tc := range []struct {
		n          int
		body, ct   string
		wantStatus int
	}{{1, pngBytes, "image/png", 200}, {3, gifBytes, "image/gif", 200}} {
		r := h.get("/v1/media/" + id(tMedia, tc.n) + "/download")
		if r.status != tc.wantStatus || string(r.body) != tc.body {
			t.Errorf("media %d download: %d %q", tc.n, r.status, r.body)
		}
		if ct, cl := r.header.Get("Content-Type"), r.header.Get("Content-Length"); ct != tc.ct || cl != strconv.Itoa(len(tc.body)) {
			t.Errorf("media %d: Content-Type %q, Content-Length %q; want %s, %d", tc.n, ct, cl, tc.ct, len(tc.body))
		}
		if r.header.Get("x-ratelimit-remaining") == "" {
			t.Errorf("media %d download has no rate limit headers", tc.n)
		}
	}
	// Following the url of the record gets the bytes.
	u := strings.TrimPrefix(m["attributes"].(obj)["url"].(string), h.ts.URL)
	if r := h.get(u); r.status != 200 || string(r.body) != pngBytes {
		t.Errorf("GET url: %d", r.status)
	}
	for _, tc := range []struct{ path, says string }{
		{"/v1/media/" + id(tMedia, 2) + "/download", "media " + id(tMedia, 2) + " has no content"},
		{"/v1/media/" + id(tMedia, 9) + "/download", "media " + id(tMedia, 9) + " not found"},
		{"/v1/media/" + id(tMedia, 9), "media " + id(tMedia, 9) + " not found"},
		{"/v1/media/not-an-id/download", "not found"},
		{"/v1/media/" + id(tAttachment, 1) + "/download", "not found"}, // an attachment is not a media
	} {
		r := h.get(tc.path)
		if r.status != 404 || !strings.Contains(string(r.body), `"code":"not_found"`) || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%s: %d %s, want 404 saying %q", tc.path, r.status, r.body, tc.says)
		}
	}
}

// TestKBRateLimit: the knowledge base spends from the org window like
// every other endpoint, downloads included.
func TestKBRateLimit(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	h := serve(t, kbFixture(), Options{Limit: 3, Window: time.Minute, Clock: clock.now})
	for i, p := range []string{"/v1/kb/categories", "/v1/kb/articles?includeLang=en_us", "/v1/media/" + id(tMedia, 1) + "/download"} {
		r := h.get(p)
		if r.status != 200 || r.header.Get("x-ratelimit-limit") != "3" || r.header.Get("x-ratelimit-remaining") != strconv.Itoa(2-i) {
			t.Fatalf("%s: %d, limit %s remaining %s", p, r.status, r.header.Get("x-ratelimit-limit"), r.header.Get("x-ratelimit-remaining"))
		}
	}
	r := h.get("/v1/kb/articles/" + id(tKBArticle, 1))
	if r.status != 429 || !strings.Contains(string(r.body), `"code":"too_many_requests"`) {
		t.Errorf("4th request: %d %s, want 429", r.status, r.body)
	}
	snap := h.srv.Stats()
	for _, route := range []string{"GET /v1/kb/categories", "GET /v1/kb/articles", "GET /v1/media/{id}/download", "GET /v1/kb/articles/{id}"} {
		if snap.ByRoute[route] != 1 {
			t.Errorf("stats: %s counted %d times, want 1 (%v)", route, snap.ByRoute[route], snap.ByRoute)
		}
	}
}

func TestKBLoadProblems(t *testing.T) {
	f := newFixture()
	article := func(n int, langVersions any) string {
		b, _ := json.Marshal(res("kb_article", id(tKBArticle, n), obj{"langVersions": langVersions, "createdAt": tsA}, nil))
		return string(b)
	}
	f.lines["kb_articles.ndjson"] = []string{
		article(1, obj{"en_us": kbVersion(1, "en_us", "Fine", "published", "<p>ok</p>")}),
		article(2, []string{"en_us"}),
		article(3, obj{"es": obj{"draftVersion": obj{}}}),
		article(4, obj{"es": obj{"currentVersion": obj{"id": 5}}}),
		article(5, obj{"de": obj{"currentVersion": obj{"id": obj{"title": "no id"}}}}),
		`{"type":"kb_article","id":"` + id(tKBArticle, 6) + `","attributes":"none"}`,
		`{"type":"media","id":"` + id(tMedia, 1) + `"}`,
	}
	f.lines["kb_media.ndjson"] = []string{`{"type":"media","id":"` + id(tMedia, 1) + `","attributes":{"contentLength":"big","createdAt":"soon"}}`}
	dir := f.write(t)
	_, err := Load(dir)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Load: got %v, want a *LoadError", err)
	}
	arts, media := filepath.Join(dir, "kb_articles.ndjson"), filepath.Join(dir, "kb_media.ndjson")
	want := []Problem{
		{File: arts, Line: 2, Message: "attributes.langVersions: JSON array where the format has an object of languages"},
		{File: arts, Line: 3, Message: "attributes.langVersions.es has no currentVersion"},
		{File: arts, Line: 4, Message: "attributes.langVersions.es.currentVersion.id: JSON number where the format has the version (an object) or its id (a string)"},
		{File: arts, Line: 5, Message: "attributes.langVersions.de.currentVersion.id has no _id string; a populated version is {_id, lang, title, slug, htmlBody, status, …}"},
		{File: arts, Line: 6, Message: "attributes: JSON string where the format has an object"},
		{File: arts, Line: 7, Message: `type "media" does not belong in kb_articles.ndjson, which holds type "kb_article"`},
		{File: media, Line: 1, Message: `attributes.createdAt "soon" is not an ISO-8601 UTC timestamp such as 2024-03-01T09:30:00.000Z`},
	}
	if diff := cmp.Diff(want, le.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
