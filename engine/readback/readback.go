// Package readback reads back from Zendesk, in bulk, the records kzmap
// wrote: what refresh (engine/apply) and verify (engine/verify) both
// need, through the same requests.
//
// Tickets are read by the incremental export (1,000 a request, from the
// oldest write on) when its pages cost fewer requests than show_many (100
// a request), which is the case once the account holds no more than ten
// times the tickets asked for; show_many reads the rest: everything, or
// the tickets the export does not show yet (changes of the last minute).
package readback

import (
	"context"
	"slices"
	"time"

	"github.com/kzmap/kzmap/zendesk"
)

// Mode says how tickets are read: Auto picks the cheaper way.
type Mode int

const (
	Auto Mode = iota
	ShowMany
	Export
)

// Tickets calls fn for every ticket of the set that Zendesk holds, live
// or among the deleted tickets (Deleted() says which), with its place in
// the set. A ticket changed while it is read may come twice: the last call
// is the truth. One fn is not called for is not in Zendesk at all. since is
// when the oldest of them was written, on Zendesk's clock (zero: unknown,
// the export then starts at the beginning).
func Tickets(ctx context.Context, c *zendesk.Client, ids IDs, since time.Time, mode Mode, fn func(i int, t zendesk.ExportedTicket) error) error {
	if len(ids) == 0 {
		return nil
	}
	rest := ids
	if mode != ShowMany {
		export := mode == Export
		if !export {
			n, err := c.CountTickets(ctx)
			if err != nil {
				return err
			}
			pages := (n.Value + zendesk.ExportPage - 1) / zendesk.ExportPage
			export = n.Exact() && pages < (len(ids)+zendesk.MaxBatch-1)/zendesk.MaxBatch
		}
		if export {
			var err error
			if rest, err = exported(ctx, c, ids, since, fn); err != nil {
				return err
			}
		}
	}
	for i := 0; i < len(rest); i += zendesk.MaxBatch {
		ts, err := c.ShowManyTicketsCounted(ctx, rest[i:min(i+zendesk.MaxBatch, len(rest))])
		if err != nil {
			return err
		}
		for _, t := range ts {
			if j, ok := ids.Index(t.ID); ok {
				if err := fn(j, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// exported reads the tickets by the export and returns the ids it did not
// settle: not in it, and not among the deleted.
func exported(ctx context.Context, c *zendesk.Client, ids IDs, since time.Time, fn func(int, zendesk.ExportedTicket) error) (IDs, error) {
	settled := make([]bool, len(ids))
	start := time.Unix(0, 0)
	if !since.IsZero() {
		start = since.Add(-time.Minute)
	}
	_, err := c.ExportTickets(ctx, zendesk.ExportFrom{Start: start}, true, func(t zendesk.ExportedTicket) error {
		i, ok := ids.Index(t.ID)
		if !ok {
			return nil
		}
		settled[i] = true
		return fn(i, t)
	})
	if err != nil {
		return nil, err
	}
	var rest IDs
	for i, id := range ids {
		if !settled[i] {
			rest = append(rest, id)
		}
	}
	return rest, nil
}

// IDs is a set of ticket ids, sorted, each once: a million take 8 MB, and
// a look-up is a binary search. Index numbers the ids 0 to len-1, for
// slices of what is known of each.
type IDs []int64

// NewIDs returns the set of ids (a sorted copy, without repeats).
func NewIDs(ids []int64) IDs {
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

// Index says where id is in the set, and whether it is there.
func (s IDs) Index(id int64) (int, bool) {
	return slices.BinarySearch(s, id)
}
