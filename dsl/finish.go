package dsl

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// finish compiles the merged root module into cfg.
func (l *loader) finish(cfg *Config, root *rawModule) hcl.Diagnostics {
	var diags hcl.Diagnostics
	cfg.Variables = root.vars
	cfg.Locals = root.locals
	cfg.Scope = Scope{Local: map[string]any{}, Var: map[string]any{}}
	for k, v := range root.locals {
		cfg.Scope.Local[k] = ctyToGo(v)
	}
	for k, v := range root.vars {
		if v.Value != cty.NilVal {
			cfg.Scope.Var[k] = ctyToGo(v.Value)
		}
	}
	diags = append(diags, decodeSource(cfg, root)...)
	diags = append(diags, decodeTarget(cfg, root)...)
	cfg.State = root.stateSet

	env := compileEnv{locals: map[string]bool{}, vars: map[string]bool{}}
	for k := range root.locals {
		env.locals[k] = true
	}
	for k := range root.vars {
		env.vars[k] = true
	}
	failed := map[string]bool{}
	for _, key := range keys(root.mappings) {
		m, d := compileMapping(root.mappings[key], env)
		diags = append(diags, d...)
		if m != nil {
			cfg.Mappings = append(cfg.Mappings, m)
		} else {
			failed[key] = true
		}
	}
	sort.SliceStable(cfg.Mappings, func(i, j int) bool {
		a, b := cfg.Mappings[i], cfg.Mappings[j]
		if kindOrder(a.Kind) != kindOrder(b.Kind) {
			return kindOrder(a.Kind) < kindOrder(b.Kind)
		}
		return a.Name < b.Name
	})
	seen := map[string]hcl.Range{}
	for _, t := range root.tests {
		test, d := decodeTest(t, cfg, env, failed)
		diags = append(diags, d...)
		if test == nil {
			continue
		}
		if prev, ok := seen[test.Name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate test",
				Detail: fmt.Sprintf("A test named %q is already defined at %s.", test.Name, prev), Subject: test.DeclRange.Ptr()})
			continue
		}
		seen[test.Name] = test.DeclRange
		cfg.Tests = append(cfg.Tests, test)
	}
	return diags
}

func evalSetting(a attrRef, want cty.Type) (cty.Value, hcl.Diagnostics) {
	v, diags := a.attr.Expr.Value(a.ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	cv, err := convertValue(v, want)
	if err != nil {
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value",
			Detail: fmt.Sprintf("%q needs %s: %v.", a.attr.Name, want.FriendlyName(), err), Subject: a.attr.Expr.Range().Ptr()}}
	}
	return cv, nil
}

func shareSetting(a attrRef, dst *float64) hcl.Diagnostics {
	v, d := evalSetting(a, cty.Number)
	if d.HasErrors() {
		return d
	}
	f, _ := v.AsBigFloat().Float64()
	if f <= 0 || f > 1 {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Share out of range",
			Detail: fmt.Sprintf("%q is the part of the rate limit kzmap may use: a number above 0 and at most 1 (0.8 leaves 20%% to the live team).", a.attr.Name), Subject: a.attr.Expr.Range().Ptr()}}
	}
	*dst = f
	return nil
}

func decodeSource(cfg *Config, root *rawModule) hcl.Diagnostics {
	s := SourceSettings{Share: 0.8, SearchShare: 0.8, Range: root.sourceRng}
	var diags hcl.Diagnostics
	if a, ok := root.source["share"]; ok {
		diags = append(diags, shareSetting(a, &s.Share)...)
	}
	if a, ok := root.source["search_share"]; ok {
		diags = append(diags, shareSetting(a, &s.SearchShare)...)
	}
	if a, ok := root.source["cdn_hosts"]; ok {
		v, d := evalSetting(a, cty.List(cty.String))
		diags = append(diags, d...)
		if !d.HasErrors() && !v.IsNull() {
			for _, e := range v.AsValueSlice() {
				s.CDNHosts = append(s.CDNHosts, e.AsString())
			}
		}
	}
	cfg.Source = s
	return diags
}

