package extract

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/snapshot"
)

// searchBoth reads a type's records with from ≤ updatedAt < to from
// standard search and, when archive is set and the type has one, from
// archive search (records not updated for two years), concurrently.
func (e *engine) searchBoth(ctx context.Context, typ string, from, to time.Time, archive bool) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return e.searchStream(gctx, typ, false, from, to) })
	if archive && kustomer.Archived(typ) {
		g.Go(func() error { return e.searchStream(gctx, typ, true, from, to) })
	}
	return g.Wait()
}

func streamPrefix(typ string, archive bool) string {
	kind := "search"
	if archive {
		kind = "archive"
	}
	return runPrefix + kind + "/" + typ + "/"
}

func windowKey(prefix string, from time.Time) string {
	if from.IsZero() {
		return prefix + "open"
	}
	return fmt.Sprintf("%s%016d", prefix, from.UnixMilli())
}

// searchStream reads one search stream as a set of time windows. It starts
// from one window over the whole range; a window whose hits exceed what a
// search can page (the caps) is split in two at a time estimated from the
// page just read, and the upper half becomes a window of its own, read
// concurrently. Every window is read by keyset: each request asks for the
// records after the last one written, in (updatedAt, id) order, so pages
// never shift when records change during the run and the caps are never
// reached. Windows and their positions are cursors, so a resumed run
// continues every window where it stopped.
func (e *engine) searchStream(ctx context.Context, typ string, archive bool, from, to time.Time) error {
	prefix := streamPrefix(typ, archive)
	wins, err := e.store.CursorsAfter(prefix, "", 0)
	if err != nil {
		return err
	}
	if len(wins) == 0 {
		root := snapshot.Named{Stream: windowKey(prefix, from), Cursor: snapshot.Cursor{From: from, To: to, Mode: "root", Total: -1}}
		if err := e.store.Update(func(tx *snapshot.Tx) error { return tx.SetCursor(root.Stream, root.Cursor) }); err != nil {
			return err
		}
		wins = append(wins, root)
	}
	g, gctx := errgroup.WithContext(ctx)
	var run func(w snapshot.Named)
	run = func(w snapshot.Named) {
		g.Go(func() error { return e.window(gctx, typ, archive, prefix, w, run) })
	}
	for _, w := range wins {
		if !w.Done {
			run(w)
		}
	}
	return g.Wait()
}

// window reads one window to its end; spawn starts a window split off it.
func (e *engine) window(ctx context.Context, typ string, archive bool, prefix string, w snapshot.Named, spawn func(snapshot.Named)) error {
	cur := w.Cursor
	size := e.opts.SearchPageSize
	hitCap := min(kustomer.MaxSearchHits, kustomer.MaxSearchPages*size)
	keysetByID := !archive || kustomer.ArchiveIDFilter(typ)
	for !cur.Done {
		body, err := kustomer.Window{Type: typ, From: cur.From, To: cur.To, AfterTime: cur.UpdatedAt, AfterID: cur.ID}.Body(archive)
		if err != nil {
			return err
		}
		p, err := e.search(ctx, typ, archive, body, size)
		if err != nil {
			return err
		}
		cur.Requests++
		metas := make([]snapshot.Meta, len(p.Data))
		for i, raw := range p.Data {
			m, err := snapshot.ParseMeta(raw)
			if err != nil {
				return fmt.Errorf("search %s: %w", typ, err)
			}
			if m.Type != typ {
				return fmt.Errorf("search %s returned a %s", typ, m.Type)
			}
			metas[i] = m
		}
		if cur.Total < 0 || (cur.Read == 0 && cur.Total == 0) {
			cur.Total = p.Meta.Total // the window's size when first asked
			if cur.Mode == "root" {
				e.prog.Expect(max(cur.Total, 0))
			}
		}
		n := len(p.Data)
		cursors := map[string]snapshot.Cursor{}
		var split *snapshot.Named
		if p.Meta.Total >= hitCap && n == size {
			if s, ok := splitPoint(cur, metas, hitCap); ok {
				hi := snapshot.Named{Stream: windowKey(prefix, s), Cursor: snapshot.Cursor{From: s, To: cur.To, Total: -1}}
				cur.To = s
				cursors[hi.Stream] = hi.Cursor
				split = &hi
				e.note(fmt.Sprintf("%s: %d hits are more than one search can page (%d); split the window at %s", w.Stream[len(runPrefix):], p.Meta.Total, hitCap, s.Format(time.RFC3339Nano)))
			}
		}
		if n > 0 {
			last := metas[n-1]
			before := snapshot.Meta{UpdatedAt: cur.UpdatedAt, ID: cur.ID}
			if !cur.UpdatedAt.IsZero() && !after(last, before) && (keysetByID || n == size) {
				return fmt.Errorf("search %s did not move past (%s, %s): the API ignored the keyset condition; stopping rather than reading the same page again", typ, cur.UpdatedAt.Format(time.RFC3339Nano), cur.ID)
			}
			cur.UpdatedAt, cur.ID = last.UpdatedAt, last.ID
		}
		cur.Read += n
		cur.Done = n < size || (p.Meta.Total >= 0 && p.Meta.Total <= n)
		cursors[w.Stream] = cur
		if _, err := e.write(p.Data, cursors, nil); err != nil {
			return err
		}
		if split != nil {
			spawn(*split)
		}
	}
	return nil
}

// splitPoint picks where to cut a window that holds more hits than a
// search can page, from the page just read (the window's first records
// after the cursor, in updatedAt order): at the time that should leave
// about 80% of the cap below it, and never before the page's last record,
// so what was read stays in the lower window. ok is false when no cut
// fits inside the window.
func splitPoint(cur snapshot.Cursor, page []snapshot.Meta, hitCap int) (time.Time, bool) {
	n := len(page)
	lo := page[0].UpdatedAt
	if !cur.UpdatedAt.IsZero() && cur.UpdatedAt.Before(lo) {
		lo = cur.UpdatedAt
	}
	last := page[n-1].UpdatedAt
	s := last.Add(time.Millisecond)
	if span := last.Sub(lo); span > 0 {
		est := lo.Add(time.Duration(float64(span) / float64(n) * 0.8 * float64(hitCap)))
		if est.After(s) {
			s = est
		}
	}
	s = s.Truncate(time.Millisecond)
	if !s.After(last) {
		s = last.Add(time.Millisecond)
	}
	if !cur.To.IsZero() && !s.Before(cur.To) {
		return time.Time{}, false
	}
	return s, true
}
