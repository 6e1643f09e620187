package modsrc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestFetchRefs fetches the template at every kind of ref and checks the
// commit, the files (the subdirectory's only) and that Resolve agrees.
func TestFetchRefs(t *testing.T) {
	f := sharedFixture(t)
	ctx := context.Background()
	cases := []struct {
		name, ref string
		commit    *string
		files     map[string]string
	}{
		{"tag v1", "v1", &f.c1, filesV1},
		{"tag v2", "v2", &f.c2, filesV2},
		{"annotated tag", "stable", &f.c2, filesV2},
		{"full tag ref", "refs/tags/stable", &f.c2, filesV2},
		{"branch", "dev", &f.c3, filesC3},
		{"full branch ref", "refs/heads/dev", &f.c3, filesC3},
		{"commit hash", f.c1, &f.c1, filesV1},
		{"upper-case commit hash", strings.ToUpper(f.c1), &f.c1, filesV1},
		{"abbreviated commit hash", f.c3[:10], &f.c3, filesC3},
		{"default HEAD", "", &f.c4, filesC4},
		{"HEAD", "HEAD", &f.c4, filesC4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := GitSource{URL: f.url, Subdir: "default", Ref: tc.ref}
			dest := filepath.Join(t.TempDir(), ".kzmap", "modules", "base")
			commit, err := Fetch(ctx, src, dest)
			if err != nil {
				t.Fatal(err)
			}
			if commit != *tc.commit {
				t.Errorf("Fetch commit = %s; want %s", commit, *tc.commit)
			}
			if got := readTree(t, dest); !reflect.DeepEqual(got, tc.files) {
				t.Errorf("fetched files = %v; want %v", got, tc.files)
			}
			if got := names(t, filepath.Dir(dest)); !slices.Equal(got, []string{"base"}) {
				t.Errorf("module directory holds %v; want only base (no temporary directories left)", got)
			}
			resolved, err := Resolve(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			if resolved != commit {
				t.Errorf("Resolve = %s; Fetch used %s", resolved, commit)
			}
		})
	}
}

func TestFetchKeepsExecutableBit(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no executable bit")
	}
	f := sharedFixture(t)
	dest := filepath.Join(t.TempDir(), "m")
	if _, err := Fetch(context.Background(), GitSource{URL: f.url, Subdir: "default", Ref: "v1"}, dest); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"run.sh": 0o100, "main.kzmap.hcl": 0} {
		fi, err := os.Stat(filepath.Join(dest, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o100 != want {
			t.Errorf("%s has mode %v", name, fi.Mode())
		}
	}
}

// TestFetchRepositoryRoot: without //SUBDIR the whole tree is copied, and
// nothing of .git.
func TestFetchRepositoryRoot(t *testing.T) {
	f := sharedFixture(t)
	dest := filepath.Join(t.TempDir(), "m")
	commit, err := Fetch(context.Background(), GitSource{URL: f.url, Ref: "v1"}, dest)
	if err != nil {
		t.Fatal(err)
	}
	if commit != f.c1 {
		t.Errorf("commit = %s; want %s", commit, f.c1)
	}
	want := map[string]string{"README.md": "root readme\n", "other/other.kzmap.hcl": "other\n"}
	for p, c := range filesV1 {
		want["default/"+p] = c
	}
	if got := readTree(t, dest); !reflect.DeepEqual(got, want) {
		t.Errorf("fetched files = %v; want %v", got, want)
	}
}

// TestFetchReplacesDest: a second fetch replaces the copy as a whole
// (files gone upstream are gone), leaving nothing temporary behind.
func TestFetchReplacesDest(t *testing.T) {
	f := sharedFixture(t)
	ctx := context.Background()
	modules := t.TempDir()
	dest := filepath.Join(modules, "base")
	writeFiles(t, dest, map[string]string{"stale.txt": "old\n", "nested/stale.txt": "old\n"})
	if _, err := Fetch(ctx, GitSource{URL: f.url, Subdir: "default", Ref: "v1"}, dest); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dest); !reflect.DeepEqual(got, filesV1) {
		t.Errorf("after fetching v1: %v; want %v", got, filesV1)
	}
	if _, err := Fetch(ctx, GitSource{URL: f.url, Subdir: "default"}, dest); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dest); !reflect.DeepEqual(got, filesC4) {
		t.Errorf("after fetching HEAD: %v; want %v", got, filesC4)
	}
	if got := names(t, modules); !slices.Equal(got, []string{"base"}) {
		t.Errorf("modules directory holds %v; want only base", got)
	}
}

