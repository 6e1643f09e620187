package dsl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSpecKindsUpToDate fails when spec/kinds.md and the block schemas
// disagree.
func TestSpecKindsUpToDate(t *testing.T) {
	path := filepath.Join("..", "spec", "kinds.md")
	got := KindsMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("spec/kinds.md is stale; run go test ./dsl -run Spec -update (-file +code):\n%s", diff)
	}
}
