package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/dsl/modsrc"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/examples/mappings"
)

// Git modules (spec/cli.md, kzmap init): kzmap init, in a mapping
// directory, fetches every git module into .kzmap/modules and pins it in
// kzmap.lock.hcl; every other command loads the pinned copy offline and
// checks its hash. init keeps what the lock pins; init -upgrade moves each
// module to the newest commit its ref names, and says what changed.

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// fetcher is kzmap init's dsl.ModuleResolver: it fetches what the lock
// does not hold as it is (or everything, upgrading) and records it.
type fetcher struct {
	ctx     context.Context
	root    string
	lock    *modsrc.Lock
	upgrade bool
	seen    map[string]bool
	changes []moduleChange
	w       io.Writer
	// stage holds what this init fetched until the mapping loads with
	// it: a failed init leaves .kzmap/modules and the lock as they were.
	stage  string
	staged []string // addresses
}

// moduleChange is a module whose pinned commit init moved.
type moduleChange struct {
	address, source, from, to string
	before, after             map[string][]byte // the module's files
}

// Module implements dsl.ModuleResolver.
func (f *fetcher) Module(address, source string) (string, string, error) {
	src, _, err := modsrc.ParseGit(source)
	if err != nil {
		return "", "", err
	}
	f.seen[address] = true
	dir, err := modsrc.Dir(f.root, address)
	if err != nil {
		return "", "", err
	}
	m, locked := f.lock.Find(address)
	same := locked && m.Source == source
	if same && !f.upgrade {
		if modsrc.Verify(f.root, m) == nil {
			return dir, m.Commit, nil
		}
		// Not fetched on this machine yet, or changed by hand: the pinned
		// commit again.
		staged, err := f.stageDir(address)
		if err != nil {
			return "", "", err
		}
		if err := modsrc.FetchCommit(f.ctx, src, m.Commit, staged); err != nil {
			return "", "", err
		}
		if hash, err := modsrc.HashDir(staged); err != nil || hash != m.Hash {
			return "", "", fmt.Errorf("module %q: commit %s fetched again does not hold what %s pins (hash %s, locked %s; %v): was its history rewritten? kzmap init -upgrade takes what the repository holds now", address, shortCommit(m.Commit), modsrc.LockFile, hash, m.Hash, err)
		}
		fmt.Fprintf(f.w, "module %s: %s at %s (fetched)\n", address, source, shortCommit(m.Commit))
		return staged, m.Commit, nil
	}
	before := readFiles(dir)
	staged, err := f.stageDir(address)
	if err != nil {
		return "", "", err
	}
	commit, err := modsrc.Fetch(f.ctx, src, staged)
	if err != nil {
		return "", "", err
	}
	hash, err := modsrc.HashDir(staged)
	if err != nil {
		return "", "", err
	}
	f.lock.Set(modsrc.LockedModule{Address: address, Source: source, Commit: commit, Hash: hash})
	switch {
	case !locked:
		fmt.Fprintf(f.w, "module %s: %s at %s (fetched, locked)\n", address, source, shortCommit(commit))
	case m.Commit == commit && same:
		fmt.Fprintf(f.w, "module %s: %s at %s (up to date)\n", address, source, shortCommit(commit))
	case same:
		fmt.Fprintf(f.w, "module %s: %s, %s → %s\n", address, source, shortCommit(m.Commit), shortCommit(commit))
		f.changes = append(f.changes, moduleChange{address: address, source: source, from: m.Commit, to: commit, before: before, after: readFiles(staged)})
	default:
		fmt.Fprintf(f.w, "module %s: %s → %s, %s → %s\n", address, m.Source, source, shortCommit(m.Commit), shortCommit(commit))
		f.changes = append(f.changes, moduleChange{address: address, source: source, from: m.Commit, to: commit, before: before, after: readFiles(staged)})
	}
	return staged, commit, nil
}

// stageDir is where a module is fetched to before the mapping has loaded
// with it.
func (f *fetcher) stageDir(address string) (string, error) {
	if f.stage == "" {
		if err := os.MkdirAll(filepath.Join(f.root, filepath.FromSlash(modsrc.ModulesDir)), 0o755); err != nil {
			return "", err
		}
		dir, err := os.MkdirTemp(filepath.Join(f.root, filepath.FromSlash(modsrc.ModulesDir)), ".init-")
		if err != nil {
			return "", err
		}
		f.stage = dir
	}
	f.staged = append(f.staged, address)
	return filepath.Join(f.stage, address), nil
}

// commit moves the staged modules into place.
func (f *fetcher) commit() error {
	for _, a := range f.staged {
		dir, err := modsrc.Dir(f.root, a)
		if err != nil {
			return err
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(f.stage, a), dir); err != nil {
			return err
		}
	}
	return f.discard()
}

// discard removes what was staged.
func (f *fetcher) discard() error {
	if f.stage == "" {
		return nil
	}
	return os.RemoveAll(f.stage)
}

// readFiles holds a module copy's files, by slash path (nil when there is
// none).
func readFiles(dir string) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil
	}
	return out
}

