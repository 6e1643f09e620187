package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/snapshot"
)

// phaseRepair checks the thread of every conversation written in this run
// (or whose messages or notes were): fewer messages or notes stored than
// the conversation counts, or a message naming an attachment that is not
// stored, and the conversation's own lists are read. That is how notes
// older than two years arrive when notes came from search (which has no
// archive for them), how attachment records arrive when messages came
// from search, and how anything a list or search skipped is caught.
func (e *engine) phaseRepair(ctx context.Context) error {
	if !e.scope["message"] && !e.scope["note"] && !e.scope["attachment"] {
		return e.store.Update(func(tx *snapshot.Tx) error { return tx.DeleteCursors(runPrefix + "check/") })
	}
	prefix := runPrefix + "check/"
	after := ""
	for {
		batch, err := e.store.CursorsAfter(prefix, after, 256)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		// Conversations whose thread is whole only lose their marker: all
		// of those in a batch in one transaction.
		var mu sync.Mutex
		var whole []string
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(e.opts.Workers)
		for _, m := range batch {
			g.Go(func() error {
				fetched, err := e.repair(gctx, strings.TrimPrefix(m.Stream, prefix), m.Stream)
				if err == nil && !fetched {
					mu.Lock()
					whole = append(whole, m.Stream)
					mu.Unlock()
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		err = e.store.Update(func(tx *snapshot.Tx) error {
			for _, k := range whole {
				if err := tx.DeleteCursor(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = batch[len(batch)-1].Stream
	}
}

// repair checks one conversation's thread and reads its lists where it
// falls short, writing what they hold with the marker's removal. It
// reports whether it read anything; a whole thread's marker is left to
// the caller.
func (e *engine) repair(ctx context.Context, conv, marker string) (fetched bool, err error) {
	wantM, wantN := -1, -1
	if raw, ok, err := e.store.Get("conversation", conv); err != nil {
		return false, err
	} else if ok {
		var c convCounts
		if json.Unmarshal(raw, &c) == nil {
			wantM, wantN = c.counts()
		}
	}
	msgs, notes, refs, err := e.store.Thread(conv)
	if err != nil {
		return false, err
	}
	missing, err := e.store.Missing("attachment", refs)
	if err != nil {
		return false, err
	}
	base := "conversations/" + url.PathEscape(conv) + "/"
	fetchM := e.scope["message"] && wantM > msgs
	lists := []struct {
		fetch      bool
		name, path string
		q          url.Values
	}{
		{fetchM, "messages", base + "messages", url.Values{"include": {"attachments"}}},
		{e.scope["note"] && wantN > notes, "notes", base + "notes", nil},
		{e.scope["attachment"] && len(missing) > 0 && !fetchM, "attachments", base + "attachments", nil},
	}
	var raws []json.RawMessage
	var what []string
	for _, l := range lists {
		if !l.fetch {
			continue
		}
		got, err := e.pages(ctx, "repair", l.path, l.q)
		if err != nil {
			return false, err
		}
		raws = append(raws, got...)
		what = append(what, l.name)
	}
	if len(what) == 0 {
		return false, nil
	}
	e.mu.Lock()
	e.repaired[strings.Join(what, "+")]++
	e.mu.Unlock()
	_, err = e.writeMarked(raws, nil, func(tx *snapshot.Tx) error { return tx.DeleteCursor(marker) }, false)
	return true, err
}

// pages reads a per-parent list to its end. These lists are short (one
// conversation's thread), so they are read whole and written at once.
func (e *engine) pages(ctx context.Context, typ, path string, q url.Values) ([]json.RawMessage, error) {
	size := kustomer.MaxListPageSize
	var out []json.RawMessage
	for n := 1; ; n++ {
		p, err := e.list(ctx, typ, path, q, n, size)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, page(p)...)
		if len(p.Data) < size {
			return out, nil
		}
		if n > 10000 {
			return nil, fmt.Errorf("%s: more than %d pages", path, n)
		}
	}
}
