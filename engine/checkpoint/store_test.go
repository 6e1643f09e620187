package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".kzmap", "checkpoint.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// TestBatchLifecycle runs on both backends: the protocol is written once.
func TestBatchLifecycle(t *testing.T) {
	forBackends(t, testBatchLifecycle)
}

func testBatchLifecycle(t *testing.T, s *Store) {
	serial0, _ := s.Serial()
	b := Batch{ID: NewBatchID(), Run: "r1", Kind: "organization", Op: "create", Keys: []string{"organization.company:a", "organization.company:b"}}
	if err := s.BeginBatch(b); err != nil {
		t.Fatal(err)
	}
	inflight, err := s.InFlight()
	if err != nil || len(inflight) != 1 || inflight[0].ID != b.ID {
		t.Fatalf("in flight: %v %v", inflight, err)
	}
	if err := s.SetJob(b.ID, "job-1"); err != nil {
		t.Fatal(err)
	}
	err = s.CompleteBatch(b.ID,
		[]Record{{Kind: "organization", Key: "organization.company:a", Entry: Entry{ZendeskID: "101", Hash: "h1"},
			Aliases: []Alias{{"company", "a"}}}},
		[]DeadLetter{{Kind: "organization", Key: "organization.company:b", Error: "Name: has already been taken"}})
	if err != nil {
		t.Fatal(err)
	}
	if inflight, _ := s.InFlight(); len(inflight) != 0 {
		t.Errorf("still in flight: %v", inflight)
	}
	e, ok, err := s.Get("organization", "organization.company:a")
	if err != nil || !ok || e.ZendeskID != "101" || e.Batch != b.ID || e.Run != "r1" {
		t.Errorf("entry %+v %v %v", e, ok, err)
	}
	kind, key, ok, _ := s.Resolve("company", "a")
	if !ok || kind != "organization" || key != "organization.company:a" {
		t.Errorf("alias: %s %s %v", kind, key, ok)
	}
	dead, _ := s.DeadLetters()
	want := []DeadLetter{{Kind: "organization", Key: "organization.company:b", Error: "Name: has already been taken", Attempts: 1, Batch: b.ID}}
	if diff := cmp.Diff(want, dead, cmpopts.IgnoreFields(DeadLetter{}, "At")); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	done, ok, _ := s.Batch(b.ID)
	if !ok || done.JobID != "job-1" || done.DoneAt.IsZero() || len(done.Created) != 1 {
		t.Errorf("batch: %+v", done)
	}
	if serial, _ := s.Serial(); serial != serial0+2 {
		t.Errorf("serial %d, want %d", serial, serial0+2)
	}

	// A retry that succeeds clears the dead letter.
	b2 := Batch{ID: NewBatchID(), Kind: "organization", Op: "create", Keys: []string{"organization.company:b"}}
	s.BeginBatch(b2)
	if err := s.CompleteBatch(b2.ID, []Record{{Kind: "organization", Key: "organization.company:b", Entry: Entry{ZendeskID: "102"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if dead, _ := s.DeadLetters(); len(dead) != 0 {
		t.Errorf("dead letters after success: %v", dead)
	}
	if n, _ := s.Count("organization"); n != 2 {
		t.Errorf("count %d", n)
	}

	// state rm: the record and the aliases that resolve to it go, in one
	// transaction that reads back its own deletes.
	n, err := s.ForgetKeys("organization", []string{"organization.company:a", "organization.company:zz"})
	if err != nil || n != 1 {
		t.Fatalf("forget: %d %v", n, err)
	}
	if _, _, ok, _ := s.Resolve("company", "a"); ok {
		t.Error("the alias of a forgotten record still resolves")
	}
	if n, _ := s.Count("organization"); n != 1 {
		t.Errorf("count after forget %d", n)
	}
}

func TestSecondOpenSaysWhoHoldsTheLock(t *testing.T) {
	_, path := open(t)
	_, err := Open(path, Options{})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want a LockedError", err)
	}
	if le.PID != os.Getpid() || le.Since.IsZero() || !strings.Contains(err.Error(), fmt.Sprintf("pid %d, since", os.Getpid())) {
		t.Errorf("lock error: %v", err)
	}
}

func TestFilesArePrivate(t *testing.T) {
	_, path := open(t)
	for _, p := range []string{path, path + ".lock"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, st.Mode().Perm())
		}
	}
}

func TestLineageSurvivesReopen(t *testing.T) {
	s, path := open(t)
	lin := s.Lineage()
	s.Close()
	s2, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if lin == "" || s2.Lineage() != lin {
		t.Errorf("lineage %q then %q", lin, s2.Lineage())
	}
}

func TestMigrationsRunInOrderAndRefuseTheFuture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ran []int
	steps := append([]migration{}, migrations...)
	steps = append(steps, func(tx *bolt.Tx) error { ran = append(ran, 2); _, err := tx.CreateBucket([]byte("v2")); return err })
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, steps[:1]) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, steps) }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2}, ran); diff != "" {
		t.Errorf("steps run: %s", diff)
	}
	db.View(func(tx *bolt.Tx) error {
		if v, _ := version(tx.Bucket(bMeta)); v != 2 {
			t.Errorf("version %d", v)
		}
		return nil
	})
	err = db.Update(func(tx *bolt.Tx) error { return migrate(tx, steps[:1]) })
	if err == nil || !strings.Contains(err.Error(), "newer than this kzmap") {
		t.Errorf("err = %v", err)
	}
}

func TestDamagedFilesAreErrorsNotPanics(t *testing.T) {
	dir := t.TempDir()
	tried := 0
	for name, content := range map[string][]byte{
		"empty.db":   {},
		"garbage.db": []byte(strings.Repeat("not a bolt file ", 512)),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, content, 0o600)
		tried++
		if _, err := Open(p, Options{ReadOnly: true}); err == nil {
			t.Errorf("%s: opened a damaged file", name)
		}
	}
	// A valid bbolt file that is not a checkpoint.
	p := filepath.Join(dir, "other.db")
	db, _ := bolt.Open(p, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	db.Close()
	_, err := Open(p, Options{ReadOnly: true})
	tried++
	if err == nil || !strings.Contains(err.Error(), "not a kzmap checkpoint") {
		t.Errorf("err = %v", err)
	}
	// A truncated checkpoint.
	s, path := open(t)
	s.Close()
	data, _ := os.ReadFile(path)
	tp := filepath.Join(dir, "truncated.db")
	os.WriteFile(tp, data[:len(data)/3], 0o600)
	tried++
	if _, err := Open(tp, Options{}); err == nil {
		t.Error("opened a truncated file")
	}
	t.Logf("KZSUITE bad_inputs=%d", tried)
}
