package dsl

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/examples/mappings"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadDir writes files into a temporary mapping directory and loads it.
func loadDir(t *testing.T, files map[string]string) (*Config, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Load(dir, LoadOptions{Templates: mappings.FS()})
}

var errorMarker = regexp.MustCompile(`# ERROR (\d+):(\d+) ([^:\n]+?)(?:: ([^\n]*))?$`)

// TestErrorFixtures loads each file of testdata/errors alone and checks that
// it produces exactly the diagnostics its "# ERROR LINE:COL Summary: detail"
// comments announce.
func TestErrorFixtures(t *testing.T) {
	paths, _ := filepath.Glob("testdata/errors/*.kzmap.hcl")
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			type want struct {
				line, col       int
				summary, detail string
			}
			var wants []want
			for _, line := range strings.Split(string(src), "\n") {
				if m := errorMarker.FindStringSubmatch(line); m != nil {
					l, _ := strconv.Atoi(m[1])
					c, _ := strconv.Atoi(m[2])
					wants = append(wants, want{l, c, strings.TrimSpace(m[3]), strings.TrimSpace(m[4])})
				}
			}
			cfg, diags := loadDir(t, map[string]string{"f.kzmap.hcl": string(src)})
			var rendered bytes.Buffer
			WriteDiagnostics(&rendered, diags, cfg.Files)
			matched := make([]bool, len(diags))
			for _, w := range wants {
				found := false
				for i, d := range diags {
					if matched[i] || d.Subject == nil || d.Subject.Start.Line != w.line || d.Subject.Start.Column != w.col || d.Summary != w.summary {
						continue
					}
					if !strings.Contains(d.Detail, w.detail) {
						t.Errorf("%d:%d %s: detail %q does not contain %q", w.line, w.col, w.summary, d.Detail, w.detail)
					}
					matched[i], found = true, true
					break
				}
				if !found {
					t.Errorf("missing diagnostic %d:%d %s", w.line, w.col, w.summary)
				}
			}
			for i, d := range diags {
				if !matched[i] {
					t.Errorf("unexpected diagnostic %s: %s: %s", d.Subject, d.Summary, d.Detail)
				}
			}
			if t.Failed() {
				t.Logf("all diagnostics:\n%s", rendered.String())
			}
			t.Logf("KZSUITE bad_inputs=%d", len(wants))
		})
	}
}

// TestDiagnosticRendering pins the human form: FILE:LINE:COL, summary,
// source line with a caret, and the detail.
func TestDiagnosticRendering(t *testing.T) {
	cfg, diags := Load(filepath.Join("testdata", "render"), LoadOptions{})
	var b bytes.Buffer
	WriteDiagnostics(&b, diags, cfg.Files)
	golden := filepath.Join("testdata", "render.golden")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./dsl -run Rendering -update)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("rendering (-golden +got):\n%s", diff)
	}
}

func TestExamplesValidateAndPass(t *testing.T) {
	for _, name := range mappings.Names() {
		t.Run(name, func(t *testing.T) {
			cfg, diags := Load(filepath.Join("..", "examples", "mappings", name), LoadOptions{Templates: mappings.FS()})
			if diags.HasErrors() {
				var b bytes.Buffer
				WriteDiagnostics(&b, diags, cfg.Files)
				t.Fatalf("example does not validate:\n%s", b.String())
			}
			if len(cfg.Tests) == 0 {
				t.Fatal("example has no tests")
			}
			for _, r := range RunTests(cfg, nil) {
				if !r.Passed {
					t.Errorf("%s: %s", r.Name, r.Failure)
				}
			}
		})
	}
}

