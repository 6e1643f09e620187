package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// The batch protocol (spec/rules.md, rule 19): a batch is written to the
// checkpoint as in flight before its request is sent, and completed with
// what Zendesk did with each item; a batch whose answer was lost is
// resolved by asking Zendesk, exactly as after a crash.

// outcome is what became of one item of a batch.
type outcome struct {
	id  string // Zendesk id; "" when the item failed or is unknown
	err string // Zendesk's reason, for the dead letters
	// adopted marks a create that found the record already there (a
	// create-or-update by external id that updated, an object that
	// existed): counted as adopted, not created.
	adopted bool
	url     string // where Zendesk serves it (Entry.URL), when known
}

func externalID(it item) string {
	p := it.d.Payload
	if it.op.Kind.HelpCenter() {
		return hcExternalID(it)
	}
	switch it.op.Kind {
	case kind.Group:
		return str(p, "name")
	case kind.TicketField, kind.UserField, kind.OrganizationField:
		return fieldName(it.op.Kind, render.Field(it.d)) // as lookups find it again
	case kind.CustomObject:
		return str(p, "key")
	case kind.GroupMembership:
		return str(p, "user") + "/" + str(p, "group")
	case kind.CustomObjectRecord:
		return str(p, "object") + "\x00" + str(p, "external_id")
	}
	return str(p, "external_id")
}

// batchState is a batch being run: its checkpoint record, and release,
// which frees the batch's worker slot once its job is queued — the wait for
// the job needs no worker, and holding one there starves the budget.
type batchState struct {
	*checkpoint.Batch
	release func()
}

// newBatch is the checkpoint record of a batch of items, before it is
// sent.
func (ex *executor) newBatch(items []item, op kind.Action) checkpoint.Batch {
	b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Run: ex.res.RunID, Kind: string(items[0].op.Kind), Op: string(op), SentAt: ex.opts.Clock().UTC()}
	for _, it := range items {
		b.Keys = append(b.Keys, it.op.Key)
		b.Hashes = append(b.Hashes, it.op.Hash)
		b.ExternalIDs = append(b.ExternalIDs, externalID(it))
		b.Sources = append(b.Sources, strings.Join(it.d.Sources, ","))
		b.Comments = append(b.Comments, it.d.CommentKeys())
		switch {
		case op == kind.Replace:
			b.ExternalIDs[len(b.ExternalIDs)-1] = replaceExternal(it.op.ZendeskID, externalID(it))
		case it.op.ZendeskID != "" && op != kind.Create: // updates and deletes
			// Updates name their record; keep the id for recovery.
			b.ExternalIDs[len(b.ExternalIDs)-1] = it.op.ZendeskID
		}
	}
	return b
}

// done names what a successful item of an action counts as.
var done = map[kind.Action]string{kind.Create: "created", kind.Update: "updated", kind.AppendComments: "appended", kind.Adopt: "adopted", kind.Replace: "replaced"}

// runBatch records the batch as in flight, sends it, and records what
// Zendesk did with every item.
func (ex *executor) runBatch(ctx context.Context, items []item, release func()) error {
	k, action := items[0].op.Kind, items[0].op.Action
	if action == kind.Create {
		rest, err := ex.adopt(ctx, items)
		if err != nil {
			return err
		}
		if items = rest; len(items) == 0 {
			return nil
		}
	}
	b := ex.newBatch(items, action)
	if err := ex.opts.Store.BeginBatch(b); err != nil {
		return err
	}
	outs, err := ex.write(ctx, &batchState{Batch: &b, release: release}, items)
	if errors.Is(err, zendesk.ErrMaybeSent) || errors.Is(err, zendesk.ErrJobGone) {
		// Zendesk may have acted: ask it, exactly as after a crash. A batch
		// that has not settled stays in flight and stops the run.
		b2, _, gerr := ex.opts.Store.Batch(b.ID)
		if gerr != nil {
			return gerr
		}
		ex.count(k, "answers_lost", 1)
		settle := ex.opts.Settle
		if k.HelpCenter() {
			// A Help Center write is done when Zendesk answers, not by a
			// job: a moment for a request still on its way, then Zendesk
			// says whether it was.
			if err := sleep(ctx, hcSettle); err != nil {
				return err
			}
			settle = -1
		}
		if err := resolve(ctx, ex.opts.Store, ex.opts.Client, b2, settle, ex.opts.Clock); err != nil {
			return err
		}
		ex.progress(k, len(items), 0, b.SentAt)
		return nil
	}
	if err != nil {
		// Nothing was done: close the batch so nothing stays in flight.
		if cerr := ex.opts.Store.CompleteBatch(b.ID, nil, nil); cerr != nil {
			return cerr
		}
		return fmt.Errorf("%s %s: %w", action, k, err)
	}
	return ex.complete(b, outs, items)
}

