package apply

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/zendesk"
)

// Replacing a ticket (spec/rules.md, rule 28): a conversation that changed
// in Kustomer is imported again whole — every comment with its own time,
// no trigger — and the ticket it replaces is deleted, then removed from
// the deleted tickets. One batch in the checkpoint carries the three
// steps, in flight before the first request, so a run killed at any point
// is finished by the next (resolveReplace): never two live tickets for a
// conversation (the old one goes once the new one is confirmed) and never
// none (the old one goes only then).

// replaceExternal is how a replace batch names an item: the Zendesk id of
// the ticket replaced and the external id both tickets carry.
func replaceExternal(oldID, ext string) string { return oldID + "\x00" + ext }

// replaceTickets imports the batch's tickets anew, then deletes and purges
// the ones they replace.
func (ex *executor) replaceTickets(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	outs, err := ex.importTickets(ctx, b, items)
	if err != nil {
		return nil, err
	}
	var old []int64
	for i, it := range items {
		if outs[i].id == "" {
			continue // not imported: the old ticket stays, and so does its entry
		}
		id, err := strconv.ParseInt(it.op.ZendeskID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ticket %s: the checkpoint's id %q is not a number", it.op.Key, it.op.ZendeskID)
		}
		old = append(old, id)
	}
	if err := retire(ctx, ex.opts.Client, old); err != nil {
		return nil, err
	}
	return outs, nil
}

// retire deletes tickets and removes them from the deleted tickets, 100 at
// a time. A ticket already gone (deleted, or purged) counts as retired.
func retire(ctx context.Context, c *zendesk.Client, ids []int64) error {
	for len(ids) > 0 {
		n := min(zendesk.MaxBatch, len(ids))
		part := ids[:n]
		ids = ids[n:]
		for _, start := range []func(context.Context, []int64) (*zendesk.Job, error){c.DestroyManyTickets, c.PurgeTickets} {
			job, err := start(ctx, part)
			if err != nil {
				return err
			}
			res, err := job.Wait(ctx)
			if err != nil {
				return err
			}
			for _, r := range res.Results {
				if !r.Success && r.Error != "RecordNotFound" {
					return fmt.Errorf("retiring replaced tickets: job %s: %s %s", job.ID(), r.Error, r.Details)
				}
			}
		}
	}
	return nil
}

// resolveReplace finishes a replace batch an interrupted run left in
// flight: for each item, a live ticket with its external id other than the
// one replaced is the new one; the old one is then retired. Without a new
// one, the import did not happen (or its job has not settled): the old
// ticket and its entry stay, and the next plan replaces it again.
func resolveReplace(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, b checkpoint.Batch, settle time.Duration, now func() time.Time) error {
	outs := make([]outcome, len(b.Keys))
	var old []int64
	missing := 0
	for i, e := range b.ExternalIDs {
		oldID, ext, _ := strings.Cut(e, "\x00")
		live, err := c.TicketsByExternalID(ctx, ext)
		if err != nil {
			return err
		}
		var fresh int64
		for _, t := range live {
			if strconv.FormatInt(t.ID, 10) != oldID && (fresh == 0 || t.ID < fresh) {
				fresh = t.ID
			}
		}
		if fresh == 0 {
			missing++
			continue
		}
		outs[i] = outcome{id: strconv.FormatInt(fresh, 10)}
		if id, err := strconv.ParseInt(oldID, 10, 64); err == nil {
			old = append(old, id)
		}
	}
	if missing > 0 && now().Sub(b.SentAt) < settle {
		return &UnsettledError{Batch: b.ID, Missing: missing, Total: len(outs), Wait: settle}
	}
	if err := retire(ctx, c, old); err != nil {
		return err
	}
	records, _ := confirm(b, outs, c.ServerTime(), nil)
	return st.CompleteBatch(b.ID, records, nil)
}

// deleteTickets deletes the tickets of conversations deleted in Kustomer
// and removes them from the deleted tickets (retire): each outcome names
// the ticket gone, which complete forgets.
func (ex *executor) deleteTickets(ctx context.Context, items []item) ([]outcome, error) {
	ids := make([]int64, len(items))
	outs := make([]outcome, len(items))
	for i, it := range items {
		id, err := strconv.ParseInt(it.op.ZendeskID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ticket %s: the checkpoint's id %q is not a number", it.op.Key, it.op.ZendeskID)
		}
		ids[i], outs[i] = id, outcome{id: it.op.ZendeskID}
	}
	if err := retire(ctx, ex.opts.Client, ids); err != nil {
		return nil, err
	}
	return outs, nil
}

// forgetDeleted completes a delete batch: the tickets are gone from
// Zendesk, so the checkpoint forgets them (a run killed in between deletes
// them again, which finds them gone).
func forgetDeleted(st *checkpoint.Store, b checkpoint.Batch, outs []outcome) (int, error) {
	if err := st.CompleteBatch(b.ID, nil, nil); err != nil {
		return 0, err
	}
	var keys []string
	for i, o := range outs {
		if o.id != "" {
			keys = append(keys, b.Keys[i])
		}
	}
	n, err := st.ForgetKeys(b.Kind, keys)
	return n, err
}

// resolveDelete finishes a delete batch left in flight: deleting again
// finds gone what was deleted.
func resolveDelete(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, b checkpoint.Batch) error {
	var ids []int64
	outs := make([]outcome, len(b.Keys))
	for i, e := range b.ExternalIDs {
		if id, err := strconv.ParseInt(e, 10, 64); err == nil {
			ids = append(ids, id)
			outs[i] = outcome{id: e}
		}
	}
	if err := retire(ctx, c, ids); err != nil {
		return err
	}
	_, err := forgetDeleted(st, b, outs)
	return err
}
