package dsl

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// The language errors of issue 18: what the user reads after a misspelt
// function, a broken quote, a failing test and a misspelt test input.

// oneDiag loads files and wants exactly one diagnostic.
func oneDiag(t *testing.T, files map[string]string) *hcl.Diagnostic {
	t.Helper()
	cfg, diags := loadDir(t, files)
	if len(diags) != 1 {
		var b bytes.Buffer
		WriteDiagnostics(&b, diags, cfg.Files)
		t.Fatalf("want one diagnostic, got %d:\n%s", len(diags), b.String())
	}
	return diags[0]
}

func checkDiag(t *testing.T, d *hcl.Diagnostic, summary string, line, col int, detail []string, notDetail []string) {
	t.Helper()
	if d.Summary != summary {
		t.Errorf("summary %q, want %q", d.Summary, summary)
	}
	if d.Subject == nil || d.Subject.Start.Line != line || d.Subject.Start.Column != col {
		t.Errorf("subject %v, want %d:%d", d.Subject, line, col)
	}
	for _, s := range detail {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, d.Detail)
		}
	}
	for _, s := range notDetail {
		if strings.Contains(d.Detail, s) {
			t.Errorf("detail has %q:\n%s", s, d.Detail)
		}
	}
}

func TestUnknownFunction(t *testing.T) {
	for _, tc := range []struct {
		expr, summary string
		col           int // of the name in `  subject   = "EXPR"`
		detail, not   []string
	}{
		{"lastt(tags)", "Unknown function", 16, []string{"Unknown function lastt; did you mean last?"}, []string{"no field"}},
		{"uppr(name)", "Unknown function", 16, []string{"did you mean upper?"}, nil},              // expr-lang's builtin
		{"first(slug_al(tags))", "Unknown function", 22, []string{"did you mean slug_all?"}, nil}, // kzmap's, nested
		{"frobnicate(name)", "Unknown function", 16, []string{"Unknown function frobnicate."}, []string{"did you mean"}},
		{"now()", "Function not allowed in mappings", 16, []string{"reads the clock"}, nil},
		{"lastt", "Unknown name in expression", 16, []string{`no field "lastt"`}, nil}, // not called: a field
	} {
		t.Run(tc.expr, func(t *testing.T) {
			d := oneDiag(t, map[string]string{"m.kzmap.hcl": `ticket "conversation" {
  requester = "customerId"
  status    = "'open'"
  subject   = "` + tc.expr + `"
}
`})
			checkDiag(t, d, tc.summary, 4, tc.col, tc.detail, tc.not)
		})
	}
}

func TestBrokenQuotesGiveOneDiagnostic(t *testing.T) {
	const rest = `
comment "message" {
  from       = "message"
  body       = "body"
  public     = "true"
  created_at = "createdAt"
}

comment "note" {
  from       = "note"
  body       = "body"
  public     = "false"
  created_at = "createdAt"
}
`
	for _, tc := range []struct {
		name, line    string
		summary       string
		col           int
		detail, not   []string
		wantSuppessed bool
	}{
		{"unterminated", `  status    = "lookup(local.status, status, 'open')`, "Unterminated template string", 15,
			[]string{"The string of status opened here is not closed on its line", "expressions are quoted strings", "follow-on errors were suppressed"}, nil, true},
		{"bare with quotes", `  status    = lookup(local.status, status, "open")`, "Expression not quoted", 15,
			[]string{"expressions are quoted strings", `Write it as status = "lookup(local.status, status, 'open')"`}, nil, false},
		{"bare with single quotes", `  status    = status == 'done' ? 'solved' : 'open'`, "Expression not quoted", 15,
			[]string{"expressions are quoted strings", `Write it as status = "status == 'done' ? 'solved' : 'open'"`}, []string{"Use double quotes"}, true},
		{"bare that HCL parses", `  status    = local.statuses[status]`, "Expression not quoted", 15,
			[]string{"expressions are quoted strings", `Write it as status = "local.statuses[status]"`, `does not have an attribute named "statuses"`}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := oneDiag(t, map[string]string{"m.kzmap.hcl": "locals {\n  status = {}\n}\n\nticket \"conversation\" {\n  requester = \"customerId\"\n" + tc.line + "\n}\n" + rest})
			checkDiag(t, d, tc.summary, 7, tc.col, tc.detail, tc.not)
			if got := strings.Contains(d.Detail, "suppressed"); got != tc.wantSuppessed {
				t.Errorf("suppressed mentioned: %v, want %v:\n%s", got, tc.wantSuppessed, d.Detail)
			}
		})
	}

	// A syntax error that is not in a value keeps HCL's words, one per file.
	cfg, diags := loadDir(t, map[string]string{
		"a.kzmap.hcl": "ticket \"conversation\" {\n  status = \"'open'\"\n",
		"b.kzmap.hcl": "ticket \"x\" {\n  status = \"'open'\n}\n" + rest,
	})
	if len(diags) != 2 {
		var b bytes.Buffer
		WriteDiagnostics(&b, diags, cfg.Files)
		t.Fatalf("want one diagnostic per file, got:\n%s", b.String())
	}
	if d := diags[0]; !strings.HasSuffix(d.Subject.Filename, "a.kzmap.hcl") || d.Summary != "Unclosed configuration block" || strings.Contains(d.Detail, "quoted strings") {
		t.Errorf("a: %s: %s: %s", d.Subject, d.Summary, d.Detail)
	}
	if d := diags[1]; !strings.HasSuffix(d.Subject.Filename, "b.kzmap.hcl") || !strings.Contains(d.Detail, "quoted strings") {
		t.Errorf("b: %s: %s: %s", d.Subject, d.Summary, d.Detail)
	}

	// fmt reports a broken file the same way.
	_, fd := Format([]byte("ticket \"x\" {\n  status = \"'open'\n}\n"+rest), "f.kzmap.hcl")
	if len(fd) != 1 || !strings.Contains(fd[0].Detail, "expressions are quoted strings") {
		t.Errorf("fmt: %v", fd)
	}
}

