package dsl

import (
	"fmt"
	"strings"
)

// KindsMarkdown renders the reference of every mapping block type: what it
// reads, its expression attributes with their result types, and its static
// options. spec/kinds.md is this text; a test keeps the two equal.
func KindsMarkdown() string {
	var b strings.Builder
	b.WriteString("# Mapping blocks\n\n")
	b.WriteString("Generated from `dsl.Kinds` (`go test ./dsl -run Spec -update` rewrites it). Blocks are listed in load order: a kind refers only to kinds above it.\n\n")
	b.WriteString("Expression attributes hold an expr-lang expression written as an HCL string; options are plain HCL values. `when` filters records; a reference (Kustomer id) is resolved to the Zendesk id at apply.\n")
	for _, k := range Kinds {
		fmt.Fprintf(&b, "\n## %s\n\n%s Reads: %s.\n\n", k.Kind, k.Doc, "`"+strings.Join(k.From, "`, `")+"`")
		b.WriteString("| attribute | result | required | notes |\n|---|---|---|---|\n")
		for _, a := range k.Attrs {
			req := ""
			if a.Required {
				req = "yes"
			}
			notes := a.Doc
			if len(a.Enum) > 0 {
				if notes != "" {
					notes += "; "
				}
				notes += "one of " + strings.Join(a.Enum, ", ")
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", a.Name, a.Type, req, notes)
		}
		if len(k.Options) > 0 {
			b.WriteString("\n| option | type | default | notes |\n|---|---|---|---|\n")
			for _, o := range k.Options {
				notes := o.Doc
				if len(o.Enum) > 0 {
					notes += "; one of " + strings.Join(o.Enum, ", ")
				}
				fmt.Fprintf(&b, "| `%s` | %s | `%v` | %s |\n", o.Name, o.Type, o.Default, notes)
			}
		}
	}
	return b.String()
}
