package dsl

// What the loader says when quoting goes wrong. Mapping expressions are
// expr-lang text inside HCL strings, so one quote left open or one
// expression written without quotes puts the HCL parser out of step with
// the file: every later line then looks wrong to it, and hclsyntax reports
// each. Only the first of those errors is about what the user wrote.

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// quotingHint is the sentence every quoting diagnostic ends with.
const quotingHint = `In kzmap files, expressions are quoted strings: status = "local.statuses[status]", with 'single quotes' for strings inside the expression and a heredoc (<<-EXPR ... EXPR) for one that spans lines.`

// syntaxDiagnostics keeps the first syntax error of a file's parse
// diagnostics and drops the errors that follow from it, saying how many.
// Warnings are kept. An error in an attribute's value is explained in
// terms of quoting (explainQuoting).
func syntaxDiagnostics(diags hcl.Diagnostics, src []byte) hcl.Diagnostics {
	var first *hcl.Diagnostic
	var out hcl.Diagnostics
	errs := 0
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			out = append(out, d)
			continue
		}
		errs++
		if first == nil || before(d.Subject, first.Subject) || unterminatedAtSamePlace(d, first) {
			first = d
		}
	}
	if first == nil {
		return diags
	}
	d := *first
	if d.Subject != nil {
		subject := *d.Subject
		d.Subject = &subject
		explainQuoting(&d, src)
	}
	if n := errs - 1; n > 0 {
		d.Detail += fmt.Sprintf(" %d follow-on %s suppressed: the rest of the file cannot be read until this one is fixed.", n, plural(n, "error was", "errors were"))
	}
	return append(hcl.Diagnostics{&d}, out...)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// before orders subjects by position; a diagnostic without one comes last.
func before(a, b *hcl.Range) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return a.Start.Byte < b.Start.Byte
}

// unterminatedAtSamePlace prefers "Unterminated template string" to the
// "Invalid multi-line string" hclsyntax reports at the same spot: the
// string was never closed, and the multi-line advice would mislead.
func unterminatedAtSamePlace(d, first *hcl.Diagnostic) bool {
	return d.Subject != nil && first.Subject != nil && d.Subject.Start.Byte == first.Subject.Start.Byte &&
		strings.HasPrefix(d.Summary, "Unterminated") && !strings.HasPrefix(first.Summary, "Unterminated")
}

// attrLine matches an attribute line: its name, then the value as written.
var attrLine = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$`)

// explainQuoting rewrites a syntax error that lies in an attribute's value
// (after its "=") in terms of quoting; other errors are left as they are.
//   - A value without quotes (status = local.statuses[status] ?? 'open'):
//     the diagnostic becomes "Expression not quoted" under the value, with
//     the quoted form. HCL's own detail ("use double quotes") would send
//     the user the wrong way.
//   - A string never closed: the caret moves to the quote that opened it.
//   - Anything else: quotingHint is added.
func explainQuoting(d *hcl.Diagnostic, src []byte) {
	pos := d.Subject.Start
	line := sourceLine(src, pos.Line)
	m := attrLine.FindStringSubmatchIndex(line)
	if m == nil || pos.Column <= strings.Index(line, "=")+1 {
		return
	}
	name, value := line[m[2]:m[3]], line[m[4]:m[5]]
	lineStart := lineOffset(src, pos.Line)
	valueRange := func(from, to int) hcl.Range {
		return hcl.Range{Filename: d.Subject.Filename, Start: posAt(src, lineStart+from), End: posAt(src, lineStart+to)}
	}
	switch {
	case value != "" && !strings.HasPrefix(value, `"`) && !strings.HasPrefix(value, "<<"):
		d.Summary = "Expression not quoted"
		d.Detail = fmt.Sprintf("The value of %s is not quoted. %s Write it as %s = %s.", name, quotingHint, name, quoteExpr(value))
		*d.Subject = valueRange(m[4], m[5])
	case strings.HasPrefix(value, `"`) && (strings.HasPrefix(d.Summary, "Unterminated") || strings.HasPrefix(d.Summary, "Invalid multi-line")):
		d.Detail = fmt.Sprintf("The string of %s opened here is not closed on its line. %s", name, quotingHint)
		*d.Subject = valueRange(m[4], m[4]+1)
	default:
		d.Detail = strings.TrimSpace(d.Detail + " " + quotingHint)
	}
}

// quoteExpr turns an expression written bare into the quoted string it
// should have been: its own strings take single quotes.
func quoteExpr(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `'`) + `"`
}

// lineOffset returns the byte offset at which line n (1-based) starts.
func lineOffset(src []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src[off:], '\n')
		if j < 0 {
			return len(src)
		}
		off += j + 1
	}
	return off
}

func sourceLine(src []byte, n int) string {
	lines := bytes.Split(src, []byte("\n"))
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimRight(string(lines[n-1]), "\r")
}

// unquotedDiagnostic is the one diagnostic for an expression attribute
// written as HCL rather than as a string (status = local.statuses[status]):
// HCL parses it but cannot evaluate it, or gets something that is not a
// string. It replaces HCL's own diagnostics, which talk about HCL objects
// and variables the user never meant to use. Quoted strings, heredocs and
// literals are not bare (nil), nor is an HCL expression that gives a
// string, like a local holding an expression shared by several mappings.
func unquotedDiagnostic(a attrRef, hclDiags hcl.Diagnostics) *hcl.Diagnostic {
	switch a.attr.Expr.(type) {
	case *hclsyntax.TemplateExpr, *hclsyntax.TemplateWrapExpr, *hclsyntax.LiteralValueExpr:
		return nil
	}
	rng := a.attr.Expr.Range()
	detail := fmt.Sprintf("The value of %s is not quoted, so HCL read it as its own expression. %s", a.attr.Name, quotingHint)
	if raw := rawText(a.src, rng); raw != "" && !strings.Contains(raw, "\n") {
		detail += fmt.Sprintf(" Write it as %s = %s.", a.attr.Name, quoteExpr(raw))
	}
	for _, d := range hclDiags {
		if d.Severity == hcl.DiagError {
			detail += fmt.Sprintf(" (Read as HCL: %s. %s)", d.Summary, d.Detail)
			break
		}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Expression not quoted", Detail: detail, Subject: rng.Ptr()}
}

// rawText returns the source text of rng, or "" when src does not hold it.
func rawText(src []byte, rng hcl.Range) string {
	if rng.Start.Byte < 0 || rng.End.Byte > len(src) || rng.Start.Byte >= rng.End.Byte {
		return ""
	}
	return string(src[rng.Start.Byte:rng.End.Byte])
}
