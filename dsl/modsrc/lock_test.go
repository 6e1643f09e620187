package modsrc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

var (
	commitA = strings.Repeat("3f2a", 10)
	commitB = strings.Repeat("0b1c", 10)
	hashA   = "h1:+jBdr7jXzPg40vwfbu6eZxz1Y6F9gTMDvn9Q4pj3CNw="
	hashB   = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
)

func sampleLock() *Lock {
	l := &Lock{}
	// Set out of order: the lock keeps them sorted.
	l.Set(LockedModule{Address: "base.kb", Source: "git::git@github.com:acme/kb.git?ref=main", Commit: commitB, Hash: hashB})
	l.Set(LockedModule{Address: "base", Source: "git::file:///tmp/x/templates.git//default?ref=v1", Commit: commitA, Hash: hashA})
	// Characters HCL would otherwise read as a template.
	l.Set(LockedModule{Address: "odd", Source: `git::https://example.com/t.git//a${b}%{c}"d?ref=v1`, Commit: commitA, Hash: hashA})
	return l
}

const sampleText = `# kzmap.lock.hcl: the exact module versions this directory uses. Written
# by kzmap init; commit it, do not edit it.

module "base" {
  source = "git::file:///tmp/x/templates.git//default?ref=v1"
  commit = "3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a"
  hash   = "h1:+jBdr7jXzPg40vwfbu6eZxz1Y6F9gTMDvn9Q4pj3CNw="
}

module "base.kb" {
  source = "git::git@github.com:acme/kb.git?ref=main"
  commit = "0b1c0b1c0b1c0b1c0b1c0b1c0b1c0b1c0b1c0b1c"
  hash   = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
}

module "odd" {
  source = "git::https://example.com/t.git//a$${b}%%{c}\"d?ref=v1"
  commit = "3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a"
  hash   = "h1:+jBdr7jXzPg40vwfbu6eZxz1Y6F9gTMDvn9Q4pj3CNw="
}
`

func TestLockWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), LockFile)
	if err := sampleLock().Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != sampleText {
		t.Errorf("written lock:\n%s\nwant:\n%s", got, sampleText)
	}
	if names := names(t, filepath.Dir(path)); !reflect.DeepEqual(names, []string{LockFile}) {
		t.Errorf("directory holds %v; want only the lock", names)
	}
}

func TestLockRoundTrip(t *testing.T) {
	for name, l := range map[string]*Lock{"sample": sampleLock(), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), LockFile)
			if err := l.Write(path); err != nil {
				t.Fatal(err)
			}
			got, err := ReadLock(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Modules) != len(l.Modules) || len(l.Modules) > 0 && !reflect.DeepEqual(got, l) {
				t.Errorf("ReadLock = %+v; want %+v", got, l)
			}
			// Writing what was read gives the same bytes.
			first, _ := os.ReadFile(path)
			if err := got.Write(path); err != nil {
				t.Fatal(err)
			}
			if second, _ := os.ReadFile(path); !bytes.Equal(first, second) {
				t.Errorf("rewrite changed the file:\n%s\n%s", first, second)
			}
		})
	}
}

// TestLockFormatFixedPoint: kzmap fmt (hclwrite.Format, one final
// newline) leaves a written lock as it is.
func TestLockFormatFixedPoint(t *testing.T) {
	for name, l := range map[string]*Lock{"sample": sampleLock(), "one": {Modules: sampleLock().Modules[:1]}, "empty": {}} {
		data, err := l.encode()
		if err != nil {
			t.Fatal(err)
		}
		formatted := hclwrite.Format(data)
		if !bytes.Equal(formatted, data) {
			t.Errorf("%s: hclwrite.Format changes the lock:\n%s\nto\n%s", name, data, formatted)
		}
		if canon := append(bytes.TrimRight(formatted, "\n"), '\n'); !bytes.Equal(canon, data) {
			t.Errorf("%s: the lock does not end in exactly one newline", name)
		}
	}
}

func TestReadLockMissing(t *testing.T) {
	l, err := ReadLock(filepath.Join(t.TempDir(), LockFile))
	if err != nil || l == nil || len(l.Modules) != 0 {
		t.Errorf("ReadLock(missing) = %+v, %v; want an empty lock", l, err)
	}
}

