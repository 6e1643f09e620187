package checkpoint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestDamagedCheckpointIsRefused: the checkpoint is the one file kzmap
// cannot rebuild, so a damaged one is refused with ErrCorrupt and what to
// do, never opened, reset or crashed on; it has the snapshot's protections.
func TestDamagedCheckpointIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		b := Batch{ID: NewBatchID(), Kind: "user", Op: "create", Keys: []string{strings.Repeat("k", 200) + string(rune('a'+i%26))}}
		if err := s.BeginBatch(b); err != nil {
			t.Fatal(err)
		}
	}
	// The file is bbolt's allocation, often twice what the data needs:
	// cut it below what its last transaction says it holds, not at a
	// fraction that may still hold every page.
	var used int64
	var page int
	if err := s.file.View(func(tx *bolt.Tx) error { used, page = tx.Size(), tx.DB().Info().PageSize; return nil }); err != nil {
		t.Fatal(err)
	}
	if page != spec.PageSize {
		t.Fatalf("a new checkpoint has %d-byte pages, want %d", page, spec.PageSize)
	}
	s.Close()
	good, _ := os.ReadFile(path)
	var metas []int
	for i := 16; i < 80; i++ {
		metas = append(metas, i, page+i)
	}
	flipped := bytes.Clone(good)
	for _, i := range metas {
		flipped[i] ^= 0xff
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"empty": {}, "truncated below its last page": good[:used-int64(page)], "one page": good[:page], "tiny": good[:20],
		"garbage": bytes.Repeat([]byte("not a database "), 1000), "both meta pages": flipped,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".db")
			os.WriteFile(p, b, 0o600)
			for _, ro := range []bool{false, true} {
				s, err := Open(p, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("read-only %v: opened a damaged file", ro)
				}
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "restore it from a backup") {
					t.Errorf("read-only %v: err = %v, want ErrCorrupt with advice", ro, err)
				}
			}
			if after, _ := os.ReadFile(p); !bytes.Equal(after, b) {
				t.Error("the damaged file was modified")
			}
		})
	}
}

func TestNotACheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, _ := bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("resources"))
		return err
	})
	db.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("another bbolt file: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.db"), Options{ReadOnly: true}); !errors.Is(err, ErrNoCheckpoint) {
		t.Errorf("no file, read-only: %v", err)
	}
}

// TestCreationIsWhole: a new checkpoint appears complete or not at all
// (built aside and linked into place); no temporary file stays behind.
func TestCreationIsWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "checkpoint.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".new-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if s, err = Open(path, Options{ReadOnly: true}); err != nil || s.Lineage() == "" {
		t.Fatalf("reopened: %v", err)
	}
	s.Close()
}

// TestBinding: a checkpoint is bound to the first Zendesk account and
// Kustomer org it is applied with, and refuses others, saying which.
func TestBinding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(Binding{ZendeskAccount: "acme-sandbox.zendesk.com"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(Binding{ZendeskAccount: "acme-sandbox.zendesk.com", KustomerOrg: "acme"}); err != nil {
		t.Fatalf("the org, once known: %v", err)
	}
	err = s.Bind(Binding{ZendeskAccount: "acme.zendesk.com", KustomerOrg: "acme"})
	if !errors.Is(err, ErrOtherAccount) || !strings.Contains(err.Error(), `Zendesk account "acme-sandbox.zendesk.com"`) || !strings.Contains(err.Error(), "--state DIR") {
		t.Errorf("another account: %v", err)
	}
	if err := s.Bind(Binding{ZendeskAccount: "acme-sandbox.zendesk.com", KustomerOrg: "globex"}); !errors.Is(err, ErrOtherAccount) || !strings.Contains(err.Error(), "Kustomer org") {
		t.Errorf("another org: %v", err)
	}
	if b, _ := s.Binding(); b != (Binding{ZendeskAccount: "acme-sandbox.zendesk.com", KustomerOrg: "acme"}) {
		t.Errorf("binding %+v", b)
	}
}