func TestModuleOverrides(t *testing.T) {
	cfg, diags := Load(filepath.Join("..", "examples", "mappings", "acme"), LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	m := cfg.Mapping("ticket.conversation")
	if diff := cmp.Diff([]string{"custom_fields", "tags", "type"}, m.Overridden); diff != "" {
		t.Errorf("overridden (-want +got):\n%s", diff)
	}
	if m.Module != "base" || m.Options.Ticket.SplitAt != 2000 {
		t.Errorf("module %q, split_at %v", m.Module, m.Options.Ticket.SplitAt)
	}
	// Inherited from the template, unchanged.
	if !strings.HasPrefix(m.Exprs["status"].Range.Filename, "template:default/") {
		t.Errorf("status comes from %s", m.Exprs["status"].Range.Filename)
	}
	if cfg.Target.Plan != "enterprise" || cfg.Target.RateLimit != 700 || cfg.Target.MarkerTag != "acme-import" {
		t.Errorf("target settings %+v", cfg.Target)
	}
	if got := cfg.Scope.Local["status"].(map[string]any)["snoozed"]; got != "hold" {
		t.Errorf("local.status overridden to %v", got)
	}
}

func TestRelativeModuleAndInputs(t *testing.T) {
	files := map[string]string{
		"tmpl/base.kzmap.hcl": `
variable "tag" { type = string }
variable "unused" {
  type    = number
  default = 1
}
group "team" {
  name = "var.tag + ':' + name"
}
`,
		"cust/main.kzmap.hcl": `
module "m" {
  source = "../tmpl"
  tag    = "acme"
}
`,
		"bad/main.kzmap.hcl": `
module "m" {
  source = "../tmpl"
  tagg   = "acme"
}
`,
	}
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(src), 0o644)
	}
	cfg, diags := Load(filepath.Join(dir, "cust"), LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out, err := NewEvaluator(cfg).Eval(cfg.Mapping("group.team"), mustDecode(t, `{"type":"team","id":"t1","attributes":{"name":"Billing"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if out[0]["name"] != "acme:Billing" {
		t.Errorf("name = %v", out[0]["name"])
	}
	_, diags = Load(filepath.Join(dir, "bad"), LoadOptions{})
	want := []string{"Unsupported module input", "No value for required variable"}
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\n%v", diff, diags)
	}
	if !strings.Contains(diags[0].Detail, `Did you mean "tag"?`) {
		t.Errorf("detail: %s", diags[0].Detail)
	}
}

func TestTestFailureSaysWhatDiffers(t *testing.T) {
	cfg, diags := loadDir(t, map[string]string{"m.kzmap.hcl": `
ticket "conversation" {
  status    = "status == 'done' ? 'solved' : 'open'"
  requester = "customerId"
}
test "done" {
  mapping = ticket.conversation
  input   = { type = "conversation", id = "c1", attributes = { status = "done" } }
  expect  = { status = "open" }
  assert  = ["out.status == 'closed'"]
}
`})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res := RunTests(cfg, nil)
	if len(res) != 1 || res[0].Passed {
		t.Fatalf("results: %+v", res)
	}
	for _, want := range []string{`m.kzmap.hcl:9: status: expected open, got solved`, `m.kzmap.hcl:10: assert "out.status == 'closed'" is false`} {
		if !strings.Contains(res[0].Failure, want) {
			t.Errorf("failure lacks %q:\n%s", want, res[0].Failure)
		}
	}
}

func TestEvalErrorsNameTheLine(t *testing.T) {
	cfg, diags := loadDir(t, map[string]string{"m.kzmap.hcl": `
ticket "conversation" {
  status    = "status"
  requester = "customerId"
}
`})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, err := NewEvaluator(cfg).Eval(cfg.Mapping("ticket.conversation"), mustDecode(t, `{"type":"conversation","id":"c1","attributes":{"status":"snoozed"}}`))
	if err == nil {
		t.Fatal("snoozed is not a Zendesk status; want an error")
	}
	want := `m.kzmap.hcl:3,15-23: ticket.conversation.status on record c1: gave "snoozed", which is not one of new, open, pending, hold, solved, closed`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant it to contain %s", err, want)
	}
}

func TestFormatIdempotent(t *testing.T) {
	messy := "ticket   \"conversation\"{\nstatus=\"'open'\"\n    requester =    \"customerId\"\n}\n\n\n"
	once, diags := Format([]byte(messy), "m.kzmap.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	twice, _ := Format(once, "m.kzmap.hcl")
	if !bytes.Equal(once, twice) {
		t.Errorf("second format changed the file:\n%s", UnifiedDiff("m", once, twice))
	}
	want := "ticket \"conversation\" {\n  status    = \"'open'\"\n  requester = \"customerId\"\n}\n"
	if string(once) != want {
		t.Errorf("formatted:\n%s\nwant:\n%s", once, want)
	}
	if _, diags := Format([]byte("ticket {"), "broken.kzmap.hcl"); !diags.HasErrors() {
		t.Error("a broken file must not be formatted")
	}
	d := UnifiedDiff("m", []byte(messy), once)
	if !strings.Contains(d, "-status=\"'open'\"") || !strings.Contains(d, "+  status    = \"'open'\"") {
		t.Errorf("diff:\n%s", d)
	}
}

func TestLocalsAndVariables(t *testing.T) {
	cfg, diags := loadDir(t, map[string]string{"m.kzmap.hcl": `
variable "prefix" {
  type    = string
  default = "kz"
}
locals {
  tag    = "${local.base}_import"
  base   = var.prefix
  levels = [for p in [1, 2] : p * 2]
}
ticket "conversation" {
  status    = "'open'"
  requester = "customerId"
  tags      = "[local.tag, string(local.levels[1])]"
}
`})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out, err := NewEvaluator(cfg).Eval(cfg.Mapping("ticket.conversation"), mustDecode(t, `{"type":"conversation","id":"c1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"kz_import", "4"}, out[0]["tags"]); diff != "" {
		t.Error(diff)
	}
	_, diags = loadDir(t, map[string]string{"m.kzmap.hcl": "locals {\n  a = local.b\n  b = local.a\n}\n"})
	if len(diags) != 2 || diags[0].Summary != "Cycle in local values" {
		t.Errorf("cycle: %v", diags)
	}
}

func TestEmptyDirectory(t *testing.T) {
	_, diags := Load(t.TempDir(), LoadOptions{})
	if len(diags) != 1 || diags[0].Summary != "No mapping files" {
		t.Errorf("diags = %v", diags)
	}
}

func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("../examples/mappings/*/*.hcl")
	paths2, _ := filepath.Glob("testdata/errors/*.hcl")
	for _, p := range append(paths, paths2...) {
		b, _ := os.ReadFile(p)
		f.Add(string(b))
	}
	f.Add("ticket \"x\" {\n status = <<-E\n  a[\n E\n requester = \"\\u00e9\"\n}")
	// Broken quotes: the cascade collapses to one diagnostic.
	f.Add("ticket \"x\" {\n  status = \"lookup(a, 'b')\n  requester = \"customerId\"\n}\n")
	f.Add("ticket \"x\" {\n  status = status == 'done' ? 'solved' : \"open\"\n}\n")
	f.Add("ticket \"x\" {\n  status = local.statuses[status]\r\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		// An in-memory directory: the loader reads through fs.FS, and a
		// fuzz loop should not churn the disk.
		fsys := fstest.MapFS{"f.kzmap.hcl": {Data: []byte(src)}}
		cfg, diags := load(moduleSource{fsys: fsys, dir: ".", display: "fuzz"}, "fuzz", LoadOptions{Templates: mappings.FS()})
		var b bytes.Buffer
		WriteDiagnostics(&b, diags, cfg.Files)
		if !diags.HasErrors() && cfg != nil {
			RunTests(cfg, nil)
		}
		_, _ = Format([]byte(src), "f.kzmap.hcl")
	})
}

