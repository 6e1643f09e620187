package apply

import (
	"context"
	"strconv"

	"github.com/kzmap/kzmap/engine/kind"
)

// held is what Zendesk already holds for an item of a create batch.
type held struct {
	id   int64
	same bool // already what the plan wants
	// comments is, for a ticket, how many of the plan's comments it
	// holds (all of them when same).
	comments int
	// refuse says why the record found cannot be adopted (a field of
	// another type): the item is a dead letter with the reason.
	refuse string
}

// adopt takes over the items of a create batch that Zendesk already
// holds, and returns the items still to create.
func (ex *executor) adopt(ctx context.Context, items []item) ([]item, error) {
	found, err := ex.look(ctx, items)
	if err != nil || found == nil {
		return items, err
	}
	var adopt, rest []item
	var have []*held
	for i, it := range items {
		if found[i] != nil {
			adopt = append(adopt, it)
			have = append(have, found[i])
		} else {
			rest = append(rest, it)
		}
	}
	if len(adopt) == 0 {
		return rest, nil
	}
	k := adopt[0].op.Kind
	b := ex.newBatch(adopt, kind.Adopt)
	partial := 0
	for i, h := range have {
		b.ExternalIDs[i] = strconv.FormatInt(h.id, 10)
		if k == kind.Ticket && !h.same && h.comments < len(b.Comments[i]) {
			// A ticket holding only some of the comments: the next plan
			// appends the rest, and updates its fields.
			b.Comments[i] = b.Comments[i][:h.comments]
			b.Hashes[i] = ""
			partial++
		}
	}
	if err := ex.opts.Store.BeginBatch(b); err != nil {
		return nil, err
	}
	bs := &batchState{Batch: &b}
	outs := make([]outcome, len(adopt))
	var upd []item
	var idx []int
	for i, it := range adopt {
		id := strconv.FormatInt(have[i].id, 10)
		if have[i].refuse != "" {
			outs[i] = outcome{err: have[i].refuse}
			continue
		}
		if have[i].same || b.Hashes[i] == "" {
			outs[i] = outcome{id: id}
			continue
		}
		it.op.Action, it.op.ZendeskID = kind.Update, id
		upd = append(upd, it)
		idx = append(idx, i)
	}
	if len(upd) > 0 {
		sub, err := ex.updateAdopted(ctx, bs, upd)
		if err != nil {
			_ = ex.opts.Store.CompleteBatch(b.ID, nil, nil)
			return nil, err
		}
		for j, o := range sub {
			outs[idx[j]] = o
		}
		ex.warn("%d %s records Zendesk already held were adopted and updated to match the mapping", len(upd), k)
	}
	if partial > 0 {
		ex.warn("%d adopted tickets hold fewer comments than the snapshot: the next apply appends the rest (with the time they are appended)", partial)
	}
	return rest, ex.complete(b, outs, adopt)
}

// updateAdopted writes the plan's payload over adopted records, in the
// batch the adoption is recorded in.
func (ex *executor) updateAdopted(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	if k := items[0].op.Kind; k == kind.User || k == kind.Organization {
		return ex.write(ctx, b, items)
	}
	// One at a time: groups, fields and tickets are updated singly.
	var outs []outcome
	for _, it := range items {
		o, err := ex.write(ctx, b, []item{it})
		if err != nil {
			return nil, err
		}
		outs = append(outs, o...)
	}
	return outs, nil
}
