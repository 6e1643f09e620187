package dsl

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Config is a loaded, compiled mapping directory with its modules merged in.
type Config struct {
	Dir string
	// Files holds the source of every HCL file read, by the name used in
	// diagnostics, so diagnostics can show snippets.
	Files map[string]*hcl.File

	Source SourceSettings
	Target TargetSettings
	State  StateSettings

	Variables map[string]*Variable
	Locals    map[string]cty.Value
	Mappings  []*Mapping // in load order of kinds, then by name
	Tests     []*Test

	// Scope is the Go form of locals and variables handed to expressions.
	Scope Scope
	// Modules are the git modules loaded, at the commits the lock pins.
	Modules []ModuleVersion
}

// Variable is a declared input variable and its value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Value       cty.Value
	DeclRange   hcl.Range
}

// SourceSettings are the Kustomer side's settings (the `source "kustomer"`
// block). Credentials never live here: they come from the environment.
type SourceSettings struct {
	Share       float64  // share of the org rate limit kzmap may use
	SearchShare float64  // share of the search rate limit
	CDNHosts    []string // hosts besides the API host attachments may come from
	Range       hcl.Range
}

// TargetSettings are the Zendesk side's settings (the `target "zendesk"`
// block).
type TargetSettings struct {
	Plan      string  // Zendesk plan tier, sets rate and custom object limits
	RateLimit int     // requests per minute; 0 means the plan's default
	Share     float64 // share of the rate limit kzmap may use
	MarkerTag string  // tag every imported ticket carries
	Range     hcl.Range
}

// Mapping is one compiled mapping block.
type Mapping struct {
	Kind      string
	Name      string
	From      string
	Exprs     map[string]*Expr
	Options   Options // static options of the block's kind, defaults filled in
	DeclRange hcl.Range
	// Module names the module the block came from ("" for the directory
	// itself); Overridden lists attributes the directory replaced.
	Module     string
	Overridden []string

	// fields are the payload expressions (not when, not for_each) in name
	// order, so evaluation walks a slice rather than a map.
	fields []*Expr
}

// Options are a block's static options (plain HCL, not expressions), one
// struct per kind; only the block's kind's is set. The names and
// defaults are in Kinds.
type Options struct {
	Ticket       TicketOptions
	Comment      CommentOptions
	CustomObject CustomObjectOptions
	Record       RecordOptions
}

// TicketOptions are a ticket block's options.
type TicketOptions struct {
	SplitAt            int    // split_at: comments per ticket before a conversation is split
	ArchiveImmediately bool   // archive_immediately: closed tickets straight to the archive
	OnConflict         string // on_conflict: "keep" or "overwrite" a ticket changed in Zendesk
	OnChange           string // on_change: "reimport", "append_private" or "append" a changed ticket
}

// CommentOptions are a comment block's options.
type CommentOptions struct {
	LongBody string // long_body: "split" or "attach"
}

// CustomObjectOptions are a custom_object block's options.
type CustomObjectOptions struct {
	MaxFields int // max_fields: fields per object before a Klass is split
}

// RecordOptions are a custom_object_record block's options.
type RecordOptions struct {
	OnOversize string // on_oversize: "report" or "truncate"
}

// set stores one decoded option by its name in Kinds.
func (o *Options) set(name string, v any) {
	switch name {
	case "split_at":
		o.Ticket.SplitAt, _ = v.(int)
	case "archive_immediately":
		o.Ticket.ArchiveImmediately, _ = v.(bool)
	case "on_conflict":
		o.Ticket.OnConflict, _ = v.(string)
	case "on_change":
		o.Ticket.OnChange, _ = v.(string)
	case "long_body":
		o.Comment.LongBody, _ = v.(string)
	case "max_fields":
		o.CustomObject.MaxFields, _ = v.(int)
	case "on_oversize":
		o.Record.OnOversize, _ = v.(string)
	default:
		panic("dsl: option " + name + " has no field in Options") // a new OptionSpec without its field
	}
}

// Address is how tests and diagnostics name a mapping: kind.name.
func (m *Mapping) Address() string { return m.Kind + "." + m.Name }

// ExprNames returns the mapping's expression attributes in sorted order.
func (m *Mapping) ExprNames() []string {
	n := make([]string, 0, len(m.Exprs))
	for k := range m.Exprs {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Mapping returns the mapping with the given address.
func (c *Config) Mapping(addr string) *Mapping {
	for _, m := range c.Mappings {
		if m.Address() == addr {
			return m
		}
	}
	return nil
}

// Test is one mapping test: a Kustomer record in, expected payloads out.
type Test struct {
	Name      string
	Mapping   string // address of the mapping under test
	Input     []byte // the record as Kustomer JSON
	Expect    []map[string]any
	ExpectSet bool // expect was written (possibly as an empty list)
	Skipped   bool // the record must be filtered out by when
	Asserts   []*Expr
	DeclRange hcl.Range
	InputRng  hcl.Range
	ExpectRng hcl.Range
	// ExpectKeys holds, per expected payload, where each key of expect is
	// written, so a failure can point at the line of the key that differs.
	// It is empty when expect is not written as object literals.
	ExpectKeys []map[string]hcl.Range
}
