package modsrc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kinds of failure, for errors.Is. The errors themselves carry the full
// story: the source, what git said and what to try.
var (
	// ErrUnreachable: git could not clone or list the repository (wrong
	// URL, no network, no access).
	ErrUnreachable = errors.New("repository unreachable")
	// ErrUnknownRef: the repository has no tag, branch or commit by that
	// name (or, for FetchCommit, no longer has the locked commit).
	ErrUnknownRef = errors.New("unknown ref")
	// ErrNoSubdir: the commit has no directory Subdir.
	ErrNoSubdir = errors.New("no such subdirectory")
	// ErrUnsupported: the module contains what kzmap cannot copy
	// faithfully (a symbolic link, a submodule).
	ErrUnsupported = errors.New("unsupported module content")
)

// sourceError is an error about one source; it unwraps to its kind.
type sourceError struct {
	source string
	kind   error
	msg    string
}

func (e *sourceError) Error() string { return fmt.Sprintf("module source %q: %s", e.source, e.msg) }
func (e *sourceError) Unwrap() error { return e.kind }

func srcErr(src GitSource, kind error, format string, args ...any) error {
	return &sourceError{source: src.String(), kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Fetch clones src.URL, resolves src.Ref to a commit (see Resolve) and
// copies the files of src.Subdir at that commit into dest, replacing
// whatever dest held. It returns the full commit hash.
//
// The copy is written to a sibling dest+".tmp-*" and renamed into place,
// so dest is never half written: after an error it is as it was. (An old
// dest is first moved aside to dest+".tmp-*-old", so for the instant
// between the two renames dest is absent, never partial.) .git entries
// are left out; symbolic links and submodules are refused.
func Fetch(ctx context.Context, src GitSource, dest string) (commit string, err error) {
	if err := validSource(src); err != nil {
		return "", err
	}
	r, err := cloneRepo(ctx, src)
	if err != nil {
		return "", err
	}
	defer r.close()
	if commit, err = r.resolve(ctx); err != nil {
		return "", err
	}
	if err := r.export(ctx, commit, dest); err != nil {
		return "", err
	}
	return commit, nil
}

// FetchCommit is Fetch at a given full commit hash, the one a lock pins,
// instead of src.Ref. The commit must still be reachable from a branch or
// tag of the repository.
func FetchCommit(ctx context.Context, src GitSource, commit, dest string) error {
	if err := validSource(src); err != nil {
		return err
	}
	if !isFullHash(commit) {
		return srcErr(src, ErrUnknownRef, "%q is not a full commit hash (40 or 64 hexadecimal digits)", commit)
	}
	commit = strings.ToLower(commit)
	r, err := cloneRepo(ctx, src)
	if err != nil {
		return err
	}
	defer r.close()
	got, ok, err := r.revParse(ctx, commit+"^{commit}")
	if err != nil {
		return err
	}
	if !ok || got != commit {
		return srcErr(src, ErrUnknownRef, "commit %s is not on any branch or tag of %s (was it force-pushed away?); check with: git ls-remote %s", commit, src.URL, src.URL)
	}
	return r.export(ctx, commit, dest)
}

// Resolve returns the full hash of the commit src.Ref names now, without
// copying anything: a tag (an annotated tag gives the commit it points
// at), then a branch, or the remote's HEAD when Ref is empty. It asks the
// remote with git ls-remote. A full commit hash resolves to itself
// without asking; an abbreviated one needs a clone.
func Resolve(ctx context.Context, src GitSource) (commit string, err error) {
	if err := validSource(src); err != nil {
		return "", err
	}
	if isFullHash(src.Ref) {
		return strings.ToLower(src.Ref), nil
	}
	out, err := runGit(ctx, nil, "ls-remote", "--", src.URL)
	if err != nil {
		return "", gitFailed(src, "git ls-remote", err)
	}
	refs := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		oid, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok {
			refs[name] = oid
		}
	}
	for _, c := range refCandidates(src.Ref) {
		if oid, ok := refs[c+"^{}"]; ok {
			return oid, nil
		}
		if oid, ok := refs[c]; ok {
			return oid, nil
		}
	}
	if isHex(src.Ref) {
		// Perhaps an abbreviated commit hash: only a clone can tell.
		r, err := cloneRepo(ctx, src)
		if err != nil {
			return "", err
		}
		defer r.close()
		return r.resolve(ctx)
	}
	var names []string
	for name := range refs {
		names = append(names, name)
	}
	return "", unknownRef(src, names)
}

// refCandidates lists the refs that Ref may mean, in git's order of
// precedence. A hash is tried separately.
func refCandidates(ref string) []string {
	switch {
	case ref == "" || ref == "HEAD":
		return []string{"HEAD"}
	case strings.HasPrefix(ref, "refs/"):
		return []string{ref}
	}
	return []string{"refs/tags/" + ref, "refs/heads/" + ref}
}

func unknownRef(src GitSource, refNames []string) error {
	if src.Ref == "" || src.Ref == "HEAD" {
		return srcErr(src, ErrUnknownRef, "%s has no commits (its HEAD names no commit)", src.URL)
	}
	var tags, branches []string
	for _, n := range refNames {
		if strings.HasSuffix(n, "^{}") {
			continue
		}
		if t, ok := strings.CutPrefix(n, "refs/tags/"); ok {
			tags = append(tags, t)
		} else if b, ok := strings.CutPrefix(n, "refs/heads/"); ok {
			branches = append(branches, b)
		}
	}
	what := "tag, branch or commit"
	if isHex(src.Ref) {
		what = "tag, branch or commit (only commits on a branch or tag can be fetched)"
	}
	return srcErr(src, ErrUnknownRef, "no %s %q in %s; tags: %s; branches: %s", what, src.Ref, src.URL, listNames(tags), listNames(branches))
}

func listNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	const max = 20
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(", and %d more", len(names)-max)
	}
	return strings.Join(names, ", ")
}

