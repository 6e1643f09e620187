package dsl

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/agext/levenshtein"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	exprbuiltin "github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/record"
)

// Expr is one compiled mapping expression and where it was written.
type Expr struct {
	Name    string // the attribute
	Source  string
	Program *vm.Program
	Type    ResultType
	Enum    []string
	Range   hcl.Range // the whole HCL attribute value

	// Fast paths that skip the VM: a constant (already coerced), or a bare
	// field of the record (its index in the environment struct).
	isConst bool
	konst   any
	field   []int
	// pluck, with field, is map(field, #.name) over a list of structs: the
	// index of name in the element struct.
	pluck int
}

// compileEnv is what an expression is compiled against.
type compileEnv struct {
	from   string
	proto  any
	locals map[string]bool
	vars   map[string]bool
}

// exprOptions are the compile options every mapping expression gets: the
// builtin library and no impure functions (plans must be deterministic).
func exprOptions(env any) []expr.Option {
	opts := []expr.Option{expr.Env(env), expr.Optimize(true)}
	opts = append(opts, builtin.Options()...)
	opts = append(opts, builtin.DisableImpure()...)
	return opts
}

// compileExpr compiles the string value of an HCL attribute. file is the
// HCL source, for mapping positions inside the string.
func compileExpr(attr *hclsyntax.Attribute, src string, want ResultType, enum []string, env compileEnv, fileSrc []byte) (*Expr, hcl.Diagnostics) {
	e := &Expr{Name: attr.Name, Source: src, Type: want, Enum: enum, Range: attr.Expr.Range()}
	if strings.TrimSpace(src) == "" {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Empty expression",
			Detail:   fmt.Sprintf("The attribute %q needs an expression that gives %s; write \"nil\" to leave the field unset, or remove the attribute.", attr.Name, want),
			Subject:  e.Range.Ptr(),
		}}
	}
	prog, err := expr.Compile(src, exprOptions(env.proto)...)
	if err != nil {
		return nil, hcl.Diagnostics{exprDiagnostic(attr, src, err, env, fileSrc)}
	}
	e.Program = prog
	var diags hcl.Diagnostics
	diags = append(diags, checkScopeNames(attr, src, prog.Node(), env, fileSrc)...)
	if d := checkResultType(attr, prog.Node().Type(), want); d != nil {
		diags = append(diags, d)
	}
	if !diags.HasErrors() {
		if d := e.fastPath(env); d != nil {
			d.Subject = attr.Expr.Range().Ptr()
			diags = append(diags, d)
		}
	}
	return e, diags
}

// exprDiagnostic turns an expr compile error into an HCL diagnostic at the
// position of the error inside the HCL file.
func exprDiagnostic(attr *hclsyntax.Attribute, src string, err error, env compileEnv, fileSrc []byte) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Subject: attr.Expr.Range().Ptr()}
	var fe *file.Error
	if !errors.As(err, &fe) {
		d.Summary = "Invalid expression"
		d.Detail = err.Error()
		return d
	}
	msg := fe.Message
	d.Subject = exprPos(attr, src, fe.Line, fe.Column, fileSrc).Ptr()
	switch {
	case strings.HasPrefix(msg, "unknown name "):
		name := strings.TrimPrefix(msg, "unknown name ")
		if why := builtin.DisabledReason(name); why != "" {
			d.Summary = "Function not allowed in mappings"
			d.Detail = "The function " + why + "."
			break
		}
		widen(d.Subject, name)
		if isCalled(src, name) {
			// expr reports lastt(tags) as an unknown name; the record's
			// fields would be the wrong list to suggest from.
			d.Summary = "Unknown function"
			d.Detail = "Unknown function " + name
			if c := closest(name, functionNames(env)); c != "" {
				d.Detail += "; did you mean " + c + "?"
			} else {
				d.Detail += "."
			}
			d.Detail += " Mappings call expr-lang's builtins and kzmap's own functions (spec/functions.md)."
			break
		}
		d.Summary = "Unknown name in expression"
		d.Detail = fmt.Sprintf("A %s record has no field %q.%s Fields of %s: %s.", env.from, name,
			suggest(name, names(env)), env.from, strings.Join(record.Fields(env.from), ", "))
	case strings.Contains(msg, " has no field "):
		i := strings.LastIndex(msg, " has no field ")
		field := msg[i+len(" has no field "):]
		d.Summary = "Unknown field in expression"
		d.Detail = fmt.Sprintf("%s.%s", upperFirst(msg), suggestFieldOf(msg[:i], field))
	case strings.HasPrefix(msg, "unexpected token") || strings.Contains(msg, "unexpected"):
		d.Summary = "Expression syntax error"
		d.Detail = upperFirst(msg) + ". Mapping expressions use expr-lang syntax: strings in single quotes, `??` for a default, `#` inside map/filter closures."
	default:
		d.Summary = "Invalid expression"
		d.Detail = upperFirst(msg) + "."
	}
	return d
}

