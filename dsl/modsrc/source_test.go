package modsrc

import (
	"strings"
	"testing"
)

func TestParseGit(t *testing.T) {
	good := []struct {
		in        string
		want      GitSource
		canonical string // "" when in is canonical
	}{
		{in: "git::https://github.com/acme/t.git", want: GitSource{URL: "https://github.com/acme/t.git"}},
		{in: "git::https://github.com/acme/t.git//default?ref=v1", want: GitSource{URL: "https://github.com/acme/t.git", Subdir: "default", Ref: "v1"}},
		{in: "git::https://github.com/acme/t.git//templates/default/?ref=v1.2.0",
			want:      GitSource{URL: "https://github.com/acme/t.git", Subdir: "templates/default", Ref: "v1.2.0"},
			canonical: "git::https://github.com/acme/t.git//templates/default?ref=v1.2.0"},
		{in: "git::https://github.com/acme/t.git//.", want: GitSource{URL: "https://github.com/acme/t.git"}, canonical: "git::https://github.com/acme/t.git"},
		{in: "git::https://github.com/acme/t.git?ref=feature/x", want: GitSource{URL: "https://github.com/acme/t.git", Ref: "feature/x"}},
		{in: "git::https://github.com/acme/t.git?ref=a%26b", want: GitSource{URL: "https://github.com/acme/t.git", Ref: "a&b"}},
		{in: "git::https://github.com/acme/t.git?ref=v1+build", want: GitSource{URL: "https://github.com/acme/t.git", Ref: "v1+build"}},
		{in: "git::https://gitlab.example.com:8443/group/sub/t//default", want: GitSource{URL: "https://gitlab.example.com:8443/group/sub/t", Subdir: "default"}},
		{in: "git::https://github.com/acme/t.git?ref=3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
			want: GitSource{URL: "https://github.com/acme/t.git", Ref: "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"}},
		{in: "git::ssh://git@github.com/acme/t.git//default?ref=main", want: GitSource{URL: "ssh://git@github.com/acme/t.git", Subdir: "default", Ref: "main"}},
		{in: "git::ssh://git@host.example:2222/acme/t.git//default", want: GitSource{URL: "ssh://git@host.example:2222/acme/t.git", Subdir: "default"}},
		{in: "git::git@github.com:acme/t.git//default?ref=v1", want: GitSource{URL: "git@github.com:acme/t.git", Subdir: "default", Ref: "v1"}},
		{in: "git::git@github.com:acme/t.git", want: GitSource{URL: "git@github.com:acme/t.git"}},
		{in: "git::deploy@git.internal:/srv/git/t.git//a/b?ref=dev", want: GitSource{URL: "deploy@git.internal:/srv/git/t.git", Subdir: "a/b", Ref: "dev"}},
		{in: "git::file:///tmp/x/templates.git//default?ref=v1", want: GitSource{URL: "file:///tmp/x/templates.git", Subdir: "default", Ref: "v1"}},
		{in: "git::file:///tmp/x/templates.git", want: GitSource{URL: "file:///tmp/x/templates.git"}},
		{in: "git::file:///C:/repos/templates.git//default", want: GitSource{URL: "file:///C:/repos/templates.git", Subdir: "default"}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, ok, err := ParseGit(tc.in)
			if err != nil || !ok {
				t.Fatalf("ParseGit(%q) = %+v, %v, %v; want ok", tc.in, got, ok, err)
			}
			if got != tc.want {
				t.Errorf("ParseGit(%q) = %+v; want %+v", tc.in, got, tc.want)
			}
			canonical := tc.canonical
			if canonical == "" {
				canonical = tc.in
			}
			if s := got.String(); s != canonical {
				t.Errorf("String() = %q; want %q", s, canonical)
			}
			again, ok, err := ParseGit(got.String())
			if err != nil || !ok || again != got {
				t.Errorf("ParseGit(String()) = %+v, %v, %v; want %+v", again, ok, err, got)
			}
		})
	}

	for _, in := range []string{"template:default", "../templates/default", "https://github.com/acme/t.git", "", "GIT::https://x/y"} {
		got, ok, err := ParseGit(in)
		if ok || err != nil || got != (GitSource{}) {
			t.Errorf("ParseGit(%q) = %+v, %v, %v; want not a git source", in, got, ok, err)
		}
	}

	bad := []struct{ in, want string }{
		{"git::", "no repository URL"},
		{"git::github.com/acme/t.git", "not a repository URL kzmap accepts"},
		{"git::../templates", "local path"},
		{"git::/srv/git/t.git", "local path"},
		{"git::http://github.com/acme/t.git", `scheme "http" is not supported`},
		{"git::git://github.com/acme/t.git", `scheme "git" is not supported`},
		{"git::https://github.com", "names no repository path"},
		{"git::https:///acme/t.git", "has no host"},
		{"git::https://github.com/acme/t.git//", "nothing after //"},
		{"git::https://github.com/acme/t.git//../x", "no .."},
		{"git::https://github.com/acme/t.git//a/../../x", "no .."},
		{"git::https://github.com/acme/t.git///abs", "must be relative"},
		{`git::https://github.com/acme/t.git//a\b`, "use / to separate"},
		{"git::https://github.com/acme/t.git//.git/hooks", "names .git"},
		{"git::https://github.com/acme/t.git?", `nothing after "?"`},
		{"git::https://github.com/acme/t.git?ref=", "ref is empty"},
		{"git::https://github.com/acme/t.git?ref", "ref is empty"},
		{"git::https://github.com/acme/t.git?depth=1", `unsupported query parameter "depth"`},
		{"git::https://github.com/acme/t.git?ref=v1&ref=v2", "ref is given twice"},
		{"git::https://github.com/acme/t.git?ref=v1&", "malformed query parameter"},
		{"git::https://github.com/acme/t.git?ref=-v1", "must not start with -"},
		{"git::https://github.com/acme/t.git?ref=a..b", "not a valid tag, branch or commit"},
		{"git::https://github.com/acme/t.git?ref=v1%20x", "space or control"},
		{"git::https://github.com/acme/t.git?ref=%zz", "not correctly %-escaped"},
		{"git::https://github.com/acme/t.git#main", "fragment"},
		{"git::https://github.com/acme/ t.git", "space or control"},
		{"git::file://host/srv/t.git", "absolute path and no host"},
		{"git::file://relative/t.git", "absolute path and no host"},
		{"git::file:///", "names no repository"},
		{"git::-uupload-pack=touch", "must not start with -"},
		{"git::ssh://-oProxyCommand=touch/x", ""},
		{"git::git@-oProxyCommand=x:y", "not a repository URL kzmap accepts"},
	}
	for _, tc := range bad {
		t.Run(tc.in, func(t *testing.T) {
			got, ok, err := ParseGit(tc.in)
			if err == nil || !ok {
				t.Fatalf("ParseGit(%q) = %+v, %v, %v; want an error", tc.in, got, ok, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "expected git::URL//SUBDIR?ref=REF") {
				t.Errorf("ParseGit(%q) error %q; want it to say %q and show the expected form", tc.in, msg, tc.want)
			}
			if !strings.Contains(msg, "module source ") {
				t.Errorf("error %q does not name the source", msg)
			}
		})
	}
}

// TestParseGitHidesCredentials: a credential written in a source is
// refused, and the error does not repeat it.
func TestParseGitHidesCredentials(t *testing.T) {
	for _, in := range []string{
		"git::https://alice:s3cret@github.com/acme/t.git",
		"git::https://s3cret@github.com/acme/t.git//default",
		"git::ssh://git:s3cret@github.com/acme/t.git",
	} {
		_, ok, err := ParseGit(in)
		if !ok || err == nil {
			t.Fatalf("ParseGit(%q): want an error", in)
		}
		if msg := err.Error(); strings.Contains(msg, "s3cret") || !strings.Contains(msg, "never put credentials in a source") {
			t.Errorf("ParseGit(%q) error %q: want the credential refused and not shown", in, msg)
		}
	}
}
