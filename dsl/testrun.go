package dsl

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/vm"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/record"
)

// TestResult is the outcome of one mapping test.
type TestResult struct {
	Name    string    `json:"name"`
	Mapping string    `json:"mapping"`
	Passed  bool      `json:"passed"`
	Failure string    `json:"failure,omitempty"`
	Range   hcl.Range `json:"-"`
	Pos     string    `json:"pos"`
}

// RunTests runs the config's tests whose names match run (nil runs all).
func RunTests(cfg *Config, run *regexp.Regexp) []TestResult {
	ev := NewEvaluator(cfg)
	var out []TestResult
	for _, t := range cfg.Tests {
		if run != nil && !run.MatchString(t.Name) {
			continue
		}
		r := TestResult{Name: t.Name, Mapping: t.Mapping, Range: t.DeclRange, Pos: fmt.Sprintf("%s:%d", t.DeclRange.Filename, t.DeclRange.Start.Line)}
		if msg := runTest(ev, cfg, t); msg != "" {
			r.Failure = msg
		} else {
			r.Passed = true
		}
		out = append(out, r)
	}
	return out
}

func runTest(ev *Evaluator, cfg *Config, t *Test) string {
	m := cfg.Mapping(t.Mapping)
	if m == nil {
		return fmt.Sprintf("mapping %s does not exist", t.Mapping)
	}
	rec, err := record.DecodeJSON(t.Input)
	if err != nil {
		return fmt.Sprintf("the input is not a valid Kustomer record: %v", err)
	}
	if typ := recordType(rec); typ != m.From {
		return fmt.Sprintf("the input is a %s, but %s reads %s records", typ, t.Mapping, m.From)
	}
	got, err := ev.Eval(m, rec)
	if err != nil {
		return err.Error()
	}
	if t.Skipped {
		if len(got) == 0 {
			return ""
		}
		return fmt.Sprintf("expected the record to be skipped by `when`, but it produced %d payload(s):\n%s", len(got), indentJSON(got))
	}
	if len(got) == 0 {
		return "the record was skipped (`when` is false), but the test expects output; add skipped = true if that is intended"
	}
	var msgs []string
	if t.ExpectSet {
		gotN := normalize(got)
		wantN := normalize(t.Expect)
		gotL, _ := gotN.([]any)
		wantL, _ := wantN.([]any)
		if len(gotL) != len(wantL) {
			msgs = append(msgs, fmt.Sprintf("expected %d payload(s), got %d:\n%s", len(wantL), len(gotL), indentJSON(got)))
		} else {
			for i := range wantL {
				w, _ := wantL[i].(map[string]any)
				g, _ := gotL[i].(map[string]any)
				sub := map[string]any{}
				for k := range w {
					if v, ok := g[k]; ok {
						sub[k] = v
					}
				}
				if d := cmp.Diff(w, sub); d != "" {
					label := "payload"
					if len(wantL) > 1 {
						label = fmt.Sprintf("payload %d", i)
					}
					msgs = append(msgs, fmt.Sprintf("%s differs (-expect +got):\n%s", label, d))
				}
			}
		}
	}
	if len(t.Asserts) > 0 {
		outs := make([]map[string]any, len(got))
		for i, p := range got {
			outs[i] = normalize(p).(map[string]any)
		}
		env := TestEnv{Out: outs[0], Outs: outs, Local: cfg.Scope.Local, Var: cfg.Scope.Var}
		var machine vm.VM
		for _, a := range t.Asserts {
			v, err := machine.Run(a.Program, env)
			if err != nil {
				msgs = append(msgs, fmt.Sprintf("assert %q failed to run: %v", a.Source, err))
				continue
			}
			if b, _ := v.(bool); !b {
				msgs = append(msgs, fmt.Sprintf("assert %q is false (%s:%d); out = %s", a.Source, a.Range.Filename, a.Range.Start.Line, indentJSON(outs[0])))
			}
		}
	}
	return strings.Join(msgs, "\n")
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