func names(env compileEnv) []string {
	n := append([]string{"local", "var", "each"}, record.Fields(env.from)...)
	for _, f := range builtin.All() {
		n = append(n, f.Name)
	}
	return n
}

// suggest returns a "Did you mean" sentence for the closest candidate, or "".
func suggest(name string, candidates []string) string {
	best := closest(name, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// closest returns the candidate nearest to name by edit distance, ignoring
// case, or "" when none is near enough to be the name meant.
func closest(name string, candidates []string) string {
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(c), nil)
		if d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > max(2, len(name)/3) {
		return ""
	}
	return best
}

// functionNames lists what an expression can call: expr-lang's builtins
// that mappings keep, kzmap's functions and the environment's methods.
func functionNames(env compileEnv) []string {
	var n []string
	for _, name := range exprbuiltin.Names {
		if builtin.DisabledReason(name) == "" {
			n = append(n, name)
		}
	}
	for _, f := range builtin.All() {
		n = append(n, f.Name)
	}
	if env.proto != nil {
		t := reflect.TypeOf(env.proto)
		for i := 0; i < t.NumMethod(); i++ {
			n = append(n, t.Method(i).Name)
		}
	}
	return n
}

// isCalled says whether the expression calls name as a function. It
// parses src again: the compile error that sent us here has no tree.
func isCalled(src, name string) bool {
	tree, err := parser.Parse(src)
	if err != nil {
		return false
	}
	v := &callVisitor{name: name}
	ast.Walk(&tree.Node, v)
	return v.found
}

type callVisitor struct {
	name  string
	found bool
}

func (v *callVisitor) Visit(n *ast.Node) {
	c, ok := (*n).(*ast.CallNode)
	if !ok {
		return
	}
	if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == v.name {
		v.found = true
	}
}

func suggestFieldOf(typeMsg, field string) string {
	// typeMsg looks like "type record.Snooze"; list that struct's fields.
	for _, t := range []reflect.Type{reflect.TypeFor[record.Snooze](), reflect.TypeFor[record.Email](),
		reflect.TypeFor[record.Phone](), reflect.TypeFor[record.AttachmentRef](), reflect.TypeFor[record.Property]()} {
		if strings.HasSuffix(typeMsg, t.String()) {
			var fs []string
			for i := 0; i < t.NumField(); i++ {
				if n := t.Field(i).Tag.Get("expr"); n != "" {
					fs = append(fs, n)
				}
			}
			return suggest(field, fs) + " Its fields: " + strings.Join(fs, ", ") + "."
		}
	}
	return ""
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkScopeNames reports local.X and var.X that do not exist: locals and
// variables are maps to expr, so it cannot see the mistake itself.
func checkScopeNames(attr *hclsyntax.Attribute, src string, root ast.Node, env compileEnv, fileSrc []byte) hcl.Diagnostics {
	v := &scopeVisitor{}
	ast.Walk(&root, v)
	var diags hcl.Diagnostics
	for _, m := range v.refs {
		known := env.locals
		if m.scope == "var" {
			known = env.vars
		}
		if known[m.name] {
			continue
		}
		cands := make([]string, 0, len(known))
		for k := range known {
			cands = append(cands, k)
		}
		sort.Strings(cands)
		what := "local value"
		if m.scope == "var" {
			what = "variable"
		}
		line, col := lineCol(src, m.loc)
		subject := exprPos(attr, src, line, col, fileSrc)
		widen(&subject, m.name)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown " + what,
			Detail: fmt.Sprintf("There is no %s named %q.%s Declared: %s.", what, m.name,
				suggest(m.name, cands), orNone(cands)),
			Subject: &subject,
		})
	}
	return diags
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

type scopeRef struct {
	scope, name string
	loc         int // rune offset in the expression
}

type scopeVisitor struct{ refs []scopeRef }

func (v *scopeVisitor) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || (id.Value != "local" && id.Value != "var") {
		return
	}
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		return
	}
	v.refs = append(v.refs, scopeRef{scope: id.Value, name: prop.Value, loc: prop.Location().From})
}

