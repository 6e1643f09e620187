package dataset

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kzmap/kzmap/record"
)

func generate(t *testing.T, opts Options) (string, Summary) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ds")
	s, err := Generate(context.Background(), opts, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

// checkProfile reads a generated dataset back and checks it whole: the
// format, the relations, the counts, and that every edge case the profile
// promises is in the files, not only in the Summary.
func checkProfile(t *testing.T, opts Options, want []Edge) {
	dir, s := generate(t, opts)
	ds := load(t, dir)
	found := check(t, ds)

	for _, typ := range Types() {
		if got := len(ds.byType[typ]); got != s.Counts[typ] {
			t.Errorf("%s: %d records in the file, Summary says %d", typ, got, s.Counts[typ])
		}
	}
	if len(ds.files) != s.Files {
		t.Errorf("%d files, Summary says %d", len(ds.files), s.Files)
	}
	if got := len(ds.byType["customer"]); got != s.Customers {
		t.Errorf("%d customers, Summary says %d", got, s.Customers)
	}
	for _, e := range want {
		if found[e] == 0 {
			t.Errorf("edge case %s is not in the files", e)
		}
	}
	for _, e := range Edges() {
		if s.Has(e) && found[e] == 0 {
			t.Errorf("Summary claims %s (%d) but the files do not show it", e, s.Edges[e])
		}
	}
	t.Logf("%s: %v; edges found %v", opts.Profile, s.Counts, found)
}

func TestGenerateEdge(t *testing.T) {
	checkProfile(t, Options{Profile: "edge", Seed: 7}, Edges())
}

func TestGenerateSmall(t *testing.T) {
	var want []Edge
	for _, e := range Edges() {
		if !edgeOnly(e) {
			want = append(want, e)
		}
	}
	for _, seed := range []int64{1, 2, 3} {
		checkProfile(t, Options{Profile: "small", Seed: seed}, want)
	}
}

var largeCustomers = flag.Int("large", 0, "TestGenerateLarge: check a large-profile dataset of this many customers")

// TestGenerateLarge reads a large-profile dataset back in full; it is slow,
// so it runs only when asked: go test ./dataset -run Large -large 20000.
func TestGenerateLarge(t *testing.T) {
	if *largeCustomers == 0 {
		t.Skip("run with -large N to check the large profile on N customers")
	}
	var want []Edge
	for _, e := range Edges() {
		if !edgeOnly(e) {
			want = append(want, e)
		}
	}
	checkProfile(t, Options{Profile: "large", Seed: 1, Customers: *largeCustomers}, want)
}

// TestPlantedMinimum holds the promise of Options: 23 customers are
// enough for every planted case to show.
func TestPlantedMinimum(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		dir, _ := generate(t, Options{Profile: "small", Seed: seed, Customers: 23})
		found := check(t, load(t, dir))
		for _, e := range Edges() {
			if !edgeOnly(e) && found[e] == 0 {
				t.Errorf("seed %d: %s missing", seed, e)
			}
		}
	}
}

