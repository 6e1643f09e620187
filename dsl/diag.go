package dsl

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics prints diagnostics the way compilers do:
//
//	FILE:LINE:COL: error: Summary
//	   12 |   status = "local.statuses[status]"
//	      |             ^
//	Detail sentence that says how to fix it.
//
// files supplies the source for snippets; a diagnostic without a subject
// is printed without a position.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) {
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary)
			if f, ok := files[d.Subject.Filename]; ok && f != nil {
				writeSnippet(w, f.Bytes, *d.Subject)
			}
		} else {
			fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
		}
		if d.Detail != "" {
			fmt.Fprintf(w, "  %s\n", d.Detail)
		}
		fmt.Fprintln(w)
	}
}

func writeSnippet(w io.Writer, src []byte, rng hcl.Range) {
	lines := bytes.Split(src, []byte("\n"))
	n := rng.Start.Line
	if n < 1 || n > len(lines) {
		return
	}
	line := strings.ReplaceAll(string(lines[n-1]), "\t", " ")
	num := fmt.Sprintf("%5d", n)
	fmt.Fprintf(w, "%s | %s\n", num, line)
	width := 1
	if rng.End.Line == rng.Start.Line && rng.End.Column > rng.Start.Column {
		width = rng.End.Column - rng.Start.Column
	}
	col := rng.Start.Column - 1
	if col < 0 {
		col = 0
	}
	fmt.Fprintf(w, "%s | %s%s\n", strings.Repeat(" ", len(num)), strings.Repeat(" ", col), strings.Repeat("^", width))
}

// JSONDiagnostic is the --json form of a diagnostic.
type JSONDiagnostic struct {
	Severity string    `json:"severity"`
	Summary  string    `json:"summary"`
	Detail   string    `json:"detail,omitempty"`
	Range    *JSONSpan `json:"range,omitempty"`
	Snippet  string    `json:"snippet,omitempty"`
}

// JSONSpan is a source range in --json output.
type JSONSpan struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in --json output.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// DiagnosticsJSON converts diagnostics to their --json form.
func DiagnosticsJSON(diags hcl.Diagnostics, files map[string]*hcl.File) []JSONDiagnostic {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if r := d.Subject; r != nil {
			jd.Range = &JSONSpan{Filename: r.Filename,
				Start: JSONPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:   JSONPos{r.End.Line, r.End.Column, r.End.Byte}}
			if f, ok := files[r.Filename]; ok && f != nil {
				var b bytes.Buffer
				writeSnippet(&b, f.Bytes, *r)
				jd.Snippet = b.String()
			}
		}
		out = append(out, jd)
	}
	return out
}