func decodeTarget(cfg *Config, root *rawModule) hcl.Diagnostics {
	t := TargetSettings{Plan: "professional", Share: 0.8, MarkerTag: "kustomer-import", Range: root.targetRng}
	var diags hcl.Diagnostics
	if a, ok := root.target["plan"]; ok {
		v, d := evalSetting(a, cty.String)
		diags = append(diags, d...)
		if !d.HasErrors() {
			t.Plan = v.AsString()
			if _, ok := zendesk.RateLimits[t.Plan]; !ok {
				plans := keys(zendesk.RateLimits)
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown Zendesk plan",
					Detail:  fmt.Sprintf("%q is not a plan tier.%s Plans: %s.", t.Plan, suggest(t.Plan, plans), strings.Join(plans, ", ")),
					Subject: a.attr.Expr.Range().Ptr()})
			}
		}
	}
	if a, ok := root.target["rate_limit"]; ok {
		v, d := evalSetting(a, cty.Number)
		diags = append(diags, d...)
		if !d.HasErrors() {
			n, _ := v.AsBigFloat().Int64()
			if n <= 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid rate limit",
					Detail: "rate_limit is requests per minute and must be positive; leave it out to use the plan's limit.", Subject: a.attr.Expr.Range().Ptr()})
			}
			t.RateLimit = int(n)
		}
	}
	if a, ok := root.target["share"]; ok {
		diags = append(diags, shareSetting(a, &t.Share)...)
	}
	if a, ok := root.target["marker_tag"]; ok {
		v, d := evalSetting(a, cty.String)
		diags = append(diags, d...)
		if !d.HasErrors() {
			t.MarkerTag = v.AsString()
			if t.MarkerTag == "" || strings.ContainsAny(t.MarkerTag, " \t\n,") {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid marker tag",
					Detail: "Zendesk tags have no spaces or commas; use something like \"kustomer-import\".", Subject: a.attr.Expr.Range().Ptr()})
			}
		}
	}
	if t.RateLimit == 0 {
		t.RateLimit = zendesk.RateLimits[t.Plan]
	}
	cfg.Target = t
	return diags
}

func compileMapping(rm *rawMapping, env compileEnv) (*Mapping, hcl.Diagnostics) {
	spec, _ := KindSpecFor(rm.kind)
	var diags hcl.Diagnostics
	m := &Mapping{Kind: rm.kind, Name: rm.name, Exprs: map[string]*Expr{},
		DeclRange: rm.decl, Module: rm.module, Overridden: rm.overridden}
	if a, ok := rm.attrs["from"]; ok {
		v, d := evalSetting(a, cty.String)
		diags = append(diags, d...)
		if d.HasErrors() {
			return nil, diags
		}
		m.From = v.AsString()
		if !slices.Contains(spec.From, m.From) {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported source type",
				Detail:  fmt.Sprintf("A %s block reads %s records, not %q.%s", rm.kind, strings.Join(spec.From, " or "), m.From, suggest(m.From, spec.From)),
				Subject: a.attr.Expr.Range().Ptr()})
		}
	} else if len(spec.From) == 1 {
		m.From = spec.From[0]
	} else {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing source type",
			Detail: fmt.Sprintf("A %s block must say what it reads: from = %q (or %s).", rm.kind, spec.From[0], strings.Join(spec.From[1:], ", ")), Subject: rm.decl.Ptr()})
	}
	proto, _ := envPrototype(m.From)
	env.from, env.proto = m.From, proto

	for _, o := range spec.Options {
		a, ok := rm.attrs[o.Name]
		if !ok {
			m.Options.set(o.Name, o.Default)
			continue
		}
		val, d := optionValue(a, o)
		diags = append(diags, d...)
		m.Options.set(o.Name, val)
	}
	for _, as := range spec.Attrs {
		a, ok := rm.attrs[as.Name]
		if !ok {
			if as.Required {
				doc := ""
				if as.Doc != "" {
					doc = " (" + as.Doc + ")"
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required argument",
					Detail: fmt.Sprintf("A %s block needs %q: an expression that gives %s%s.", rm.kind, as.Name, as.Type, doc), Subject: rm.decl.Ptr()})
			}
			continue
		}
		src, d := exprString(a)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		e, d := compileExpr(a.attr, src, as.Type, as.Enum, env, a.src)
		diags = append(diags, d...)
		if e != nil {
			m.Exprs[as.Name] = e
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	for _, name := range m.ExprNames() {
		if name != "when" && name != "for_each" {
			m.fields = append(m.fields, m.Exprs[name])
		}
	}
	return m, diags
}

