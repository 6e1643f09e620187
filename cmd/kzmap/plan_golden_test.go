package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/dataset"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestPlanRenderingGolden pins the human and JSON views of a plan over the
// edge dataset: every hazard the ugly cases raise, the counts, the
// estimate and sample payloads.
func TestPlanRenderingGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("edge dataset")
	}
	tmp := t.TempDir()
	export := filepath.Join(tmp, "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "edge", Seed: 7}, export); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(tmp, "m")
	var out, errb bytes.Buffer
	if code := runWith([]string{"kzmap", "init", m}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"plan_edge.golden", []string{"plan", "--from-export", export, "--sample", "1"}},
		{"plan_edge.json.golden", []string{"plan", "--from-export", export, "--json", "--sample", "1"}},
	} {
		out.Reset()
		errb.Reset()
		code := runWith(append([]string{"kzmap", "-chdir", m}, tc.args...), &out, &errb)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errb.String())
		}
		got := regexp.MustCompile(`"kzmap_version": "[^"]*"`).ReplaceAll(out.Bytes(), []byte(`"kzmap_version": "X"`))
		path := filepath.Join("testdata", tc.golden)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./cmd/kzmap -run Golden -update writes it)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-golden +got):\n%s", tc.golden, diff)
		}
	}
}
