package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/internal/jsonenc"
	"github.com/kzmap/kzmap/record"
)

// The generator evaluates a mapping over a snapshot into the Zendesk
// records it wants, in the order they are written. Plan and apply both run
// it, so apply writes exactly what plan hashed. This file holds its core;
// each kind's transformation has a file of its own (people.go, groups.go,
// objects.go, tickets.go).

// Desired is one Zendesk record the mapping wants, before the diff.
type Desired struct {
	Kind    kind.Kind
	Key     string // mapping address + ":" + source id (+ "#part")
	Mapping string
	Pos     string
	Sources []string // "type/id"
	Payload dsl.Payload
	// Comments of a ticket, in order.
	Comments []Comment
	// Unwritable says why the record cannot be written; the payload is
	// then incomplete.
	Unwritable string
	// Deleted says the source was deleted in Kustomer: the record Zendesk
	// holds for it is to be deleted (it has no payload).
	Deleted string
	// Source is the decoded record a ticket was made from (a
	// *record.Conversation), nil for other kinds: for a caller that looks
	// at the source while it is handed the record, without reading it
	// from the snapshot again.
	Source any
	hash   string
}

// Comment is one comment of a desired ticket.
type Comment struct {
	Key     string      `json:"key"` // "message/<id>", "note/<id>", with "#n" for the parts of a split body
	Payload dsl.Payload `json:"payload"`
}

// Hash is the hash of the payload and comments: what the checkpoint keeps
// to tell a changed record from an unchanged one.
func (d *Desired) Hash() string {
	if d.hash == "" {
		// The text of each payload as a json.Encoder writes it (maps with
		// sorted keys, a newline after each; nothing for a payload it
		// cannot encode), so hashes stay what they were.
		h := sha256.New()
		var buf []byte
		write := func(p dsl.Payload) {
			var ok bool
			if buf, ok = jsonenc.Append(buf[:0], p, true); ok {
				h.Write(append(buf, '\n'))
			}
		}
		write(d.Payload)
		for _, c := range d.Comments {
			h.Write([]byte(c.Key))
			write(c.Payload)
		}
		d.hash = hex.EncodeToString(h.Sum(nil))[:32]
	}
	return d.hash
}

// CommentKeys lists the source keys of a ticket's comments.
func (d *Desired) CommentKeys() []string {
	out := make([]string, len(d.Comments))
	for i, c := range d.Comments {
		out[i] = c.Key
	}
	return out
}

// Attachments counts the attachments a ticket's comments link.
func (d *Desired) Attachments() int {
	n := 0
	for _, c := range d.Comments {
		n += len(dsl.Strings(c.Payload["attachments"]))
	}
	return n
}

// Generator evaluates a mapping over a snapshot into desired records, in
// dependency order, streaming.
type Generator struct {
	cfg    *dsl.Config
	snap   Snapshot
	ev     *dsl.Evaluator
	marker string
	Hz     *Hazards

	nTickets   int
	klassNames map[string]string            // klass id → name, for KObjects that only carry the id
	klassKinds map[string]map[string]string // klass name → field key → attribute suffix
	// objectParts lists, for a Klass split into several objects, which
	// field keys each object holds; records are split the same way.
	objectParts map[string][]objectPart
	customers   idSet               // every Kustomer customer id
	agents      map[string]struct{} // Kustomer user ids mapped to Zendesk agents
	members     map[string]map[string]bool
	teams       map[string]bool // team ids mapped to groups
	// fieldsOf holds, by resource and attribute name, the fields the
	// field blocks made, for converting the values records carry.
	fieldsOf map[string]map[string]fieldInfo
	// known, when set, is the checkpoint: a merged record keeps the key of
	// a member it already holds (a customer who joins a merged user in a
	// delta pass does not change the user's key).
	known Checkpoint
	// kb is the knowledge base, read by the first Help Center block.
	kb *kbIndex
}

// Known makes merged records keep the key of a member cp holds; plan,
// apply and verify give the same checkpoint, so they agree on keys.
func (g *Generator) Known(cp Checkpoint) *Generator {
	g.known = cp
	return g
}

func (g *Generator) holds(d *Desired) bool {
	if g.known == nil {
		return false
	}
	_, ok, err := g.known.Get(string(d.Kind), d.Key)
	return ok && err == nil
}

// NewGenerator prepares a generator.
func NewGenerator(cfg *dsl.Config, snap Snapshot) *Generator {
	return &Generator{cfg: cfg, snap: snap, ev: dsl.NewEvaluator(cfg), marker: cfg.Target.MarkerTag,
		Hz: NewHazards(), agents: map[string]struct{}{}, klassNames: map[string]string{}, klassKinds: map[string]map[string]string{}, objectParts: map[string][]objectPart{},
		members: map[string]map[string]bool{}, teams: map[string]bool{}}
}

// Run emits every desired record in the order of kind.All: a kind refers
// only to kinds before it.
func (g *Generator) Run(ctx context.Context, emit func(*Desired) error) error {
	steps := map[kind.Kind]func(context.Context, func(*Desired) error) error{
		kind.OrganizationField:  g.fields(kind.OrganizationField),
		kind.UserField:          g.fields(kind.UserField),
		kind.TicketField:        g.fields(kind.TicketField),
		kind.Organization:       g.organizations,
		kind.User:               g.users,
		kind.Group:              g.groups,
		kind.GroupMembership:    g.memberships,
		kind.CustomObject:       g.customObjects,
		kind.Ticket:             g.tickets,
		kind.CustomObjectRecord: g.records,
		kind.HCCategory:         g.kbStep(g.hcTree(kind.HCCategory)),
		kind.HCSection:          g.kbStep(g.hcTree(kind.HCSection)),
		kind.HCArticle:          g.kbStep(g.hcArticles),
		kind.HCAttachment:       g.kbStep(g.hcAttachments),
		kind.HCTranslation:      g.kbStep(g.hcTranslations),
	}
	out := func(d *Desired) error {
		g.fieldValues(d)
		return emit(d)
	}
	for _, k := range kind.All {
		if err := steps[k](ctx, out); err != nil {
			return err
		}
	}
	return nil
}