// validSource checks a GitSource built by hand as ParseGit would have.
func validSource(src GitSource) error {
	got, ok, err := ParseGit(src.String())
	if err != nil {
		return err
	}
	if !ok || got != src {
		return fmt.Errorf("module source %q is not in canonical form (parse it with ParseGit)", src.String())
	}
	return nil
}

// clone is a bare clone in a temporary directory.
type clone struct {
	src GitSource
	tmp string // removed by close
	dir string // the bare repository
}

func cloneRepo(ctx context.Context, src GitSource) (*clone, error) {
	tmp, err := os.MkdirTemp("", "kzmap-git-*")
	if err != nil {
		return nil, fmt.Errorf("module source %q: %w", src.String(), err)
	}
	r := &clone{src: src, tmp: tmp, dir: filepath.Join(tmp, "repo.git")}
	if _, err := runGit(ctx, nil, "clone", "--bare", "--quiet", "--", src.URL, r.dir); err != nil {
		r.close()
		return nil, gitFailed(src, "git clone", err)
	}
	return r, nil
}

func (r *clone) close() { os.RemoveAll(r.tmp) }

func (r *clone) git(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	return runGit(ctx, stdin, append([]string{"--git-dir", r.dir}, args...)...)
}

// revParse resolves spec to an object hash; ok is false when there is no
// such object.
func (r *clone) revParse(ctx context.Context, spec string) (oid string, ok bool, err error) {
	out, err := r.git(ctx, nil, "rev-parse", "--verify", "--quiet", spec)
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		var gf *gitFailure
		if errors.As(err, &gf) {
			return "", false, nil
		}
		return "", false, err
	}
	return strings.TrimSpace(string(out)), true, nil
}

// resolve finds the commit r.src.Ref names in the clone, in the same order
// as Resolve.
func (r *clone) resolve(ctx context.Context) (string, error) {
	cands := refCandidates(r.src.Ref)
	if isHex(r.src.Ref) {
		cands = append(cands, r.src.Ref)
	}
	for _, c := range cands {
		oid, ok, err := r.revParse(ctx, c+"^{commit}")
		if err != nil {
			return "", err
		}
		if ok {
			return oid, nil
		}
	}
	out, err := r.git(ctx, nil, "for-each-ref", "--format=%(refname)", "refs/tags", "refs/heads")
	if err != nil {
		return "", gitFailed(r.src, "git for-each-ref", err)
	}
	return "", unknownRef(r.src, strings.Fields(string(out)))
}

// treeEntry is one file of a module at a commit.
type treeEntry struct {
	mode string
	oid  string
	path string // slash-separated, relative to the module's directory
}