func TestGenerateSmallIsFast(t *testing.T) {
	start := time.Now()
	generate(t, Options{Profile: "small", Seed: 1})
	if d := time.Since(start); d > time.Second {
		t.Errorf("small took %v, want under 1s", d)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, _ := generate(t, Options{Profile: "edge", Seed: 42})
	b, _ := generate(t, Options{Profile: "edge", Seed: 42})
	fa, fb := readTree(t, a), readTree(t, b)
	if !slices.Equal(slices.Sorted(maps.Keys(fa)), slices.Sorted(maps.Keys(fb))) {
		t.Fatalf("file lists differ:\n%v\n%v", slices.Sorted(maps.Keys(fa)), slices.Sorted(maps.Keys(fb)))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}

	c, _ := generate(t, Options{Profile: "edge", Seed: 43})
	fc := readTree(t, c)
	for _, name := range []string{"customers.ndjson", "conversations.ndjson", "messages.ndjson", "kb_articles.ndjson"} {
		if bytes.Equal(fa[name], fc[name]) {
			t.Errorf("%s is the same for seeds 42 and 43", name)
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDistributions checks the shape of an ordinary org: mostly done,
// mostly email and chat, mostly short conversations with a long tail,
// mostly one email per customer.
func TestDistributions(t *testing.T) {
	const n = 2000
	dir, _ := generate(t, Options{Profile: "small", Seed: 5, Customers: n})
	ds := loadTypes(t, dir, "customer", "conversation")
	convs := ds.byType["conversation"]
	if len(convs) < n {
		t.Fatalf("only %d conversations for %d customers", len(convs), n)
	}
	var done, emailChat int
	var counts []int
	for _, c := range convs {
		if c.str("status") == "done" {
			done++
		}
		if ch := c.strs("channels"); len(ch) > 0 && (ch[0] == "email" || ch[0] == "chat") {
			emailChat++
		}
		counts = append(counts, c.num("messageCount"))
	}
	sort.Ints(counts)
	share := func(k int) float64 { return float64(k) / float64(len(convs)) }
	if share(done) < 0.8 {
		t.Errorf("done: %.2f of conversations, want most", share(done))
	}
	if share(emailChat) < 0.75 {
		t.Errorf("email or chat: %.2f of conversations, want most", share(emailChat))
	}
	if med := counts[len(counts)/2]; med > 4 {
		t.Errorf("median conversation has %d messages, want a short one", med)
	}
	if top := counts[len(counts)-1]; top < 40 {
		t.Errorf("longest conversation has %d messages, want a long tail", top)
	}
	oneEmail := 0
	for _, c := range ds.byType["customer"] {
		if len(c.list("emails")) == 1 {
			oneEmail++
		}
	}
	if s := float64(oneEmail) / n; s < 0.75 {
		t.Errorf("%.2f of customers have exactly one email, want most", s)
	}
	var archive int
	for _, c := range convs {
		if ds.time(t, c, "updatedAt").Before(ds.now.AddDate(0, 0, -ArchiveAfterDays)) {
			archive++
		}
	}
	if s := share(archive); s < 0.05 || s > 0.6 {
		t.Errorf("%.2f of conversations are archive-only, want some but not most", s)
	}
}

func TestGenerateOptions(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	dir, s := generate(t, Options{Profile: "small", Seed: 1, Customers: 7, Now: now, Org: "globex"})
	if s.Customers != 7 || s.Counts["customer"] != 7 {
		t.Errorf("Customers: 7 gave %d customers", s.Counts["customer"])
	}
	m, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"format":"kustomer-export","version":1,"org":"globex","now":"2030-01-02T03:04:05.000Z"}` + "\n"; string(m) != want {
		t.Errorf("manifest = %s, want %s", m, want)
	}
	check(t, load(t, dir))

	// Fewer customers than planted cases: the cases share customers.
	for n := 1; n <= 3; n++ {
		dir, _ := generate(t, Options{Profile: "small", Seed: int64(n), Customers: n})
		check(t, load(t, dir))
	}

	if _, err := Generate(context.Background(), Options{Org: "Acme Corp"}, t.TempDir()); err == nil {
		t.Error("an org name with a space accepted")
	}
	if _, err := Generate(context.Background(), Options{Profile: "huge"}, t.TempDir()); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("unknown profile: err = %v", err)
	}
	if _, err := Generate(context.Background(), Options{Customers: -1}, t.TempDir()); err == nil {
		t.Error("negative customers accepted")
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if _, err := Generate(ctx, Options{Profile: "small"}, dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); !os.IsNotExist(err) {
		t.Errorf("a cancelled run left a manifest: %v", err)
	}
}

// BenchmarkGenerate measures the large profile's shape on
// -customers customers (default 10,000) and reports customers/s and MB/s.
func BenchmarkGenerate(b *testing.B) {
	n := *benchCustomers
	var s Summary
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "ds")
		start := time.Now()
		var err error
		s, err = Generate(context.Background(), Options{Profile: "large", Seed: int64(i), Customers: n}, dir)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "customers/s")
	b.ReportMetric(float64(s.Bytes)*float64(b.N)/elapsed.Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(s.Counts["message"]), "messages/op")
}

// TestBoundaryBodies: the edge profile holds each boundary case with its
// exact length, plain and multibyte, whatever the seed.
func TestBoundaryBodies(t *testing.T) {
	for _, seed := range []int64{3, 8} {
		dir, _ := generate(t, Options{Profile: "edge", Seed: seed, Customers: 40})
		ds := load(t, dir)
		type got struct {
			chars     int
			multibyte bool
			html      bool
		}
		have := map[got]int{}
		for _, m := range ds.byType["message"] {
			if !strings.HasPrefix(m.str("subject"), "Full export of my order history") {
				continue
			}
			body, html := m.str("body"), m.str("htmlBody")
			part := body
			if html != "" {
				part = html
			}
			have[got{utf8.RuneCountInString(part), len(part) != utf8.RuneCountInString(part), html != ""}]++
			if html != "" && !strings.HasSuffix(html, "</div>") {
				t.Errorf("seed %d: htmlBody does not end its div: …%s", seed, html[len(html)-40:])
			}
		}
		for _, bc := range boundaryCases() {
			k := got{bc.chars, bc.multibyte, bc.html}
			if have[k] == 0 {
				t.Errorf("seed %d: no message for %+v (have %v)", seed, bc, have)
			}
			have[k]--
		}
	}
}

// edgeOnly says whether only the edge profile makes e.
func edgeOnly(e Edge) bool {
	return e == EdgeHugeConv || e == EdgeBoundaryBody || e == EdgeCustomAllSuffixes || e == EdgeUnfitCustom
}

// TestKnowledgeBase reads the knowledge base of every profile, over two
// seeds for small and edge, back through the record model (record.Decode)
// and checks the shapes formats/kustomer-export.md describes and the
// planted cases: the hidden root and a tree at least four deep, languages
// and per-version status, scopes, soft deletes, articles in the root and
// in two categories, embedded media with exactly one missing file, links
// in both forms that resolve (and, in edge, the ones that do not), and
// the long article.
func TestKnowledgeBase(t *testing.T) {
	for _, tc := range []struct {
		opts       Options
		cats, arts int
	}{
		{Options{Profile: "small", Seed: 1}, 10, 25},
		{Options{Profile: "small", Seed: 2}, 10, 25},
		{Options{Profile: "edge", Seed: 3, Customers: 30}, 30, 90},
		{Options{Profile: "edge", Seed: 4, Customers: 30}, 30, 90},
		{Options{Profile: "large", Seed: 5, Customers: 30}, 120, MaxKBArticles},
	} {
		t.Run(fmt.Sprintf("%s-%d", tc.opts.Profile, tc.opts.Seed), func(t *testing.T) {
			checkKB(t, tc.opts, tc.cats, tc.arts)
		})
	}
}

// kbLine is one knowledge base line as decoded by the record model.
type kbLine struct {
	rec  any
	size int
}

func readKB(t *testing.T, dir, typ string) []kbLine {
	t.Helper()
	name, _ := FileName(typ)
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []kbLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		rec, err := record.DecodeJSON(sc.Bytes())
		if err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		out = append(out, kbLine{rec, len(sc.Bytes())})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkKB(t *testing.T, opts Options, wantCats, wantArts int) {
	dir, s := generate(t, opts)
	ds := load(t, dir)
	check(t, ds)
	org := ds.manifest["org"].(string)
	odd := opts.Profile == "edge"
	if s.Counts["kb_category"] != wantCats || s.Counts["kb_article"] != wantArts {
		t.Errorf("%d categories and %d articles, want %d and %d", s.Counts["kb_category"], s.Counts["kb_article"], wantCats, wantArts)
	}
	if wantArts > MaxKBArticles {
		t.Fatalf("the test wants more than MaxKBArticles")
	}

	// Categories: one hidden root, every other under a known parent, a
	// chain at least four deep.
	var cats []*record.KBCategory
	var root *record.KBCategory
	byCat := map[string]*record.KBCategory{}
	for _, l := range readKB(t, dir, "kb_category") {
		c, ok := l.rec.(*record.KBCategory)
		if !ok {
			t.Fatalf("kb_categories.ndjson holds a %T", l.rec)
		}
		cats = append(cats, c)
		byCat[c.ID] = c
		if c.Root {
			if root != nil {
				t.Errorf("two roots: %s and %s", root.ID, c.ID)
			}
			root = c
		}
		if c.KnowledgeBase == "" || len(c.Langs) == 0 || c.Langs[0].Lang != "en_us" {
			t.Errorf("category %s: knowledgeBase %q, langs %+v", c.ID, c.KnowledgeBase, c.Langs)
		}
	}
	if root == nil {
		t.Fatal("no root category")
	}
	if root.ParentID != "" {
		t.Errorf("root %s has parent %s", root.ID, root.ParentID)
	}
	placed := map[string]int{}
	var unicodeTitle bool
	for _, c := range cats {
		if c.KnowledgeBase != root.KnowledgeBase {
			t.Errorf("category %s in knowledge base %s, the root in %s", c.ID, c.KnowledgeBase, root.KnowledgeBase)
		}
		if !c.Root && byCat[c.ParentID] == nil {
			t.Errorf("category %s: parent %q missing", c.ID, c.ParentID)
		}
		if strings.ContainsFunc(c.Title, func(r rune) bool { return r >= 0x3000 }) {
			unicodeTitle = true
		}
	}
	tree := record.NewKBTree(cats, placed)
	depth := 0
	for _, c := range cats {
		tree.Fill(c)
		depth = max(depth, c.Depth)
	}
	if depth < 4 {
		t.Errorf("categories nest %d deep, want at least 4", depth)
	}
	if unicodeTitle != odd {
		t.Errorf("a category title beyond Latin script: %v, want %v", unicodeTitle, odd)
	}

	// Media, and the files that hold their bytes.
	media := map[string]*record.Media{}
	missing := 0
	for _, l := range readKB(t, dir, "media") {
		m, ok := l.rec.(*record.Media)
		if !ok {
			t.Fatalf("kb_media.ndjson holds a %T", l.rec)
		}
		media[m.ID] = m
		if want := "https://" + org + ".api.kustomerapp.com/v1/media/" + m.ID + "/download"; m.URL != want {
			t.Errorf("media %s: url %q, want %q", m.ID, m.URL, want)
		}
		if m.Name == "" || m.ContentLength <= 0 {
			t.Errorf("media %s: name %q, contentLength %d", m.ID, m.Name, m.ContentLength)
		}
		data, err := os.ReadFile(filepath.Join(dir, FilesDir, m.ID))
		switch {
		case os.IsNotExist(err):
			missing++
		case err != nil:
			t.Fatal(err)
		case int64(len(data)) != m.ContentLength:
			t.Errorf("media %s: %d bytes, contentLength %d", m.ID, len(data), m.ContentLength)
		case http.DetectContentType(data) != m.ContentType:
			t.Errorf("media %s: bytes of %s, contentType %s", m.ID, http.DetectContentType(data), m.ContentType)
		}
	}
	if missing != 1 {
		t.Errorf("%d media without their file, want exactly 1", missing)
	}

	// Articles.
	var arts []*record.KBArticle
	byHash, byID := map[string]*record.KBArticle{}, map[string]*record.KBArticle{}
	type counts struct {
		langs                                      map[string]int
		enSource, otherSource                      int
		publishedWithDraftES, allDraft             int
		public, internal, deleted, inRoot, twoCats int
		long                                       int
	}
	n := counts{langs: map[string]int{}}
	for _, l := range readKB(t, dir, "kb_article") {
		a, ok := l.rec.(*record.KBArticle)
		if !ok {
			t.Fatalf("kb_articles.ndjson holds a %T", l.rec)
		}
		arts = append(arts, a)
		byID[a.ID] = a
		if byHash[a.Hash] != nil {
			t.Errorf("hash %s on two articles", a.Hash)
		}
		byHash[a.Hash] = a
		if ds.byID["user"][a.AuthorID] == nil {
			t.Errorf("article %s: createdBy %q is not a user", a.ID, a.AuthorID)
		}
		if l.size >= 1<<20 {
			t.Errorf("article %s: a line of %d bytes", a.ID, l.size)
		}
		if len(a.Versions) == 0 || !a.Versions[0].Source || a.Versions[0].Lang != a.Source {
			t.Fatalf("article %s: versions %+v, source %s", a.ID, a.Versions, a.Source)
		}
		src := a.Versions[0]
		if a.Title != src.Title || a.Status != src.Status || a.Scope != src.Scope {
			t.Errorf("article %s: title/status/scope %q %s %s, its source version's %q %s %s", a.ID, a.Title, a.Status, a.Scope, src.Title, src.Status, src.Scope)
		}
		drafts := 0
		for _, v := range a.Versions {
			n.langs[v.Lang]++
			if !v.Populated || v.ID == "" || v.Slug == "" || v.Body == "" {
				t.Errorf("article %s %s: version not whole: %+v", a.ID, v.Lang, v)
			}
			switch {
			case v.Status == "draft" && v.PublishedAt.IsZero():
				drafts++
			case v.Status == "published" && !v.PublishedAt.Before(v.CreatedAt) && !v.PublishedAt.After(v.UpdatedAt):
			default:
				t.Errorf("article %s %s: status %q published at %v (created %v, updated %v)", a.ID, v.Lang, v.Status, v.PublishedAt, v.CreatedAt, v.UpdatedAt)
			}
			if v.UpdatedAt.After(ds.now) || v.UpdatedAt.Before(v.CreatedAt) || v.CreatedAt.Before(a.CreatedAt) {
				t.Errorf("article %s %s: created %v, updated %v", a.ID, v.Lang, v.CreatedAt, v.UpdatedAt)
			}
			if len(v.Body) > LongKBArticleBytes {
				n.long++
			}
		}
		if a.Source == "en_us" {
			n.enSource++
		} else {
			n.otherSource++
		}
		en, _ := a.Version("en_us")
		if es, ok := a.Version("es"); ok && en.Status == "published" && es.Status == "draft" {
			n.publishedWithDraftES++
		}
		if drafts == len(a.Versions) {
			n.allDraft++
		}
		switch a.Scope {
		case "public":
			n.public++
		case "internal":
			n.internal++
		default:
			t.Errorf("article %s: scope %q", a.ID, a.Scope)
		}
		if a.Deleted {
			n.deleted++
		}
		if len(a.Categories) == 1 && a.Categories[0] == root.ID {
			n.inRoot++
		}
		if len(a.Categories) >= 2 {
			n.twoCats++
		}
		for _, c := range a.Categories {
			if byCat[c] == nil {
				t.Errorf("article %s: category %s missing", a.ID, c)
			}
		}
	}
	for _, l := range []string{"en_us", "es", "de"} {
		if n.langs[l] == 0 {
			t.Errorf("no version in %s", l)
		}
	}
	for _, c := range []struct {
		what string
		n    int
	}{
		{"an article whose source is not en_us", n.otherSource},
		{"an article published in en_us with a draft es version", n.publishedWithDraftES},
		{"an article with every version a draft", n.allDraft},
		{"a public article", n.public},
		{"an internal article", n.internal},
		{"a deleted article", n.deleted},
		{"an article placed directly in the root", n.inRoot},
		{"an article in two categories", n.twoCats},
	} {
		if c.n == 0 {
			t.Errorf("no %s", c.what)
		}
	}
	if n.enSource <= n.otherSource {
		t.Errorf("%d articles from en_us, %d from other languages: want most from en_us", n.enSource, n.otherSource)
	}
	if n.long != 1 {
		t.Errorf("%d versions over %d bytes, want 1", n.long, LongKBArticleBytes)
	}

	// What the bodies embed and link to.
	img := regexp.MustCompile(`<img src="([^"]*)"`)
	href := regexp.MustCompile(`<a href="([^"]*)"`)
	mediaURL := regexp.MustCompile(`^https://` + regexp.QuoteMeta(org) + `\.api\.kustomerapp\.com/v1/media/([0-9a-f]{24})/download$`)
	helpURL := regexp.MustCompile(`^https://` + regexp.QuoteMeta(org) + `\.kustomer\.help/([a-z_]+)/([^#]+)-([A-Za-z0-9]+)(?:#(.+))?$`)
	appURL := regexp.MustCompile(`^https://` + regexp.QuoteMeta(org) + `\.kustomerapp\.com/app/settings/kb/articles/([0-9a-f]{24})/edit$`)
	var help, app, fragments, escaped, toDeleted, dangling int
	embedded := map[string]bool{}
	for _, a := range arts {
		for _, v := range a.Versions {
			for _, m := range img.FindAllStringSubmatch(v.Body, -1) {
				sub := mediaURL.FindStringSubmatch(m[1])
				if sub == nil {
					t.Errorf("article %s %s: image %q is not a media download URL", a.ID, v.Lang, m[1])
					continue
				}
				if media[sub[1]] == nil {
					t.Errorf("article %s %s: media %s has no record", a.ID, v.Lang, sub[1])
				}
				embedded[sub[1]] = true
			}
			for _, m := range href.FindAllStringSubmatch(v.Body, -1) {
				var target *record.KBArticle
				if sub := helpURL.FindStringSubmatch(m[1]); sub != nil {
					help++
					slug, err := url.PathUnescape(sub[2])
					if err != nil {
						t.Errorf("article %s: link %q: %v", a.ID, m[1], err)
					}
					if slug != sub[2] {
						escaped++
					}
					target = byHash[sub[3]]
					if target != nil && !target.Deleted {
						tv, ok := target.Version(sub[1])
						if !ok || tv.Slug != slug {
							t.Errorf("article %s: link %q names no version of %s (%+v)", a.ID, m[1], target.ID, tv)
						}
						if frag := sub[4]; frag != "" {
							fragments++
							if !strings.Contains(tv.Body, `id="`+frag+`"`) {
								t.Errorf("article %s: link %q: no #%s in the target", a.ID, m[1], frag)
							}
						}
					}
				} else if sub := appURL.FindStringSubmatch(m[1]); sub != nil {
					app++
					target = byID[sub[1]]
				} else {
					t.Errorf("article %s %s: link %q in neither form", a.ID, v.Lang, m[1])
					continue
				}
				switch {
				case target == nil:
					dangling++
				case target.Deleted:
					toDeleted++
				}
			}
		}
	}
	if len(embedded) != len(media) {
		t.Errorf("bodies embed %d media, kb_media.ndjson has %d", len(embedded), len(media))
	}
	for what, n := range map[string]int{"help center": help, "agent app": app, "#fragment": fragments, "percent-encoded slug": escaped} {
		if n == 0 {
			t.Errorf("no %s link", what)
		}
	}
	if odd && (toDeleted < 2 || dangling < 2) {
		t.Errorf("edge: %d links to deleted articles and %d to none, want 2 of each (both forms)", toDeleted, dangling)
	}
	if !odd && (toDeleted > 0 || dangling > 0) {
		t.Errorf("%s: %d links to deleted articles and %d to none, want none", opts.Profile, toDeleted, dangling)
	}
	t.Logf("%s seed %d: %d categories (depth %d), %d articles (%d versions by language %v), %d media, links: %d help center (%d #fragment, %d percent-encoded), %d agent app",
		opts.Profile, opts.Seed, len(cats), depth, len(arts), n.langs["en_us"]+n.langs["es"]+n.langs["de"], n.langs, len(media), help, fragments, escaped, app)
}
