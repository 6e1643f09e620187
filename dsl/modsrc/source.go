package modsrc

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// GitPrefix starts every git module source.
const GitPrefix = "git::"

// expectedForm is quoted by every parse error.
const expectedForm = `expected git::URL//SUBDIR?ref=REF (//SUBDIR and ?ref= optional), e.g. "git::https://github.com/acme/kzmap-templates.git//default?ref=v1"`

// GitSource is a parsed git module source.
type GitSource struct {
	// URL is the repository as git understands it: https://host/path,
	// ssh://[user@]host[:port]/path, user@host:path (scp-like) or
	// file:///absolute/path.
	URL string
	// Subdir is the module's directory inside the repository, a clean
	// slash-separated relative path; empty for the repository root.
	Subdir string
	// Ref is a tag, a branch or a commit hash; empty for the remote's
	// HEAD (its default branch). A tag wins over a branch of the same
	// name, as in git.
	Ref string
}

// String returns the canonical form of the source,
// git::URL[//SUBDIR][?ref=REF]. ParseGit(s.String()) gives back s.
func (s GitSource) String() string {
	var b strings.Builder
	b.WriteString(GitPrefix)
	b.WriteString(s.URL)
	if s.Subdir != "" {
		b.WriteString("//")
		b.WriteString(s.Subdir)
	}
	if s.Ref != "" {
		b.WriteString("?ref=")
		b.WriteString(refEscaper.Replace(s.Ref))
	}
	return b.String()
}

// refEscaper escapes the characters that would end or confuse the query.
var refEscaper = strings.NewReplacer("%", "%25", "&", "%26", "#", "%23")

// scpLike matches git's user@host:path form.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9_.+-]+@[A-Za-z0-9][A-Za-z0-9.-]*:[^:]`)

// userInfo matches the user[:password]@ of a URL with a scheme.
var userInfo = regexp.MustCompile(`^(git::[a-z]+://)([^/@]*)@`)

// redact hides what may be a credential in a source quoted by an error.
func redact(source string) string {
	m := userInfo.FindStringSubmatch(source)
	if m == nil {
		return source
	}
	user, _, hasPassword := strings.Cut(m[2], ":")
	switch {
	case hasPassword:
		user += ":xxxxx"
	case strings.HasPrefix(m[1], "git::https"):
		user = "xxxxx" // a token given as the user name
	}
	return m[1] + user + "@" + source[len(m[0]):]
}

// ParseGit parses a git module source, git::URL//SUBDIR?ref=REF.
//
// ok is false, with no error, when source does not start with "git::"
// (it is some other kind of source: a template or a relative path). For a
// source that starts with "git::" but is malformed, err says what is wrong
// and shows the expected form.
//
// The subdirectory starts at the first "//" after the URL's own "://", as
// in Terraform: git::https://host/repo.git//templates/default. The only
// query parameter is ref.
func ParseGit(source string) (GitSource, bool, error) {
	rest, ok := strings.CutPrefix(source, GitPrefix)
	if !ok {
		return GitSource{}, false, nil
	}
	fail := func(format string, args ...any) (GitSource, bool, error) {
		return GitSource{}, true, fmt.Errorf("module source %q: %s; %s", redact(source), fmt.Sprintf(format, args...), expectedForm)
	}
	if rest == "" {
		return fail("no repository URL after git::")
	}
	for _, r := range rest {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fail("it contains a space or control character")
		}
	}
	if strings.Contains(rest, "#") {
		return fail("a #fragment is not supported")
	}
	var src GitSource
	rest, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		ref, err := parseQuery(query)
		if err != "" {
			return fail("%s", err)
		}
		src.Ref = ref
	}
	// The subdirectory: the first "//" after the scheme's "://".
	start := 0
	if i := strings.Index(rest, "://"); i >= 0 {
		start = i + len("://")
	}
	if i := strings.Index(rest[start:], "//"); i >= 0 {
		sub := rest[start+i+2:]
		rest = rest[:start+i]
		if sub == "" {
			return fail("nothing after // (leave out // for the repository root)")
		}
		if msg := checkSubdir(sub); msg != "" {
			return fail("%s", msg)
		}
		if sub = path.Clean(sub); sub != "." {
			src.Subdir = sub
		}
	}
	if msg := checkURL(rest); msg != "" {
		return fail("%s", msg)
	}
	src.URL = rest
	if msg := checkRef(src.Ref); msg != "" {
		return fail("%s", msg)
	}
	return src, true, nil
}