// initModules is kzmap init in a mapping directory: fetch and lock its
// git modules, check what the templates require, and, upgrading, say
// what changed.
func initModules(c *cli.Context, upgrade bool) error {
	w := c.App.Writer
	lockPath := modsrc.LockFile
	lock, err := modsrc.ReadLock(lockPath)
	if err != nil {
		return err
	}
	var old *dsl.Config
	if upgrade {
		// The mapping as it is locked now, to compare the plans.
		if cfg, diags := loadConfig("."); !diags.HasErrors() {
			old = cfg
		}
	}
	f := &fetcher{ctx: c.Context, root: ".", lock: lock, upgrade: upgrade, seen: map[string]bool{}, w: w}
	cfg, diags := dsl.Load(".", dsl.LoadOptions{Templates: mappings.FS(), Modules: f, KzmapVersion: Version})
	if diags.HasErrors() {
		f.discard()
		return loadFailed(c, cfg, diags, "the mapping is not valid with these modules; the lock is unchanged")
	}
	for _, m := range slices.Clone(lock.Modules) {
		if !f.seen[m.Address] {
			lock.Remove(m.Address)
			fmt.Fprintf(w, "module %s: no longer used, dropped from the lock\n", m.Address)
		}
	}
	if err := f.commit(); err != nil {
		return fmt.Errorf("moving the fetched modules into %s: %w", modsrc.ModulesDir, err)
	}
	if _, err := os.Stat(lockPath); err == nil || len(f.seen) > 0 {
		if err := lock.Write(lockPath); err != nil {
			return err
		}
	}
	if len(f.seen) == 0 {
		fmt.Fprintf(w, "No git modules: nothing to fetch. The mapping is valid: %d mappings.\n", len(cfg.Mappings))
		return nil
	}
	fmt.Fprintf(w, "Locked %s in %s: commit it with the mapping.\n", plural(len(f.seen), "module"), lockPath)
	for _, ch := range f.changes {
		writeModuleChange(w, ch)
	}
	if upgrade && len(f.changes) > 0 && old != nil {
		planEffect(c, old, cfg)
	}
	return nil
}

// writeModuleChange lists the files an upgrade changed, with their diff.
func writeModuleChange(w io.Writer, ch moduleChange) {
	fmt.Fprintf(w, "\nmodule %s, %s → %s:\n", ch.address, shortCommit(ch.from), shortCommit(ch.to))
	names := map[string]bool{}
	for n := range ch.before {
		names[n] = true
	}
	for n := range ch.after {
		names[n] = true
	}
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range names {
			if !yield(n) {
				return
			}
		}
	}) {
		a, inA := ch.before[n]
		b, inB := ch.after[n]
		switch {
		case !inA:
			fmt.Fprintf(w, "  + %s (new)\n", n)
		case !inB:
			fmt.Fprintf(w, "  - %s (removed)\n", n)
		case !bytes.Equal(a, b):
			fmt.Fprintf(w, "  ~ %s\n", n)
			diff := dsl.UnifiedDiff(n, a, b)
			diff = strings.Replace(diff, "+++ "+n+" (formatted)", "+++ "+n+" ("+shortCommit(ch.to)+")", 1)
			diff = strings.Replace(diff, "--- "+n, "--- "+n+" ("+shortCommit(ch.from)+")", 1)
			for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
}

// planEffect plans with the mapping before and after an upgrade, when a
// snapshot exists, and says how the plan changes.
func planEffect(c *cli.Context, old, cfg *dsl.Config) {
	w := c.App.Writer
	if _, err := os.Stat(snapshotPath()); err != nil {
		fmt.Fprintln(w, "\nNo snapshot here yet: kzmap extract, then kzmap plan, shows the upgrade's effect on the migration.")
		return
	}
	snap, closeSnap, err := openSnapshot("")
	if err != nil {
		fmt.Fprintf(w, "\nThe upgrade's effect could not be planned: %v\n", err)
		return
	}
	defer closeSnap()
	cp, err := openCheckpointRO(c)
	if err != nil {
		fmt.Fprintf(w, "\nThe upgrade's effect could not be planned: %v\n", err)
		return
	}
	if cp != nil {
		defer cp.Close()
	}
	// Each mapping's plan, op by op: what the upgrade writes differently.
	ops := func(cfg *dsl.Config) (map[string]string, error) {
		f, err := os.CreateTemp(stateDir, ".upgrade-*.kzplan")
		if err != nil {
			return nil, err
		}
		f.Close()
		defer os.Remove(f.Name())
		opts := engine.PlanOptions{Config: cfg, Snapshot: snap, KzmapVersion: Version, Out: f.Name()}
		if cp != nil {
			opts.Checkpoint = cp
		}
		if _, err := engine.Plan(c.Context, opts); err != nil {
			return nil, err
		}
		r, err := planfile.Open(f.Name())
		if err != nil {
			return nil, err
		}
		defer r.Close()
		out := map[string]string{}
		for {
			op, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			out[string(op.Kind)+"\x00"+op.Key] = string(op.Action) + "\x00" + op.Hash
		}
	}
	before, err := ops(old)
	var after map[string]string
	if err == nil {
		after, err = ops(cfg)
	}
	if err != nil {
		fmt.Fprintf(w, "\nThe upgrade's effect could not be planned: %v\n", err)
		return
	}
	changed, added, dropped := map[string]int{}, map[string]int{}, map[string]int{}
	for k, h := range after {
		kd, _, _ := strings.Cut(k, "\x00")
		switch was, ok := before[k]; {
		case !ok:
			added[kd]++
		case was != h:
			changed[kd]++
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			kd, _, _ := strings.Cut(k, "\x00")
			dropped[kd]++
		}
	}
	fmt.Fprintf(w, "\nEffect on the plan: %s before the upgrade, %s after.\n", plural(len(before), "change"), plural(len(after), "change"))
	if len(changed)+len(added)+len(dropped) == 0 {
		fmt.Fprintln(w, "  Every record is written as before.")
		return
	}
	for _, what := range []struct {
		label string
		by    map[string]int
	}{{"written differently", changed}, {"planned only after", added}, {"planned only before", dropped}} {
		for _, k := range kind.All {
			if n := what.by[string(k)]; n > 0 {
				fmt.Fprintf(w, "  %-22s %s %s\n", k, plural(n, "record"), what.label)
			}
		}
	}
}
