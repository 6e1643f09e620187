package dsl

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/kzmap/kzmap/dsl/modsrc"
)

// File name patterns read from a mapping directory.
const (
	MappingSuffix = ".kzmap.hcl"
	TestSuffix    = ".kztest.hcl"
	// TemplatePrefix marks a module source that names an embedded template.
	TemplatePrefix = "template:"
	maxModuleDepth = 8
)

// LoadOptions configure Load.
type LoadOptions struct {
	// Templates holds the embedded templates, one directory per template,
	// for module sources written "template:NAME".
	Templates fs.FS
	// Vars sets the directory's own input variables.
	Vars map[string]cty.Value
	// Modules finds the copies of git modules (git::URL//DIR?ref=REF);
	// nil reads the directory's kzmap.lock.hcl and .kzmap/modules
	// (LockResolver). kzmap init passes one that fetches.
	Modules ModuleResolver
	// KzmapVersion is this kzmap's version, which a module's kzmap {
	// required_version = "…" } must admit ("" admits every one).
	KzmapVersion string
}

// Load reads, merges and compiles the mapping directory dir. It returns
// every problem it finds, not only the first; the Config is nil when there
// are errors.
func Load(dir string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	if opts.Modules == nil {
		opts.Modules = &LockResolver{Root: dir}
	}
	return load(moduleSource{fsys: os.DirFS(dir), dir: ".", display: displayDir(dir), rootDisplay: displayDir(dir)}, dir, opts)
}

func load(src moduleSource, dir string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	l := &loader{opts: opts, files: map[string]*hcl.File{}}
	root, diags := l.loadModule(src, opts.Vars, nil, "", 0)
	cfg := &Config{Dir: dir, Files: l.files, Modules: l.versions}
	// After a syntax error the structure is a guess: compiling it would only
	// add noise to the one message that matters.
	if root == nil || l.syntaxErrors {
		return cfg, sortDiags(diags)
	}
	diags = append(diags, l.finish(cfg, root)...)
	return cfg, sortDiags(diags)
}

func displayDir(dir string) string {
	if dir == "." || dir == "" {
		return ""
	}
	return filepath.ToSlash(filepath.Clean(dir))
}

type moduleSource struct {
	fsys    fs.FS
	dir     string // inside fsys
	display string // prefix of file names in diagnostics
	addr    string // the module's names from the root, joined by dots ("" the root)
	// rootDisplay is the display of the mapping directory the tree starts
	// in.
	rootDisplay string
}

func (s moduleSource) name(file string) string {
	if s.display == "" {
		return file
	}
	if strings.HasSuffix(s.display, ":") {
		return s.display + file
	}
	return s.display + "/" + file
}

type loader struct {
	opts         LoadOptions
	files        map[string]*hcl.File
	syntaxErrors bool
	versions     []ModuleVersion // the git modules loaded
}

// sortDiags orders diagnostics by file and position, errors without a
// position first.
func sortDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a.Start.Line != b.Start.Line:
			return a.Start.Line < b.Start.Line
		}
		return a.Start.Column < b.Start.Column
	})
	return diags
}

// attrRef is an attribute with the context it must be evaluated in: the
// module that wrote it.
type attrRef struct {
	attr *hclsyntax.Attribute
	ctx  *hcl.EvalContext
	src  []byte
}

type rawMapping struct {
	kind, name string
	attrs      map[string]attrRef
	decl       hcl.Range
	module     string
	overridden []string
}

// rawModule is one directory after parsing and evaluating its variables
// and locals, with its own modules merged in.
type rawModule struct {
	vars       map[string]*Variable
	locals     map[string]cty.Value
	source     map[string]attrRef
	target     map[string]attrRef
	sourceRng  hcl.Range
	targetRng  hcl.Range
	state      *hclsyntax.Block
	stateSet   StateSettings
	mappings   map[string]*rawMapping
	tests      []testRef
	ctx        *hcl.EvalContext
	moduleName string
}

type testRef struct {
	block *hclsyntax.Block
	ctx   *hcl.EvalContext
	src   []byte
}

var topBlocks = []string{"source", "target", "state", "variable", "locals", "module", "test", "kzmap"}