// TestFetchErrors: every failure names the source, says what is wrong,
// and leaves an existing copy as it was.
func TestFetchErrors(t *testing.T) {
	f := sharedFixture(t)
	ctx := context.Background()
	missing := fileURL(filepath.Join(t.TempDir(), "no-such-repo.git"))
	cases := []struct {
		name string
		src  GitSource
		kind error
		want []string
	}{
		{"missing subdir", GitSource{URL: f.url, Subdir: "nope", Ref: "v1"}, ErrNoSubdir,
			[]string{`no directory "nope" at commit ` + f.c1[:12] + " (ref v1)", "directories at the top: default, other"}},
		{"missing nested subdir", GitSource{URL: f.url, Subdir: "default/nope"}, ErrNoSubdir,
			[]string{`no directory "default/nope"`, "(the default branch)", "directories in default: none"}},
		{"subdir is a file", GitSource{URL: f.url, Subdir: "README.md"}, ErrNoSubdir,
			[]string{`"README.md" at commit`, "is a file, not a directory"}},
		{"unknown ref", GitSource{URL: f.url, Subdir: "default", Ref: "v9"}, ErrUnknownRef,
			[]string{`no tag, branch or commit "v9" in ` + f.url, "tags: stable, v1, v2", "branches: dev, gitlink, links, main"}},
		{"unknown commit", GitSource{URL: f.url, Subdir: "default", Ref: strings.Repeat("ab", 20)}, ErrUnknownRef,
			[]string{"only commits on a branch or tag can be fetched"}},
		{"missing repository", GitSource{URL: missing, Subdir: "default", Ref: "v1"}, ErrUnreachable,
			[]string{"git clone failed: git said \"fatal: '", "does not appear to be a git repository", "git ls-remote " + missing}},
		{"symbolic link", GitSource{URL: f.url, Subdir: "default", Ref: "links"}, ErrUnsupported,
			[]string{"default/link at commit", "is a symbolic link"}},
		{"submodule", GitSource{URL: f.url, Subdir: "default", Ref: "gitlink"}, ErrUnsupported,
			[]string{"default/sm at commit", "is a submodule"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			modules := t.TempDir()
			dest := filepath.Join(modules, "base")
			before := map[string]string{"keep.txt": "the copy that was here\n"}
			writeFiles(t, dest, before)
			_, err := Fetch(ctx, tc.src, dest)
			if err == nil {
				t.Fatal("Fetch succeeded; want an error")
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			msg := err.Error()
			for _, w := range append([]string{`module source "` + tc.src.String() + `"`}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\ndoes not say %q", msg, w)
				}
			}
			if got := readTree(t, dest); !reflect.DeepEqual(got, before) {
				t.Errorf("the copy changed: %v", got)
			}
			if got := names(t, modules); !slices.Equal(got, []string{"base"}) {
				t.Errorf("modules directory holds %v; want only base", got)
			}
		})
	}
}

// TestFetchNoDestOnError: a failed first fetch creates no directory.
func TestFetchNoDestOnError(t *testing.T) {
	f := sharedFixture(t)
	modules := t.TempDir()
	if _, err := Fetch(context.Background(), GitSource{URL: f.url, Subdir: "nope"}, filepath.Join(modules, "base")); err == nil {
		t.Fatal("want an error")
	}
	if got := names(t, modules); len(got) != 0 {
		t.Errorf("modules directory holds %v; want nothing", got)
	}
}

