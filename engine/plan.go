package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
)

// PlanOptions configure Plan.
type PlanOptions struct {
	Config     *dsl.Config
	Snapshot   Snapshot
	Checkpoint Checkpoint // nil when nothing was applied yet
	// Out is the plan file to write; "" plans without writing.
	Out          string
	KzmapVersion string
	// Only restricts the plan to these kinds (all when empty), and the
	// fields they fill. Every kind is still evaluated, because tickets
	// need to know who the agents are.
	Only map[kind.Kind]bool
	// Samples is how many changed records of each kind to render in full.
	Samples int
	// ZendeskAccount is the account the plan is for (zendesk.Config's
	// Account; "" when planning offline). The Kustomer org is the
	// snapshot's.
	ZendeskAccount string
}

// Sample is one rendered desired record.
type Sample struct {
	Action   kind.Action `json:"action"`
	Kind     kind.Kind   `json:"kind"`
	Key      string      `json:"key"`
	Pos      string      `json:"pos"`
	Payload  dsl.Payload `json:"payload"`
	Comments []Comment   `json:"comments,omitempty"`
	// MoreComments counts the comments left out of the sample.
	MoreComments int `json:"more_comments,omitempty"`
	// Changes are an update's fields before and after (planfile.Op).
	Changes []planfile.FieldChange `json:"changes,omitzero"`
}

// PlanResult is what a plan found.
type PlanResult struct {
	Header  planfile.Header
	Summary planfile.Summary
	// Ops holds the first operations, for display; the plan file has all.
	Ops     []planfile.Op
	Samples []Sample
}

// sampleComments bounds the comments a sample shows.
const sampleComments = 3

// maxShownOps bounds the operations a PlanResult keeps in memory.
const maxShownOps = 200