func TestReadLockMalformed(t *testing.T) {
	good := "  source = \"git::file:///tmp/t.git//default?ref=v1\"\n  commit = \"" + commitA + "\"\n  hash   = \"" + hashA + "\"\n"
	cases := []struct{ name, text, want string }{
		{"syntax error", "module \"base\" {\n" + good + "  oops =\n}\n", LockFile + ":5"},
		{"unknown attribute", "module \"base\" {\n" + good + "  ref = \"v1\"\n}\n", LockFile + ":5,3-6: Unsupported argument"},
		{"missing hash", "\nmodule \"base\" {\n  source = \"git::file:///tmp/t.git\"\n  commit = \"" + commitA + "\"\n}\n", LockFile + ":2,"},
		{"top-level attribute", "version = 1\n", LockFile + ":1,1-8: Unsupported argument"},
		{"bad commit", "module \"base\" {\n  source = \"git::file:///tmp/t.git\"\n  commit = \"v1\"\n  hash = \"" + hashA + "\"\n}\n", LockFile + ":3,12-16: Invalid lock value; commit \"v1\" is not a full lower-case commit hash"},
		{"bad hash", "module \"base\" {\n  source = \"git::file:///tmp/t.git\"\n  commit = \"" + commitA + "\"\n  hash = \"sha256:x\"\n}\n", LockFile + ":4,10-20: Invalid lock value"},
		{"not a git source", "module \"base\" {\n  source = \"template:default\"\n  commit = \"" + commitA + "\"\n  hash = \"" + hashA + "\"\n}\n", "only git sources are locked"},
		{"malformed source", "module \"base\" {\n  source = \"git::ftp://x/y\"\n  commit = \"" + commitA + "\"\n  hash = \"" + hashA + "\"\n}\n", LockFile + ":2,12-28: Invalid lock value"},
		{"bad address", "module \"../x\" {\n" + good + "}\n", LockFile + ":1,8-14: Invalid module address"},
		{"duplicate", "module \"base\" {\n" + good + "}\n\nmodule \"base\" {\n" + good + "}\n", LockFile + ":7,8-14: Duplicate module in lock"},
		{"expression", "module \"base\" {\n  source = var.x\n  commit = \"" + commitA + "\"\n  hash = \"" + hashA + "\"\n}\n", LockFile + ":2,12-15: Variables not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), LockFile)
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := ReadLock(path)
			if err == nil {
				t.Fatalf("ReadLock = %+v; want an error", l)
			}
			var diags hcl.Diagnostics
			if !errors.As(err, &diags) {
				t.Errorf("error %T is not hcl.Diagnostics", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || !strings.Contains(msg, "run kzmap init") {
				t.Errorf("error %q\ndoes not say %q and what to run", msg, tc.want)
			}
		})
	}
}

func TestLockWriteRefusesInvalid(t *testing.T) {
	for name, m := range map[string]LockedModule{
		"bad address": {Address: "a/b", Source: "git::file:///tmp/t.git", Commit: commitA, Hash: hashA},
		"bad source":  {Address: "base", Source: "../templates", Commit: commitA, Hash: hashA},
		"bad commit":  {Address: "base", Source: "git::file:///tmp/t.git", Commit: "v1", Hash: hashA},
		"bad hash":    {Address: "base", Source: "git::file:///tmp/t.git", Commit: commitA, Hash: "h1:x"},
	} {
		path := filepath.Join(t.TempDir(), LockFile)
		if err := (&Lock{Modules: []LockedModule{m}}).Write(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: Write = %v; want an error naming the file", name, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the file was written", name)
		}
	}
	dup := &Lock{Modules: []LockedModule{sampleLock().Modules[0], sampleLock().Modules[0]}}
	if err := dup.Write(filepath.Join(t.TempDir(), LockFile)); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: Write = %v", err)
	}
}

func TestLockSetFindRemove(t *testing.T) {
	l := sampleLock()
	var addrs []string
	for _, m := range l.Modules {
		addrs = append(addrs, m.Address)
	}
	if want := []string{"base", "base.kb", "odd"}; !reflect.DeepEqual(addrs, want) {
		t.Errorf("addresses %v; want %v", addrs, want)
	}
	m, ok := l.Find("base.kb")
	if !ok || m.Commit != commitB {
		t.Errorf("Find(base.kb) = %+v, %v", m, ok)
	}
	m.Commit = commitA
	l.Set(m)
	if got, _ := l.Find("base.kb"); got.Commit != commitA || len(l.Modules) != 3 {
		t.Errorf("Set did not replace: %+v", l.Modules)
	}
	if _, ok := l.Find("nope"); ok {
		t.Error("Find(nope) found something")
	}
	if !l.Remove("odd") || l.Remove("odd") || len(l.Modules) != 2 {
		t.Errorf("Remove: %+v", l.Modules)
	}
	var nilLock *Lock
	if _, ok := nilLock.Find("base"); ok {
		t.Error("nil lock found something")
	}
}
