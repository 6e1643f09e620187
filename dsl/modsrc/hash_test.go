package modsrc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHashDirGolden pins the scheme: the value is what
// golang.org/x/mod/sumdb/dirhash.HashDir(dir, "", dirhash.Hash1) gives.
func TestHashDirGolden(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.kzmap.hcl": "a = 1\n", "sub/x.txt": "hello\n", "sub/deep/empty": "", "Z.txt": "zed"})
	got, err := HashDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "h1:+jBdr7jXzPg40vwfbu6eZxz1Y6F9gTMDvn9Q4pj3CNw="; got != want {
		t.Errorf("HashDir = %s; want %s", got, want)
	}
	// No files: the sha256 of nothing.
	got, err = HashDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if want := "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; got != want {
		t.Errorf("HashDir(empty) = %s; want %s", got, want)
	}
}

var hashBase = map[string]string{"main.kzmap.hcl": "version = 1\n", "kb/articles.kzmap.hcl": "articles\n", "README.md": "readme\n"}

func hashOf(t *testing.T, files map[string]string, edit func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	if edit != nil {
		edit(dir)
	}
	h, err := HashDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHashDirStable: the hash depends on names and contents only.
func TestHashDirStable(t *testing.T) {
	base := hashOf(t, hashBase, nil)
	same := map[string]string{
		"again, another directory": hashOf(t, hashBase, nil),
		"modes and times changed": hashOf(t, hashBase, func(dir string) {
			p := filepath.Join(dir, "main.kzmap.hcl")
			os.Chmod(p, 0o600)
			os.Chtimes(p, time0, time0)
		}),
		"an empty directory added": hashOf(t, hashBase, func(dir string) { os.Mkdir(filepath.Join(dir, "empty"), 0o755) }),
	}
	for name, h := range same {
		if h != base {
			t.Errorf("%s: hash %s; want %s", name, h, base)
		}
	}
}

// TestHashDirSensitive: every change to names or contents changes it.
func TestHashDirSensitive(t *testing.T) {
	seen := map[string]string{hashOf(t, hashBase, nil): "the base"}
	changes := map[string]func(dir string){
		"content changed":  func(dir string) { os.WriteFile(filepath.Join(dir, "main.kzmap.hcl"), []byte("version = 2\n"), 0o644) },
		"one byte added":   func(dir string) { os.WriteFile(filepath.Join(dir, "README.md"), []byte("readme\n\n"), 0o644) },
		"file added":       func(dir string) { os.WriteFile(filepath.Join(dir, "extra.kzmap.hcl"), []byte("x\n"), 0o644) },
		"empty file added": func(dir string) { os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644) },
		"file removed":     func(dir string) { os.Remove(filepath.Join(dir, "README.md")) },
		"file renamed": func(dir string) {
			os.Rename(filepath.Join(dir, "README.md"), filepath.Join(dir, "README.txt"))
		},
		"file moved to another directory": func(dir string) {
			os.Rename(filepath.Join(dir, "README.md"), filepath.Join(dir, "kb", "README.md"))
		},
		"contents swapped": func(dir string) {
			os.WriteFile(filepath.Join(dir, "main.kzmap.hcl"), []byte("readme\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "README.md"), []byte("version = 1\n"), 0o644)
		},
	}
	for name, edit := range changes {
		h := hashOf(t, hashBase, edit)
		if prev, dup := seen[h]; dup {
			t.Errorf("%s: same hash as %s (%s)", name, prev, h)
		}
		seen[h] = name
	}
}

func TestHashDirRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, hashBase)
	if err := os.Symlink("main.kzmap.hcl", filepath.Join(dir, "kb", "link.kzmap.hcl")); err != nil {
		t.Skipf("no symbolic links: %v", err)
	}
	_, err := HashDir(dir)
	if err == nil || !strings.Contains(err.Error(), "kb/link.kzmap.hcl is a symbolic link") || !strings.Contains(err.Error(), dir) {
		t.Errorf("HashDir = %v; want the link refused, naming it and the directory", err)
	}
}

func TestHashDirErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := HashDir(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("HashDir(missing) = %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := HashDir(file); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("HashDir(file) = %v", err)
	}
}

var time0 = time.Unix(0, 0)