// export writes the files of r.src.Subdir at commit into dest, atomically.
func (r *clone) export(ctx context.Context, commit, dest string) error {
	src := r.src
	spec := commit + "^{tree}"
	if src.Subdir != "" {
		spec = commit + ":" + src.Subdir
	}
	tree, ok, err := r.revParse(ctx, spec)
	if err != nil {
		return err
	}
	if ok {
		out, err := r.git(ctx, nil, "cat-file", "-t", tree)
		if err != nil {
			return gitFailed(src, "git cat-file", err)
		}
		if t := strings.TrimSpace(string(out)); t != "tree" {
			return srcErr(src, ErrNoSubdir, "%q at commit %s is a file, not a directory", src.Subdir, short(commit))
		}
	} else {
		return srcErr(src, ErrNoSubdir, "no directory %q at commit %s%s%s", src.Subdir, short(commit), refNote(src), r.dirHint(ctx, commit))
	}
	entries, err := r.listTree(ctx, commit, tree)
	if err != nil {
		return err
	}
	contents, err := r.readBlobs(ctx, entries)
	if err != nil {
		return err
	}
	if err := writeTree(dest, entries, contents); err != nil {
		return fmt.Errorf("module source %q: writing %s: %w", src.String(), dest, err)
	}
	return nil
}

func refNote(src GitSource) string {
	if src.Ref == "" {
		return " (the default branch)"
	}
	return fmt.Sprintf(" (ref %s)", src.Ref)
}

// dirHint lists the directories next to where Subdir should be.
func (r *clone) dirHint(ctx context.Context, commit string) string {
	parent := path.Dir(r.src.Subdir)
	spec := commit + "^{tree}"
	if parent != "." {
		spec = commit + ":" + parent
	}
	out, err := r.git(ctx, nil, "ls-tree", "-d", "-z", "--name-only", spec)
	if err != nil {
		return ""
	}
	var dirs []string
	for _, n := range strings.Split(string(out), "\x00") {
		if n != "" {
			dirs = append(dirs, path.Join(parent, n))
		}
	}
	where := "at the top"
	if parent != "." {
		where = "in " + parent
	}
	return fmt.Sprintf("; directories %s: %s", where, listNames(dirs))
}

func (r *clone) listTree(ctx context.Context, commit, tree string) ([]treeEntry, error) {
	src := r.src
	out, err := r.git(ctx, nil, "ls-tree", "-r", "-z", tree)
	if err != nil {
		return nil, gitFailed(src, "git ls-tree", err)
	}
	var entries []treeEntry
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, p, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, srcErr(src, ErrUnsupported, "unexpected git ls-tree output %q", rec)
		}
		if excluded(p) {
			continue
		}
		full := path.Join(src.Subdir, p)
		switch f[0] {
		case "100644", "100755", "100664":
		case "120000":
			return nil, srcErr(src, ErrUnsupported, "%s at commit %s is a symbolic link; modules must contain regular files only", full, short(commit))
		case "160000":
			return nil, srcErr(src, ErrUnsupported, "%s at commit %s is a submodule; modules cannot use submodules", full, short(commit))
		default:
			return nil, srcErr(src, ErrUnsupported, "%s at commit %s has unsupported mode %s", full, short(commit), f[0])
		}
		if !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, "\n") {
			return nil, srcErr(src, ErrUnsupported, "file name %q at commit %s cannot be written safely", full, short(commit))
		}
		entries = append(entries, treeEntry{mode: f[0], oid: f[2], path: p})
	}
	return entries, nil
}

// excluded reports whether a path is inside (or is) a .git entry.
func excluded(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if strings.EqualFold(part, ".git") {
			return true
		}
	}
	return false
}

// readBlobs reads the entries' contents with one git cat-file --batch.
func (r *clone) readBlobs(ctx context.Context, entries []treeEntry) ([][]byte, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	var in strings.Builder
	for _, e := range entries {
		in.WriteString(e.oid)
		in.WriteByte('\n')
	}
	out, err := r.git(ctx, strings.NewReader(in.String()), "cat-file", "--batch")
	if err != nil {
		return nil, gitFailed(r.src, "git cat-file", err)
	}
	br := bufio.NewReader(bytes.NewReader(out))
	contents := make([][]byte, len(entries))
	for i, e := range entries {
		header, err := br.ReadString('\n')
		f := strings.Fields(header)
		if err != nil || len(f) != 3 || f[0] != e.oid || f[1] != "blob" {
			return nil, srcErr(r.src, ErrUnsupported, "git cat-file: unexpected answer %q for %s", strings.TrimSpace(header), e.path)
		}
		size, err := strconv.Atoi(f[2])
		if err != nil || size < 0 {
			return nil, srcErr(r.src, ErrUnsupported, "git cat-file: bad size in %q", strings.TrimSpace(header))
		}
		data := make([]byte, size+1) // the content and a newline
		if _, err := io.ReadFull(br, data); err != nil || data[size] != '\n' {
			return nil, srcErr(r.src, ErrUnsupported, "git cat-file: short answer for %s", e.path)
		}
		contents[i] = data[:size]
	}
	return contents, nil
}

