package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// newHCApplied generates a dataset, maps it with a directory of
// engine/testdata (helpcenter: the default template and the Help
// Center's; kbonly: the Help Center's alone) and applies it.
func newHCApplied(t *testing.T, profile string, seed int64, mapping string) *rig {
	t.Helper()
	r := newRig(t, profile, seed)
	cfg, diags := dsl.Load(filepath.Join("..", "testdata", mapping), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.Cfg = cfg
	r.apply(nil)
	return r
}

// hcRequests counts the Help Center requests the simulator answered: the
// API's, and the public pages read without credentials.
func hcRequests(r *rig) (api, public int64) {
	for route, n := range r.Sim.Stats().ByRoute {
		switch {
		case strings.Contains(route, "/api/v2/help_center/") || strings.Contains(route, "/api/v2/guide/"):
			api += n
		case strings.Contains(route, " /hc/") || strings.HasPrefix(route, "/hc/"):
			public += n
		}
	}
	return api, public
}

func kindCount(t *testing.T, rep *Report, k kind.Kind) KindCount {
	t.Helper()
	for _, kc := range rep.Kinds {
		if kc.Kind == k {
			return kc
		}
	}
	t.Fatalf("the report has no %s row", k)
	return KindCount{}
}

// TestVerifyHelpCenter verifies complete Help Center migrations (two
// profiles, with the rest of the organisation and alone), comparing every
// record: no differences, every Help Center kind counted three ways and
// compared, the locales agreeing, images and links among what was
// compared. It logs what the Help Center part of verify cost.
func TestVerifyHelpCenter(t *testing.T) {
	for _, c := range []struct {
		profile, mapping string
		seed             int64
	}{{"small", "helpcenter", 5}, {"small", "kbonly", 9}, {"edge", "kbonly", 4}} {
		t.Run(fmt.Sprint(c.profile, c.seed, c.mapping), func(t *testing.T) {
			if c.profile == "edge" && testing.Short() {
				t.Skip("edge dataset")
			}
			r := newHCApplied(t, c.profile, c.seed, c.mapping)
			api, public := hcRequests(r)
			rep := r.verify(7, 100000)
			api2, public2 := hcRequests(r)
			if !rep.OK() {
				logReport(t, rep)
				t.Fatalf("%d differences after a complete apply", len(rep.Differences))
			}
			for _, k := range kind.All {
				if !k.HelpCenter() {
					continue
				}
				kc := kindCount(t, rep, k)
				if kc.Desired == 0 || kc.Desired != kc.Checkpoint || kc.Checkpoint != kc.Zendesk || kc.Compared != kc.Zendesk {
					t.Errorf("%s: mapping %d, checkpoint %d, Zendesk %d, compared %d; want all equal and > 0", k, kc.Desired, kc.Checkpoint, kc.Zendesk, kc.Compared)
				}
			}
			if c.mapping == "helpcenter" {
				if kc := kindCount(t, rep, kind.Ticket); kc.Desired == 0 || kc.Zendesk != kc.Desired {
					t.Errorf("tickets %+v; want all written and found", kc)
				}
			}
			if len(rep.HelpCenterLocales) < 2 {
				t.Errorf("locales %+v; want several", rep.HelpCenterLocales)
			}
			articles := kindCount(t, rep, kind.HCArticle).Desired
			sum := 0
			for _, l := range rep.HelpCenterLocales {
				sum += l.Desired
				if l.Desired == 0 || l.Desired != l.Zendesk || l.Desired > articles {
					t.Errorf("locale %+v: want mapping and Zendesk equal, > 0, at most the %d articles", l, articles)
				}
			}
			if sum != kindCount(t, rep, kind.HCTranslation).Desired {
				t.Errorf("locales count %d translations, the mapping makes %d", sum, kindCount(t, rep, kind.HCTranslation).Desired)
			}
			why := map[string]bool{}
			for _, cmp := range rep.Compared {
				for _, w := range cmp.Why {
					why[strings.SplitN(w, " (", 2)[0]] = true
				}
			}
			for _, w := range []string{"most images", "most links to articles", "longest body"} {
				if !why[w] {
					t.Errorf("no translation compared as %q; reasons: %v", w, why)
				}
			}
			hc := r.Sim.Dump().HelpCenter
			images := 0
			for _, a := range hc.Articles {
				for _, tr := range a.Translations {
					images += strings.Count(tr.Body, "<img")
				}
			}
			t.Logf("Help Center: %d categories, %d sections, %d articles, %d attachments, %d translations; %d images in the bodies",
				kindCount(t, rep, kind.HCCategory).Zendesk, kindCount(t, rep, kind.HCSection).Zendesk, articles,
				kindCount(t, rep, kind.HCAttachment).Zendesk, kindCount(t, rep, kind.HCTranslation).Zendesk, images)
			t.Logf("verify's Help Center requests, comparing everything: %d API, %d public pages; locales %+v", api2-api, public2-public, rep.HelpCenterLocales)
			a3, p3 := hcRequests(r)
			def := r.verify(7, 0)
			a4, p4 := hcRequests(r)
			if !def.OK() {
				logReport(t, def)
				t.Fatal("differences with the default sample")
			}
			t.Logf("with the default sample (%d per kind): %d API, %d public pages; %d translations compared",
				DefaultSample, a4-a3, p4-p3, kindCount(t, def, kind.HCTranslation).Compared)
		})
	}
}

// hcKeys maps the checkpoint's Zendesk ids of a kind to their keys.
func hcKeys(t *testing.T, r *rig, k kind.Kind) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	err := r.Store.ForEach(string(k), func(key string, e checkpoint.Entry) error {
		id, err := strconv.ParseInt(e.ZendeskID, 10, 64)
		out[id] = key
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var articleLink = regexp.MustCompile(`href="([^"]*/hc/([a-z-]+)/articles/(\d+)[^"]*)"`)

// TestVerifyHelpCenterFindsChanges breaks a migrated Help Center through
// Zendesk's API — an attachment deleted, a linked article archived, bodies
// edited to link to Kustomer, to say something else, to link to a
// locale the target lacks, to hold a placeholder — and checks verify
// names each record and what is wrong, and nothing else.
func TestVerifyHelpCenterFindsChanges(t *testing.T) {
	r := newHCApplied(t, "small", 9, "kbonly")
	ctx := context.Background()
	c := r.Client()
	if before := r.verify(9, 100000); !before.OK() {
		logReport(t, before)
		t.Fatal("differences after a complete apply")
	}
	articles, translations, attachments := hcKeys(t, r, kind.HCArticle), hcKeys(t, r, kind.HCTranslation), hcKeys(t, r, kind.HCAttachment)
	hc := r.Sim.Dump().HelpCenter
	locales := map[int64]map[string]bool{}
	for _, a := range hc.Articles {
		locales[a.Article.ID] = map[string]bool{}
		for _, tr := range a.Translations {
			locales[a.Article.ID][tr.Locale] = true
		}
	}
	want := map[string][]string{} // key → what a difference of it says
	allowed := map[string]bool{}  // keys that may have differences
	used := map[int64]bool{}      // articles already broken
	expect := func(key string, msgs ...string) {
		want[key] = append(want[key], msgs...)
		allowed[key] = true
	}
	type found struct {
		art zendesksim.HCArticleState
		tr  zendesksim.HCTranslation
	}
	// pick finds a translation of an article not broken yet.
	pick := func(ok func(a zendesksim.HCArticleState, tr zendesksim.HCTranslation) bool) found {
		t.Helper()
		for _, a := range hc.Articles {
			if used[a.Article.ID] {
				continue
			}
			for _, tr := range a.Translations {
				if translations[tr.ID] != "" && ok(a, tr) {
					used[a.Article.ID] = true
					return found{a, tr}
				}
			}
		}
		t.Fatal("no translation to break")
		return found{}
	}
	edit := func(f found, body string) {
		t.Helper()
		if _, err := c.HCUpdateTranslation(ctx, f.art.Article.ID, zendesk.HCTranslation{Locale: f.tr.Locale, Title: f.tr.Title, Body: body, Draft: f.tr.Draft}); err != nil {
			t.Fatal(err)
		}
	}

	// An article another one links to, archived in Guide: it, its
	// translations and attachments are missing, and the links to it
	// point at nothing.
	linking := pick(func(a zendesksim.HCArticleState, tr zendesksim.HCTranslation) bool {
		for _, m := range articleLink.FindAllStringSubmatch(tr.Body, -1) {
			if id, _ := strconv.ParseInt(m[3], 10, 64); id != a.Article.ID && !used[id] {
				return true
			}
		}
		return false
	})
	m := articleLink.FindStringSubmatch(linking.tr.Body)
	archived, _ := strconv.ParseInt(m[3], 10, 64)
	used[archived] = true
	if err := c.HCDeleteArticle(ctx, archived); err != nil {
		t.Fatal(err)
	}
	expect(articles[archived], "in the checkpoint, but Zendesk does not have it")
	for _, a := range hc.Articles {
		for _, tr := range a.Translations {
			if a.Article.ID == archived {
				expect(translations[tr.ID], fmt.Sprintf("its article %s (Help Center article %d) is not in the Help Center", articles[archived], archived))
			}
			for _, l := range articleLink.FindAllStringSubmatch(tr.Body, -1) {
				if l[3] == strconv.FormatInt(archived, 10) && a.Article.ID != archived {
					used[a.Article.ID] = true
					expect(translations[tr.ID], fmt.Sprintf("points at %s (Help Center article %d), which the Help Center does not have", articles[archived], archived))
				}
			}
		}
	}
	for _, x := range hc.Attachments {
		if x.ArticleID == archived {
			expect(attachments[x.ID], "is not in the Help Center")
		}
	}

	// An attachment a body shows, deleted.
	var gone zendesksim.HCAttachment
	for _, x := range hc.Attachments {
		if !used[x.ArticleID] {
			gone = x
			break
		}
	}
	used[gone.ArticleID] = true
	if err := c.HCDeleteAttachment(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	expect(attachments[gone.ID], "in the checkpoint, but Zendesk does not have it")
	for _, a := range hc.Articles {
		for _, tr := range a.Translations {
			if strings.Contains(tr.Body, gone.ContentURL) {
				expect(translations[tr.ID], fmt.Sprintf("image %s is not one of its article's attachments (it answers 404)", gone.ContentURL))
			}
		}
	}

	// A body that links to Kustomer again.
	kustomer := pick(func(zendesksim.HCArticleState, zendesksim.HCTranslation) bool { return true })
	edit(kustomer, kustomer.tr.Body+`<p><a href="https://acme.kustomer.help/en_us/returns-abc123"></a></p>`)
	expect(translations[kustomer.tr.ID], "link https://acme.kustomer.help/en_us/returns-abc123 points at Kustomer")

	// A body edited in Guide.
	text := pick(func(zendesksim.HCArticleState, zendesksim.HCTranslation) bool { return true })
	edit(text, "<p>Edited in Guide.</p>"+text.tr.Body)
	expect(translations[text.tr.ID], `body text differs from the plan's from character 1: is "Edited in Guide.`)

	// A link moved to a locale its article has no translation in.
	var from, to, missingLocale string
	wrong := pick(func(a zendesksim.HCArticleState, tr zendesksim.HCTranslation) bool {
		for _, l := range articleLink.FindAllStringSubmatch(tr.Body, -1) {
			id, _ := strconv.ParseInt(l[3], 10, 64)
			for _, loc := range hc.Locales {
				if !locales[id][loc] && id != archived {
					from, to, missingLocale = l[1], strings.Replace(l[1], "/hc/"+l[2]+"/", "/hc/"+loc+"/", 1), loc
					return true
				}
			}
		}
		return false
	})
	edit(wrong, strings.Replace(wrong.tr.Body, `href="`+from+`"`, `href="`+to+`"`, 1))
	expect(translations[wrong.tr.ID], "link "+to+" points at ", " in "+missingLocale+", a locale it has no translation in", "is missing from the body")

	// An image that holds its placeholder again.
	placeholder := pick(func(_ zendesksim.HCArticleState, tr zendesksim.HCTranslation) bool {
		return strings.Contains(tr.Body, "/hc/article_attachments/")
	})
	img := regexp.MustCompile(`src="([^"]*/hc/article_attachments/[^"]*)"`).FindStringSubmatch(placeholder.tr.Body)
	edit(placeholder, strings.Replace(placeholder.tr.Body, img[0], `src="kzmap:media/0123456789abcdef"`, 1))
	expect(translations[placeholder.tr.ID], "image kzmap:media/0123456789abcdef still holds a placeholder of the plan", "is missing from the body")

	after := r.verify(9, 100000)
	logReport(t, after)
	if after.OK() {
		t.Fatal("verify found nothing")
	}
	wantDifferences(t, after, want)
	for _, d := range after.Differences {
		if !allowed[d.Key] {
			t.Errorf("unexpected difference: %s", d.Message)
		}
		if d.Kind == kind.HCTranslation && d.What != "missing_in_zendesk" && (d.URL == "" || d.Name == "") {
			t.Errorf("difference without the translation's page or title: %+v", d)
		}
	}
	if kc := kindCount(t, after, kind.HCArticle); kc.MissingInZendesk != 1 || kc.Zendesk != kc.Checkpoint-1 {
		t.Errorf("article counts %+v; want one missing in Zendesk", kc)
	}
	if kc := kindCount(t, after, kind.HCAttachment); kc.MissingInZendesk == 0 || kc.Zendesk+kc.MissingInZendesk != kc.Checkpoint {
		t.Errorf("attachment counts %+v; want the deleted and the archived article's missing", kc)
	}
	for _, l := range after.HelpCenterLocales {
		if locales[archived][l.Locale] && l.Zendesk != l.Desired-1 {
			t.Errorf("locale %+v: want one article fewer in Zendesk, the archived one", l)
		}
	}
	hints := strings.Join(after.Hints(), "\n")
	if !strings.Contains(hints, "Help Center body, image and link differences") {
		t.Errorf("hints lack the Help Center's:\n%s", hints)
	}
}

// TestVerifyHelpCenterDeletedInKustomer deletes a migrated article in
// Kustomer: verify says the next apply archives it, and once apply has,
// finds nothing (the links to it unwrapped, its translations gone).
func TestVerifyHelpCenterDeletedInKustomer(t *testing.T) {
	r := newHCApplied(t, "small", 31, "kbonly")
	path := filepath.Join(r.Export, "kb_articles.ndjson")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	deleted := ""
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		attrs := rec["attributes"].(map[string]any)
		if attrs["deleted"] == true || deleted != "" {
			continue
		}
		deleted, attrs["deleted"] = rec["id"].(string), true
		b, _ := json.Marshal(rec)
		lines[i] = string(b)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	key := "hc_article.kb:" + deleted
	rep := r.verify(3, 100000)
	found := false
	for _, d := range differencesOf(rep, key) {
		found = found || (d.What == "outdated" && strings.Contains(d.Message, "deleted in Kustomer since it was written (kzmap plan shows it as a delete, and kzmap apply archives it)"))
	}
	if !found {
		logReport(t, rep)
		t.Fatalf("no difference says %s is to be archived", key)
	}
	if kc := kindCount(t, rep, kind.HCArticle); kc.Desired != kc.Checkpoint-1 || kc.Outdated < 1 {
		t.Errorf("article counts %+v; want one fewer desired than in the checkpoint", kc)
	}
	r.apply(nil)
	after := r.verify(3, 100000)
	if !after.OK() {
		logReport(t, after)
		t.Fatal("differences once apply archived the article")
	}
	for _, n := range after.Notes {
		t.Logf("note: %s", n.Message)
	}
}

// TestBodyHelpers reads a body's URLs (entities decoded, data-src not
// taken for src) and quotes where two texts first differ, spaces aside.
func TestBodyHelpers(t *testing.T) {
	got := bodyURLs(`<p><a class="x" href="/hc/en-us/articles/5?a=1&amp;b=2#top">A</a><IMG data-src="no" SRC='kzmap:media/7'><img src=plain.png></p>`)
	want := []bodyURL{{"a", "href", "/hc/en-us/articles/5?a=1&b=2#top"}, {"img", "src", "kzmap:media/7"}, {"img", "src", "plain.png"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bodyURLs: %v, want %v", got, want)
	}
	if text := bodyText("<p>Hello&nbsp;<b>big</b>\n  world</p>"); text != "Hello big world" {
		t.Errorf("bodyText: %q", text)
	}
	for _, c := range []struct {
		got, want, g, w string
		at              int
	}{
		{"Hello world", "Hello  there", "Hello world", "Hello  there", 8},
		{"a b c", "abd", "a b c", "abd", 3},
		{strings.Repeat("x", 30) + "y", strings.Repeat("x", 30) + "z", "…" + strings.Repeat("x", 20) + "y", "…" + strings.Repeat("x", 20) + "z", 31},
	} {
		g, w, at := firstDifference(c.got, c.want)
		if g != c.g || w != c.w || at != c.at {
			t.Errorf("firstDifference(%q, %q) = %q, %q, %d; want %q, %q, %d", c.got, c.want, g, w, at, c.g, c.w, c.at)
		}
	}
	for v, want := range map[string]bool{"https://acme.kustomer.help/en_us/a": true, "https://api.kustomerapp.com/v1/x": true, "/v1/media/5/x.png": true, "https://kustomer.example.com": false} {
		if kustomerURL(v) != want {
			t.Errorf("kustomerURL(%q) = %v", v, !want)
		}
	}
}
