package modsrc

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestMain(m *testing.M) {
	// The user's own git configuration (commit signing, hooks, ...) must
	// not change what the tests build or fetch.
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// shared is one fixture for the tests that only read it.
var shared struct {
	once sync.Once
	dir  string
	f    *fixture
}

// sharedFixture returns the shared fixture, built by the first test that
// asks. Tests that change the repository use newFixture.
func sharedFixture(t *testing.T) *fixture {
	t.Helper()
	needGit(t)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "kzmap-modsrc-test-*")
		if err != nil {
			t.Fatal(err)
		}
		shared.dir = dir
		shared.f = buildFixture(t, dir)
	})
	if shared.f == nil {
		t.Fatal("building the shared fixture failed")
	}
	return shared.f
}

// needGit skips the test when git is not installed.
func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
}

// testGit runs git in dir for the fixture and returns its trimmed output.
func testGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	base := []string{"-c", "user.name=kzmap test", "-c", "user.email=test@kzmap.invalid",
		"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"}
	cmd := exec.Command("git", append(base, args...)...)
	cmd.Dir = dir
	cmd.Env = gitEnv(os.Environ())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// fixture is a template repository:
//
//	c1 main, tag v1:  README.md, default/{main.kzmap.hcl (version = 1), nested/notes.txt, run.sh (+x)}, other/other.kzmap.hcl
//	c2 main, tag v2 and annotated tag "stable": default/main.kzmap.hcl is version = 2
//	c3 branch dev (from c2): version = dev, adds default/dev.txt
//	c4 main (HEAD): version = 4, removes default/nested/notes.txt
//	branch links (from c1): adds the symbolic link default/link
//	branch gitlink (from c1): adds the submodule default/sm
type fixture struct {
	dir            string // the working repository
	url            string // its file:// URL
	c1, c2, c3, c4 string
	stableTag      string // the annotated tag object, not a commit
}

var (
	filesV1 = map[string]string{"main.kzmap.hcl": "version = 1\n", "nested/notes.txt": "notes\n", "run.sh": "#!/bin/sh\necho hi\n"}
	filesV2 = map[string]string{"main.kzmap.hcl": "version = 2\n", "nested/notes.txt": "notes\n", "run.sh": "#!/bin/sh\necho hi\n"}
	filesC3 = map[string]string{"main.kzmap.hcl": "version = dev\n", "nested/notes.txt": "notes\n", "run.sh": "#!/bin/sh\necho hi\n", "dev.txt": "dev only\n"}
	filesC4 = map[string]string{"main.kzmap.hcl": "version = 4\n", "run.sh": "#!/bin/sh\necho hi\n"}
)

// newFixture builds a fixture of the test's own.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	needGit(t)
	return buildFixture(t, t.TempDir())
}

func buildFixture(t *testing.T, parent string) *fixture {
	t.Helper()
	dir := filepath.Join(parent, "templates")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := &fixture{dir: dir, url: fileURL(dir)}
	g := func(args ...string) string { return testGit(t, dir, args...) }
	write := func(rel, content string, perm os.FileMode) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), perm); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(msg string) string {
		g("add", "-A")
		g("commit", "-q", "-m", msg)
		return g("rev-parse", "HEAD")
	}
	g("init", "-q", "-b", "main")
	write("README.md", "root readme\n", 0o644)
	write("other/other.kzmap.hcl", "other\n", 0o644)
	for p, c := range filesV1 {
		perm := os.FileMode(0o644)
		if p == "run.sh" {
			perm = 0o755
		}
		write("default/"+p, c, perm)
	}
	g("update-index", "--chmod=+x", "--add", "default/run.sh")
	f.c1 = commit("v1")
	g("tag", "v1")

	write("default/main.kzmap.hcl", "version = 2\n", 0o644)
	f.c2 = commit("v2")
	g("tag", "v2")
	g("tag", "-a", "stable", "-m", "stable release")
	f.stableTag = g("rev-parse", "refs/tags/stable")

	g("checkout", "-q", "-b", "dev")
	write("default/main.kzmap.hcl", "version = dev\n", 0o644)
	write("default/dev.txt", "dev only\n", 0o644)
	f.c3 = commit("dev")

	g("checkout", "-q", "-b", "links", f.c1)
	if err := os.Symlink("main.kzmap.hcl", filepath.Join(dir, "default", "link")); err == nil {
		commit("a link")
	} else {
		// No symbolic links here: record one in the index directly.
		blob := testGitStdin(t, dir, "main.kzmap.hcl", "hash-object", "-w", "--stdin")
		g("update-index", "--add", "--cacheinfo", "120000,"+blob+",default/link")
		g("commit", "-q", "-m", "a link")
		g("reset", "-q", "--hard")
	}

	g("checkout", "-q", "-b", "gitlink", f.c1)
	g("update-index", "--add", "--cacheinfo", "160000,"+f.c1+",default/sm")
	g("commit", "-q", "-m", "a submodule")

	g("checkout", "-q", "main")
	write("default/main.kzmap.hcl", "version = 4\n", 0o644)
	if err := os.RemoveAll(filepath.Join(dir, "default", "nested")); err != nil {
		t.Fatal(err)
	}
	f.c4 = commit("v4")
	if f.stableTag == f.c2 {
		t.Fatal("the annotated tag is not a tag object")
	}
	return f
}

func testGitStdin(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = gitEnv(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// fileURL is the file:// URL of a local directory.
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x → /C:/x
	}
	return "file://" + p
}

// readTree returns the regular files below dir, path → content.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// names lists a directory's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