func TestFetchCommit(t *testing.T) {
	f := sharedFixture(t)
	ctx := context.Background()
	// The ref says dev, the lock says c1: the lock wins.
	src := GitSource{URL: f.url, Subdir: "default", Ref: "dev"}
	dest := filepath.Join(t.TempDir(), "base")
	if err := FetchCommit(ctx, src, f.c1, dest); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dest); !reflect.DeepEqual(got, filesV1) {
		t.Errorf("files = %v; want %v", got, filesV1)
	}
	if err := FetchCommit(ctx, src, strings.ToUpper(f.c2), dest); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dest); !reflect.DeepEqual(got, filesV2) {
		t.Errorf("files = %v; want %v", got, filesV2)
	}

	for _, tc := range []struct{ commit, want string }{
		{"v1", "is not a full commit hash"},
		{f.c1[:12], "is not a full commit hash"},
		{f.stableTag, "is not on any branch or tag"}, // a tag object, not a commit
		{strings.Repeat("0", 40), "is not on any branch or tag of " + f.url},
	} {
		err := FetchCommit(ctx, src, tc.commit, dest)
		if err == nil || !errors.Is(err, ErrUnknownRef) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FetchCommit(%s) = %v; want ErrUnknownRef saying %q", tc.commit, err, tc.want)
		}
	}
	if got := readTree(t, dest); !reflect.DeepEqual(got, filesV2) {
		t.Errorf("failed fetches changed the copy: %v", got)
	}
}

func TestResolve(t *testing.T) {
	f := sharedFixture(t)
	ctx := context.Background()
	for ref, want := range map[string]string{
		"": f.c4, "v1": f.c1, "v2": f.c2, "stable": f.c2, "dev": f.c3, "main": f.c4,
		"refs/tags/stable": f.c2, f.c3[:8]: f.c3,
		// A full hash is taken as it is, without asking the remote.
		strings.Repeat("ab", 20): strings.Repeat("ab", 20),
	} {
		got, err := Resolve(ctx, GitSource{URL: f.url, Subdir: "default", Ref: ref})
		if err != nil {
			t.Errorf("Resolve(%q): %v", ref, err)
			continue
		}
		if got != want {
			t.Errorf("Resolve(%q) = %s; want %s", ref, got, want)
		}
	}

	_, err := Resolve(ctx, GitSource{URL: f.url, Ref: "v9"})
	if !errors.Is(err, ErrUnknownRef) || !strings.Contains(err.Error(), "tags: stable, v1, v2; branches: dev, gitlink, links, main") {
		t.Errorf("unknown ref: %v", err)
	}
	missing := fileURL(filepath.Join(t.TempDir(), "nope.git"))
	_, err = Resolve(ctx, GitSource{URL: missing})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "git ls-remote failed: git said") {
		t.Errorf("missing repository: %v", err)
	}
}

// TestFetchEmptyRepository: a repository without commits has no HEAD.
func TestFetchEmptyRepository(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	testGit(t, dir, "init", "-q", "--bare")
	src := GitSource{URL: fileURL(dir)}
	if _, err := Fetch(context.Background(), src, filepath.Join(t.TempDir(), "m")); !errors.Is(err, ErrUnknownRef) || !strings.Contains(err.Error(), "has no commits") {
		t.Errorf("Fetch: %v", err)
	}
	if _, err := Resolve(context.Background(), src); !errors.Is(err, ErrUnknownRef) || !strings.Contains(err.Error(), "has no commits") {
		t.Errorf("Resolve: %v", err)
	}
}

