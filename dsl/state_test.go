package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateBlock(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"main.kzmap.hcl":  "state {\n  backend   = \"pg\"\n  workspace = \"acme_prod\"\n}\n",
		"other.kzmap.hcl": "ticket \"x\" { status = \"'open'\"\n", // broken: ReadState does not care
	}
	for n, src := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, diags := ReadState(dir)
	if diags.HasErrors() || st.Backend != "pg" || st.Workspace != "acme_prod" {
		t.Errorf("ReadState: %+v %v", st, diags)
	}
	os.Remove(filepath.Join(dir, "other.kzmap.hcl"))
	cfg, diags := loadDir(t, map[string]string{"main.kzmap.hcl": files["main.kzmap.hcl"]})
	if diags.HasErrors() || cfg.State.Backend != "pg" || cfg.State.Workspace != "acme_prod" {
		t.Errorf("Load: %+v %v", cfg.State, diags)
	}
	if st, diags := ReadState(t.TempDir()); diags.HasErrors() || st.Backend != "" {
		t.Errorf("no state block: %+v %v", st, diags)
	}
}

// A template cannot choose where a customer's checkpoint lives.
func TestStateBlockInAModuleIsRefused(t *testing.T) {
	_, diags := loadDir(t, map[string]string{
		"main.kzmap.hcl":      "module \"base\" {\n  source = \"./base\"\n}\n",
		"base/base.kzmap.hcl": "state {\n  backend = \"pg\"\n}\n",
	})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "State block in a module") {
		t.Errorf("diags: %v", diags)
	}
}