// lineCol converts a rune offset into a 1-based line and 0-based column.
func lineCol(src string, offset int) (int, int) {
	line, col, i := 1, 0, 0
	for _, r := range src {
		if i == offset {
			break
		}
		if r == '\n' {
			line++
			col = 0
		} else {
			col++
		}
		i++
	}
	return line, col
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	stringType = reflect.TypeFor[string]()
)

// checkResultType rejects expressions whose static type can never be what
// the attribute needs; interface{} results are checked at run time.
func checkResultType(attr *hclsyntax.Attribute, t reflect.Type, want ResultType) *hcl.Diagnostic {
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	ok := true
	switch want {
	case TString, TRef:
		ok = t.Kind() == reflect.String
	case TBool:
		ok = t.Kind() == reflect.Bool
	case TNumber:
		ok = isNumberKind(t.Kind())
	case TStringList, TRefList:
		ok = (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) &&
			(t.Elem().Kind() == reflect.String || t.Elem().Kind() == reflect.Interface)
	case TTime:
		ok = t == timeType || t.Kind() == reflect.String
	case TMap:
		ok = t.Kind() == reflect.Map && t.Key() == stringType
	case TList:
		ok = t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	}
	if ok {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Wrong result type",
		Detail: fmt.Sprintf("The attribute %q needs %s, but this expression gives %s.%s",
			attr.Name, want, describeType(t), conversionHint(t, want)),
		Subject: attr.Expr.Range().Ptr(),
	}
}

func isNumberKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func describeType(t reflect.Type) string {
	switch {
	case t == timeType:
		return "a timestamp"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case isNumberKind(t.Kind()):
		return "a number"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return "a list of strings"
	case t.Kind() == reflect.Slice:
		return "a list of " + t.Elem().String()
	case t.Kind() == reflect.Map:
		return "a map"
	}
	return t.String()
}

func conversionHint(t reflect.Type, want ResultType) string {
	switch {
	case (want == TString || want == TRef) && isNumberKind(t.Kind()):
		return " Wrap it in string(...)."
	case want == TStringList && t.Kind() == reflect.String:
		return " Wrap it in a list: [ ... ]."
	case want == TStringList && t.Kind() == reflect.Slice:
		return " Convert the elements, for example map(list, string(#))."
	case want == TBool:
		return " Compare it, for example value != ''."
	}
	return ""
}

// exprPos maps a position inside an expression (1-based line, 0-based rune
// column) to the HCL file. It finds the expression's line in the raw source
// of the attribute value, which handles quoted strings and indented
// heredocs alike; when escapes make the text differ it falls back to the
// start of the value.
func exprPos(attr *hclsyntax.Attribute, src string, line, col int, fileSrc []byte) hcl.Range {
	rng := attr.Expr.Range()
	if rng.Start.Byte < 0 || rng.End.Byte > len(fileSrc) || rng.Start.Byte >= rng.End.Byte {
		return rng
	}
	raw := string(fileSrc[rng.Start.Byte:rng.End.Byte])
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return rng
	}
	text := lines[line-1]
	// Skip the expression lines before this one in the raw text.
	search := 0
	for i := 0; i < line-1; i++ {
		if j := strings.Index(raw[search:], lines[i]); j >= 0 {
			search += j + len(lines[i])
		}
	}
	j := strings.Index(raw[search:], text)
	if j < 0 || text == "" {
		return rng
	}
	// Byte offset of the column inside text.
	colBytes := len(text)
	n := 0
	for bi := range text {
		if n == col {
			colBytes = bi
			break
		}
		n++
	}
	off := rng.Start.Byte + search + j + colBytes
	start := posAt(fileSrc, off)
	end := start
	// Cover one character so the caret has something to stand under.
	if off < len(fileSrc) {
		end = posAt(fileSrc, off+1)
	}
	return hcl.Range{Filename: rng.Filename, Start: start, End: end}
}

