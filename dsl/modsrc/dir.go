package modsrc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulesDir is where, below a mapping directory, fetched modules live,
// one directory per module address. It is kzmap's own (under .kzmap/,
// not committed): kzmap init fills it from the lock.
const ModulesDir = ".kzmap/modules"

// CheckAddress reports whether address can name a module's directory: one
// or more names joined by dots ("base", "base.kb"), each a letter or _
// followed by letters, digits, _ and -. Nothing else is accepted, so an
// address can never reach outside ModulesDir (no path separators, no ..).
func CheckAddress(address string) error {
	if address == "" {
		return errors.New("empty module address")
	}
	for _, name := range strings.Split(address, ".") {
		ok := name != ""
		for i, c := range name {
			letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
			if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '-')) {
				ok = false
				break
			}
		}
		if !ok {
			return fmt.Errorf("module address %q is invalid: module addresses are names joined by dots (base, base.kb), each name of letters, digits, _ and -, starting with a letter or _", address)
		}
	}
	return nil
}

// Dir returns the directory that holds the module at address for the
// mapping directory root: <root>/.kzmap/modules/<address>, dots kept as
// they are. It refuses an invalid address (see CheckAddress).
func Dir(root, address string) (string, error) {
	if err := CheckAddress(address); err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(ModulesDir), address), nil
}

// Verify checks that the copy of m in Dir(root, m.Address) is there and
// hashes to m.Hash. Every command that loads a git module calls it (or
// Lock.Check) first; the error says to run kzmap init.
func Verify(root string, m LockedModule) error {
	dir, err := Dir(root, m.Address)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("module %q (%s) is not installed: %s does not exist; run kzmap init", m.Address, m.Source, dir)
	}
	got, err := HashDir(dir)
	if err != nil {
		return fmt.Errorf("module %q: %w; run kzmap init to fetch a clean copy", m.Address, err)
	}
	if got != m.Hash {
		return fmt.Errorf("module %q: the files in %s do not match %s (they hash to %s, the lock says %s): they were edited, or come from another version; run kzmap init to restore the locked copy (change a module in its own repository, not here)",
			m.Address, dir, LockFile, got, m.Hash)
	}
	return nil
}

// Check is what every command does before loading the git module at
// address whose source is written source: it finds the module's entry,
// checks that the entry is for that source and that the copy is intact
// (Verify), and returns the directory to load the module from.
func (l *Lock) Check(root, address, source string) (dir string, err error) {
	m, ok := l.Find(address)
	if !ok {
		return "", fmt.Errorf("module %q (%s) is not in %s; run kzmap init to fetch it", address, source, LockFile)
	}
	if !sameSource(m.Source, source) {
		return "", fmt.Errorf("module %q: its source is now %s but %s pins %s; run kzmap init to fetch the new source", address, source, LockFile, m.Source)
	}
	if err := Verify(root, m); err != nil {
		return "", err
	}
	return Dir(root, address)
}

// sameSource compares two sources by their canonical form.
func sameSource(a, b string) bool {
	if a == b {
		return true
	}
	pa, oka, erra := ParseGit(a)
	pb, okb, errb := ParseGit(b)
	return oka && okb && erra == nil && errb == nil && pa == pb
}
