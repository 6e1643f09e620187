package dsl

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/kzmap/kzmap/dsl/modsrc"
)

// ModuleResolver finds the local copy of a module whose source the loader
// does not read itself: a git repository (git::URL//SUBDIR?ref=REF).
// address is the module's place in the tree, its names joined by dots
// ("base", "base.kb").
type ModuleResolver interface {
	Module(address, source string) (dir, commit string, err error)
}

// ModuleVersion is a git module a mapping was loaded with: what the plan
// header names.
type ModuleVersion struct {
	Address string `json:"address"`
	Source  string `json:"source"`
	Commit  string `json:"commit"`
}

// LockResolver resolves git modules from a directory's lock file and its
// fetched copies (.kzmap/modules), offline: a module not fetched, a lock
// that no longer matches the source, or a copy changed by hand is an
// error that says to run kzmap init. It is what Load uses by default.
type LockResolver struct {
	Root string // the mapping directory
	once sync.Once
	lock *modsrc.Lock
	err  error
}

// Module implements ModuleResolver.
func (r *LockResolver) Module(address, source string) (string, string, error) {
	r.once.Do(func() { r.lock, r.err = modsrc.ReadLock(filepath.Join(r.Root, modsrc.LockFile)) })
	if r.err != nil {
		return "", "", r.err
	}
	dir, err := r.lock.Check(r.Root, address, source)
	if err != nil {
		return "", "", err
	}
	m, _ := r.lock.Find(address)
	return dir, m.Commit, nil
}

// decodeKzmapBlock reads a module's kzmap block: the versions of kzmap
// it works with (required_version = ">= 0.2, < 1"), checked against this
// kzmap's when it is known.
func decodeKzmapBlock(b *hclsyntax.Block, version string) hcl.Diagnostics {
	diags := noBlocks(b)
	for _, a := range sortedAttrs(b.Body.Attributes) {
		if a.Name != "required_version" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported attribute",
				Detail: fmt.Sprintf("A kzmap block holds required_version only, not %q.", a.Name), Subject: a.NameRange.Ptr()})
			continue
		}
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() || v.Type() != cty.String || v.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid required_version",
				Detail: `required_version is a string of constraints, such as ">= 0.2, < 1".`, Subject: a.Expr.Range().Ptr()})
			continue
		}
		ok, err := versionMeets(version, v.AsString())
		switch {
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid required_version",
				Detail: err.Error() + `; write constraints such as ">= 0.2, < 1".`, Subject: a.Expr.Range().Ptr()})
		case !ok:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "kzmap version not supported",
				Detail:  fmt.Sprintf("This mapping requires kzmap %s, and this is kzmap %s: upgrade kzmap, or pin a version of the template that supports it.", v.AsString(), version),
				Subject: a.Expr.Range().Ptr()})
		}
	}
	return diags
}

// versionMeets says whether version satisfies constraints: comma-joined
// comparisons (=, !=, >, >=, <, <=) of dotted numbers. A version that is
// not a release (empty, or "dev") meets all of them; a pre-release
// (0.2.0-dev) compares as its release.
func versionMeets(version, constraints string) (bool, error) {
	have, err := parseVersion(version)
	if err != nil {
		have = nil // not a release: every constraint is met
	}
	ok := true
	for _, c := range strings.Split(constraints, ",") {
		c = strings.TrimSpace(c)
		op := "="
		for _, o := range []string{">=", "<=", "!=", ">", "<", "="} {
			if strings.HasPrefix(c, o) {
				op, c = o, strings.TrimSpace(c[len(o):])
				break
			}
		}
		want, err := parseVersion(c)
		if err != nil {
			return false, fmt.Errorf("%q is not a version", c)
		}
		if have == nil {
			continue
		}
		cmp := compareVersions(have, want)
		switch op {
		case "=":
			ok = ok && cmp == 0
		case "!=":
			ok = ok && cmp != 0
		case ">":
			ok = ok && cmp > 0
		case ">=":
			ok = ok && cmp >= 0
		case "<":
			ok = ok && cmp < 0
		case "<=":
			ok = ok && cmp <= 0
		}
	}
	return ok, nil
}

func parseVersion(s string) ([]int, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, "-")
	if s == "" {
		return nil, fmt.Errorf("empty version")
	}
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a version", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func compareVersions(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