func ExampleWriteDiagnostics() {
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown name in expression", Detail: "Did you mean \"status\"?",
		Subject: &hcl.Range{Filename: "t.kzmap.hcl", Start: hcl.Pos{Line: 1, Column: 12, Byte: 11}, End: hcl.Pos{Line: 1, Column: 18, Byte: 17}}}}
	WriteDiagnostics(os.Stdout, d, map[string]*hcl.File{"t.kzmap.hcl": {Bytes: []byte(`status = "statsu"`)}})
	fmt.Println("done")
	// Output:
	// t.kzmap.hcl:1:12: error: Unknown name in expression
	//     1 | status = "statsu"
	//       |            ^^^^^^
	//   Did you mean "status"?
	//
	// done
}

// TestEveryOptionHasAField: each option of Kinds decodes into Options
// (set panics on one without a field), defaults included.
func TestEveryOptionHasAField(t *testing.T) {
	for _, k := range Kinds {
		for _, o := range k.Options {
			var opts Options
			opts.set(o.Name, o.Default)
		}
	}
}

// TestUnifiedDiffHunks: the diff reads as diff -u does, a changed line's
// old text before its new one, in one hunk with three lines of context.
func TestUnifiedDiffHunks(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\n"
	b := "a\nb\nc\nD\ne\nf\ng\nh\n"
	want := "--- m\n+++ m (formatted)\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n"
	if got := UnifiedDiff("m", []byte(a), []byte(b)); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}