// exprString evaluates an attribute that holds an expression: a string,
// usually a literal or a heredoc.
func exprString(a attrRef) (string, hcl.Diagnostics) {
	v, diags := a.attr.Expr.Value(a.ctx)
	if diags.HasErrors() {
		if d := unquotedDiagnostic(a, diags); d != nil {
			return "", hcl.Diagnostics{d}
		}
		return "", diags
	}
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		if v.IsKnown() {
			if d := unquotedDiagnostic(a, nil); d != nil {
				return "", hcl.Diagnostics{d}
			}
		}
		hint := ""
		if v.IsKnown() && !v.IsNull() && v.Type().IsPrimitiveType() {
			hint = fmt.Sprintf(" For a constant write it quoted twice, for example \"'%s'\" for a string or \"%s\" for a number.", ctyString(v), ctyString(v))
		}
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Expression must be a string",
			Detail:  fmt.Sprintf("%q holds an expr-lang expression written as an HCL string, like status = \"local.status[status] ?? 'open'\".%s", a.attr.Name, hint),
			Subject: a.attr.Expr.Range().Ptr()}}
	}
	return v.AsString(), nil
}

func ctyString(v cty.Value) string {
	switch v.Type() {
	case cty.String:
		return v.AsString()
	case cty.Number:
		return v.AsBigFloat().Text('g', -1)
	case cty.Bool:
		return fmt.Sprint(v.True())
	}
	return ""
}

func optionValue(a attrRef, o OptionSpec) (any, hcl.Diagnostics) {
	var t cty.Type
	switch o.Type {
	case "number":
		t = cty.Number
	case "bool":
		t = cty.Bool
	default:
		t = cty.String
	}
	v, d := evalSetting(a, t)
	if d.HasErrors() {
		return o.Default, d
	}
	switch o.Type {
	case "number":
		n, acc := v.AsBigFloat().Int64()
		if acc != big.Exact || n <= 0 {
			return o.Default, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value",
				Detail: fmt.Sprintf("%q needs a positive whole number (%s).", o.Name, o.Doc), Subject: a.attr.Expr.Range().Ptr()}}
		}
		return int(n), nil
	case "bool":
		return v.True(), nil
	}
	s := v.AsString()
	if len(o.Enum) > 0 && !slices.Contains(o.Enum, s) {
		return o.Default, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value",
			Detail:  fmt.Sprintf("%q must be one of %s, not %q.%s", o.Name, strings.Join(o.Enum, ", "), s, suggest(s, o.Enum)),
			Subject: a.attr.Expr.Range().Ptr()}}
	}
	return s, nil
}

