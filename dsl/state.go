package dsl

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// StateSettings say where the checkpoint lives: the `state` block of the
// mapping directory itself. A module cannot choose it: the state belongs
// to the customer's directory, not to a template shared by many.
//
//	state {
//	  backend   = "pg"    # "local" (a bbolt file under .kzmap, the default) or "pg"
//	  workspace = "acme"  # pg: the PostgreSQL schema kzmap_acme
//	}
//
// The connection string is never written here: it comes from KZMAP_PG_URL.
type StateSettings struct {
	Backend   string // "local" or "pg"; "" when the block does not say
	Workspace string // "" when the block does not say
	Range     hcl.Range
}

// Backends are the state backends.
var Backends = []string{"local", "pg"}

// backendAliases are names users write for the backends.
var backendAliases = map[string]string{
	"postgres": "pg", "postgresql": "pg", "psql": "pg", "pgsql": "pg",
	"bolt": "local", "bbolt": "local", "file": "local", "disk": "local",
}

var stateKeys = []string{"backend", "workspace"}

var workspaceName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// ReadState reads only the state block of the mapping directory dir, so
// that commands which do not need the whole mapping (state list) find the
// checkpoint, and a mapping with errors elsewhere still does.
func ReadState(dir string) (StateSettings, hcl.Diagnostics) {
	fsys := os.DirFS(dir)
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return StateSettings{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read mapping directory", Detail: err.Error()}}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), MappingSuffix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var st StateSettings
	var found *hclsyntax.Block
	var diags hcl.Diagnostics
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return st, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error()}}
		}
		f, d := hclsyntax.ParseConfig(data, path.Join(displayDir(dir), n), hcl.Pos{Line: 1, Column: 1})
		if d.HasErrors() {
			continue // validate and plan say what is wrong; the state block is not in a broken file
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, b := range body.Blocks {
			if b.Type != "state" {
				continue
			}
			if found != nil {
				return st, append(diags, duplicateState(b, found))
			}
			found = b
			s, d := decodeStateBlock(b)
			st, diags = s, append(diags, d...)
		}
	}
	return st, diags
}

func duplicateState(b, first *hclsyntax.Block) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate state block",
		Detail: fmt.Sprintf("The state block is already at %s; a directory has one.", first.DefRange()), Subject: b.DefRange().Ptr()}
}

// decodeStateBlock reads a state block. Its values are plain strings:
// the block is read before variables exist, by every command.
func decodeStateBlock(b *hclsyntax.Block) (StateSettings, hcl.Diagnostics) {
	st := StateSettings{Range: b.DefRange()}
	var diags hcl.Diagnostics
	if len(b.Labels) > 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected label",
			Detail: `Write state { backend = "pg" } without a label.`, Subject: b.LabelRanges[0].Ptr()})
	}
	diags = append(diags, noBlocks(b)...)
	for _, a := range sortedAttrs(b.Body.Attributes) {
		if !slices.Contains(stateKeys, a.Name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail: fmt.Sprintf("The state block takes %s; %q is not one of them.%s The PostgreSQL connection string comes from KZMAP_PG_URL, never from mapping files.",
					strings.Join(stateKeys, ", "), a.Name, suggest(a.Name, stateKeys)),
				Subject: a.NameRange.Ptr()})
			continue
		}
		v, d := a.Expr.Value(nil)
		if d.HasErrors() || v.Type() != cty.String || !v.IsKnown() || v.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid state setting",
				Detail:  fmt.Sprintf("%s must be a plain string such as \"pg\": the state block is read before variables and locals, by every command.", a.Name),
				Subject: a.Expr.Range().Ptr()})
			continue
		}
		s := v.AsString()
		switch a.Name {
		case "backend":
			if !slices.Contains(Backends, s) {
				hint := suggest(s, Backends)
				if alias, ok := backendAliases[strings.ToLower(s)]; ok {
					hint = fmt.Sprintf(" Did you mean %q?", alias)
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown state backend",
					Detail: fmt.Sprintf("backend is %s, not %q.%s", strings.Join(quoteAll(Backends), " or "), s, hint), Subject: a.Expr.Range().Ptr()})
				continue
			}
			st.Backend = s
		case "workspace":
			if !workspaceName.MatchString(s) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid workspace name",
					Detail:  fmt.Sprintf("%q: a workspace name is 1 to 50 lower-case letters, digits and _, starting with a letter (it names the PostgreSQL schema kzmap_NAME).", s),
					Subject: a.Expr.Range().Ptr()})
				continue
			}
			st.Workspace = s
		}
	}
	return st, diags
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
