package kustomer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kzmap/kzmap/record"
)

// SearchContexts are the queryContext values kzmap searches, by resource
// type. Notes have no archive search.
var SearchContexts = map[string]string{
	"company": "company", "customer": "customer", "conversation": "conversation",
	"message": "message", "note": "note", "kobject": "kobject",
}

// Archived reports whether archive search serves the type.
func Archived(typ string) bool {
	_, ok := SearchContexts[typ]
	return ok && typ != "note"
}

// ArchiveIDFilter reports whether archive search can filter and sort the
// type on its id (company archive search takes created_at and updated_at
// only).
func ArchiveIDFilter(typ string) bool { return Archived(typ) && typ != "company" }

// Window is a keyset query over one type's updatedAt: records with
// From ≤ updatedAt < To (zero bounds are open) that come after the
// position (AfterTime, AfterID) in (updatedAt, id) order, sorted that way.
type Window struct {
	Type      string
	From, To  time.Time
	AfterTime time.Time // zero: from the start of the window
	AfterID   string
	// ByIDOnly sorts by id alone inside a single instant (From = To-1ms),
	// for more records sharing one updatedAt than a search can page.
	ByIDOnly bool
}

type cond = map[string]map[string]any

// Body is the search body of w: and-ed bounds on <ctx>_updated_at, the
// keyset condition, sort [(updated_at, asc), (id, asc)], deleted records
// included (spec/rules.md, rule 1: everything is extracted).
func (w Window) Body(archive bool) (json.RawMessage, error) {
	ctx, ok := SearchContexts[w.Type]
	if !ok {
		return nil, fmt.Errorf("no search for %s", w.Type)
	}
	if archive && !Archived(w.Type) {
		return nil, fmt.Errorf("archive search does not serve %s", w.Type)
	}
	upd, id := ctx+"_updated_at", ctx+"_id"
	useID := !archive || ArchiveIDFilter(w.Type)
	var and []any
	if !w.From.IsZero() {
		and = append(and, cond{upd: {"gte": record.FormatTime(w.From)}})
	}
	if !w.To.IsZero() {
		and = append(and, cond{upd: {"lt": record.FormatTime(w.To)}})
	}
	if !w.AfterTime.IsZero() {
		at := record.FormatTime(w.AfterTime)
		switch {
		case w.AfterID != "" && useID:
			// (updatedAt, id) > (at, afterID)
			and = append(and, cond{upd: {"gte": at}})
			and = append(and, map[string]any{"or": []any{
				cond{upd: {"gt": at}},
				cond{id: {"gt": w.AfterID}},
			}})
		default:
			and = append(and, cond{upd: {"gte": at}})
		}
	}
	sort := []any{map[string]string{upd: "asc"}}
	if useID {
		sort = append(sort, map[string]string{id: "asc"})
	}
	if w.ByIDOnly && useID {
		sort = []any{map[string]string{id: "asc"}}
	}
	body := map[string]any{"queryContext": ctx, "sort": sort, "includeDeleted": true}
	if len(and) > 0 {
		body["and"] = and
	}
	return json.Marshal(body)
}

// Search runs one page of a standard (archive false) or archive search.
func (c *Client) Search(ctx context.Context, archive bool, body json.RawMessage, page, pageSize int) (*Page, error) {
	path := "/v1/customers/search"
	if archive {
		path = "/v1/customers/archive/search"
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "pageSize": {strconv.Itoa(pageSize)}}
	_, resp, err := c.do(ctx, searchBudget, func(ctx context.Context) (*http.Request, error) {
		return c.newRequest(ctx, http.MethodPost, path, q, body)
	}, false)
	if err != nil {
		return nil, err
	}
	p, err := decodePage(resp)
	if err != nil {
		return nil, fmt.Errorf("kustomer POST %s: %w", path, err)
	}
	return p, nil
}