// decodeTest reads a test block.
func decodeTest(t testRef, cfg *Config, env compileEnv, failed map[string]bool) (*Test, hcl.Diagnostics) {
	b := t.block
	var diags hcl.Diagnostics
	test := &Test{Name: b.Labels[0], DeclRange: b.DefRange()}
	diags = append(diags, noBlocks(b)...)
	allowed := []string{"mapping", "input", "expect", "skipped", "assert"}
	for _, a := range sortedAttrs(b.Body.Attributes) {
		if !slices.Contains(allowed, a.Name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail: fmt.Sprintf("A test block takes %s; %q is not one of them.%s", strings.Join(allowed, ", "), a.Name, suggest(a.Name, allowed)), Subject: a.NameRange.Ptr()})
		}
	}
	attrs := b.Body.Attributes
	_, hasExpect := attrs["expect"]
	_, hasSkipped := attrs["skipped"]
	_, hasAssert := attrs["assert"]
	if !hasExpect && !hasSkipped && !hasAssert {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Test checks nothing",
			Detail: "Give expect = { field = value }, assert = [\"out.field == ...\"] or skipped = true, so the test can fail.", Subject: test.DeclRange.Ptr()})
	}
	ma, ok := attrs["mapping"]
	if !ok {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing mapping",
			Detail: "A test names the mapping it exercises, for example mapping = ticket.conversation.", Subject: test.DeclRange.Ptr()})
	}
	if tr, d := hcl.AbsTraversalForExpr(ma.Expr); !d.HasErrors() && len(tr) == 2 {
		if ga, ok := tr[1].(hcl.TraverseAttr); ok {
			test.Mapping = tr.RootName() + "." + ga.Name
		}
	}
	if test.Mapping == "" {
		if v, d := ma.Expr.Value(t.ctx); !d.HasErrors() && v.Type() == cty.String {
			test.Mapping = v.AsString()
		}
	}
	m := cfg.Mapping(test.Mapping)
	if m == nil && failed[test.Mapping] {
		return nil, diags // the mapping's own errors are already reported
	}
	if m == nil {
		addrs := keys(failed)
		for _, mm := range cfg.Mappings {
			addrs = append(addrs, mm.Address())
		}
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown mapping",
			Detail:  fmt.Sprintf("The test names %q, which is not a mapping of this directory.%s Mappings: %s.", test.Mapping, suggest(test.Mapping, addrs), orNone(addrs)),
			Subject: ma.Expr.Range().Ptr()})
	}
	ia, ok := attrs["input"]
	if !ok {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing input",
			Detail: "A test gives the Kustomer record as input: an object like { type = \"conversation\", id = \"...\", attributes = {...} } or a JSON heredoc.", Subject: test.DeclRange.Ptr()})
	}
	test.InputRng = ia.Expr.Range()
	iv, d := ia.Expr.Value(t.ctx)
	diags = append(diags, d...)
	if !d.HasErrors() {
		if iv.Type() == cty.String {
			test.Input = []byte(iv.AsString())
		} else {
			js, err := ctyjson.Marshal(iv, iv.Type())
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid input", Detail: err.Error(), Subject: ia.Expr.Range().Ptr()})
			}
			test.Input = js
		}
		if !json.Valid(test.Input) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid input",
				Detail: "The input is not valid JSON.", Subject: ia.Expr.Range().Ptr()})
		} else {
			diags = append(diags, checkInputAttributes(test, m, ia.Expr, t)...)
		}
	}
	if ea, ok := attrs["expect"]; ok {
		test.ExpectRng = ea.Expr.Range()
		test.ExpectSet = true
		test.ExpectKeys = expectKeys(ea.Expr, t.ctx)
		ev, d := ea.Expr.Value(t.ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			switch g := ctyToGo(ev).(type) {
			case map[string]any:
				test.Expect = []map[string]any{g}
			case []any:
				for _, x := range g {
					mm, ok := x.(map[string]any)
					if !ok {
						diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid expect",
							Detail: "expect is an object of expected fields, or a list of them for a for_each mapping.", Subject: ea.Expr.Range().Ptr()})
						break
					}
					test.Expect = append(test.Expect, mm)
				}
			default:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid expect",
					Detail: "expect is an object of expected fields, or a list of them for a for_each mapping.", Subject: ea.Expr.Range().Ptr()})
			}
		}
	}
	if sa, ok := attrs["skipped"]; ok {
		v, d := evalSetting(attrRef{attr: sa, ctx: t.ctx}, cty.Bool)
		diags = append(diags, d...)
		if !d.HasErrors() {
			test.Skipped = v.True()
		}
	}
	if aa, ok := attrs["assert"]; ok {
		diags = append(diags, compileAsserts(test, aa, t, env)...)
	}
	return test, diags
}

