package apply

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

// ticketIndex is how a run finds the tickets Zendesk already holds by
// external id: nothing to find (empty), the whole account read once
// (byExt), or one look-up per ticket (both nil).
type ticketIndex struct {
	empty bool
	byExt map[string]zendesk.ExportedTicket // lower-cased external id
}

// ticketIndex decides, once per run, how tickets are looked up: a count
// first (an account with no ticket needs no look-up); then the export of
// every ticket when its pages (1,000 tickets each) are fewer requests than
// one look-up per ticket this run creates. The export leaves out the last
// minute's changes: tickets the count shows and the export does not are
// looked for among the newest tickets, and when they are not all found
// there, tickets are looked up one by one.
func (ex *executor) ticketIndex(ctx context.Context) (*ticketIndex, error) {
	lk := &ex.lookups
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if lk.tickets != nil {
		return lk.tickets, nil
	}
	c := ex.opts.Client
	n, err := c.CountTickets(ctx)
	if err != nil {
		return nil, fmt.Errorf("counting Zendesk's tickets before importing any: %w", err)
	}
	idx := &ticketIndex{}
	lk.tickets = idx
	if n.Value == 0 && n.Exact() {
		idx.empty = true
		return idx, nil
	}
	pages := (n.Value + zendesk.ExportPage - 1) / zendesk.ExportPage
	if pages >= ex.totals[kind.Ticket] {
		return idx, nil // one look-up per ticket is cheaper
	}
	byExt := map[string]zendesk.ExportedTicket{}
	live := 0
	add := func(t zendesk.ExportedTicket) {
		if t.ExternalID != "" {
			k := strings.ToLower(t.ExternalID)
			if old, ok := byExt[k]; !ok || t.ID < old.ID {
				byExt[k] = t
			}
		}
	}
	seen := map[int64]bool{}
	_, err = c.ExportTickets(ctx, zendesk.ExportFrom{Start: time.Unix(0, 0)}, true, func(t zendesk.ExportedTicket) error {
		if !t.Deleted() {
			live++
			seen[t.ID] = true
			add(t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading Zendesk's tickets before importing any: %w", err)
	}
	if missing := n.Value - live; n.Exact() && missing > 0 {
		// Changed within the last minute: most likely the newest.
		budget := missing/zendesk.MaxBatch + 2
		read := 0
		for t, err := range c.NewestTickets(ctx) {
			if err != nil {
				return nil, fmt.Errorf("reading Zendesk's newest tickets: %w", err)
			}
			if !seen[t.ID] {
				seen[t.ID] = true
				add(t)
				missing--
			}
			if read++; missing <= 0 || read >= budget*zendesk.MaxBatch {
				break
			}
		}
		if missing > 0 {
			ex.warn("%d tickets changed in Zendesk within the last minute could not be placed: tickets are looked up one by one", missing)
			return idx, nil
		}
	}
	idx.byExt = byExt
	return idx, nil
}