func (l *loader) loadModule(src moduleSource, inputs map[string]cty.Value, inputRanges map[string]hcl.Range, name string, depth int) (*rawModule, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	entries, err := fs.ReadDir(src.fsys, src.dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read mapping directory",
			Detail: fmt.Sprintf("Reading %q: %v.", src.name(""), err)}}
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, MappingSuffix) || strings.HasSuffix(n, TestSuffix)) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No mapping files",
			Detail: fmt.Sprintf("The directory %q has no *%s files. Run `kzmap init DIR` to start from a template.", orDot(src.name("")), MappingSuffix)}}
	}

	m := &rawModule{vars: map[string]*Variable{}, locals: map[string]cty.Value{}, source: map[string]attrRef{},
		target: map[string]attrRef{}, mappings: map[string]*rawMapping{}, moduleName: name}
	var localAttrs []attrRef
	var moduleBlocks []*hclsyntax.Block

	for _, n := range names {
		data, err := fs.ReadFile(src.fsys, path.Join(src.dir, n))
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error()})
			continue
		}
		fname := src.name(n)
		f, d := hclsyntax.ParseConfig(data, fname, hcl.Pos{Line: 1, Column: 1})
		l.files[fname] = f
		if d.HasErrors() {
			// The blocks of a file that does not parse are a guess: checking
			// them would only repeat the syntax error in other words.
			l.syntaxErrors = true
			diags = append(diags, syntaxDiagnostics(d, data)...)
			continue
		}
		diags = append(diags, d...)
		if f == nil {
			continue
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		isTest := strings.HasSuffix(n, TestSuffix)
		for _, a := range sortedAttrs(body.Attributes) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected attribute",
				Detail:  fmt.Sprintf("%q cannot be set at the top level of a file; put it in a block such as locals { %s = ... }.", a.Name, a.Name),
				Subject: a.NameRange.Ptr()})
		}
		for _, b := range body.Blocks {
			if isTest && b.Type != "test" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected block in a test file",
					Detail: fmt.Sprintf("Files named *%s hold only test blocks; move this %s block to a *%s file.", TestSuffix, b.Type, MappingSuffix), Subject: b.TypeRange.Ptr()})
				continue
			}
			switch b.Type {
			case "variable":
				diags = append(diags, decodeVariable(b, m.vars)...)
			case "locals":
				diags = append(diags, noBlocks(b)...)
				for _, a := range sortedAttrs(b.Body.Attributes) {
					localAttrs = append(localAttrs, attrRef{attr: a, src: data})
				}
			case "source", "target":
				diags = append(diags, decodeSettingsBlock(b, m, data)...)
			case "state":
				switch {
				case name != "":
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "State block in a module",
						Detail:  "Where the checkpoint lives is the customer directory's choice, not a template's: move the state block to the directory that uses the module.",
						Subject: b.DefRange().Ptr()})
				case m.state != nil:
					_, d := decodeStateBlock(b)
					diags = append(append(diags, duplicateState(b, m.state)), d...)
				default:
					st, d := decodeStateBlock(b)
					m.state, m.stateSet = b, st
					diags = append(diags, d...)
				}
			case "kzmap":
				diags = append(diags, decodeKzmapBlock(b, l.opts.KzmapVersion)...)
			case "module":
				if d := wantLabels(b, 1, "module \"NAME\""); d != nil {
					diags = append(diags, d)
					continue
				}
				moduleBlocks = append(moduleBlocks, b)
			case "test":
				if d := wantLabels(b, 1, "test \"NAME\""); d != nil {
					diags = append(diags, d)
					continue
				}
				m.tests = append(m.tests, testRef{block: b, src: data})
			default:
				spec, ok := KindSpecFor(b.Type)
				if !ok {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown block type",
						Detail:  fmt.Sprintf("%q is not a kzmap block.%s Blocks: %s.", b.Type, suggest(b.Type, allBlockTypes()), strings.Join(allBlockTypes(), ", ")),
						Subject: b.TypeRange.Ptr()})
					continue
				}
				diags = append(diags, l.addMapping(m, spec, b, data, name)...)
			}
		}
	}

	// Variables: module inputs or the caller's values, then defaults.
	for k, r := range inputRanges {
		if _, ok := m.vars[k]; !ok {
			cands := keys(m.vars)
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported module input",
				Detail:  fmt.Sprintf("The module %q declares no variable %q.%s Its variables: %s.", orDot(src.name("")), k, suggest(k, cands), orNone(cands)),
				Subject: r.Ptr()})
		}
	}
	for _, vn := range keys(m.vars) {
		v := m.vars[vn]
		in, given := inputs[vn]
		switch {
		case given:
			cv, err := convert.Convert(in, v.Type)
			if err != nil {
				rng := v.DeclRange
				if r, ok := inputRanges[vn]; ok {
					rng = r
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable",
					Detail: fmt.Sprintf("The variable %q needs %s: %v.", vn, v.Type.FriendlyName(), err), Subject: rng.Ptr()})
				continue
			}
			v.Value = cv
		case v.Value == cty.NilVal:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail:  fmt.Sprintf("The variable %q has no default; set it where the module is used (%s = ...), or give it a default.", vn, vn),
				Subject: v.DeclRange.Ptr()})
		}
	}
	for k := range inputs {
		if _, ok := m.vars[k]; !ok && inputRanges == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable",
				Detail: fmt.Sprintf("A value was given for %q, but the directory declares no such variable.", k)})
		}
	}

	m.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{"var": varsObject(m.vars), "local": cty.EmptyObjectVal}, Functions: hclFunctions()}
	diags = append(diags, evalLocals(m, localAttrs)...)
	for _, mp := range m.mappings {
		for k, a := range mp.attrs {
			a.ctx = m.ctx
			mp.attrs[k] = a
		}
	}
	for k, a := range m.source {
		a.ctx = m.ctx
		m.source[k] = a
	}
	for k, a := range m.target {
		a.ctx = m.ctx
		m.target[k] = a
	}
	for i := range m.tests {
		m.tests[i].ctx = m.ctx
	}

	for _, b := range moduleBlocks {
		child, d := l.loadChild(src, b, m.ctx, depth)
		diags = append(diags, d...)
		if child != nil {
			diags = append(diags, merge(m, child, b.Labels[0])...)
		}
	}
	return m, diags
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

