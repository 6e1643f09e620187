package modsrc

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	root := filepath.Join("work", "acme")
	for addr, want := range map[string]string{
		"base":         filepath.Join(root, ".kzmap", "modules", "base"),
		"base.kb":      filepath.Join(root, ".kzmap", "modules", "base.kb"),
		"_x.my-kb2.y_": filepath.Join(root, ".kzmap", "modules", "_x.my-kb2.y_"),
	} {
		got, err := Dir(root, addr)
		if err != nil || got != want {
			t.Errorf("Dir(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	for _, addr := range []string{"", ".", "..", "../x", "a/b", `a\b`, "a..b", ".a", "a.", "/abs", "C:x", "a b", "1st", "-x", "a.-b", "base\x00", "é"} {
		if got, err := Dir(root, addr); err == nil || got != "" {
			t.Errorf("Dir(%q) = %q, %v; want it refused", addr, got, err)
		} else if !strings.Contains(err.Error(), "module address") {
			t.Errorf("Dir(%q) error %q does not say what is wrong", addr, err)
		}
	}
}

func TestVerifyAndCheck(t *testing.T) {
	root := t.TempDir()
	dir, err := Dir(root, "base")
	if err != nil {
		t.Fatal(err)
	}
	source := "git::file:///tmp/t.git//default?ref=v1"
	l := &Lock{}
	m := LockedModule{Address: "base", Source: source, Commit: commitA, Hash: hashA}
	l.Set(m)

	// Not fetched yet.
	if _, err := l.Check(root, "base", source); err == nil || !strings.Contains(err.Error(), "is not installed") || !strings.Contains(err.Error(), "run kzmap init") {
		t.Errorf("missing copy: %v", err)
	}

	writeFiles(t, dir, hashBase)
	h, err := HashDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Hash = h
	l.Set(m)
	for _, written := range []string{source, "git::file:///tmp/t.git//default/?ref=v1"} {
		got, err := l.Check(root, "base", written)
		if err != nil || got != dir {
			t.Errorf("Check(%q) = %q, %v; want %q", written, got, err, dir)
		}
	}
	if err := Verify(root, m); err != nil {
		t.Errorf("Verify: %v", err)
	}

	for _, tc := range []struct{ address, source, want string }{
		{"kb", source, `module "kb" (` + source + `) is not in kzmap.lock.hcl; run kzmap init`},
		{"base", "git::file:///tmp/t.git//default?ref=v2", "its source is now git::file:///tmp/t.git//default?ref=v2 but kzmap.lock.hcl pins " + source + "; run kzmap init"},
	} {
		if _, err := l.Check(root, tc.address, tc.source); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s, %s) = %v; want %q", tc.address, tc.source, err, tc.want)
		}
	}

	// Edited by hand.
	os.WriteFile(filepath.Join(dir, "main.kzmap.hcl"), []byte("version = 99\n"), 0o644)
	if _, err := l.Check(root, "base", source); err == nil || !strings.Contains(err.Error(), "do not match kzmap.lock.hcl") || !strings.Contains(err.Error(), "run kzmap init to restore the locked copy") {
		t.Errorf("edited copy: %v", err)
	}
}

// TestInitFlow runs what kzmap init and the other commands do: fetch,
// lock, then, in a fresh clone of the directory, fetch the locked commit
// even though the ref has moved on, and check it.
func TestInitFlow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	written := "git::" + f.url + "//default?ref=dev"
	src, ok, err := ParseGit(written)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}

	// kzmap init in the first checkout.
	root := t.TempDir()
	dest, _ := Dir(root, "base")
	commit, err := Fetch(ctx, src, dest)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := HashDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	lock := &Lock{}
	lock.Set(LockedModule{Address: "base", Source: written, Commit: commit, Hash: hash})
	if err := lock.Write(filepath.Join(root, LockFile)); err != nil {
		t.Fatal(err)
	}

	// The branch moves on.
	testGit(t, f.dir, "checkout", "-q", "dev")
	writeFiles(t, f.dir, map[string]string{"default/main.kzmap.hcl": "version = newer\n"})
	testGit(t, f.dir, "commit", "-q", "-a", "-m", "newer")
	if now, err := Resolve(ctx, src); err != nil || now == commit {
		t.Fatalf("Resolve = %s, %v; want a newer commit than %s", now, err, commit)
	}

	// A fresh clone of the customer directory: only the lock file.
	fresh := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(root, LockFile))
	os.WriteFile(filepath.Join(fresh, LockFile), data, 0o644)
	got, err := ReadLock(filepath.Join(fresh, LockFile))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := got.Find("base")
	if !ok {
		t.Fatal("base is not locked")
	}
	freshDest, _ := Dir(fresh, "base")
	if err := FetchCommit(ctx, src, m.Commit, freshDest); err != nil {
		t.Fatal(err)
	}
	dir, err := got.Check(fresh, "base", written)
	if err != nil {
		t.Fatal(err)
	}
	if files := readTree(t, dir); files["main.kzmap.hcl"] != "version = dev\n" {
		t.Errorf("the fresh copy is not the locked one: %v", files)
	}
}