func TestTestFailurePointsAtTheExpectKey(t *testing.T) {
	cfg, diags := loadDir(t, map[string]string{"m.kzmap.hcl": `ticket "conversation" {
  status    = "status == 'snoozed' ? 'hold' : 'open'"
  requester = "customerId"
  tags      = "tags"
  subject   = "'1'"
}
test "snoozed" {
  mapping = ticket.conversation
  input   = { type = "conversation", id = "c1", attributes = { status = "snoozed", tags = ["a", "b"] } }
  expect = {
    subject   = 1
    tags      = ["a", "c"]
    status    = "pending"
    requester = "k1"
  }
}
`, "m.kztest.hcl": `test "each" {
  mapping = group_membership.team
  input   = { type = "team", id = "t1", attributes = { members = ["a", "b"] } }
  expect  = [
    { user = "a" },
    { user = "x" },
  ]
}
`, "groups.kzmap.hcl": `group_membership "team" {
  for_each = "members"
  user     = "each"
  group    = "id"
}
`})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res := RunTests(cfg, nil)
	if len(res) != 2 || res[0].Passed || res[1].Passed {
		t.Fatalf("results: %+v", res)
	}
	got := res[1] // tests are in file order: m.kztest.hcl, then m.kzmap.hcl
	if res[0].Name == "snoozed" {
		got = res[0]
	}
	if !strings.HasSuffix(got.Pos, "m.kzmap.hcl:11") {
		t.Errorf("pos %s, want the line of subject in expect (11)", got.Pos)
	}
	lines := strings.Split(got.Failure, "\n")
	for i, want := range []string{
		`m.kzmap.hcl:11: subject: expected 1, got "1"`, // a string that reads as a number is quoted
		`m.kzmap.hcl:12: tags: expected ["a","c"], got ["a","b"]`,
		"    -expect +got:",
	} {
		if i >= len(lines) || !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d: want %q in:\n%s", i, want, got.Failure)
		}
	}
	for _, want := range []string{
		`m.kzmap.hcl:13: status: expected pending, got hold`,
		`m.kzmap.hcl:14: requester: expected k1, got nothing (the mapping does not set it)`,
		`string("c")`,
	} {
		if !strings.Contains(got.Failure, want) {
			t.Errorf("failure lacks %q:\n%s", want, got.Failure)
		}
	}
	each := res[0]
	if each.Name != "each" {
		each = res[1]
	}
	if !strings.HasSuffix(each.Pos, "m.kztest.hcl:6") || !strings.HasSuffix(each.Failure, "m.kztest.hcl:6: outs[1].user: expected x, got b") {
		t.Errorf("for_each failure at %s: %s", each.Pos, each.Failure)
	}
}

func TestUnknownInputAttribute(t *testing.T) {
	const mapping = `ticket "conversation" {
  status    = "attributes.firstDone == true ? 'solved' : 'open'"
  requester = "customerId"
}
ticket_field "conversation" {
  from = "conversation_attribute"
  key  = "name"
  type = "'text'"
  title = "displayName"
}
`
	for _, tc := range []struct {
		name, input string
		at          string // where the diagnostic points: the first occurrence of this text; "" for none
		detail      []string
	}{
		{"misspelt", `{ type = "conversation", id = "c1", attributes = { status = "open", statuss = "open" } }`, "statuss",
			[]string{`A conversation record has no attribute "statuss"; did you mean "status"?`, "Attributes of conversation: name, status,"}},
		{"nothing close", `{ type = "conversation", id = "c1", attributes = { zzzzzz = 1 } }`, "zzzzzz",
			[]string{`no attribute "zzzzzz".`}},
		{"a relationship as an attribute", `{ type = "conversation", id = "c1", attributes = { customerId = "k1" } }`, "customerId",
			[]string{`no attribute "customerId"`, "comes from the relationships"}},
		{"json", "<<-JSON\n    {\"type\": \"conversation\", \"id\": \"c1\", \"attributes\": {\"priorty\": 2}}\n  JSON", `"priorty"`,
			[]string{`did you mean "priority"?`}},
		{"attribute record", `{ type = "conversation_attribute", id = "conversation/aStr", attributes = { name = "aStr", recrods = 2 } }`, "recrods",
			[]string{`A conversation_attribute record has no attribute "recrods"; did you mean "records"?`}},
		{"custom attributes", `{ type = "conversation", id = "c1", attributes = { orderNumberStr = "1", custom = { anything = 1 } } }`, "", nil},
		{"read by the mapping", `{ type = "conversation", id = "c1", attributes = { firstDone = true } }`, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := "ticket.conversation"
			if strings.Contains(tc.input, "_attribute") {
				m = "ticket_field.conversation"
			}
			test := "test \"t\" {\n  mapping = " + m + "\n  input   = " + tc.input + "\n  assert  = [\"true\"]\n}\n"
			cfg, diags := loadDir(t, map[string]string{"m.kzmap.hcl": mapping, "m.kztest.hcl": test})
			if tc.at == "" {
				if len(diags) != 0 {
					t.Fatal(diags)
				}
				if r := RunTests(cfg, nil); !r[0].Passed {
					t.Error(r[0].Failure)
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic: %v", diags)
			}
			before := test[:strings.Index(test, tc.at)]
			line, col := strings.Count(before, "\n")+1, len(before)-strings.LastIndex(before, "\n")
			checkDiag(t, diags[0], "Unknown input attribute", line, col, tc.detail, nil)
		})
	}
}