func allBlockTypes() []string {
	out := append([]string{}, topBlocks...)
	for _, k := range Kinds {
		out = append(out, k.Kind)
	}
	return out
}

func sortedAttrs(attrs hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcRange.Start.Byte < out[j].SrcRange.Start.Byte })
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func wantLabels(b *hclsyntax.Block, n int, shape string) *hcl.Diagnostic {
	if len(b.Labels) == n {
		return nil
	}
	rng := b.TypeRange
	if len(b.LabelRanges) > 0 {
		rng = hcl.RangeBetween(b.LabelRanges[0], b.LabelRanges[len(b.LabelRanges)-1])
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Wrong number of block labels",
		Detail: fmt.Sprintf("A %s block is written %s { ... }.", b.Type, shape), Subject: rng.Ptr()}
}

func noBlocks(b *hclsyntax.Block) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, nb := range b.Body.Blocks {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected nested block",
			Detail: fmt.Sprintf("A %s block holds only attributes; %q blocks go at the top level of a file.", b.Type, nb.Type), Subject: nb.TypeRange.Ptr()})
	}
	return diags
}

func decodeVariable(b *hclsyntax.Block, vars map[string]*Variable) hcl.Diagnostics {
	if d := wantLabels(b, 1, "variable \"NAME\""); d != nil {
		return hcl.Diagnostics{d}
	}
	diags := noBlocks(b)
	name := b.Labels[0]
	if prev, ok := vars[name]; ok {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate variable",
			Detail: fmt.Sprintf("The variable %q is already declared at %s.", name, prev.DeclRange), Subject: b.LabelRanges[0].Ptr()})
	}
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, DeclRange: hcl.RangeBetween(b.TypeRange, b.LabelRanges[0])}
	for _, a := range sortedAttrs(b.Body.Attributes) {
		switch a.Name {
		case "type":
			t, d := typeexpr.TypeConstraint(a.Expr)
			diags = append(diags, d...)
			if !d.HasErrors() {
				v.Type = t
			}
		case "description":
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() && val.Type() == cty.String && val.IsKnown() && !val.IsNull() {
				v.Description = val.AsString()
			}
		case "default":
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() {
				v.Value = val
			}
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail:  fmt.Sprintf("A variable block takes type, default and description; %q is not one of them.%s", a.Name, suggest(a.Name, []string{"type", "default", "description"})),
				Subject: a.NameRange.Ptr()})
		}
	}
	if v.Value != cty.NilVal && v.Type != cty.DynamicPseudoType {
		cv, err := convert.Convert(v.Value, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid default value",
				Detail: fmt.Sprintf("The default of %q does not match its type %s: %v.", name, v.Type.FriendlyName(), err), Subject: b.Body.Attributes["default"].Expr.Range().Ptr()})
		} else {
			v.Value = cv
		}
	}
	vars[name] = v
	return diags
}

