package boltfile

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var testSpec = Spec{
	Name: "test store", Meta: []byte("meta"), VersionKey: []byte("version"),
	Steps: []Step{func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists([]byte("meta")); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists([]byte("data"))
		return err
	}},
	Buckets: [][]byte{[]byte("meta"), []byte("data")},
}

func put(t *testing.T, d *DB, k, v string) {
	t.Helper()
	if err := d.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("data")).Put([]byte(k), []byte(v)) }); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, d *DB, k string) string {
	t.Helper()
	var v []byte
	if err := d.View(func(tx *bolt.Tx) error { v = tx.Bucket([]byte("data")).Get([]byte(k)); return nil }); err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// TestReadersReadTheWritersCopy: while one process writes a store, a
// read-only open is not locked out: it gets the copy the writer keeps,
// refreshed after writes at the writer's pace, and says so; once the
// writer closes, the copy is gone and readers open the store itself.
func TestReadersReadTheWritersCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	w, err := Open(path, testSpec, Options{Publish: true, PublishEvery: time.Minute, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	put(t, w, "a", "1")

	// Without a writer's copy, a reader is locked out, as before.
	noCopy, err := Open(filepath.Join(t.TempDir(), "plain.db"), testSpec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer noCopy.Close()
	if _, err := Open(noCopy.Path(), testSpec, Options{ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Fatalf("a store written without a copy: %v, want ErrLocked", err)
	}

	r, err := Open(path, testSpec, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open while writing: %v", err)
	}
	if _, _, ok := r.CopyOf(); !ok {
		t.Error("CopyOf: the reader does not know it reads a copy")
	}
	if got := get(t, r, "a"); got != "" {
		t.Errorf("the copy made at open holds %q, written after it", got)
	}
	r.Close()

	advance(2 * time.Minute) // due: the next write refreshes the copy
	put(t, w, "b", "2")
	r, err = Open(path, testSpec, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, r, "a") != "1" || get(t, r, "b") != "2" {
		t.Errorf("the refreshed copy holds a=%q b=%q", get(t, r, "a"), get(t, r, "b"))
	}
	r.Close()

	put(t, w, "c", "3") // not due: the copy stays as it was
	r, _ = Open(path, testSpec, Options{ReadOnly: true})
	if got := get(t, r, "c"); got != "" {
		t.Errorf("the copy was refreshed before it was due: c=%q", got)
	}
	r.Close()

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(readCopyPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the copy outlives its writer: %v", err)
	}
	r, err = Open(path, testSpec, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, ok := r.CopyOf(); ok || get(t, r, "c") != "3" {
		t.Error("after the writer closed, the reader must read the store itself")
	}
}
