package builtin

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	exprbuiltin "github.com/expr-lang/expr/builtin"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite spec/functions.md from Markdown()")

// compileOptions is what the dsl is expected to pass.
func compileOptions() []expr.Option {
	return append(Options(), DisableImpure()...)
}

func eval(t testing.TB, src string, env map[string]any) (any, error) {
	t.Helper()
	opts := compileOptions()
	if env != nil {
		opts = append(opts, expr.Env(env))
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, err
	}
	return expr.Run(prog, env)
}

// TestExamples runs every documented example through expr, twice, so the
// reference cannot drift from the code and results cannot vary.
func TestExamples(t *testing.T) {
	for _, f := range All() {
		for _, ex := range f.Examples {
			t.Run(f.Name+"/"+ex.Expr, func(t *testing.T) {
				for range 2 {
					got, err := eval(t, ex.Expr, nil)
					if ex.Err != "" {
						if err == nil || !strings.Contains(err.Error(), ex.Err) {
							t.Fatalf("got %#v, error %v; want an error containing %q", got, err, ex.Err)
						}
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(ex.Want, got); diff != "" {
						t.Errorf("result mismatch (-want +got):\n%s", diff)
					}
				}
			})
		}
	}
}

var (
	snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	codeSpan  = regexp.MustCompile("`[^`]*`")
)

func TestRegistry(t *testing.T) {
	all := All()
	if !slices.IsSortedFunc(all, func(a, b Func) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by name")
	}
	for _, f := range all {
		if !snakeCase.MatchString(f.Name) {
			t.Errorf("%s: name is not snake_case", f.Name)
		}
		if slices.Contains(exprbuiltin.Names, f.Name) {
			t.Errorf("%s: shadows the expr builtin of the same name", f.Name)
		}
		if !strings.HasPrefix(f.Signature, f.Name+"(") || !strings.Contains(f.Signature, " → ") {
			t.Errorf("%s: signature %q should read %s(args) → result", f.Name, f.Signature, f.Name)
		}
		if f.Doc == "" || strings.Contains(f.Doc, "\n") || !strings.HasSuffix(f.Doc, ".") {
			t.Errorf("%s: doc must be one sentence on one line: %q", f.Name, f.Doc)
		}
		for _, text := range []string{f.Doc, f.Detail} {
			if strings.Contains(codeSpan.ReplaceAllString(text, ""), "<") {
				t.Errorf("%s: '<' outside a `code span` would render as HTML: %q", f.Name, text)
			}
		}
		if !slices.Contains(categories, f.Category) {
			t.Errorf("%s: unknown category %q", f.Name, f.Category)
		}
		if len(f.types) == 0 || f.fn == nil {
			t.Errorf("%s: no typed signature or implementation", f.Name)
		}
		if len(f.Examples) == 0 {
			t.Errorf("%s: no examples", f.Name)
		}
		for _, ex := range f.Examples {
			if !strings.Contains(ex.Expr, f.Name+"(") {
				t.Errorf("%s: example %q does not call it", f.Name, ex.Expr)
			}
		}
		if g, ok := Lookup(f.Name); !ok || g.Name != f.Name {
			t.Errorf("Lookup(%q) = %q, %v", f.Name, g.Name, ok)
		}
	}
	if _, ok := Lookup("no_such_function"); ok {
		t.Error("Lookup found no_such_function")
	}
}

func TestImpureBuiltins(t *testing.T) {
	names := ImpureBuiltins()
	if !slices.IsSorted(names) || !slices.Contains(names, "now") {
		t.Errorf("ImpureBuiltins() = %v; want a sorted list including now", names)
	}
	for _, name := range names {
		if !slices.Contains(exprbuiltin.Names, name) {
			t.Errorf("%s is not an expr builtin", name)
		}
		if _, err := expr.Compile(name+"()", append(compileOptions(), expr.Env(map[string]any{}))...); err == nil {
			t.Errorf("%s() compiles with DisableImpure()", name)
		}
		if r := DisabledReason(name); !strings.HasPrefix(r, name+"() is disabled") {
			t.Errorf("DisabledReason(%q) = %q", name, r)
		}
	}
	if r := DisabledReason("lower"); r != "" {
		t.Errorf("DisabledReason(lower) = %q; want empty", r)
	}
	// The builtins that stay are still there.
	if got, err := eval(t, `upper(join(["a", "b"], ","))`, nil); err != nil || got != "A,B" {
		t.Errorf("expr builtins: got %v, %v", got, err)
	}
}

// TestCompileErrors checks that the typed signatures make misuse a compile
// error, reported before any record is read.
func TestCompileErrors(t *testing.T) {
	env := map[string]any{"n": 3, "s": "x", "tags": []string{"a"}, "when": "2024-01-01"}
	for _, src := range []string{
		`slug(1)`,
		`slug("a", "b")`,
		`chunk_text(s, "10")`,
		`chunk_text(s)`,
		`e164(n)`,
		`e164(s, 1)`,
		`lookup("table", 1)`,
		`lookup({"a": 1})`,
		`keys_sorted(tags)`,
		`but_last(s)`,
		`slug_all(s)`,
		`truncate(s, "3")`,
		`parse_time(n)`,
		`format_time(when)`,
		`html_to_text(tags)`,
		`zendesk_field_key(n)`,
	} {
		opts := append(compileOptions(), expr.Env(env))
		if _, err := expr.Compile(src, opts...); err == nil {
			t.Errorf("%s compiles; want a type error", src)
		}
	}
}

// anyEnv holds values whose type expr only learns at run time, as record
// fields typed any do.
type anyEnv struct{ V, T, K, N any }

// TestRuntimeErrors covers values that are only known when the record is
// read.
func TestRuntimeErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		env  anyEnv
		want string
	}{
		{`primary_email(V)`, anyEnv{V: 42}, "primary_email: want a list of emails, got number"},
		{`other_emails(V)`, anyEnv{V: []any{"a@b.co", 42}}, "other_emails: element 1: cannot read an email from number"},
		{`primary_email(V)`, anyEnv{V: []any{map[string]any{"email": 42}}}, `primary_email: element 0: "email" is number, want a string`},
		{`primary_phone(V)`, anyEnv{V: []any{true}}, "primary_phone: element 0: cannot read a phone from bool"},
		{`lookup(T, K)`, anyEnv{T: map[string]any{}, K: []any{1}}, "lookup: a key must be a string, number or bool, got list"},
		{`lookup(T, "k")`, anyEnv{T: 7}, "lookup: want a map with string keys as table, got number"},
		{`slug_all(V)`, anyEnv{V: []any{[]any{}}}, "slug_all: element 0 is list, want a string"},
		{`slug_all(V)`, anyEnv{V: "tag"}, "slug_all: want a list, got string"},
		{`slug(V)`, anyEnv{V: 1}, "slug: want a string, got number"},
		{`but_last(V)`, anyEnv{V: map[string]any{}}, "but_last: want a list, got map"},
		{`truncate("abc", N)`, anyEnv{N: -1}, "truncate: n must not be negative"},
		{`truncate("abc", N)`, anyEnv{N: 1.5}, "truncate: want an integer, got number"},
		{`chunk_text("abc", N)`, anyEnv{N: "3"}, "chunk_text: want an integer, got string"},
		{`iso8601(V)`, anyEnv{V: 12}, "iso8601: want a time or a string, got number"},
		{`unix(V)`, anyEnv{V: "soon"}, `unix: cannot read "soon" as a time`},
		{`parse_time("x", "%Q")`, anyEnv{}, `parse_time: unknown directive "%Q"`},
		{`parse_time("x", "%")`, anyEnv{}, `parse_time: layout "%" ends with a lone %`},
		{`parse_time("x", "")`, anyEnv{}, `parse_time: layout is empty`},
		{`parse_time("10:00 PST", "15:04 MST")`, anyEnv{}, `parse_time: time zone "PST" in "10:00 PST" is ambiguous`},
		{`parse_time("Mon, 02 Jan 2006 15:04:05 CET")`, anyEnv{}, `parse_time: time zone "CET"`},
		{`format_time(V, "%Y")`, anyEnv{V: false}, "format_time: want a time or a string, got bool"},
		{`keys_sorted(V)`, anyEnv{V: map[int]int{1: 1}}, "keys_sorted: want a map with string keys"},
		{`other_phones(V, "0")`, anyEnv{V: []string{}}, `other_phones: default country "0" is not a country calling code`},
	} {
		prog, err := expr.Compile(tc.src, append(compileOptions(), expr.Env(anyEnv{}))...)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		got, err := expr.Run(prog, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %+v = %#v, %v; want error containing %q", tc.src, tc.env, got, err, tc.want)
		}
	}
}

// TestMarkdownGolden keeps spec/functions.md equal to Markdown(), like
// cmd/gofmt's golden files.
func TestMarkdownGolden(t *testing.T) {
	path := filepath.Join("..", "spec", "functions.md")
	got := Markdown()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./builtin -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s is stale; run go test ./builtin -update (-file +Markdown()):\n%s", path, diff)
	}
}

// TestPurity enforces the Func guarantee on the source: no package that
// reaches the clock, randomness, the environment or I/O, and none of the
// time functions that read the clock or the local zone.
func TestPurity(t *testing.T) {
	forbiddenImports := []string{"crypto/rand", "math/rand", "math/rand/v2", "os", "os/exec", "net", "net/http", "io/fs", "io/ioutil", "syscall", "unsafe", "time/tzdata"}
	forbiddenTime := []string{"Now", "Since", "Until", "LoadLocation", "Unix", "UnixMilli", "UnixMicro", "Sleep", "After", "Tick", "NewTimer", "NewTicker"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if slices.Contains(forbiddenImports, p) {
				t.Errorf("%s imports %s", fset.Position(imp.Pos()), p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && slices.Contains(forbiddenTime, sel.Sel.Name) {
				t.Errorf("%s uses time.%s", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