var settingsKeys = map[string][]string{
	"source": {"share", "search_share", "cdn_hosts"},
	"target": {"plan", "rate_limit", "share", "marker_tag"},
}

func decodeSettingsBlock(b *hclsyntax.Block, m *rawModule, data []byte) hcl.Diagnostics {
	want := map[string]string{"source": "kustomer", "target": "zendesk"}[b.Type]
	if d := wantLabels(b, 1, fmt.Sprintf("%s %q", b.Type, want)); d != nil {
		return hcl.Diagnostics{d}
	}
	diags := noBlocks(b)
	if b.Labels[0] != want {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported " + b.Type,
			Detail: fmt.Sprintf("kzmap reads from Kustomer and writes to Zendesk: write %s %q { ... }.", b.Type, want), Subject: b.LabelRanges[0].Ptr()})
	}
	dst := m.source
	if b.Type == "target" {
		dst = m.target
		m.targetRng = b.DefRange()
	} else {
		m.sourceRng = b.DefRange()
	}
	for _, a := range sortedAttrs(b.Body.Attributes) {
		if !slices.Contains(settingsKeys[b.Type], a.Name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail: fmt.Sprintf("The %s block takes %s; %q is not one of them.%s Credentials and URLs come from the environment (KUSTOMER_API_KEY, ZENDESK_API_TOKEN, ...), never from mapping files.",
					b.Type, strings.Join(settingsKeys[b.Type], ", "), a.Name, suggest(a.Name, settingsKeys[b.Type])),
				Subject: a.NameRange.Ptr()})
			continue
		}
		if prev, ok := dst[a.Name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate argument",
				Detail: fmt.Sprintf("%q is already set at %s.", a.Name, prev.attr.SrcRange), Subject: a.NameRange.Ptr()})
			continue
		}
		dst[a.Name] = attrRef{attr: a, src: data}
	}
	return diags
}

func (l *loader) addMapping(m *rawModule, spec *KindSpec, b *hclsyntax.Block, data []byte, module string) hcl.Diagnostics {
	if d := wantLabels(b, 1, fmt.Sprintf("%s \"NAME\"", spec.Kind)); d != nil {
		return hcl.Diagnostics{d}
	}
	diags := noBlocks(b)
	key := spec.Kind + "." + b.Labels[0]
	if prev, ok := m.mappings[key]; ok {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate mapping block",
			Detail:  fmt.Sprintf("%s is already defined at %s. To change a template's mapping, define it in the directory that uses the module; within one directory give each block its own name.", key, prev.decl),
			Subject: b.LabelRanges[0].Ptr()})
	}
	rm := &rawMapping{kind: spec.Kind, name: b.Labels[0], attrs: map[string]attrRef{}, decl: b.DefRange(), module: module}
	for _, a := range sortedAttrs(b.Body.Attributes) {
		_, isExpr := spec.Attr(a.Name)
		_, isOpt := spec.Option(a.Name)
		if a.Name != "from" && !isExpr && !isOpt {
			cands := []string{"from"}
			for _, x := range spec.Attrs {
				cands = append(cands, x.Name)
			}
			for _, x := range spec.Options {
				cands = append(cands, x.Name)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail:  fmt.Sprintf("A %s block has no argument %q.%s Arguments: %s.", spec.Kind, a.Name, suggest(a.Name, cands), strings.Join(cands, ", ")),
				Subject: a.NameRange.Ptr()})
			continue
		}
		rm.attrs[a.Name] = attrRef{attr: a, src: data}
	}
	m.mappings[key] = rm
	return diags
}

