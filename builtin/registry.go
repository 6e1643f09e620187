package builtin

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
)

// Func is one function of the mapping language.
//
// Every Func is pure: its result depends only on its arguments, never on the
// clock, randomness, the environment or I/O, so the same snapshot and
// mapping always produce the same plan (TestPurity enforces this on the
// package source). Functions keep no state and are safe for concurrent use.
type Func struct {
	Name      string    // snake_case name used in expressions
	Signature string    // human signature for the reference, e.g. "slug(s: string) → string"
	Doc       string    // one line: what it returns
	Detail    string    // optional sentences on edge cases and rules
	Category  string    // section of the reference
	Examples  []Example // run by TestExamples and shown in the reference

	// types are typed Go signatures such as new(func(string) string) that
	// let expr's checker reject a wrong argument type at compile time. When
	// an argument's type is unknown (any), expr picks the first overload, so
	// the most general one comes first.
	types []any
	fn    func(args ...any) (any, error)
}

// Example is one documented call and its expected result. Err, when set, is
// a substring of the expected error instead.
type Example struct {
	Expr string
	Want any
	Err  string
}

// Call runs the function's implementation directly, outside expr.
func (f Func) Call(args ...any) (any, error) { return f.fn(args...) }

// Category names, in the order the reference lists them.
const (
	catContacts = "Contacts"
	catLists    = "Lists and tables"
	catText     = "Text"
	catHTML     = "HTML"
	catTime     = "Time"
	catNames    = "Kustomer and Zendesk names"
)

var categories = []string{catContacts, catLists, catText, catHTML, catTime, catNames}

var registry = buildRegistry(contactFuncs, listFuncs, textFuncs, htmlFuncs, timeFuncs, nameFuncs)

func buildRegistry(groups ...[]Func) []Func {
	var all []Func
	seen := map[string]bool{}
	for _, g := range groups {
		for _, f := range g {
			if seen[f.Name] {
				panic("builtin: duplicate function " + f.Name)
			}
			seen[f.Name] = true
			all = append(all, f)
		}
	}
	slices.SortFunc(all, func(a, b Func) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// All returns every function of the registry, sorted by name.
func All() []Func { return slices.Clone(registry) }

// Lookup returns the function called name.
func Lookup(name string) (Func, bool) {
	i, ok := slices.BinarySearchFunc(registry, name, func(f Func, n string) int { return strings.Compare(f.Name, n) })
	if !ok {
		return Func{}, false
	}
	return registry[i], true
}

// Options returns the expr options that install every function of the
// registry with its typed signatures. Append DisableImpure() as well.
func Options() []expr.Option {
	opts := make([]expr.Option, 0, len(registry))
	for _, f := range registry {
		opts = append(opts, expr.Function(f.Name, f.fn, f.types...))
	}
	return opts
}

// impure lists the expr v1.17 builtins that would make a plan depend on
// when or where it was made, with what to use instead.
var impure = []struct{ name, reason string }{
	{"date", "parses zone abbreviations in the machine's local time zone and loads zone files from the system; use parse_time"},
	{"keys", "returns map keys in random order; use keys_sorted"},
	{"now", "reads the clock; plans must not depend on when they are made"},
	{"timezone", "loads zone files from the system; times keep the offset they were written with"},
	{"toPairs", "returns map entries in random order; use map(keys_sorted(m), [#, m[#]])"},
	{"values", "returns map values in random order; use map(keys_sorted(m), m[#])"},
}

// ImpureBuiltins returns the names of expr builtins that must be disabled
// (expr.DisableBuiltin) for plans to be deterministic, sorted.
func ImpureBuiltins() []string {
	names := make([]string, len(impure))
	for i, b := range impure {
		names[i] = b.name
	}
	return names
}

// DisabledReason says why the expr builtin name is disabled and what to use
// instead, or "" when it is not disabled. The dsl can add it to the
// "unknown name" diagnostic.
func DisabledReason(name string) string {
	for _, b := range impure {
		if b.name == name {
			return fmt.Sprintf("%s() is disabled in mappings: it %s", b.name, b.reason)
		}
	}
	return ""
}

// DisableImpure returns one expr.DisableBuiltin option per ImpureBuiltins
// name.
func DisableImpure() []expr.Option {
	opts := make([]expr.Option, len(impure))
	for i, b := range impure {
		opts[i] = expr.DisableBuiltin(b.name)
	}
	return opts
}
