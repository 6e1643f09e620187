package dataset

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
	for _, name := range []string{"customers.ndjson", "conversations.ndjson", "messages.ndjson"} {
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