// complete writes a batch's outcomes to the checkpoint and counts them;
// items are what was sent, whose compact form the checkpoint keeps.
func (ex *executor) complete(b checkpoint.Batch, outs []outcome, items []item) error {
	if kind.Action(b.Op) == kind.Delete {
		n, err := forgetDeleted(ex.opts.Store, b, outs)
		if err == nil && kind.Kind(b.Kind) == kind.HCArticle {
			err = forgetArticleParts(ex.opts.Store, b, outs)
		}
		ex.count(kind.Kind(b.Kind), "deleted", n)
		ex.progress(kind.Kind(b.Kind), len(outs), 0, b.SentAt)
		return err
	}
	applied := make([]map[string]string, len(items))
	for i, it := range items {
		applied[i] = engine.Applied(it.d.Payload)
	}
	records, dead := confirm(b, outs, ex.opts.Client.ServerTime(), applied)
	if err := ex.opts.Store.CompleteBatch(b.ID, records, dead); err != nil {
		return err
	}
	k := kind.Kind(b.Kind)
	adopted := 0
	for _, o := range outs {
		if o.adopted && o.id != "" {
			adopted++
		}
	}
	ex.count(k, done[kind.Action(b.Op)], len(records)-adopted)
	ex.count(k, done[kind.Adopt], adopted)
	ex.count(k, "dead", len(dead))
	ex.progress(k, len(outs), len(dead), b.SentAt)
	return nil
}

// confirm turns outcomes into checkpoint records and dead letters.
// written is when, on Zendesk's clock, the batch's writes were done;
// applied, when known, the compact payloads written (engine.Applied), in
// the batch's order.
func confirm(b checkpoint.Batch, outs []outcome, written time.Time, applied []map[string]string) ([]checkpoint.Record, []checkpoint.DeadLetter) {
	var records []checkpoint.Record
	var dead []checkpoint.DeadLetter
	k := kind.Kind(b.Kind)
	for i, o := range outs {
		switch {
		case o.id != "":
			r := checkpoint.Record{Kind: b.Kind, Key: b.Keys[i], Entry: checkpoint.Entry{ZendeskID: o.id, Hash: b.Hashes[i], Written: written, URL: o.url}}
			if i < len(b.Comments) {
				r.Entry.Comments = b.Comments[i]
			}
			if i < len(applied) {
				r.Entry.Applied = applied[i]
			}
			if k == kind.CustomObjectRecord && i < len(b.ExternalIDs) {
				r.Entry.Object, _, _ = strings.Cut(b.ExternalIDs[i], "\x00")
			}
			if k.Aliased() && !strings.Contains(b.Keys[i], "#") && i < len(b.Sources) {
				for _, src := range strings.Split(b.Sources[i], ",") {
					if t, id, ok := strings.Cut(src, "/"); ok {
						r.Aliases = append(r.Aliases, checkpoint.Alias{SourceType: t, SourceID: id})
					}
				}
			}
			records = append(records, r)
		case o.err != "":
			dead = append(dead, checkpoint.DeadLetter{Kind: b.Kind, Key: b.Keys[i], Error: o.err})
		}
	}
	return records, dead
}

// jobOutcomes matches a finished job's results to the batch's items.
func jobOutcomes(ctx context.Context, st *checkpoint.Store, b *batchState, job *zendesk.Job, n int) ([]outcome, error) {
	if err := st.SetJob(b.ID, job.ID()); err != nil {
		return nil, err
	}
	b.JobID = job.ID()
	if b.release != nil {
		b.release()
	}
	res, err := job.Wait(ctx)
	if err != nil {
		return nil, err
	}
	outs := make([]outcome, n)
	for _, r := range res.Results {
		if r.Index < 0 || r.Index >= n {
			continue
		}
		switch {
		case r.Success && r.ID != "":
			outs[r.Index] = outcome{id: r.ID, adopted: b.Op == string(kind.Create) && r.Status == "Updated"}
		case r.Unknown:
			return nil, fmt.Errorf("job %s: %w", job.ID(), zendesk.ErrMaybeSent)
		default:
			msg := strings.TrimSpace(r.Error + ": " + r.Details)
			outs[r.Index] = outcome{err: strings.Trim(msg, ": ")}
		}
	}
	for i := range outs {
		if outs[i].id == "" && outs[i].err == "" {
			outs[i].err = "Zendesk's job reported nothing for this item"
		}
	}
	return outs, nil
}

// singleOutcome reads the result of a one-record request: a refusal is
// that record's dead letter, anything else stops the run.
func singleOutcome[T any](got *T, err error, id func() string) outcome {
	if err == nil && got != nil {
		return outcome{id: id()}
	}
	var api *zendesk.APIError
	if errors.As(err, &api) && api.Status >= 400 && api.Status < 500 && api.Status != 429 {
		return outcome{err: api.Error()}
	}
	if err == nil {
		err = errors.New("empty answer")
	}
	return outcome{err: err.Error()}
}

func str(p map[string]any, k string) string { s, _ := p[k].(string); return s }
