package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/examples/mappings"
)

// TestMappingHashIsWhatEvaluationReads: tests, comments and layout do not
// move the hash (a saved plan stays valid); an expression, a table entry
// or a setting does.
func TestMappingHashIsWhatEvaluationReads(t *testing.T) {
	src := filepath.Join("..", "examples", "mappings", "default")
	load := func(edit func(dir string)) string {
		t.Helper()
		dir := t.TempDir()
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(src, e.Name()))
			os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
		if edit != nil {
			edit(dir)
		}
		cfg, diags := dsl.Load(dir, dsl.LoadOptions{Templates: mappings.FS()})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return MappingHash(cfg)
	}
	rewrite := func(file, old, new string) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, file)
			b, _ := os.ReadFile(p)
			if !strings.Contains(string(b), old) {
				t.Fatalf("%s has no %q", file, old)
			}
			os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644)
		}
	}
	base := load(nil)
	same := map[string]func(string){
		"a test edited":    rewrite("default.kztest.hcl", `"Customer called twice."`, `"Customer called twice!"`),
		"a comment edited": rewrite("tickets.kzmap.hcl", "# Conversation → ticket", "# Conversations → tickets"),
		"a comment added":  rewrite("tickets.kzmap.hcl", `  split_at = var.split_at`, "  split_at = var.split_at # Zendesk's cap is 5,000"),
		"blank lines":      rewrite("groups.kzmap.hcl", "group \"team\" {", "\n\ngroup \"team\" {"),
		"a new test file":  func(dir string) { os.WriteFile(filepath.Join(dir, "more.kztest.hcl"), nil, 0o644) },
		"a block comment":  rewrite("groups.kzmap.hcl", "group \"team\" {", "/* teams */ group \"team\" {"),
		// Where the checkpoint lives is not what the mapping does.
		"a state file": func(dir string) {
			os.WriteFile(filepath.Join(dir, "state.kzmap.hcl"), []byte("# the team's\nstate {\n  backend = \"pg\"\n}\n"), 0o644)
		},
		"a state block": rewrite("groups.kzmap.hcl", "group \"team\" {", "state {\n  backend   = \"pg\"\n  workspace = \"acme\"\n}\n\ngroup \"team\" {"),
	}
	for name, edit := range same {
		if got := load(edit); got != base {
			t.Errorf("%s moved the mapping hash", name)
		}
	}
	changed := map[string]func(string){
		"an expression":  rewrite("tickets.kzmap.hcl", `lookup(local.status, status, 'open')`, `lookup(local.status, status, 'pending')`),
		"a table entry":  rewrite("settings.kzmap.hcl", `snoozed = "pending"`, `snoozed = "hold"`),
		"a setting":      rewrite("settings.kzmap.hcl", "plan       = \"professional\"", "plan       = \"enterprise\""),
		"a default":      rewrite("settings.kzmap.hcl", `default     = "kustomer-import"`, `default     = "kz-import"`),
		"a line removed": rewrite("tickets.kzmap.hcl", "  updated_at    = \"updatedAt\"\n", ""),
	}
	for name, edit := range changed {
		if got := load(edit); got == base {
			t.Errorf("%s left the mapping hash as it was", name)
		}
	}
}