// evalLocals evaluates locals in dependency order.
func evalLocals(m *rawModule, attrs []attrRef) hcl.Diagnostics {
	var diags hcl.Diagnostics
	pending := map[string]attrRef{}
	for _, a := range attrs {
		if prev, ok := pending[a.attr.Name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate local value",
				Detail: fmt.Sprintf("local.%s is already defined at %s.", a.attr.Name, prev.attr.SrcRange), Subject: a.attr.NameRange.Ptr()})
			continue
		}
		pending[a.attr.Name] = a
	}
	for len(pending) > 0 {
		progress := false
		for _, name := range keys(pending) {
			a := pending[name]
			ready := true
			for _, tr := range a.attr.Expr.Variables() {
				if tr.RootName() != "local" || len(tr) < 2 {
					continue
				}
				if ga, ok := tr[1].(hcl.TraverseAttr); ok {
					if _, waiting := pending[ga.Name]; waiting && ga.Name != name {
						ready = false
					}
				}
			}
			if !ready {
				continue
			}
			v, d := a.attr.Expr.Value(m.ctx)
			diags = append(diags, d...)
			m.locals[name] = v
			m.ctx.Variables["local"] = cty.ObjectVal(m.locals)
			delete(pending, name)
			progress = true
		}
		if !progress {
			for _, name := range keys(pending) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cycle in local values",
					Detail: fmt.Sprintf("local.%s depends on itself through other locals (%s).", name, strings.Join(keys(pending), ", ")), Subject: pending[name].attr.NameRange.Ptr()})
			}
			break
		}
	}
	return diags
}

func varsObject(vars map[string]*Variable) cty.Value {
	vals := map[string]cty.Value{}
	for k, v := range vars {
		if v.Value == cty.NilVal {
			vals[k] = cty.DynamicVal
			continue
		}
		vals[k] = v.Value
	}
	return cty.ObjectVal(vals)
}

// loadChild loads the module a module block points at, with its inputs
// evaluated in the parent's context.
func (l *loader) loadChild(parent moduleSource, b *hclsyntax.Block, ctx *hcl.EvalContext, depth int) (*rawModule, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	name := b.Labels[0]
	if depth >= maxModuleDepth {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Modules nested too deeply",
			Detail: fmt.Sprintf("Modules may nest %d levels; check module %q for a cycle.", maxModuleDepth, name), Subject: b.DefRange().Ptr()}}
	}
	diags = append(diags, noBlocks(b)...)
	srcAttr, ok := b.Body.Attributes["source"]
	if !ok {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing module source",
			Detail: `A module needs source = "template:NAME" (a template shipped with kzmap), a relative path such as "../templates/default", or a git repository: "git::URL//DIR?ref=TAG".`, Subject: b.DefRange().Ptr()})
	}
	sv, d := srcAttr.Expr.Value(ctx)
	diags = append(diags, d...)
	if d.HasErrors() || sv.Type() != cty.String || sv.IsNull() || !sv.IsKnown() {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source",
			Detail: "The module source must be a string.", Subject: srcAttr.Expr.Range().Ptr()})
	}
	source := sv.AsString()
	inputs := map[string]cty.Value{}
	ranges := map[string]hcl.Range{}
	for _, a := range sortedAttrs(b.Body.Attributes) {
		if a.Name == "source" {
			continue
		}
		v, d := a.Expr.Value(ctx)
		diags = append(diags, d...)
		inputs[a.Name] = v
		ranges[a.Name] = a.NameRange
	}
	var child moduleSource
	addr := name
	if parent.addr != "" {
		addr = parent.addr + "." + name
	}
	switch {
	case strings.HasPrefix(source, modsrc.GitPrefix):
		if _, _, err := modsrc.ParseGit(source); err != nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid git module source",
				Detail: err.Error(), Subject: srcAttr.Expr.Range().Ptr()})
		}
		if l.opts.Modules == nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Git modules unavailable",
				Detail: "This mapping is loaded without a mapping directory to keep git modules in.", Subject: srcAttr.Expr.Range().Ptr()})
		}
		dir, commit, err := l.opts.Modules.Module(addr, source)
		if err != nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Module not ready",
				Detail: err.Error(), Subject: srcAttr.Expr.Range().Ptr()})
		}
		l.versions = append(l.versions, ModuleVersion{Address: addr, Source: source, Commit: commit})
		rel := filepath.ToSlash(filepath.Join(modsrc.ModulesDir, addr))
		child = moduleSource{fsys: os.DirFS(dir), dir: ".", display: joinDisplay(parent.rootDisplay, rel)}
	case strings.HasPrefix(source, TemplatePrefix):
		tmpl := strings.TrimPrefix(source, TemplatePrefix)
		if l.opts.Templates == nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Templates unavailable",
				Detail: "This build of kzmap has no embedded templates; use a path to a template directory.", Subject: srcAttr.Expr.Range().Ptr()})
		}
		if _, err := fs.Stat(l.opts.Templates, tmpl); err != nil || tmpl == "" || strings.Contains(tmpl, "..") {
			avail := templateNames(l.opts.Templates)
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown template",
				Detail:  fmt.Sprintf("There is no template %q.%s Templates: %s.", tmpl, suggest(tmpl, avail), strings.Join(avail, ", ")),
				Subject: srcAttr.Expr.Range().Ptr()})
		}
		child = moduleSource{fsys: l.opts.Templates, dir: tmpl, display: TemplatePrefix + tmpl}
	default:
		if path.IsAbs(source) || filepath.IsAbs(source) {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Absolute module path",
				Detail: "Module paths are relative to the directory that uses them, so a mapping repository works on every machine.", Subject: srcAttr.Expr.Range().Ptr()})
		}
		child = moduleSource{fsys: parent.fsys, dir: path.Clean(path.Join(parent.dir, source)), display: joinDisplay(parent.display, source)}
		if strings.HasPrefix(child.dir, "..") {
			if strings.HasPrefix(parent.display, TemplatePrefix) {
				return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Template outside the binary",
					Detail: "A template can only use other templates (template:NAME).", Subject: srcAttr.Expr.Range().Ptr()})
			}
			// os.DirFS cannot reach above its root: reopen from the OS.
			osDir := filepath.Join(parentOSDir(parent), filepath.FromSlash(path.Join(parent.dir, source)))
			child = moduleSource{fsys: os.DirFS(osDir), dir: ".", display: joinDisplay(parent.display, source)}
		}
	}
	if _, err := fs.Stat(child.fsys, child.dir); err != nil {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Module not found",
			Detail: fmt.Sprintf("The module directory %q does not exist: %v.", source, err), Subject: srcAttr.Expr.Range().Ptr()})
	}
	child.addr, child.rootDisplay = addr, parent.rootDisplay
	m, d := l.loadModule(child, inputs, ranges, name, depth+1)
	return m, append(diags, d...)
}