// writeTree writes the files into a sibling of dest and renames it into
// place.
func writeTree(dest string, entries []treeEntry, contents [][]byte) (err error) {
	if dest == "" {
		return errors.New("no destination directory")
	}
	dest = filepath.Clean(dest)
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	staging, err := os.MkdirTemp(parent, filepath.Base(dest)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(staging)
		}
	}()
	if err := os.Chmod(staging, 0o755); err != nil {
		return err
	}
	for i, e := range entries {
		p := filepath.Join(staging, filepath.FromSlash(e.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		perm := os.FileMode(0o644)
		if e.mode == "100755" {
			perm = 0o755
		}
		// O_EXCL: on a case-insensitive file system two names that differ
		// only in case would otherwise silently overwrite each other.
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return fmt.Errorf("%s: %w (do two files differ only in case?)", e.path, err)
		}
		_, werr := f.Write(contents[i])
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return werr
		}
	}
	return replaceDir(staging, dest)
}

// replaceDir renames staging to dest. An existing dest is first moved
// aside (a directory cannot be renamed over a non-empty one) and restored
// if the second rename fails.
func replaceDir(staging, dest string) error {
	old := ""
	if _, err := os.Lstat(dest); err == nil {
		old = staging + "-old"
		if err := os.Rename(dest, old); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(staging, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// gitFailure is a git command that ran and failed.
type gitFailure struct {
	stderr string // the telling line of git's stderr
	err    error
}

func (g *gitFailure) Error() string {
	if g.stderr != "" {
		return g.stderr
	}
	return g.err.Error()
}

func (g *gitFailure) Unwrap() error { return g.err }

// gitFailed turns a failed git command into an error about src.
func gitFailed(src GitSource, what string, err error) error {
	var gf *gitFailure
	if !errors.As(err, &gf) {
		// Not git's own failure: context canceled, git missing, ...
		return fmt.Errorf("module source %q: %s: %w", src.String(), what, err)
	}
	return &sourceError{source: src.String(), kind: ErrUnreachable,
		msg: fmt.Sprintf("%s failed: git said %q; check that this works from the same shell: git ls-remote %s", what, gf.stderr, src.URL)}
}

// runGit runs the user's git with the user's environment (see gitEnv).
func runGit(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = gitEnv(os.Environ())
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// An ssh child may keep the pipes open after git is killed.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, errors.New("git is not installed or not on PATH: kzmap runs git to fetch git module sources; install git")
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return nil, err
		}
		return nil, &gitFailure{stderr: tellingLine(stderr.String()), err: err}
	}
	return stdout.Bytes(), nil
}

// tellingLine picks the line of git's stderr worth quoting: the first
// "fatal:" or "error:" line (git follows it with generic advice, and with
// a second, vaguer fatal: "Could not read from remote repository."), or
// else the last line.
func tellingLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		l = strings.TrimSpace(l)
		lower := strings.ToLower(l)
		if strings.HasPrefix(lower, "fatal:") || strings.HasPrefix(lower, "error:") {
			return l
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

// repoEnv are the variables that would point git at another repository
// than the one kzmap names on its command line.
var repoEnv = []string{
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
	"GIT_PREFIX", "GIT_SHALLOW_FILE", "GIT_GRAFT_FILE", "GIT_REPLACE_REF_BASE",
	"GIT_IMPLICIT_WORK_TREE", "GIT_INTERNAL_SUPER_PREFIX", "GIT_NO_REPLACE_OBJECTS",
	"GIT_TERMINAL_PROMPT",
}

// gitEnv is environ (the user's environment, so SSH agents and credential
// helpers work) without repoEnv, with GIT_TERMINAL_PROMPT=0 so a missing
// credential fails instead of waiting for input, and replace refs off.
func gitEnv(environ []string) []string {
	out := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, r := range repoEnv {
			if strings.EqualFold(name, r) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return append(out, "GIT_TERMINAL_PROMPT=0", "GIT_NO_REPLACE_OBJECTS=1")
}

func isHex(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isFullHash reports whether s is a full SHA-1 or SHA-256 commit hash.
func isFullHash(s string) bool { return (len(s) == 40 || len(s) == 64) && isHex(s) }

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
