package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := DefaultPath(t.TempDir())
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// res builds a resource line the way the API sends one.
func res(typ, id, created string, rels string) []byte {
	s := fmt.Sprintf(`{"type":%q,"id":%q,"attributes":{"createdAt":%q,"updatedAt":%q}`, typ, id, created, created)
	if rels != "" {
		s += `,"relationships":{` + rels + `}`
	}
	return []byte(s + "}")
}

func rel(name, typ, id string) string {
	return fmt.Sprintf(`%q:{"data":{"type":%q,"id":%q}}`, name, typ, id)
}

func put(t *testing.T, s *Store, raws ...[]byte) {
	t.Helper()
	err := s.Update(func(tx *Tx) error {
		for _, r := range raws {
			if _, err := tx.Put(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ids(t *testing.T, walk func(fn func(id string, raw []byte) error) error) []string {
	t.Helper()
	var out []string
	if err := walk(func(id string, raw []byte) error {
		out = append(out, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// fixture is a small organisation touching every type and relation,
// including identical createdAt values and children listed out of order.
func fixture() [][]byte {
	return [][]byte{
		res("company", "c1", "2020-01-01T00:00:00.000Z", ""),
		res("customer", "u1", "2020-01-02T00:00:00.000Z", rel("company", "company", "c1")),
		res("user", "a1", "2019-01-01T00:00:00.000Z", ""),
		res("team", "t1", "2019-01-01T00:00:00.000Z", ""),
		[]byte(`{"type":"klass","id":"k1","attributes":{"name":"order","createdAt":"2019-05-05T00:00:00.000Z"}}`),
		res("conversation", "v1", "2021-01-01T00:00:00.000Z", rel("customer", "customer", "u1")),
		res("conversation", "v2", "2021-02-01T00:00:00.000Z", ""),
		res("message", "m3", "2021-01-01T00:00:03.000Z", rel("conversation", "conversation", "v1")),
		res("message", "m2", "2021-01-01T00:00:01.000Z", rel("conversation", "conversation", "v1")),
		res("message", "m1", "2021-01-01T00:00:01.000Z", rel("conversation", "conversation", "v1")),
		res("message", "m9", "2021-02-01T00:00:00.000Z", rel("conversation", "conversation", "v2")),
		res("note", "n1", "2021-01-01T00:00:02.000Z", rel("conversation", "conversation", "v1")),
		res("kobject", "o2", "2019-06-01T00:00:00.000Z", rel("klass", "klass", "k1")),
		res("kobject", "o1", "2019-06-01T00:00:00.000Z", rel("klass", "klass", "k1")),
		res("attachment", "f1", "", rel("message", "message", "m2")),
	}
}

// The conformance suite: every behaviour the plan engine and the extractor
// rely on, run against a fresh store, a reopened one and a read-only one.
func TestConformance(t *testing.T) {
	variants := map[string]func(t *testing.T) *Store{
		"fresh": func(t *testing.T) *Store {
			s, _ := open(t)
			put(t, s, fixture()...)
			return s
		},
		"reopened": func(t *testing.T) *Store {
			s, path := open(t)
			put(t, s, fixture()...)
			s.Close()
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"read-only": func(t *testing.T) *Store {
			s, path := open(t)
			put(t, s, fixture()...)
			s.Close()
			s, err := OpenReadOnly(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"one resource per transaction": func(t *testing.T) *Store {
			s, _ := open(t)
			for _, r := range fixture() {
				put(t, s, r)
			}
			return s
		},
	}
	for name, mk := range variants {
		t.Run(name, func(t *testing.T) {
			s := mk(t)
			t.Run("ForEach in id order", func(t *testing.T) {
				got := ids(t, func(fn func(string, []byte) error) error { return s.ForEach("message", fn) })
				if diff := cmp.Diff([]string{"m1", "m2", "m3", "m9"}, got); diff != "" {
					t.Error(diff)
				}
			})
			t.Run("raw bytes kept", func(t *testing.T) {
				for _, r := range fixture() {
					m, _ := ParseMeta(r)
					got, ok, err := s.Get(m.Type, m.ID)
					if err != nil || !ok || string(got) != string(r) {
						t.Errorf("Get(%s, %s) = %s, %v, %v", m.Type, m.ID, got, ok, err)
					}
				}
				if _, ok, err := s.Get("message", "nope"); ok || err != nil {
					t.Errorf("missing id: %v %v", ok, err)
				}
			})
			t.Run("children in createdAt, id order", func(t *testing.T) {
				cases := []struct {
					pt, pid, ct string
					want        []string
				}{
					{"conversation", "v1", "message", []string{"m1", "m2", "m3"}},
					{"conversation", "v1", "note", []string{"n1"}},
					{"conversation", "v2", "message", []string{"m9"}},
					{"conversation", "v3", "message", nil},
					{"message", "m2", "attachment", []string{"f1"}},
					{"klass", "k1", "kobject", []string{"o1", "o2"}},
				}
				for _, c := range cases {
					got := ids(t, func(fn func(string, []byte) error) error { return s.ForEachChild(c.pt, c.pid, c.ct, fn) })
					if diff := cmp.Diff(c.want, got); diff != "" {
						t.Errorf("%s %s %s: %s", c.pt, c.pid, c.ct, diff)
					}
				}
				if n, err := s.CountChildren("conversation", "v1", "message"); n != 3 || err != nil {
					t.Errorf("CountChildren = %d, %v", n, err)
				}
				if err := s.ForEachChild("customer", "u1", "message", func(string, []byte) error { return nil }); err == nil {
					t.Error("an unindexed relation was accepted")
				}
			})
			t.Run("counts", func(t *testing.T) {
				got, err := s.Counts()
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]int{"company": 1, "customer": 1, "user": 1, "team": 1, "klass": 1,
					"conversation": 2, "message": 4, "note": 1, "kobject": 2, "attachment": 1,
					"kb_category": 0, "kb_article": 0, "media": 0}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
				if _, err := s.Count("ticket"); err == nil {
					t.Error("unknown type accepted")
				}
			})
			t.Run("callback error stops the walk", func(t *testing.T) {
				stop := errors.New("stop")
				n := 0
				err := s.ForEach("message", func(string, []byte) error { n++; return stop })
				if !errors.Is(err, stop) || n != 1 {
					t.Errorf("err %v after %d calls", err, n)
				}
			})
			t.Run("verifies", func(t *testing.T) {
				if err := s.Verify(); err != nil {
					t.Error(err)
				}
			})
			t.Run("digest is stable", func(t *testing.T) {
				d1, err1 := s.Digest()
				d2, err2 := s.Digest()
				if err1 != nil || err2 != nil || d1 != d2 || !strings.HasPrefix(d1, "sha256x:") {
					t.Errorf("digest %q %q %v %v", d1, d2, err1, err2)
				}
			})
		})
	}
}

func TestDigestFollowsContent(t *testing.T) {
	a, _ := open(t)
	b, _ := open(t)
	empty, _ := a.Digest()
	put(t, a, fixture()...)
	// The same content written in another order gives the same digest.
	fx := fixture()
	for i := len(fx) - 1; i >= 0; i-- {
		put(t, b, fx[i])
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db || da == empty {
		t.Fatalf("digests %s / %s (empty %s)", da, db, empty)
	}
	serial, _ := a.Serial()
	// Same bytes again: nothing changes.
	put(t, a, fixture()[7])
	if s2, _ := a.Serial(); s2 != serial {
		t.Errorf("idempotent put bumped the serial %d → %d", serial, s2)
	}
	// A changed resource changes the digest; changing it back restores it.
	changed := res("message", "m3", "2021-01-01T00:00:00.500Z", rel("conversation", "conversation", "v1"))
	put(t, a, changed)
	if d, _ := a.Digest(); d == da {
		t.Error("digest unchanged after an update")
	}
	if s2, _ := a.Serial(); s2 != serial+1 {
		t.Errorf("serial %d, want %d", s2, serial+1)
	}
	put(t, a, fixture()[7])
	if d, _ := a.Digest(); d != da {
		t.Error("digest differs after restoring the content")
	}
	// File states are content too.
	if err := a.RecordFile("f1", File{State: FileMissing, Reason: "404"}); err != nil {
		t.Fatal(err)
	}
	d3, _ := a.Digest()
	if d3 == da {
		t.Error("file state did not change the digest")
	}
	if err := a.RecordFile("f1", File{State: FileMissing, Reason: "404", At: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if d4, _ := a.Digest(); d4 != d3 {
		t.Error("recording the same file state again changed the digest")
	}
}

func TestUpdateMovesChildren(t *testing.T) {
	s, _ := open(t)
	put(t, s, fixture()...)
	// m1 moves to v2 and later in time; m3 moves earlier.
	put(t, s,
		res("message", "m1", "2021-03-01T00:00:00.000Z", rel("conversation", "conversation", "v2")),
		res("message", "m3", "2020-12-31T00:00:00.000Z", rel("conversation", "conversation", "v1")))
	v1 := ids(t, func(fn func(string, []byte) error) error { return s.ForEachChild("conversation", "v1", "message", fn) })
	v2 := ids(t, func(fn func(string, []byte) error) error { return s.ForEachChild("conversation", "v2", "message", fn) })
	if diff := cmp.Diff([]string{"m3", "m2"}, v1); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"m9", "m1"}, v2); diff != "" {
		t.Error(diff)
	}
	if n, _ := s.Count("message"); n != 4 {
		t.Errorf("count %d after updates", n)
	}
	err := s.Update(func(tx *Tx) error {
		ok, err := tx.Delete("message", "m2")
		if !ok {
			t.Error("delete found nothing")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v1 = ids(t, func(fn func(string, []byte) error) error { return s.ForEachChild("conversation", "v1", "message", fn) })
	if diff := cmp.Diff([]string{"m3"}, v1); diff != "" {
		t.Error(diff)
	}
	if n, _ := s.Count("message"); n != 3 {
		t.Errorf("count %d after delete", n)
	}
}

func TestKObjectNamingItsKlassByLinkOnly(t *testing.T) {
	s, _ := open(t)
	link := `"klass":{"link":{"self":"/v1/klasses/order"}}`
	// Before the klass is known, and after.
	put(t, s, res("kobject", "o2", "2019-06-02T00:00:00.000Z", link))
	put(t, s, []byte(`{"type":"klass","id":"k1","attributes":{"name":"order"}}`))
	put(t, s, res("kobject", "o1", "2019-06-01T00:00:00.000Z", link))
	got := ids(t, func(fn func(string, []byte) error) error { return s.ForEachChild("klass", "k1", "kobject", fn) })
	if diff := cmp.Diff([]string{"o1", "o2"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestPutRejectsWhatCannotBeIndexed(t *testing.T) {
	s, _ := open(t)
	for _, bad := range []string{
		`not json`,
		`{"id":"x"}`,
		`{"type":"ticket","id":"x"}`,
		`{"type":"message"}`,
		`{"type":"message","id":"a\u0000b"}`,
	} {
		err := s.Update(func(tx *Tx) error {
			_, err := tx.Put([]byte(bad))
			return err
		})
		if err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// Odd timestamps and relationships are kept as they are.
	odd := []byte(`{"type":"message","id":"m","attributes":{"createdAt":12,"updatedAt":"yesterday"},"relationships":{"conversation":{"data":[1,2]}}}`)
	put(t, s, odd)
	if got, ok, _ := s.Get("message", "m"); !ok || string(got) != string(odd) {
		t.Errorf("odd resource: %s", got)
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	s, _ := open(t)
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		tx.Put(fixture()[0])
		tx.SetCursor("list:company", Cursor{Page: 1})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n, _ := s.Count("company"); n != 0 {
		t.Error("resource kept from a failed transaction")
	}
	if _, ok, _ := s.Cursor("list:company"); ok {
		t.Error("cursor kept from a failed transaction")
	}
}

func TestCursorsAndRuns(t *testing.T) {
	s, _ := open(t)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	err := s.Update(func(tx *Tx) error {
		for _, k := range []string{"search:message/2", "search:message/1", "search:note/1", "list:user"} {
			if err := tx.SetCursor(k, Cursor{UpdatedAt: at, ID: k, Page: 3}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	s.Cursors("search:message/", func(k string, c Cursor) error {
		if !c.UpdatedAt.Equal(at) || c.ID != k {
			t.Errorf("cursor %s = %+v", k, c)
		}
		got = append(got, k)
		return nil
	})
	if diff := cmp.Diff([]string{"search:message/1", "search:message/2"}, got); diff != "" {
		t.Error(diff)
	}
	s.Update(func(tx *Tx) error { return tx.DeleteCursors("search:") })
	if _, ok, _ := s.Cursor("search:note/1"); ok {
		t.Error("cursor survived DeleteCursors")
	}
	if c, ok, _ := s.Cursor("list:user"); !ok || c.Page != 3 {
		t.Error("unrelated cursor deleted")
	}

	r1, err := s.BeginRun(Run{Mode: "full", Status: "running", Started: at})
	if err != nil || r1.ID != 1 {
		t.Fatal(r1, err)
	}
	r1.Status = "complete"
	s.SaveRun(r1)
	r2, _ := s.BeginRun(Run{Mode: "incremental", Status: "running"})
	last, ok, _ := s.LastRun()
	if !ok || last.ID != r2.ID {
		t.Errorf("last run %+v", last)
	}
	lc, ok, _ := s.LastComplete()
	if !ok || lc.ID != r1.ID {
		t.Errorf("last complete %+v", lc)
	}
	runs, _ := s.Runs()
	if len(runs) != 2 {
		t.Errorf("runs %+v", runs)
	}
}

func TestSecondOpenSaysWhoHoldsTheLock(t *testing.T) {
	_, path := open(t)
	_, err := Open(path, Options{})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want a LockedError", err)
	}
	if le.PID != os.Getpid() || le.Since.IsZero() || !strings.Contains(err.Error(), "snapshot.db is locked by another kzmap (") || !strings.Contains(err.Error(), fmt.Sprintf("pid %d, since", os.Getpid())) {
		t.Errorf("lock error: %v", err)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrLocked) {
		t.Errorf("reader while a writer holds the lock: %v", err)
	}
}

func TestReadersShareTheLock(t *testing.T) {
	s, path := open(t)
	put(t, s, fixture()...)
	s.Close()
	r1, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := r2.Update(func(*Tx) error { return nil }); !errors.Is(err, ErrReadOnly) {
		t.Errorf("write to a reader: %v", err)
	}
	// A writer waits for the readers, then says it is locked.
	if _, err := Open(path, Options{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("writer while readers hold the lock: %v", err)
	}
}

func TestOpenReadOnlyWithoutSnapshot(t *testing.T) {
	_, err := OpenReadOnly(DefaultPath(t.TempDir()))
	if !errors.Is(err, ErrNoSnapshot) || !strings.Contains(err.Error(), "kzmap extract") {
		t.Errorf("err = %v", err)
	}
}

func TestFilesArePrivate(t *testing.T) {
	s, path := open(t)
	f, err := s.StageFile("f1", strings.NewReader("hello"), 5, 0, File{})
	if err != nil {
		t.Fatal(err)
	}
	blob, _, _, _ := s.AttachmentPath("f1")
	for _, p := range []string{path, path + ".lock", blob} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, st.Mode().Perm())
		}
	}
	for _, d := range []string{filepath.Dir(path), filepath.Dir(blob)} {
		st, _ := os.Stat(d)
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %v, want 0700", d, st.Mode().Perm())
		}
	}
	if f.State != FileOK {
		t.Errorf("state %s", f.State)
	}
}

func TestStageFile(t *testing.T) {
	s, _ := open(t)
	ok, err := s.StageFile("a", strings.NewReader("same bytes"), 10, 0, File{ContentType: "text/plain", Host: "api.example"})
	if err != nil || ok.State != FileOK || ok.Size != 10 || len(ok.SHA256) != 64 {
		t.Fatalf("%+v %v", ok, err)
	}
	// Same bytes under another id share the blob.
	s.StageFile("b", strings.NewReader("same bytes"), 10, 0, File{})
	pa, size, found, err := s.AttachmentPath("a")
	pb, _, _, _ := s.AttachmentPath("b")
	if err != nil || !found || size != 10 || pa != pb {
		t.Errorf("paths %s %s %d %v %v", pa, pb, size, found, err)
	}
	if b, _ := os.ReadFile(pa); string(b) != "same bytes" {
		t.Errorf("blob holds %q", b)
	}

	mis, _ := s.StageFile("c", strings.NewReader("short"), 99, 0, File{})
	if mis.State != FileSizeMismatch || !strings.Contains(mis.Reason, "99") {
		t.Errorf("mismatch: %+v", mis)
	}
	if _, _, found, _ := s.AttachmentPath("c"); !found {
		t.Error("a size mismatch keeps its bytes")
	}

	big, _ := s.StageFile("d", strings.NewReader(strings.Repeat("x", 101)), -1, 100, File{})
	if big.State != FileOversize || big.SHA256 != "" {
		t.Errorf("oversize: %+v", big)
	}
	if _, _, found, err := s.AttachmentPath("d"); found || err != nil {
		t.Errorf("oversize file staged: %v %v", found, err)
	}

	s.RecordFile("e", File{State: FileRefused, Host: "evil.example", Reason: "host not allowed"})
	if f, ok, _ := s.File("e"); !ok || f.State != FileRefused {
		t.Errorf("refused: %+v", f)
	}
	var states []string
	s.ForEachFile(func(id string, f File) error {
		states = append(states, id+"="+string(f.State))
		return nil
	})
	want := []string{"a=ok", "b=ok", "c=size_mismatch", "d=oversize", "e=refused"}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Error(diff)
	}

	// A staged file that lost bytes on disk is reported, not served.
	os.WriteFile(pa, []byte("tampered"), 0o600)
	if _, _, found, err := s.AttachmentPath("a"); found || err == nil {
		t.Errorf("tampered file: found %v, err %v", found, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.AttachmentsDir(), "tmp")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestMigrations(t *testing.T) {
	s, path := open(t)
	put(t, s, fixture()...)
	s.Close()

	// Steps run in order, each once, and record the version they reach.
	var ran []int
	v := SchemaVersion
	steps := append(append([]migration{}, migrations...),
		func(*boltTx) error { ran = append(ran, v+1); return nil },
		func(*boltTx) error { ran = append(ran, v+2); return nil })
	if err := migrateFile(t, path, steps); err != nil {
		t.Fatal(err)
	}
	if err := migrateFile(t, path, steps); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{v + 1, v + 2}, ran); diff != "" {
		t.Errorf("steps ran: %s", diff)
	}
	// This build refuses a snapshot from a newer one, and leaves it alone.
	before, _ := os.ReadFile(path)
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d, newer than this kzmap understands (%d)", v+2, v)) {
		t.Errorf("newer schema: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("a refused snapshot was modified")
	}

	// A failing step leaves the store untouched.
	s2, path2 := open(t)
	s2.Close()
	bad := append(append([]migration{}, migrations...), func(*boltTx) error { return errors.New("nope") })
	if err := migrateFile(t, path2, bad); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("migrate schema %d to %d: nope", v, v+1)) {
		t.Errorf("failing step: %v", err)
	}
	if s3, err := Open(path2, Options{}); err != nil {
		t.Errorf("store after a failed migration: %v", err)
	} else {
		s3.Close()
	}
}

func TestOldSchemaIsMigratedByAWriterOnly(t *testing.T) {
	s, path := open(t)
	s.Close()
	setVersion(t, path, 0)
	if _, err := OpenReadOnly(path); err == nil || !strings.Contains(err.Error(), "run kzmap extract once") {
		t.Errorf("reader on an old schema: %v", err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if r, err := OpenReadOnly(path); err != nil {
		t.Errorf("after the writer migrated: %v", err)
	} else {
		r.Close()
	}
}

// Batch calls from many goroutines share commits; the content, counts,
// indexes and digest come out as if each had its own.
func TestBatchFromManyGoroutines(t *testing.T) {
	s, _ := open(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				raw := res("message", fmt.Sprintf("m%d-%02d", g, i), fmt.Sprintf("2024-01-01T00:00:%02d.000Z", i), rel("conversation", "conversation", fmt.Sprintf("v%d", g)))
				err := s.Batch(func(tx *Tx) error {
					if _, err := tx.Put(raw); err != nil {
						return err
					}
					return tx.SetCursor(fmt.Sprintf("g%d", g), Cursor{Page: i})
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n, _ := s.Count("message"); n != 320 {
		t.Errorf("count %d", n)
	}
	if n, _ := s.CountChildren("conversation", "v3", "message"); n != 40 {
		t.Errorf("children %d", n)
	}
	if c, _, _ := s.Cursor("g5"); c.Page != 39 {
		t.Errorf("cursor %+v", c)
	}
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
}
