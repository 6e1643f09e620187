package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

const testKey = "test-key-0123456789"

var (
	genMu   sync.Mutex
	genDirs = map[string]string{}
	genRoot string
)

// generated returns a dataset directory of a profile, generated once per
// test binary and shared; tests that change a dataset copy it first.
func generated(t testing.TB, profile string) string {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if d, ok := genDirs[profile]; ok {
		return d
	}
	if genRoot == "" {
		var err error
		genRoot, err = os.MkdirTemp("", "kzmap-extract-test-")
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(genRoot, profile)
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: profile, Seed: 7}, dir); err != nil {
		t.Fatal(err)
	}
	genDirs[profile] = dir
	return dir
}

func TestMain(m *testing.M) {
	if os.Getenv(childDir) != "" {
		runChild()
	}
	code := m.Run()
	if genRoot != "" {
		os.RemoveAll(genRoot)
	}
	os.Exit(code)
}

// sim is a simulator over loopback with a compressed rate limit window.
type sim struct {
	t      testing.TB
	srv    *httptest.Server
	server *kustomersim.Server
	mu     sync.Mutex
	log    []string // "METHOD path?query" of every request, in order
	times  []time.Time
	hook   func(w http.ResponseWriter, r *http.Request) bool // true: handled
	opts   kustomersim.Options
}

// swap serves another dataset at the same URL (the org's data changed).
func (s *sim) swap(t testing.TB, dir string) {
	t.Helper()
	ds, err := kustomersim.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.server = kustomersim.New(ds, s.opts)
	s.log, s.times = nil, nil
	s.mu.Unlock()
}

func startSim(t testing.TB, dir string, opts kustomersim.Options) *sim {
	t.Helper()
	ds, err := kustomersim.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.Window == 0 {
		opts.Window = time.Second
	}
	if opts.Limit == 0 {
		opts.Limit = 2000
	}
	if opts.SearchLimit == 0 {
		opts.SearchLimit = 1000
	}
	s := &sim{t: t}
	s.server = kustomersim.New(ds, opts)
	s.opts = opts
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.log = append(s.log, r.Method+" "+r.URL.RequestURI())
		s.times = append(s.times, time.Now())
		hook, server := s.hook, s.server
		s.mu.Unlock()
		if hook != nil && hook(w, r) {
			return
		}
		server.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sim) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *sim) client(t testing.TB, opts kustomer.Options) *kustomer.Client {
	t.Helper()
	if opts.Window == 0 {
		opts.Window = time.Second
	}
	if opts.Limit == 0 {
		opts.Limit = 2000
	}
	if opts.SearchLimit == 0 {
		opts.SearchLimit = 1000
	}
	if opts.Backoff == 0 {
		opts.Backoff = 5 * time.Millisecond
	}
	c, err := kustomer.New(s.srv.URL, testKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openStore(t testing.TB, dir string) *snapshot.Store {
	t.Helper()
	// A few records per type train its dictionary, so the tests read
	// compressed records as a large extract does.
	st, err := snapshot.Open(snapshot.DefaultPath(dir), snapshot.Options{DictSamples: 25})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// expected reads what the simulator serves for every resource of a
// dataset, keyed type/id: the dataset's lines, with the simulator's own
// rewrites (attachment links, inline image URLs pointed at its base URL),
// fetched one by one from a second, unlimited server on the same base URL.
func expected(t testing.TB, dir, baseURL string) map[string]string {
	t.Helper()
	ds, err := kustomersim.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := kustomersim.New(ds, kustomersim.Options{Limit: -1, SearchLimit: -1, BaseURL: baseURL})
	orgURL := "https://" + ds.Org() + ".api.kustomerapp.com/v1/attachments/"
	mediaURL := "https://" + ds.Org() + ".api.kustomerapp.com/v1/media/"
	out := map[string]string{}
	for _, typ := range record.Types {
		name, _ := dataset.FileName(typ)
		f, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 256<<20)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var head struct {
				ID            string `json:"id"`
				Relationships struct {
					Message struct {
						Data struct{ ID string } `json:"data"`
					} `json:"message"`
					Klass struct {
						Link struct{ Self string } `json:"link"`
					} `json:"klass"`
				} `json:"relationships"`
			}
			json.Unmarshal(line, &head)
			raw := string(line)
			switch typ {
			case "message":
				// Inline images point at the server's own base URL.
				raw = strings.ReplaceAll(raw, orgURL, baseURL+"/v1/attachments/")
			case "kb_article", "media":
				// Embedded images and media urls too.
				raw = strings.ReplaceAll(raw, mediaURL, baseURL+"/v1/media/")
			case "attachment":
				// Links are the server's: ask it.
				raw = serve(t, h, "/v1/messages/"+head.Relationships.Message.Data.ID+"/attachments/"+head.ID)
			}
			out[typ+"/"+head.ID] = raw
		}
		f.Close()
	}
	return out
}

func serve(t testing.TB, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer x")
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	return string(env.Data)
}

// snapshotted reads every resource of the snapshot, keyed type/id.
func snapshotted(t testing.TB, st *snapshot.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, typ := range record.Types {
		err := st.ForEach(typ, func(id string, raw []byte) error {
			out[typ+"/"+id] = string(raw)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// compare reports the differences between two type/id → JSON maps, at
// most a few of each kind.
func compare(t testing.TB, want, got map[string]string) {
	t.Helper()
	var missing, extra, differ []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case g != w:
			differ = append(differ, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(differ)
	head := func(s []string) []string { return s[:min(len(s), 5)] }
	if len(missing)+len(extra)+len(differ) > 0 {
		t.Errorf("snapshot differs from the dataset: %d missing %v, %d extra %v, %d differ %v", len(missing), head(missing), len(extra), head(extra), len(differ), head(differ))
		for _, k := range head(differ) {
			t.Logf("%s\nwant %.300s\ngot  %.300s", k, want[k], got[k])
		}
	}
}

// filesOf lists the attachment ids that have a file in the dataset.
func filesOf(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, dataset.FilesDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, dataset.FilesDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func checkFiles(t testing.TB, st *snapshot.Store, dir string) {
	t.Helper()
	files := filesOf(t, dir)
	bad := 0
	err := st.ForEach("attachment", func(id string, raw []byte) error {
		want, has := files[id]
		path, size, ok, err := st.AttachmentPath(id)
		switch {
		case err != nil:
			t.Errorf("attachment %s: %v", id, err)
			bad++
		case has && !ok:
			f, _, _ := st.File(id)
			t.Errorf("attachment %s: file not staged (%+v)", id, f)
			bad++
		case !has && ok:
			t.Errorf("attachment %s has no file in the dataset but one was staged", id)
			bad++
		case has:
			got, _ := os.ReadFile(path)
			if size != int64(len(want)) || !bytes.Equal(got, want) {
				t.Errorf("attachment %s: staged bytes differ", id)
				bad++
			}
		default:
			f, _, _ := st.File(id)
			if f.State != snapshot.FileMissing {
				t.Errorf("attachment %s without a file: state %s, want missing", id, f.State)
			}
		}
		if bad > 5 {
			return io.EOF
		}
		return nil
	})
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
}

func checkReconciled(t testing.TB, res *Result) {
	t.Helper()
	for _, c := range res.Checks {
		if !c.OK {
			t.Errorf("reconciliation: %s expected %d (%s), extracted %d", c.Type, c.Expected, c.Source, c.Extracted)
		}
	}
}

func count(reqs []string, substr string) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r, substr) {
			n++
		}
	}
	return n
}
