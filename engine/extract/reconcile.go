package extract

import (
	"context"
	"fmt"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/snapshot"
)

// reconcile compares what the snapshot holds with what the API reported:
// list lengths and totals, search totals (standard plus archive), and the
// counts conversations and messages carry. In an incremental run the
// totals of the searchable types are asked for again (one request each,
// page size 1), so every run ends with a full reconciliation.
func (e *engine) reconcile(ctx context.Context) ([]Check, error) {
	counts, err := e.store.Counts()
	if err != nil {
		return nil, err
	}
	var checks []Check
	add := func(typ string, expected int, source string, exact bool) {
		got := counts[typ]
		ok := got == expected || (!exact && got >= expected)
		checks = append(checks, Check{Type: typ, Expected: expected, Source: source, Extracted: got, OK: ok && expected >= 0})
	}
	listRead := func(streams ...string) (int, bool, error) {
		n := 0
		for _, s := range streams {
			c, ok, err := e.store.Cursor(runPrefix + "list/" + s)
			if err != nil || !ok || !c.Done {
				return 0, false, err
			}
			n += c.Read
		}
		return n, true, nil
	}
	if e.scope["user"] {
		// The default list may or may not hold deleted users; the larger
		// of the two lists is a floor.
		a, ok1, err := listRead("user")
		if err != nil {
			return nil, err
		}
		if ok1 {
			add("user", a, "GET /v1/users (at least)", false)
		}
	}
	if e.scope["team"] {
		if n, ok, err := listRead("team"); err != nil {
			return nil, err
		} else if ok {
			add("team", n, "GET /v1/teams", false)
		}
	}
	if e.scope["klass"] {
		if n, ok, err := listRead("klass-enabled", "klass-existing_only", "klass-disabled"); err != nil {
			return nil, err
		} else if ok {
			add("klass", n, "GET /v1/klasses for each status", false)
		}
	}
	for _, kb := range []struct{ typ, path string }{{"kb_category", "GET /v1/kb/categories"}, {"kb_article", "GET /v1/kb/articles"}} {
		if !e.scope[kb.typ] {
			continue
		}
		if n, ok, err := listRead(kb.typ); err != nil {
			return nil, err
		} else if ok {
			add(kb.typ, n, kb.path+" (at least)", false)
		}
	}
	for _, typ := range []string{"company", "customer", "conversation", "kobject"} {
		if !e.scope[typ] {
			continue
		}
		n, source, err := e.total(ctx, typ)
		if err != nil {
			return nil, err
		}
		add(typ, n, source, true)
	}
	if e.scope["message"] || e.scope["note"] || e.scope["attachment"] {
		st, err := e.threadStats()
		if err != nil {
			return nil, err
		}
		if st.conversations > 0 {
			if e.scope["message"] {
				add("message", st.messages, "Σ messageCount of the conversations", true)
			}
			if e.scope["note"] {
				add("note", st.notes, "Σ noteCount of the conversations", true)
			}
		}
	}
	if e.scope["attachment"] {
		refs, err := attachmentRefCount(e.store)
		if err != nil {
			return nil, err
		}
		add("attachment", refs, "attachments named by the messages", true)
	}
	return checks, nil
}

// total is the number of records of a type the API reports: from this
// run's plan when it read the whole type, else asked now.
func (e *engine) total(ctx context.Context, typ string) (int, string, error) {
	plan, ok, err := e.planned(typ)
	if err != nil {
		return -1, "", err
	}
	if ok {
		switch plan.Mode {
		case "probe":
			return plan.Total, "GET /v1/" + listPath[typ] + " (one page)", nil
		case "list":
			if plan.Total >= 0 {
				return plan.Total, "GET /v1/" + listPath[typ] + " meta.total", nil
			}
		case "search":
			n := 0
			for _, archive := range []bool{false, true} {
				if archive && !kustomer.Archived(typ) {
					continue
				}
				root, ok, err := e.store.Cursor(windowKey(streamPrefix(typ, archive), time.Time{}))
				if err != nil {
					return -1, "", err
				}
				if !ok || root.Total < 0 {
					return -1, "", nil
				}
				n += root.Total
			}
			return n, "search + archive search meta.total", nil
		}
	}
	// Ask now; the answer is kept so a resumed run does not ask again.
	key := runPrefix + "count/" + typ
	if c, ok, err := e.store.Cursor(key); err != nil {
		return -1, "", err
	} else if ok {
		return c.Total, c.Mode, nil
	}
	n, source := 0, ""
	if typ == "customer" {
		p, err := e.list(ctx, typ, "customers", nil, 1, 1)
		if err != nil {
			return -1, "", err
		}
		n, source = p.Meta.Total, "GET /v1/customers meta.total"
	} else {
		for _, archive := range []bool{false, true} {
			if archive && !kustomer.Archived(typ) {
				continue
			}
			body, err := kustomer.Window{Type: typ}.Body(archive)
			if err != nil {
				return -1, "", err
			}
			if err := e.acquire(ctx); err != nil {
				return -1, "", err
			}
			p, err := e.src.Search(kustomer.WithCounter(ctx, e.reqs[typ]), archive, body, 1, 1)
			e.release()
			if err != nil {
				return -1, "", err
			}
			if p.Meta.Total < 0 {
				return -1, "", fmt.Errorf("search %s reported no meta.total", typ)
			}
			n += p.Meta.Total
		}
		source = "search + archive search meta.total"
	}
	err = e.store.Update(func(tx *snapshot.Tx) error {
		return tx.SetCursor(key, snapshot.Cursor{Total: n, Mode: source, Run: e.run.ID})
	})
	return n, source, err
}

// attachmentRefCount counts the distinct attachment ids the stored
// messages name.
func attachmentRefCount(s *snapshot.Store) (int, error) {
	seen := map[string]struct{}{}
	add := func(id string) { seen[id] = struct{}{} }
	// The conversation → message index holds the ids each message names;
	// a message filed under no conversation is only in the resources, so
	// when there are such messages every message is read.
	indexed, err := s.MessageRefs(add)
	if err != nil {
		return 0, err
	}
	if n, err := s.Count("message"); err != nil || n == indexed {
		return len(seen), err
	}
	err = s.ForEach("message", func(id string, raw []byte) error {
		for _, ref := range snapshot.AttachmentRefs(raw) {
			add(ref)
		}
		return nil
	})
	return len(seen), err
}
