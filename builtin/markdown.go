package builtin

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Markdown renders the function reference: every function with its
// signature, documentation and examples, grouped by category, followed by
// the expr builtins that are disabled. spec/functions.md is this output;
// TestMarkdownGolden keeps them equal.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Mapping functions\n\n")
	b.WriteString("<!-- Generated from package builtin by Markdown(); do not edit. Run `go test ./builtin -update` after changing a function. -->\n\n")
	b.WriteString("Mapping expressions are [expr](https://expr-lang.org) expressions. Besides expr's own builtins\n")
	b.WriteString("(`len`, `lower`, `trim`, `split`, `join`, `first`, `last`, `uniq`, `concat`, `flatten`, `map`, `filter`, `sortBy`, …)\n")
	b.WriteString("they can call the functions below. Every function is pure: its result depends only on its\n")
	b.WriteString("arguments, so the same snapshot and mapping always give the same plan. Argument types are\n")
	b.WriteString("checked when the mapping is validated; a function that cannot use a value at run time returns\n")
	b.WriteString("an error naming itself, and never a silently wrong result.\n\n")

	for _, cat := range categories {
		fmt.Fprintf(&b, "- %s:", cat)
		sep := " "
		for _, f := range registry {
			if f.Category == cat {
				fmt.Fprintf(&b, "%s[%s](#%s)", sep, f.Name, f.Name)
				sep = ", "
			}
		}
		b.WriteString("\n")
	}

	for _, cat := range categories {
		fmt.Fprintf(&b, "\n## %s\n", cat)
		for _, f := range registry {
			if f.Category != cat {
				continue
			}
			fmt.Fprintf(&b, "\n### %s\n\n", f.Name)
			fmt.Fprintf(&b, "```\n%s\n```\n\n", f.Signature)
			fmt.Fprintf(&b, "%s\n", f.Doc)
			if f.Detail != "" {
				fmt.Fprintf(&b, "\n%s\n", f.Detail)
			}
			b.WriteString("\n```expr\n")
			for _, ex := range f.Examples {
				b.WriteString(ex.Expr + "\n")
				if ex.Err != "" {
					fmt.Fprintf(&b, "// error: %s…\n", ex.Err)
				} else {
					fmt.Fprintf(&b, "// → %s\n", literal(ex.Want))
				}
			}
			b.WriteString("```\n")
		}
	}

	b.WriteString("\n## Disabled expr builtins\n\n")
	b.WriteString("These expr builtins are not available in mappings, because their result would depend on\n")
	b.WriteString("when or where the plan is made:\n\n")
	for _, d := range impure {
		fmt.Fprintf(&b, "- `%s`: %s.\n", d.name, d.reason)
	}
	return b.String()
}

// literal writes a value the way an expr expression would spell it.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case time.Time:
		return fmt.Sprintf("parse_time(%q)", x.Format(time.RFC3339Nano))
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ": " + literal(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = literal(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}