func parentOSDir(s moduleSource) string {
	if s.display == "" {
		return "."
	}
	return filepath.FromSlash(s.display)
}

func joinDisplay(parent, rel string) string {
	if parent == "" {
		return path.Clean(rel)
	}
	if strings.HasPrefix(parent, TemplatePrefix) {
		return parent + "/" + path.Clean(rel)
	}
	return path.Clean(path.Join(parent, rel))
}

func templateNames(fsys fs.FS) []string {
	entries, _ := fs.ReadDir(fsys, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// merge folds a module into the directory that uses it: the directory's
// variables, locals, settings and mapping attributes override the module's.
func merge(parent, child *rawModule, moduleName string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for k, v := range child.vars {
		if _, ok := parent.vars[k]; !ok {
			parent.vars[k] = v
		}
	}
	for k, v := range child.locals {
		if _, ok := parent.locals[k]; !ok {
			parent.locals[k] = v
		}
	}
	for k, a := range child.source {
		if _, ok := parent.source[k]; !ok {
			parent.source[k] = a
		}
	}
	for k, a := range child.target {
		if _, ok := parent.target[k]; !ok {
			parent.target[k] = a
		}
	}
	for key, cm := range child.mappings {
		pm, ok := parent.mappings[key]
		if !ok {
			parent.mappings[key] = cm
			continue
		}
		if pm.module != parent.moduleName {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Mapping defined by two modules",
				Detail:  fmt.Sprintf("%s comes from module %q and module %q; define it once in this directory to choose.", key, pm.module, moduleName),
				Subject: cm.decl.Ptr()})
			continue
		}
		// The directory's block overrides the module's attribute by attribute.
		merged := &rawMapping{kind: cm.kind, name: cm.name, attrs: map[string]attrRef{}, decl: pm.decl, module: moduleName}
		for k, a := range cm.attrs {
			merged.attrs[k] = a
		}
		for k, a := range pm.attrs {
			merged.attrs[k] = a
			merged.overridden = append(merged.overridden, k)
		}
		sort.Strings(merged.overridden)
		parent.mappings[key] = merged
	}
	return diags
}