// Plan evaluates the mapping over the snapshot, diffs every desired record
// against the checkpoint and writes the plan.
func Plan(ctx context.Context, opts PlanOptions) (*PlanResult, error) {
	h, err := header(opts)
	if err != nil {
		return nil, err
	}
	p := &planner{opts: opts, res: &PlanResult{Header: h}, counts: map[kind.Kind]map[kind.Action]int{},
		est: newEstimator(opts.Snapshot, opts.Checkpoint), gen: NewGenerator(opts.Config, opts.Snapshot).Known(opts.Checkpoint), sampled: map[kind.Kind]int{}}
	if opts.Out != "" {
		if p.w, err = planfile.Create(opts.Out, h); err != nil {
			return nil, err
		}
	}
	if err := p.gen.Run(ctx, p.add); err != nil {
		if p.w != nil {
			p.w.Abort()
		}
		return nil, err
	}
	res := p.res
	res.Summary = planfile.Summary{Counts: p.counts, Hazards: p.gen.Hz.List(), Estimate: p.est.finish(opts.Config)}
	// Unwritable records are hazards, not changes: a plan after a complete
	// apply has no changes even when some records can never be written.
	for _, byAction := range p.counts {
		for a, n := range byAction {
			if a.Changes() {
				res.Summary.Changes += n
			}
		}
	}
	if p.w != nil {
		if err := p.w.Close(res.Summary); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// header says what the plan is made against.
func header(opts PlanOptions) (planfile.Header, error) {
	cfg := opts.Config
	digest, err := opts.Snapshot.Digest()
	if err != nil {
		return planfile.Header{}, fmt.Errorf("snapshot: %w", err)
	}
	h := planfile.Header{Format: planfile.Format, FormatVersion: planfile.FormatVersion, KzmapVersion: opts.KzmapVersion, MappingHash: MappingHash(cfg), SnapshotDigest: digest,
		MarkerTag: cfg.Target.MarkerTag, ZendeskPlan: cfg.Target.Plan, RateLimit: cfg.Target.RateLimit, ZendeskAccount: opts.ZendeskAccount}
	if h.KustomerOrg, err = opts.Snapshot.Org(); err != nil {
		return h, fmt.Errorf("snapshot: %w", err)
	}
	for _, m := range cfg.Modules {
		h.Modules = append(h.Modules, planfile.Module{Address: m.Address, Source: m.Source, Commit: m.Commit})
	}
	if opts.Checkpoint != nil {
		h.Lineage = opts.Checkpoint.Lineage()
		if h.Serial, err = opts.Checkpoint.Serial(); err != nil {
			return h, err
		}
	}
	return h, nil
}

// planner is one plan being made: it diffs each desired record as the
// generator emits it and keeps the counts, the estimate and the samples.
type planner struct {
	opts    PlanOptions
	res     *PlanResult
	counts  map[kind.Kind]map[kind.Action]int
	est     *estimator
	gen     *Generator
	sampled map[kind.Kind]int
	w       *planfile.Writer
}

func (p *planner) add(d *Desired) error {
	if len(p.opts.Only) > 0 && !p.opts.Only[d.Kind] && !p.opts.Only[kind.Fields[d.Kind].Carrier] {
		return nil
	}
	op, err := diff(d, p.opts.Checkpoint, p.policy(d))
	if err != nil {
		return err
	}
	switch {
	case op.Action == kind.Replace:
		p.gen.Hz.Add("tickets_replaced", p.mappingRange(d), d.Key+": "+op.Reason)
		op.Reason = ""
	case op.Action == kind.Delete:
		p.gen.Hz.Add("tickets_deleted", p.mappingRange(d), d.Key+": "+op.Reason)
		op.Reason = ""
	case op.Action == kind.AppendComments && !op.Private:
		p.gen.Hz.Add("appended_publicly", p.mappingRange(d), d.Key)
	}
	if strings.HasPrefix(op.Reason, conflictPrefix) {
		p.gen.Hz.Add("conflicts", p.mappingRange(d), d.Key+": "+strings.TrimPrefix(op.Reason, conflictPrefix))
		op.Reason = ""
	} else if op.Action == kind.Noop && op.Reason != "" {
		// Changed where Zendesk allows no change: say so, and leave it.
		p.gen.Hz.Add("cannot_update", p.mappingRange(d), d.Key+": "+op.Reason)
		op.Reason = ""
	}
	if p.counts[d.Kind] == nil {
		p.counts[d.Kind] = map[kind.Action]int{}
	}
	p.counts[d.Kind][op.Action]++
	if op.Action == kind.Noop {
		return nil
	}
	p.est.add(op, d)
	if op.Action == kind.Unwritable {
		p.gen.Hz.Add("unwritable", p.mappingRange(d), d.Key+": "+d.Unwritable)
	} else if p.sampled[d.Kind] < p.opts.Samples {
		p.sampled[d.Kind]++
		smp := Sample{Action: op.Action, Kind: d.Kind, Key: d.Key, Pos: d.Pos, Payload: d.Payload, Comments: d.Comments, Changes: op.Changes}
		if len(d.Comments) > sampleComments {
			smp.Comments, smp.MoreComments = d.Comments[:sampleComments], len(d.Comments)-sampleComments
		}
		p.res.Samples = append(p.res.Samples, smp)
	}
	if len(p.res.Ops) < maxShownOps {
		p.res.Ops = append(p.res.Ops, op)
	}
	if p.w != nil {
		return p.w.Op(op)
	}
	return nil
}

// policy is what d's block says about changes: whether it writes over
// changes made in Zendesk (on_conflict = "overwrite"), and how a changed
// ticket reaches Zendesk (on_change).
func (p *planner) policy(d *Desired) policy {
	m := p.opts.Config.Mapping(d.Mapping)
	if m == nil {
		return policy{}
	}
	return policy{overwrite: m.Options.Ticket.OnConflict == "overwrite", onChange: m.Options.Ticket.OnChange}
}

// policy is a block's rules for records that changed.
type policy struct {
	overwrite bool
	onChange  string // reimport (""), append_private, append
}

// conflictPrefix starts the Reason of a change diff leaves undone because
// Zendesk's record changed since kzmap wrote it.
const conflictPrefix = "conflict: "

// mappingRange is the declaration of the block d came from.
func (p *planner) mappingRange(d *Desired) hcl.Range {
	if m := p.opts.Config.Mapping(d.Mapping); m != nil {
		return m.DeclRange
	}
	return hcl.Range{}
}

// diff decides what to do with one desired record: create it, leave it,
// update it where Zendesk allows (kind.Updatable), append a ticket's new
// comments. A change Zendesk cannot take comes back as a noop with a
// Reason.
func diff(d *Desired, cp Checkpoint, pol policy) (planfile.Op, error) {
	op := planfile.Op{Kind: d.Kind, Key: d.Key, Mapping: d.Mapping, Pos: d.Pos, Sources: d.Sources}
	if d.Deleted != "" {
		op.Action = kind.Noop
		if cp != nil {
			e, ok, err := cp.Get(string(d.Kind), d.Key)
			if err != nil {
				return op, err
			}
			if ok {
				op.Action, op.ZendeskID, op.Reason, op.Hash = kind.Delete, e.ZendeskID, d.Deleted, d.Hash()
			}
		}
		return op, nil
	}
	if d.Unwritable != "" {
		op.Action, op.Reason = kind.Unwritable, d.Unwritable
		return op, nil
	}
	op.Hash = d.Hash()
	if d.Kind == kind.Ticket {
		op.Comments = len(d.Comments)
		op.Attachments = d.Attachments()
	}
	if cp == nil {
		op.Action = kind.Create
		return op, nil
	}
	e, ok, err := cp.Get(string(d.Kind), d.Key)
	if err != nil {
		return op, err
	}
	switch {
	case !ok:
		op.Action = kind.Create
	case e.Hash == op.Hash && (d.Kind == kind.User || d.Kind == kind.Organization):
		// Unchanged, unless a source joined it (a customer merged in
		// during the window): the update records its alias, so what
		// refers to the newcomer resolves to the record.
		op.Action = kind.Noop
		for _, src := range d.Sources {
			typ, id, _ := strings.Cut(src, "/")
			k, key, ok, err := cp.Resolve(typ, id)
			if err != nil {
				return op, err
			}
			if !ok || k != string(d.Kind) || key != d.Key {
				op.Action, op.ZendeskID = kind.Update, e.ZendeskID
				break
			}
		}
	case e.Hash == op.Hash:
		op.Action = kind.Noop
	case d.Kind == kind.Ticket:
		diffTicket(&op, d, e, pol)
	case e.Drift != "" && !pol.overwrite:
		op.Action, op.Reason = kind.Noop, conflictPrefix+e.Drift
	case !d.Kind.Updatable():
		op.Action, op.Reason = kind.Noop, fmt.Sprintf("a %s cannot be changed in Zendesk", d.Kind)
	default:
		op.Action, op.ZendeskID = kind.Update, e.ZendeskID
	}
	if ok && op.Action != kind.Noop {
		op.Changes = Changes(e.Applied, d.Payload)
	}
	return op, nil
}

// diffTicket decides what a changed ticket needs (spec/rules.md, rule 28).
// Before cutover nobody works on migrated tickets, so by default a changed
// conversation is re-imported whole (replace: its comments keep their own
// times, no trigger runs) in place of the old ticket. A ticket changed in
// Zendesk since kzmap wrote it is never replaced: its new comments go in
// as private notes, and it is a conflict. on_change = "append_private" or
// "append" (public: it notifies the customer) appends instead.
func diffTicket(op *planfile.Op, d *Desired, e checkpoint.Entry, pol policy) {
	op.ZendeskID = e.ZendeskID
	have := map[string]bool{}
	for _, k := range e.Comments {
		have[k] = true
	}
	for _, k := range d.CommentKeys() {
		if !have[k] {
			op.NewComments = append(op.NewComments, k)
		}
	}
	appendOr := func(private bool) {
		op.Action, op.Private = kind.Update, private
		if len(op.NewComments) > 0 {
			op.Action = kind.AppendComments
		}
	}
	switch {
	case e.Drift != "" && !pol.overwrite && len(op.NewComments) > 0:
		appendOr(true)
		op.Reason = conflictPrefix + e.Drift + "; its new comments are added as private notes"
	case e.Drift != "" && !pol.overwrite:
		op.Action, op.Reason = kind.Noop, conflictPrefix+e.Drift
	case pol.onChange == "append_private":
		appendOr(true)
	case pol.onChange == "append":
		appendOr(false)
	default:
		op.Action = kind.Replace
		op.Reason = "fields changed in Kustomer"
		if n := len(op.NewComments); n > 0 {
			op.Reason = fmt.Sprintf("%d new comments in Kustomer", n)
		}
	}
}