func pos(m *dsl.Mapping) string {
	return fmt.Sprintf("%s:%d", m.DeclRange.Filename, m.DeclRange.Start.Line)
}

// decode turns raw JSON into a record; a malformed record becomes an
// unwritable desired record rather than an aborted plan.
func (g *Generator) decode(m *dsl.Mapping, typ, id string, raw []byte) (any, error) {
	rec, err := record.DecodeJSON(raw)
	if err != nil {
		g.malformed(m, typ, id, err)
		return nil, err
	}
	return rec, nil
}

// malformed notes a source record that could not be decoded.
func (g *Generator) malformed(m *dsl.Mapping, typ, id string, err error) {
	g.Hz.Add("malformed_records", m.DeclRange, typ+"/"+id+": "+err.Error())
}

func (g *Generator) evalOne(m *dsl.Mapping, rec any) ([]dsl.Payload, error) {
	out, err := g.ev.Eval(m, rec)
	if err != nil {
		g.Hz.Add("mapping_errors", m.DeclRange, err.Error())
	}
	return out, err
}

// mapRecord decodes one source record and evaluates m on it (mapDecoded).
func (g *Generator) mapRecord(k kind.Kind, m *dsl.Mapping, id string, raw []byte) (*Desired, any, []dsl.Payload) {
	rec, err := record.DecodeJSON(raw)
	return g.mapDecoded(k, m, id, rec, err)
}

// mapDecoded evaluates m on one decoded source record (decodeErr when it
// could not be decoded). A record that cannot be read or mapped comes back
// as an unwritable Desired, to emit; otherwise the Desired to fill, the
// record and its payloads (none when the mapping's when is false).
func (g *Generator) mapDecoded(k kind.Kind, m *dsl.Mapping, id string, rec any, decodeErr error) (*Desired, any, []dsl.Payload) {
	d := &Desired{Kind: k, Key: m.Address() + ":" + id, Mapping: m.Address(), Pos: pos(m), Sources: []string{m.From + "/" + id}}
	err := decodeErr
	var outs []dsl.Payload
	if err != nil {
		g.malformed(m, m.From, id, err)
	} else {
		if o, ok := rec.(*record.KObject); ok && o.KlassName == "" {
			o.KlassName = g.klassNames[o.KlassID]
		}
		outs, err = g.evalOne(m, rec)
	}
	if err != nil {
		d.Unwritable = err.Error()
		return d, nil, nil
	}
	return d, rec, outs
}

// each maps the records of every block of kind k one to one (eachOf).
func (g *Generator) each(ctx context.Context, k kind.Kind, emit func(*Desired) error, fn func(m *dsl.Mapping, d *Desired, rec any, outs []dsl.Payload) error) error {
	for _, m := range g.mappings(k) {
		if err := g.eachOf(ctx, k, m, emit, fn); err != nil {
			return err
		}
	}
	return nil
}

// eachOf maps the records block m reads, calling fn with each record's
// Desired; unwritable ones are emitted as they are.
func (g *Generator) eachOf(ctx context.Context, k kind.Kind, m *dsl.Mapping, emit func(*Desired) error, fn func(m *dsl.Mapping, d *Desired, rec any, outs []dsl.Payload) error) error {
	return g.eachWith(ctx, k, m, nil, emit, func(m *dsl.Mapping, d *Desired, s *source, outs []dsl.Payload) error {
		return fn(m, d, s.rec, outs)
	})
}

// eachWith is eachOf with each record's children of childTypes read
// ahead with it (readAhead).
func (g *Generator) eachWith(ctx context.Context, k kind.Kind, m *dsl.Mapping, childTypes []string, emit func(*Desired) error, fn func(m *dsl.Mapping, d *Desired, s *source, outs []dsl.Payload) error) error {
	return g.readAhead(ctx, m.From, childTypes, func(s *source) error {
		d, _, outs := g.mapDecoded(k, m, s.id, s.rec, s.err)
		if d.Unwritable != "" {
			return emit(d)
		}
		return fn(m, d, s, outs)
	})
}

// simple emits the records of a kind that map one to one, one record per
// payload.
func (g *Generator) simple(k kind.Kind) func(context.Context, func(*Desired) error) error {
	return func(ctx context.Context, emit func(*Desired) error) error {
		return g.each(ctx, k, emit, func(_ *dsl.Mapping, d *Desired, _ any, outs []dsl.Payload) error {
			if len(outs) == 0 {
				return nil
			}
			d.Payload = outs[0]
			return emit(d)
		})
	}
}

// mappings returns the blocks of the mapping kind that write kind k (the
// comment blocks for kind.Comment).
func (g *Generator) mappings(k kind.Kind) []*dsl.Mapping {
	var out []*dsl.Mapping
	for _, m := range g.cfg.Mappings {
		if m.Kind == string(k) {
			out = append(out, m)
		}
	}
	return out
}
