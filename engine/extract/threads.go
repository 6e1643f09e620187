package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// threadStats is what the stored conversations say of their threads.
type threadStats struct {
	conversations int
	messages      int // Σ messageCount
	notes         int // Σ noteCount
	// oldNotes counts conversations with notes created before the
	// two-year search window (plus a week's margin): their notes may be
	// invisible to search, which has no archive for notes.
	oldNotes int
}

type convCounts struct {
	Attributes struct {
		MessageCount json.Number `json:"messageCount"`
		NoteCount    json.Number `json:"noteCount"`
		CreatedAt    string      `json:"createdAt"`
	} `json:"attributes"`
}

func (c convCounts) counts() (msgs, notes int) {
	m, _ := c.Attributes.MessageCount.Int64()
	n, _ := c.Attributes.NoteCount.Int64()
	return int(m), int(n)
}

func (e *engine) threadStats() (threadStats, error) {
	var st threadStats
	cutoff := e.now.Add(-kustomer.SearchWindow + 7*24*time.Hour)
	err := e.store.ForEach("conversation", func(id string, raw []byte) error {
		var c convCounts
		if json.Unmarshal(raw, &c) != nil {
			return nil
		}
		m, n := c.counts()
		st.conversations++
		st.messages += m
		st.notes += n
		if n > 0 {
			if t, err := record.ParseTime(c.Attributes.CreatedAt); err != nil || t.Before(cutoff) {
				st.oldNotes++
			}
		}
		return nil
	})
	return st, err
}

// phaseThreads reads messages (with their attachments' metadata) and
// notes, choosing for each between the org-wide list and search.
func (e *engine) phaseThreads(ctx context.Context) error {
	var st threadStats
	var stErr error
	stOnce := false
	stats := func() (threadStats, error) {
		if !stOnce {
			st, stErr = e.threadStats()
			stOnce = true
		}
		return st, stErr
	}
	plans := map[string]snapshot.Cursor{}
	for _, typ := range []string{"message", "note"} {
		if !e.scope[typ] {
			continue
		}
		plan, ok, err := e.planned(typ)
		if err != nil {
			return err
		}
		if !ok {
			mode, from, to, err := e.mode(typ)
			if err != nil {
				return err
			}
			plan = snapshot.Cursor{Mode: mode, From: from, To: to}
			if mode == "full" {
				st, err := stats()
				if err != nil {
					return err
				}
				plan = e.chooseThread(typ, st)
			}
			if err := e.setPlan(typ, plan); err != nil {
				return err
			}
		}
		plans[typ] = plan
	}
	g, gctx := errgroup.WithContext(ctx)
	for typ, plan := range plans {
		g.Go(func() error { return e.followThread(gctx, typ, plan) })
	}
	return g.Wait()
}

// chooseThread prices the ways of reading every message or note.
//
// Messages: the org-wide list with ?include=attachments brings each
// message's attachment records along, 100 messages a request. Search reads
// 500 a request (standard and archive), but the attachment records then
// cost a request per conversation that has any, priced at
// AttachmentShare of the conversations.
//
// Notes: the list reads 100 a request. Search reads 500 a request, but has
// no archive, so the notes of every conversation older than two years
// cost a request of their own.
func (e *engine) chooseThread(typ string, st threadStats) snapshot.Cursor {
	size, ssize := e.opts.ListPageSize, e.opts.SearchPageSize
	forced := e.opts.Strategies[typ]
	if st.conversations == 0 && forced == "" {
		// Nothing to price with (conversations were not extracted).
		return snapshot.Cursor{Mode: "search", Total: -1}
	}
	var list, search int
	var total int
	switch typ {
	case "message":
		total = st.messages
		list = ceilDiv(total, size)
		search = ceilDiv(total, ssize) + 1 + int(float64(st.conversations)*e.opts.AttachmentShare+0.5)
	case "note":
		total = st.notes
		list = ceilDiv(total, size)
		search = ceilDiv(total, ssize) + st.oldNotes
	}
	mode := "list"
	if forced == "search" || (forced != "list" && search < list) {
		mode = "search"
	}
	// Estimate holds the other strategy's price, for the plan's account.
	other := search
	if mode == "search" {
		other = list
	}
	return snapshot.Cursor{Mode: mode, Total: total, Read: other}
}

func (e *engine) followThread(ctx context.Context, typ string, plan snapshot.Cursor) error {
	size := e.opts.ListPageSize
	switch plan.Mode {
	case "list":
		path, q := "notes", url.Values(nil)
		why := fmt.Sprintf("%d notes (Σ noteCount): %d list pages of %d, against about %d requests by search plus the old conversations' own note lists", plan.Total, ceilDiv(plan.Total, size), size, plan.Read)
		strategy := "list /v1/notes"
		if typ == "message" {
			path, q = "messages", url.Values{"include": {"attachments"}}
			strategy = "list /v1/messages?include=attachments"
			why = fmt.Sprintf("%d messages (Σ messageCount): %d list pages of %d that bring the attachment records along, against about %d requests by search plus per-conversation attachment lists", plan.Total, ceilDiv(plan.Total, size), size, plan.Read)
		}
		last := ceilDiv(plan.Total, size)
		e.setStep(typ, strategy, last, why)
		e.prog.Expect(max(plan.Total, 0))
		return e.lanes(ctx, typ, typ, path, q, size, 1, last, e.laneCount(last))
	case "search":
		what := "search + archive search"
		if typ == "note" {
			what = "search, then old conversations' note lists"
		}
		why := "no conversations to price the list with"
		if plan.Total >= 0 {
			why = fmt.Sprintf("%d %ss: about %d requests, against %d list pages", plan.Total, typ, ceilDiv(plan.Total, e.opts.SearchPageSize)+1, plan.Read)
		}
		e.setStep(typ, what, 0, why)
		return e.searchBoth(ctx, typ, time.Time{}, time.Time{}, true)
	default:
		return e.follow(ctx, typ, plan)
	}
}
