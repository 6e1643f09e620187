package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/kzmap/kzmap/dsl"
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
	// Only restricts the plan to these kinds (all when empty). Every kind
	// is still evaluated, because tickets need to know who the agents are.
	Only map[string]bool
	// Samples is how many changed records of each kind to render in full.
	Samples int
	// ZendeskAccount is the account the plan is for (zendesk.Config's
	// Account; "" when planning offline). The Kustomer org is the
	// snapshot's.
	ZendeskAccount string
}

// Sample is one rendered desired record.
type Sample struct {
	Action   string      `json:"action"`
	Kind     string      `json:"kind"`
	Key      string      `json:"key"`
	Pos      string      `json:"pos"`
	Payload  dsl.Payload `json:"payload"`
	Comments []Comment   `json:"comments,omitempty"`
	// MoreComments counts the comments left out of the sample.
	MoreComments int `json:"more_comments,omitempty"`
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

// MappingHash identifies what evaluating the mapping reads: the tokens of
// every mapping file, modules included, without comments and formatting,
// and the values of the input variables. Editing a test file, a comment or
// the layout leaves a saved plan valid; editing an expression, a table or
// a setting makes it stale.
func MappingHash(cfg *dsl.Config) string {
	h := sha256.New()
	for _, n := range slices.Sorted(maps.Keys(cfg.Files)) {
		if strings.HasSuffix(n, dsl.TestSuffix) {
			continue
		}
		name := n
		if rel, err := filepath.Rel(cfg.Dir, n); err == nil && filepath.IsLocal(rel) {
			name = rel // the directory may move; a plan stays valid
		}
		fmt.Fprintf(h, "file %s\x00", name)
		newline := false
		toks, _ := hclsyntax.LexConfig(cfg.Files[n].Bytes, n, hcl.InitialPos)
		for _, tok := range toks {
			typ, b := tok.Type, tok.Bytes
			if typ == hclsyntax.TokenComment {
				// A line comment ends its line: it stands as a newline.
				if !bytes.HasSuffix(b, []byte("\n")) {
					continue
				}
				typ, b = hclsyntax.TokenNewline, []byte("\n")
			}
			if typ == hclsyntax.TokenNewline {
				if newline {
					continue
				}
				newline = true
			} else {
				newline = false
			}
			fmt.Fprintf(h, "%d:%d:", typ, len(b))
			h.Write(b)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Variables)) {
		v, err := ctyjson.Marshal(cfg.Variables[name].Value, cfg.Variables[name].Value.Type())
		if err != nil {
			v = []byte(cfg.Variables[name].Value.GoString())
		}
		fmt.Fprintf(h, "var %s\x00%s\x00", name, v)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Plan evaluates the mapping over the snapshot, diffs every desired record
// against the checkpoint and writes the plan.
func Plan(ctx context.Context, opts PlanOptions) (*PlanResult, error) {
	cfg := opts.Config
	digest, err := opts.Snapshot.Digest()
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	h := planfile.Header{KzmapVersion: opts.KzmapVersion, MappingHash: MappingHash(cfg), SnapshotDigest: digest,
		MarkerTag: cfg.Target.MarkerTag, ZendeskPlan: cfg.Target.Plan, RateLimit: cfg.Target.RateLimit, ZendeskAccount: opts.ZendeskAccount}
	if h.KustomerOrg, err = opts.Snapshot.Org(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if opts.Checkpoint != nil {
		h.Lineage = opts.Checkpoint.Lineage()
		if h.Serial, err = opts.Checkpoint.Serial(); err != nil {
			return nil, err
		}
	}
	var w *planfile.Writer
	if opts.Out != "" {
		if w, err = planfile.Create(opts.Out, h); err != nil {
			return nil, err
		}
	}
	res := &PlanResult{Header: h}
	counts := map[string]map[string]int{}
	est := newEstimator()
	gen := NewGenerator(cfg, opts.Snapshot)
	sampled := map[string]int{}
	err = gen.Run(ctx, func(d *Desired) error {
		if len(opts.Only) > 0 && !opts.Only[d.Kind] {
			return nil
		}
		op, err := diff(d, opts.Checkpoint)
		if err != nil {
			return err
		}
		if counts[d.Kind] == nil {
			counts[d.Kind] = map[string]int{}
		}
		counts[d.Kind][op.Action]++
		if op.Action == "noop" {
			return nil
		}
		est.add(op)
		if sampled[d.Kind] < opts.Samples && op.Action != "unwritable" {
			sampled[d.Kind]++
			smp := Sample{Action: op.Action, Kind: d.Kind, Key: d.Key, Pos: d.Pos, Payload: d.Payload}
			if len(d.Comments) > sampleComments {
				smp.Comments, smp.MoreComments = d.Comments[:sampleComments], len(d.Comments)-sampleComments
			} else {
				smp.Comments = d.Comments
			}
			res.Samples = append(res.Samples, smp)
		}
		if op.Action == "unwritable" {
			gen.Hz.Add("unwritable", "error", "records that cannot be written (apply skips them and lists them as dead letters)", d.Key+": "+d.Unwritable)
		}
		if len(res.Ops) < maxShownOps {
			res.Ops = append(res.Ops, op)
		}
		if w != nil {
			return w.Op(op)
		}
		return nil
	})
	if err != nil {
		if w != nil {
			w.Abort()
		}
		return nil, err
	}
	res.Summary = planfile.Summary{Counts: counts, Hazards: gen.Hz.List(), Estimate: est.finish(cfg)}
	// Unwritable records are hazards, not changes: a plan after a complete
	// apply has no changes even when some records can never be written.
	for _, byAction := range counts {
		for a, n := range byAction {
			if a != "noop" && a != "unwritable" {
				res.Summary.Changes += n
			}
		}
	}
	if w != nil {
		if err := w.Close(res.Summary); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// diff decides what to do with one desired record.
func diff(d *Desired, cp Checkpoint) (planfile.Op, error) {
	op := planfile.Op{Kind: d.Kind, Key: d.Key, Mapping: d.Mapping, Pos: d.Pos, Sources: d.Sources}
	if d.Unwritable != "" {
		op.Action, op.Reason = "unwritable", d.Unwritable
		return op, nil
	}
	op.Hash = d.Hash()
	if d.Kind == "ticket" {
		op.Comments = len(d.Comments)
		op.Attachments = d.Attachments()
	}
	if cp == nil {
		op.Action = "create"
		return op, nil
	}
	e, ok, err := cp.Get(d.Kind, d.Key)
	if err != nil {
		return op, err
	}
	switch {
	case !ok:
		op.Action = "create"
	case e.Hash == op.Hash:
		op.Action = "noop"
	case d.Kind == "ticket":
		// An imported ticket is never imported again: new comments are
		// appended, changed fields updated.
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
		op.Action = "update"
		if len(op.NewComments) > 0 {
			op.Action = "append_comments"
		}
	default:
		op.Action, op.ZendeskID = "update", e.ZendeskID
	}
	return op, nil
}

// estimator counts the requests a plan needs: bulk endpoints take 100
// records and one job poll per batch; groups and custom object schemas go
// one by one; every attachment is one download and one upload.
type estimator struct {
	bulk    map[string]int // kind → records written through bulk endpoints
	single  int
	uploads int
}

func newEstimator() *estimator { return &estimator{bulk: map[string]int{}} }

func (e *estimator) add(op planfile.Op) {
	switch {
	case op.Action == "unwritable":
	case op.Kind == "group" || op.Kind == "custom_object":
		e.single++
	case op.Action == "append_comments":
		e.single += len(op.NewComments) // one ticket update per comment
	case op.Kind == "ticket" && op.Action == "update":
		e.single++
	default:
		e.bulk[op.Kind]++
	}
	e.uploads += op.Attachments
}

func (e *estimator) finish(cfg *dsl.Config) planfile.Estimate {
	n := e.single + e.uploads
	for _, c := range e.bulk {
		batches := (c + 99) / 100
		n += 2 * batches // the bulk request and its job poll
	}
	rate := float64(cfg.Target.RateLimit) * cfg.Target.Share
	est := planfile.Estimate{ZendeskRequests: n, KustomerRequests: e.uploads, RequestsPerMin: rate}
	if rate > 0 {
		est.Minutes = math.Round(float64(n)/rate*10) / 10
	}
	return est
}
