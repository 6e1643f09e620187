package kustomersim

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/kzmap/kzmap/dataset"
)

// A dataset read through memory maps holds the same records as one read
// into memory.
func TestMappedLoadMatchesCopied(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "small", Seed: 3}, dir); err != nil {
		t.Fatal(err)
	}
	copied, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := mapAbove
	mapAbove = 0
	defer func() { mapAbove = old }()
	mapped, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for k := range copied.tables {
		a, b := copied.tables[k], mapped.tables[k]
		if (a == nil) != (b == nil) || a != nil && len(a.recs) != len(b.recs) {
			t.Fatalf("kind %d: tables differ", k)
		}
		if a == nil {
			continue
		}
		for i := range a.recs {
			if !bytes.Equal(a.recs[i].raw, b.recs[i].raw) || a.recs[i].id != b.recs[i].id || a.recs[i].parent != b.recs[i].parent {
				t.Fatalf("kind %d record %d differs", k, i)
			}
		}
	}
	if n := len(mapped.tables[kMessage].recs); n == 0 {
		t.Fatal("no messages loaded")
	}
}
