package dsl

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/expr-lang/expr/vm"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/record"
)

// TestResult is the outcome of one mapping test.
type TestResult struct {
	Name    string `json:"name"`
	Mapping string `json:"mapping"`
	Passed  bool   `json:"passed"`
	// Failure says what went wrong, a line per difference; a line about
	// one key of expect starts with the file and line of that key.
	Failure string `json:"failure,omitempty"`
	// Range and Pos are where the test failed: the first key of expect
	// that differs, or the test block.
	Range hcl.Range `json:"-"`
	Pos   string    `json:"pos"`
}

// testFailure is one reason a test fails; at is where, when it is more
// precise than the test block.
type testFailure struct {
	at  *hcl.Range
	msg string
}

// RunTests runs the config's tests whose names match run (nil runs all).
func RunTests(cfg *Config, run *regexp.Regexp) []TestResult {
	ev := NewEvaluator(cfg)
	var out []TestResult
	for _, t := range cfg.Tests {
		if run != nil && !run.MatchString(t.Name) {
			continue
		}
		r := TestResult{Name: t.Name, Mapping: t.Mapping, Range: t.DeclRange}
		fails := runTest(ev, cfg, t)
		var lines []string
		located := false
		for _, f := range fails {
			msg := f.msg
			if f.at != nil {
				msg = lineOf(*f.at) + ": " + msg
				if !located {
					r.Range, located = *f.at, true
				}
			}
			lines = append(lines, msg)
		}
		r.Failure = strings.Join(lines, "\n")
		r.Passed = len(fails) == 0
		r.Pos = lineOf(r.Range)
		out = append(out, r)
	}
	return out
}

// lineOf names a range's file and line, FILE:LINE.
func lineOf(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) }

func runTest(ev *Evaluator, cfg *Config, t *Test) []testFailure {
	fail := func(format string, args ...any) []testFailure {
		return []testFailure{{msg: fmt.Sprintf(format, args...)}}
	}
	m := cfg.Mapping(t.Mapping)
	if m == nil {
		return fail("mapping %s does not exist", t.Mapping)
	}
	rec, err := record.DecodeJSON(t.Input)
	if err != nil {
		return fail("the input is not a valid Kustomer record: %v", err)
	}
	if typ := recordType(rec); typ != m.From {
		return fail("the input is a %s, but %s reads %s records", typ, t.Mapping, m.From)
	}
	got, err := ev.Eval(m, rec)
	if err != nil {
		return fail("%s", err.Error())
	}
	if t.Skipped {
		if len(got) == 0 {
			return nil
		}
		return fail("expected the record to be skipped by `when`, but it produced %d payload(s):\n%s", len(got), indentJSON(got))
	}
	if len(got) == 0 {
		return fail("the record was skipped (`when` is false), but the test expects output; add skipped = true if that is intended")
	}
	var fails []testFailure
	if t.ExpectSet {
		fails = append(fails, compareExpect(t, got)...)
	}
	if len(t.Asserts) > 0 {
		outs := make([]map[string]any, len(got))
		for i, p := range got {
			outs[i] = normalize(p).(map[string]any)
		}
		env := TestEnv{Out: outs[0], Outs: outs, Local: cfg.Scope.Local, Var: cfg.Scope.Var}
		var machine vm.VM
		for _, a := range t.Asserts {
			at := a.Range
			v, err := machine.Run(a.Program, env)
			if err != nil {
				fails = append(fails, testFailure{&at, fmt.Sprintf("assert %q failed to run: %v", a.Source, err)})
				continue
			}
			if b, _ := v.(bool); !b {
				fails = append(fails, testFailure{&at, fmt.Sprintf("assert %q is false; out =\n%s", a.Source, indentJSON(outs[0]))})
			}
		}
	}
	return fails
}

// compareExpect checks each key of expect against the payloads: one line
// per key that differs, "status: expected pending, got hold", at the key's
// line, and for a list or object the -expect +got diff below it. Keys the
// test does not name are not checked.
func compareExpect(t *Test, got []Payload) []testFailure {
	gotL, _ := normalize(got).([]any)
	wantL, _ := normalize(t.Expect).([]any)
	if len(gotL) != len(wantL) {
		at := t.ExpectRng
		return []testFailure{{&at, fmt.Sprintf("expected %d payload(s), got %d:\n%s", len(wantL), len(gotL), indentJSON(got))}}
	}
	var fails []testFailure
	for i := range wantL {
		w, _ := wantL[i].(map[string]any)
		g, _ := gotL[i].(map[string]any)
		var keys map[string]hcl.Range
		if i < len(t.ExpectKeys) {
			keys = t.ExpectKeys[i]
		}
		for _, k := range inSourceOrder(record.SortedKeys(w), keys) {
			gv, ok := g[k]
			if ok && cmp.Equal(w[k], gv) {
				continue
			}
			label := k
			if len(wantL) > 1 {
				label = fmt.Sprintf("outs[%d].%s", i, k)
			}
			at := t.ExpectRng
			if r, ok := keys[k]; ok {
				at = r
			}
			var msg string
			switch {
			case !ok:
				msg = fmt.Sprintf("%s: expected %s, got nothing (the mapping does not set it)", label, showValue(w[k]))
			case isComposite(w[k]) || isComposite(gv):
				// The diff below says what differs; the line names it.
				msg = fmt.Sprintf("%s: expected %s, got %s\n    -expect +got:\n%s", label,
					shorten(showValue(w[k])), shorten(showValue(gv)), indentLines(cmp.Diff(w[k], gv), "    "))
			default:
				msg = fmt.Sprintf("%s: expected %s, got %s", label, showValue(w[k]), showValue(gv))
			}
			fails = append(fails, testFailure{&at, msg})
		}
	}
	return fails
}

// showValue writes a JSON value on one line: a string bare (pending)
// unless it could be read as something else (1, true, null, "", " x"),
// anything else as compact JSON.
func showValue(v any) string {
	if s, ok := v.(string); ok && s != "" && s == strings.TrimSpace(s) && !strings.ContainsAny(s, "\n\"") {
		var x any
		if json.Unmarshal([]byte(s), &x) != nil {
			return s
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// inSourceOrder sorts keys by where they are written, keys without a
// position last in the order given.
func inSourceOrder(keys []string, at map[string]hcl.Range) []string {
	sort.SliceStable(keys, func(i, j int) bool {
		a, aok := at[keys[i]]
		b, bok := at[keys[j]]
		if aok != bok {
			return aok
		}
		return aok && a.Start.Byte < b.Start.Byte
	})
	return keys
}

// shorten cuts a one-line value that a diff follows.
func shorten(s string) string {
	const maxRunes = 60
	if r := []rune(s); len(r) > maxRunes {
		return string(r[:maxRunes]) + "…"
	}
	return s
}

func isComposite(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

func indentLines(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func recordType(rec any) string {
	if a, ok := rec.(*record.Attribute); ok {
		return a.Resource + "_attribute"
	}
	for _, typ := range record.Types {
		if t, ok := record.GoType(typ); ok && fmt.Sprintf("*%s", t) == fmt.Sprintf("%T", rec) {
			return typ
		}
	}
	return fmt.Sprintf("%T", rec)
}

// normalize gives a value the shape JSON would: numbers float64, lists
// []any, maps map[string]any, so expected and actual compare alike.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "    ", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return "    " + string(b)
}