// TestFetchUsesUserEnvironment: git runs with the user's environment, so
// the user's git configuration applies (here an insteadOf rewrite, as a
// credential helper or SSH setting would).
func TestFetchUsesUserEnvironment(t *testing.T) {
	f := sharedFixture(t)
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "url."+f.url+".insteadOf")
	t.Setenv("GIT_CONFIG_VALUE_0", "https://templates.kzmap.invalid/acme.git")
	src, _, err := ParseGit("git::https://templates.kzmap.invalid/acme.git//default?ref=v1")
	if err != nil {
		t.Fatal(err)
	}
	commit, err := Fetch(context.Background(), src, filepath.Join(t.TempDir(), "m"))
	if err != nil {
		t.Fatal(err)
	}
	if commit != f.c1 {
		t.Errorf("commit = %s; want %s", commit, f.c1)
	}
	if got, err := Resolve(context.Background(), src); err != nil || got != f.c1 {
		t.Errorf("Resolve = %s, %v; want %s", got, err, f.c1)
	}
}

// TestFetchIgnoresGitDir: kzmap run from a git hook (GIT_DIR set) still
// fetches from the source, not from the hook's repository.
func TestFetchIgnoresGitDir(t *testing.T) {
	f := sharedFixture(t)
	other := t.TempDir()
	testGit(t, other, "init", "-q", "--bare")
	t.Setenv("GIT_DIR", other)
	t.Setenv("GIT_OBJECT_DIRECTORY", filepath.Join(other, "objects"))
	commit, err := Fetch(context.Background(), GitSource{URL: f.url, Subdir: "default", Ref: "v2"}, filepath.Join(t.TempDir(), "m"))
	if err != nil {
		t.Fatal(err)
	}
	if commit != f.c2 {
		t.Errorf("commit = %s; want %s", commit, f.c2)
	}
}

func TestFetchCanceled(t *testing.T) {
	f := sharedFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fetch(ctx, GitSource{URL: f.url, Ref: "v1"}, filepath.Join(t.TempDir(), "m")); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch = %v; want context.Canceled", err)
	}
}

// TestFetchRefusesNonCanonicalSource: a GitSource built by hand is held
// to what ParseGit accepts.
func TestFetchRefusesNonCanonicalSource(t *testing.T) {
	for _, src := range []GitSource{
		{URL: "--upload-pack=touch /tmp/x"},
		{URL: "https://github.com/acme/t.git", Ref: "--output=/tmp/x"},
		{URL: "https://github.com/acme/t.git", Subdir: "../x"},
		{URL: "https://github.com/acme/t.git", Subdir: "a/"},
	} {
		if _, err := Fetch(context.Background(), src, t.TempDir()); err == nil {
			t.Errorf("Fetch(%+v) succeeded", src)
		}
		if _, err := Resolve(context.Background(), src); err == nil {
			t.Errorf("Resolve(%+v) succeeded", src)
		}
	}
}

func TestGitEnv(t *testing.T) {
	env := gitEnv([]string{"HOME=/home/u", "SSH_AUTH_SOCK=/tmp/agent", "GIT_ASKPASS=/bin/helper", "GIT_DIR=/elsewhere/.git",
		"GIT_WORK_TREE=/elsewhere", "GIT_TERMINAL_PROMPT=1", "GIT_SSH_COMMAND=ssh -i key"})
	want := []string{"HOME=/home/u", "SSH_AUTH_SOCK=/tmp/agent", "GIT_ASKPASS=/bin/helper", "GIT_SSH_COMMAND=ssh -i key",
		"GIT_TERMINAL_PROMPT=0", "GIT_NO_REPLACE_OBJECTS=1"}
	if !slices.Equal(env, want) {
		t.Errorf("gitEnv = %q; want %q", env, want)
	}
}

func TestTellingLine(t *testing.T) {
	for in, want := range map[string]string{
		"ERROR: Repository not found.\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n": "ERROR: Repository not found.",
		"fatal: '/x.git' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure...\n":                                   "fatal: '/x.git' does not appear to be a git repository",
		"warning: x\nsomething odd\n": "something odd",
		"remote: Repository not found.\nfatal: repository 'https://h/x.git/' not found\n": "fatal: repository 'https://h/x.git/' not found",
	} {
		if got := tellingLine(in); got != want {
			t.Errorf("tellingLine(%q) = %q; want %q", in, got, want)
		}
	}
}