// posAt computes the HCL position of a byte offset.
func posAt(src []byte, off int) hcl.Pos {
	line, col, lineStart := 1, 1, 0
	for i := 0; i < off && i < len(src); i++ {
		if src[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	col = len([]rune(string(src[lineStart:off]))) + 1
	return hcl.Pos{Line: line, Column: col, Byte: off}
}

// fastPath recognises constants and bare record fields. A constant is
// coerced now, so a constant that can never be valid (status = "'snoozed'")
// is a load-time error rather than one per record.
func (e *Expr) fastPath(env compileEnv) *hcl.Diagnostic {
	var v any
	switch n := e.Program.Node().(type) {
	case *ast.ConstantNode:
		v = n.Value
	case *ast.StringNode:
		v = n.Value
	case *ast.BoolNode:
		v = n.Value
	case *ast.IntegerNode:
		v = n.Value
	case *ast.FloatNode:
		v = n.Value
	case *ast.NilNode:
		v = nil
	case *ast.IdentifierNode:
		e.field = recordField(env.from, n.Value)
		return nil
	case *ast.BuiltinNode:
		e.fastPluck(env, n)
		return nil
	default:
		return nil
	}
	cv, err := coerce(v, e)
	if err != nil {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid constant", Detail: "This expression always " + err.Error() + "."}
	}
	e.isConst, e.konst = true, cv
	return nil
}

// widen makes the one-character range of a name found in the expression
// cover the whole name, so the caret underlines all of it.
func widen(r *hcl.Range, name string) {
	if r.Start.Line != r.End.Line || r.End.Byte-r.Start.Byte != 1 {
		return
	}
	r.End.Byte = r.Start.Byte + len(name)
	r.End.Column = r.Start.Column + len([]rune(name))
}

// recordField returns the index path of a record field in the environment
// (the record is the environment's first field), or nil.
func recordField(from, name string) []int {
	t, ok := record.GoType(from)
	if !ok {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("expr") == name {
			return []int{0, i}
		}
	}
	return nil
}

// fastPluck recognises map(list, #.name) — the ids of a message's
// attachments, say — where list is a record field holding structs and name
// a string field of them, and reads it without the VM.
func (e *Expr) fastPluck(env compileEnv, n *ast.BuiltinNode) {
	if n.Name != "map" || len(n.Arguments) != 2 || (e.Type != TStringList && e.Type != TRefList) {
		return
	}
	id, ok := n.Arguments[0].(*ast.IdentifierNode)
	if !ok {
		return
	}
	pred, ok := n.Arguments[1].(*ast.PredicateNode)
	if !ok {
		return
	}
	mem, ok := pred.Node.(*ast.MemberNode)
	if !ok || mem.Optional {
		return
	}
	if _, ok := mem.Node.(*ast.PointerNode); !ok {
		return
	}
	prop, ok := mem.Property.(*ast.StringNode)
	if !ok {
		return
	}
	path := recordField(env.from, id.Value)
	if path == nil {
		return
	}
	t, _ := record.GoType(env.from)
	ft := t.Field(path[1]).Type
	if ft.Kind() != reflect.Slice || ft.Elem().Kind() != reflect.Struct {
		return
	}
	for i := 0; i < ft.Elem().NumField(); i++ {
		f := ft.Elem().Field(i)
		if f.Tag.Get("expr") == prop.Value && f.Type.Kind() == reflect.String {
			e.field, e.pluck = path, i+1 // 0 means "no pluck"
			return
		}
	}
}
