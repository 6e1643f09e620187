package modsrc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// LockFile is the lock's file name in a mapping directory.
const LockFile = "kzmap.lock.hcl"

const lockHeader = `# kzmap.lock.hcl: the exact module versions this directory uses. Written
# by kzmap init; commit it, do not edit it.
`

// Lock is the content of kzmap.lock.hcl: one entry per git module.
// ReadLock returns, and Set keeps, Modules sorted by Address.
type Lock struct {
	Modules []LockedModule
}

// LockedModule pins one module.
type LockedModule struct {
	// Address is the module's path: "base" for module "base" of the
	// mapping directory, "base.kb" for module "kb" inside it.
	Address string
	// Source is the source as written in the module block.
	Source string
	// Commit is the full commit hash the source resolved to.
	Commit string
	// Hash is HashDir of the copy in Dir(root, Address).
	Hash string
}

// ReadLock reads a lock file. A missing file is an empty Lock and no
// error (a directory whose modules were never fetched). A malformed file
// is an error of type hcl.Diagnostics, with file:line of each problem.
func ReadLock(path string) (*Lock, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{}, nil
	}
	if err != nil {
		return nil, err
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return nil, lockDiags(diags)
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"address"}}}})
	l := &Lock{}
	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		m, d := decodeLocked(b)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if prev, dup := seen[m.Address]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate module in lock",
				Detail: fmt.Sprintf("Module %q is already locked at %s.", m.Address, prev), Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		seen[m.Address] = b.DefRange
		l.Modules = append(l.Modules, m)
	}
	if diags.HasErrors() {
		return nil, lockDiags(diags)
	}
	l.sort()
	return l, nil
}

// lockDiags adds what to do to every error about the lock file.
func lockDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	const advice = " " + LockFile + " is written by kzmap init: restore it from version control, or delete it and run kzmap init."
	out := make(hcl.Diagnostics, 0, len(diags))
	for _, d := range diags {
		c := *d
		if c.Severity == hcl.DiagError {
			c.Detail += advice
		}
		out = append(out, &c)
	}
	return out
}

func decodeLocked(b *hcl.Block) (LockedModule, hcl.Diagnostics) {
	m := LockedModule{Address: b.Labels[0]}
	var diags hcl.Diagnostics
	if err := CheckAddress(m.Address); err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module address",
			Detail: err.Error() + ".", Subject: b.LabelRanges[0].Ptr()})
	}
	content, d := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true}, {Name: "commit", Required: true}, {Name: "hash", Required: true}}})
	diags = append(diags, d...)
	for name, dst := range map[string]*string{"source": &m.Source, "commit": &m.Commit, "hash": &m.Hash} {
		a, ok := content.Attributes[name]
		if !ok {
			continue
		}
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lock value",
				Detail: fmt.Sprintf("%s must be a string.", name), Subject: a.Expr.Range().Ptr()})
			continue
		}
		*dst = v.AsString()
		if msg := checkLockValue(name, *dst); msg != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lock value",
				Detail: msg + ".", Subject: a.Expr.Range().Ptr()})
		}
	}
	return m, diags
}

// checkLockValue validates one attribute of a locked module.
func checkLockValue(name, v string) string {
	switch name {
	case "source":
		_, ok, err := ParseGit(v)
		if err != nil {
			return err.Error()
		}
		if !ok {
			return fmt.Sprintf("source %q is not a git source; only git sources are locked", v)
		}
	case "commit":
		if !isFullHash(v) || v != strings.ToLower(v) {
			return fmt.Sprintf("commit %q is not a full lower-case commit hash", v)
		}
	case "hash":
		raw, ok := strings.CutPrefix(v, "h1:")
		sum, err := base64.StdEncoding.DecodeString(raw)
		if !ok || err != nil || len(sum) != 32 {
			return fmt.Sprintf("hash %q is not an h1: hash (h1: and the base64 of 32 bytes)", v)
		}
	}
	return ""
}

func (m LockedModule) check() error {
	if err := CheckAddress(m.Address); err != nil {
		return err
	}
	for _, a := range [][2]string{{"source", m.Source}, {"commit", m.Commit}, {"hash", m.Hash}} {
		if msg := checkLockValue(a[0], a[1]); msg != "" {
			return fmt.Errorf("module %q: %s", m.Address, msg)
		}
	}
	return nil
}

// Find returns the entry for address.
func (l *Lock) Find(address string) (LockedModule, bool) {
	if l == nil {
		return LockedModule{}, false
	}
	for _, m := range l.Modules {
		if m.Address == address {
			return m, true
		}
	}
	return LockedModule{}, false
}

// Set adds m, or replaces the entry with the same Address, keeping
// Modules sorted by Address. Write validates the entries.
func (l *Lock) Set(m LockedModule) {
	for i := range l.Modules {
		if l.Modules[i].Address == m.Address {
			l.Modules[i] = m
			return
		}
	}
	l.Modules = append(l.Modules, m)
	l.sort()
}

// Remove drops the entry for address (a module no longer used) and
// reports whether there was one.
func (l *Lock) Remove(address string) bool {
	for i, m := range l.Modules {
		if m.Address == address {
			l.Modules = append(l.Modules[:i], l.Modules[i+1:]...)
			return true
		}
	}
	return false
}

func (l *Lock) sort() {
	sort.SliceStable(l.Modules, func(i, j int) bool { return l.Modules[i].Address < l.Modules[j].Address })
}

// Write validates the lock and writes it to path in canonical HCL (a
// fixed point of kzmap fmt), modules sorted by address, under a header
// comment. The file is replaced atomically (written beside it, then
// renamed).
func (l *Lock) Write(path string) error {
	data, err := l.encode()
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}

// encode renders the lock file.
func (l *Lock) encode() ([]byte, error) {
	mods := append([]LockedModule(nil), l.Modules...)
	sort.SliceStable(mods, func(i, j int) bool { return mods[i].Address < mods[j].Address })
	for i, m := range mods {
		if err := m.check(); err != nil {
			return nil, err
		}
		if i > 0 && mods[i-1].Address == m.Address {
			return nil, fmt.Errorf("module %q is in the lock twice", m.Address)
		}
	}
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for _, m := range mods {
		body.AppendNewline()
		b := body.AppendNewBlock("module", []string{m.Address}).Body()
		b.SetAttributeValue("source", cty.StringVal(m.Source))
		b.SetAttributeValue("commit", cty.StringVal(m.Commit))
		b.SetAttributeValue("hash", cty.StringVal(m.Hash))
	}
	out := hclwrite.Format(append([]byte(lockHeader), f.Bytes()...))
	return append(bytes.TrimRight(out, "\n"), '\n'), nil
}