// expectKeys finds where each key of an expect written as an object
// literal, or a list of them, is written.
func expectKeys(expr hclsyntax.Expression, ctx *hcl.EvalContext) []map[string]hcl.Range {
	one := func(e hclsyntax.Expression) map[string]hcl.Range {
		items := objectItems(e, ctx)
		if items == nil {
			return nil
		}
		out := make(map[string]hcl.Range, len(items))
		for k, it := range items {
			out[k] = it.KeyExpr.Range()
		}
		return out
	}
	if tuple, ok := expr.(*hclsyntax.TupleConsExpr); ok {
		out := make([]map[string]hcl.Range, len(tuple.Exprs))
		for i, e := range tuple.Exprs {
			out[i] = one(e)
		}
		return out
	}
	if m := one(expr); m != nil {
		return []map[string]hcl.Range{m}
	}
	return nil
}

// objectItems returns the items of an object literal by key, or nil when
// expr is not one. Keys that are not constant strings are left out.
func objectItems(expr hclsyntax.Expression, ctx *hcl.EvalContext) map[string]*hclsyntax.ObjectConsItem {
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	out := make(map[string]*hclsyntax.ObjectConsItem, len(obj.Items))
	for i := range obj.Items {
		it := &obj.Items[i]
		k, d := it.KeyExpr.Value(ctx)
		if d.HasErrors() || k.Type() != cty.String || k.IsNull() || !k.IsKnown() {
			continue
		}
		out[k.AsString()] = it
	}
	return out
}

// TestEnv is the environment of test assertions: out is the payload the
// mapping produced (the first one for a for_each mapping), outs all of them.
type TestEnv struct {
	Out   map[string]any   `expr:"out"`
	Outs  []map[string]any `expr:"outs"`
	Local map[string]any   `expr:"local"`
	Var   map[string]any   `expr:"var"`
}

func compileAsserts(test *Test, aa *hclsyntax.Attribute, t testRef, env compileEnv) hcl.Diagnostics {
	tuple, ok := aa.Expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid assert",
			Detail: "assert is a list of expression strings, like assert = [\"'kustomer-import' in out.tags\"].", Subject: aa.Expr.Range().Ptr()}}
	}
	var diags hcl.Diagnostics
	aenv := compileEnv{from: "test", proto: TestEnv{}, locals: env.locals, vars: env.vars}
	for _, ex := range tuple.Exprs {
		attr := &hclsyntax.Attribute{Name: "assert", Expr: ex, SrcRange: ex.Range(), NameRange: aa.NameRange}
		src, d := exprString(attrRef{attr: attr, ctx: t.ctx, src: t.src})
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		e, d := compileExpr(attr, src, TBool, nil, aenv, t.src)
		diags = append(diags, d...)
		if e != nil {
			test.Asserts = append(test.Asserts, e)
		}
	}
	return diags
}

// ctyToGo converts an HCL value to the plain Go values expressions see:
// string, int or float64, bool, []any, map[string]any, nil.
func ctyToGo(v cty.Value) any {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			if n, acc := bf.Int64(); acc == big.Exact {
				return int(n)
			}
		}
		f, _ := bf.Float64()
		return f
	case t == cty.Bool:
		return v.True()
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyToGo(e))
		}
		return out
	case t.IsMapType() || t.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = ctyToGo(e)
		}
		return out
	}
	return nil
}