func parseQuery(query string) (ref string, msg string) {
	if query == "" {
		return "", `nothing after "?" (write ?ref=TAG, or leave out the ?)`
	}
	seen := false
	for _, kv := range strings.Split(query, "&") {
		k, v, hasValue := strings.Cut(kv, "=")
		if k != "ref" {
			if k == "" {
				return "", fmt.Sprintf("malformed query parameter %q", kv)
			}
			return "", fmt.Sprintf("unsupported query parameter %q (only ref is supported)", k)
		}
		if seen {
			return "", "ref is given twice"
		}
		seen = true
		if !hasValue || v == "" {
			return "", "ref is empty (give a tag, branch or commit, or leave out ?ref= for the default branch)"
		}
		u, err := url.PathUnescape(v)
		if err != nil {
			return "", fmt.Sprintf("ref %q is not correctly %%-escaped", v)
		}
		ref = u
	}
	return ref, ""
}

func checkSubdir(sub string) string {
	if strings.Contains(sub, `\`) {
		return fmt.Sprintf("subdirectory %q: use / to separate directories", sub)
	}
	if strings.HasPrefix(sub, "/") {
		return fmt.Sprintf("subdirectory %q must be relative to the repository root", sub)
	}
	for _, part := range strings.Split(sub, "/") {
		if part == ".." {
			return fmt.Sprintf("subdirectory %q must stay inside the repository (no ..)", sub)
		}
		if strings.EqualFold(part, ".git") {
			return fmt.Sprintf("subdirectory %q names .git", sub)
		}
	}
	return ""
}

func checkURL(raw string) string {
	if strings.HasPrefix(raw, "-") {
		return fmt.Sprintf("URL %q must not start with -", raw)
	}
	scheme, _, hasScheme := strings.Cut(raw, "://")
	if !hasScheme {
		if scpLike.MatchString(raw) {
			return ""
		}
		if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, ".") {
			return fmt.Sprintf("URL %q is a local path; for a local repository write git::file:///ABSOLUTE/PATH", raw)
		}
		return fmt.Sprintf("URL %q is not a repository URL kzmap accepts: use https://HOST/PATH, ssh://[USER@]HOST/PATH, USER@HOST:PATH or file:///ABSOLUTE/PATH", raw)
	}
	switch scheme {
	case "https", "ssh", "file":
	default:
		return fmt.Sprintf("URL scheme %q is not supported (use https://, ssh://, USER@HOST:PATH or file:///)", scheme)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("URL %q does not parse: %v", raw, err)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("URL %q has a query or fragment", raw)
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return "the URL contains a password: never put credentials in a source (it is committed); let git's credential helper or SSH agent supply them"
	}
	if scheme == "https" && u.User != nil {
		return "the URL contains a user name or token: never put credentials in a source (it is committed); let git's credential helper supply them"
	}
	if scheme == "file" {
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return fmt.Sprintf("file URL %q needs an absolute path and no host: file:///ABSOLUTE/PATH", raw)
		}
		if u.Path == "/" {
			return fmt.Sprintf("file URL %q names no repository", raw)
		}
		return ""
	}
	if u.Host == "" {
		return fmt.Sprintf("URL %q has no host", raw)
	}
	if strings.HasPrefix(u.Host, "-") {
		return fmt.Sprintf("URL %q: the host must not start with -", raw)
	}
	if u.Path == "" || u.Path == "/" {
		return fmt.Sprintf("URL %q names no repository path", raw)
	}
	return ""
}

// checkRef keeps refs to what git accepts and what cannot be taken for a
// command-line option.
func checkRef(ref string) string {
	if ref == "" {
		return ""
	}
	switch {
	case strings.HasPrefix(ref, "-"):
		return fmt.Sprintf("ref %q must not start with -", ref)
	case strings.Contains(ref, ".."), strings.ContainsAny(ref, "~^:?*[\\"), strings.Contains(ref, "@{"),
		strings.HasPrefix(ref, "/"), strings.HasSuffix(ref, "/"), strings.HasSuffix(ref, "."), strings.Contains(ref, "//"):
		return fmt.Sprintf("ref %q is not a valid tag, branch or commit name", ref)
	}
	for _, r := range ref {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Sprintf("ref %q contains a space or control character", ref)
		}
	}
	return ""
}
