package boltfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func makeDB(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.db")
	db, err := bolt.Open(p, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("b"))
		for i := 0; i < 2000; i++ {
			b.Put([]byte{byte(i), byte(i >> 8)}, make([]byte, 100))
		}
		return nil
	})
	db.Close()
	return p
}

func TestCheck(t *testing.T) {
	good := makeDB(t)
	if err := Check(good); err != nil {
		t.Fatalf("good file: %v", err)
	}
	if err := Check(filepath.Join(t.TempDir(), "missing.db")); err != nil {
		t.Errorf("missing file: %v", err)
	}
	data, _ := os.ReadFile(good)
	dir := t.TempDir()
	cases := map[string][]byte{
		"truncated": data[:len(data)/2],
		"tiny":      data[:20],
		"garbage":   []byte("this is not a database file at all, not even close, no no no no no no"),
	}
	corrupt := append([]byte{}, data...)
	for i := 16; i < 80; i++ {
		corrupt[i] ^= 0xff
		corrupt[4096+i] ^= 0xff
	}
	cases["both metas corrupted"] = corrupt
	for name, b := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		if err := Check(p); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: err = %v, want ErrDamaged", name, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte("x"))
	good, err := os.ReadFile(makeDB(f))
	if err == nil {
		f.Add(good[:8192])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = check("f.db", bytes.NewReader(data), int64(len(data)))
	})
}
