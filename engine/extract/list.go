package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// listPath is the org-wide list of each type that has one.
var listPath = map[string]string{
	"company": "companies", "customer": "customers", "conversation": "conversations",
	"message": "messages", "note": "notes",
}

func page(p *kustomer.Page) []json.RawMessage {
	return append(append([]json.RawMessage(nil), p.Data...), p.Included...)
}

// listAll reads a list page by page until a short page. Its cursor is the
// last page written, so a resumed run goes on from the next one. It
// returns the number of records the list held.
func (e *engine) listAll(ctx context.Context, typ, stream, path string, q url.Values, size int) (int, error) {
	key := runPrefix + "list/" + stream
	cur, _, err := e.store.Cursor(key)
	if err != nil {
		return 0, err
	}
	for !cur.Done {
		p, err := e.list(ctx, typ, path, q, cur.Page+1, size)
		if err != nil {
			return 0, err
		}
		cur.Page++
		cur.Requests++
		cur.Read += len(p.Data)
		cur.Done = len(p.Data) < size || p.Links.Next == ""
		if _, err := e.write(page(p), map[string]snapshot.Cursor{key: cur}, nil); err != nil {
			return 0, err
		}
	}
	return cur.Read, nil
}

// lanes reads pages first..last of a list with k workers: page p belongs
// to lane (p-first) mod k, and each lane's cursor is the last page it
// wrote. The list must be ordered so that pages do not move while it is
// read (creation order: new records append at the end). When page last
// comes back full, pages after it are read one at a time until a short
// one, so an estimate that was too low loses nothing (with no pages
// estimated, last < first, that is how the whole list is read).
func (e *engine) lanes(ctx context.Context, typ, stream, path string, q url.Values, size, first, last, k int) error {
	l := laneRead{typ: typ, path: path, q: q, size: size, first: first, last: last, k: max(k, 1),
		prefix: runPrefix + "list/" + stream + "/"}
	l.fullAtLast.Store(last < first)
	g, gctx := errgroup.WithContext(ctx)
	for i := range l.k {
		if first+i > last {
			break
		}
		g.Go(func() error { return e.lane(gctx, &l, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if !l.fullAtLast.Load() {
		return nil
	}
	return e.tail(ctx, &l)
}

// laneRead is one list read shared by its lanes.
type laneRead struct {
	typ, path, prefix    string
	q                    url.Values
	size, first, last, k int
	ended                atomic.Int64 // the first short page seen; 0 none
	fullAtLast           atomic.Bool
}

// lane reads pages first+i, first+i+k, ... up to last, or to the first
// short page any lane has seen.
func (e *engine) lane(ctx context.Context, l *laneRead, i int) error {
	key := l.prefix + "lane" + strconv.Itoa(i)
	cur, _, err := e.store.Cursor(key)
	if err != nil {
		return err
	}
	if cur.Done {
		if cur.Page == l.last && cur.Mode == "more" {
			l.fullAtLast.Store(true)
		}
		return nil
	}
	next := l.first + i
	if cur.Page > 0 {
		next = cur.Page + l.k
	}
	for ; next <= l.last; next += l.k {
		if end := l.ended.Load(); end > 0 && int64(next) > end {
			break
		}
		p, err := e.list(ctx, l.typ, l.path, l.q, next, l.size)
		if err != nil {
			return err
		}
		cur.Page, cur.Total = next, len(p.Data)
		cur.Requests++
		cur.Read += len(p.Data)
		short := len(p.Data) < l.size || p.Links.Next == ""
		cur.Done = short || next+l.k > l.last
		if next == l.last && !short {
			l.fullAtLast.Store(true)
			cur.Mode = "more" // page last was full and linked a next one
		}
		if _, err := e.write(page(p), map[string]snapshot.Cursor{key: cur}, nil); err != nil {
			return err
		}
		if short {
			for {
				end := l.ended.Load()
				if (end > 0 && end <= int64(next)) || l.ended.CompareAndSwap(end, int64(next)) {
					break
				}
			}
			return nil
		}
	}
	cur.Done = true
	return e.store.Update(func(tx *snapshot.Tx) error { return tx.SetCursor(key, cur) })
}

// tail reads on from page last+1, one page at a time, when the estimate
// was short.
func (e *engine) tail(ctx context.Context, l *laneRead) error {
	key := l.prefix + "tail"
	cur, _, err := e.store.Cursor(key)
	if err != nil {
		return err
	}
	if cur.Page == 0 {
		cur.Page = l.last
	}
	for !cur.Done {
		p, err := e.list(ctx, l.typ, l.path, l.q, cur.Page+1, l.size)
		if err != nil {
			return err
		}
		cur.Page++
		cur.Requests++
		cur.Read += len(p.Data)
		cur.Done = len(p.Data) < l.size || p.Links.Next == ""
		if _, err := e.write(page(p), map[string]snapshot.Cursor{key: cur}, nil); err != nil {
			return err
		}
	}
	return nil
}

// phaseReference lists users (also the deleted ones), teams and Klasses
// of every status. They are small and change rarely, so every run lists
// them whole.
func (e *engine) phaseReference(ctx context.Context) error {
	type job struct {
		typ, stream, path string
		q                 url.Values
		size              int
	}
	var jobs []job
	if e.scope["user"] {
		jobs = append(jobs,
			job{"user", "user", "users", nil, kustomer.MaxUserPageSize},
			job{"user", "user-deleted", "users", url.Values{"deleted": {"true"}}, kustomer.MaxUserPageSize})
		e.setStep("user", "list /v1/users, and ?deleted=true", 2, "")
	}
	if e.scope["team"] {
		jobs = append(jobs, job{"team", "team", "teams", nil, kustomer.MaxUserPageSize})
		e.setStep("team", "list /v1/teams", 1, "")
	}
	if e.scope["klass"] || e.scope["kobject"] {
		// Klasses are needed to file kobjects; the list defaults to
		// enabled ones, so each status is its own list.
		for _, st := range []string{"enabled", "existing_only", "disabled"} {
			jobs = append(jobs, job{"klass", "klass-" + st, "klasses", url.Values{"status": {st}}, kustomer.MaxListPageSize})
		}
		e.setStep("klass", "list /v1/klasses?status=enabled|existing_only|disabled", 3, "the list shows enabled Klasses unless asked for another status")
	}
	total := 0
	g, gctx := errgroup.WithContext(ctx)
	results := make([]int, len(jobs))
	for i, j := range jobs {
		g.Go(func() error {
			n, err := e.listAll(gctx, j.typ, j.stream, j.path, j.q, j.size)
			results[i] = n
			return err
		})
	}
	for _, res := range record.AttributeResources {
		if e.scope[res] {
			g.Go(func() error { return e.metadata(gctx, res) })
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, n := range results {
		total += n
	}
	_ = total
	return nil
}

// metadata reads a resource's custom attribute metadata (GET
// /v1/metadata/{resource}, which needs org.permission.metadata.read) into
// the snapshot. Without it, attribute types come from their names'
// suffixes and titles from the names, which a note says.
func (e *engine) metadata(ctx context.Context, res string) error {
	p, err := e.list(ctx, "org", "metadata/"+res, nil, 1, 1)
	var api *kustomer.APIError
	if errors.As(err, &api) && (api.Status == 403 || api.Status == 404) {
		e.note(fmt.Sprintf("no custom attribute metadata for %s (%s): field types come from the attribute names' suffixes", res, api.Error()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the custom attribute metadata of %s: %w", res, err)
	}
	if len(p.Data) == 0 {
		return nil
	}
	return e.store.Update(func(tx *snapshot.Tx) error { return tx.SetMetadata(res, p.Data[0]) })
}

// probe reads the first page of a type's list. A type that fits on it is
// done in one request; otherwise the page is not wasted (it is written)
// and tells the total where the list reports one.
func (e *engine) probe(ctx context.Context, typ string) (snapshot.Cursor, error) {
	key := runPrefix + "probe/" + typ
	cur, ok, err := e.store.Cursor(key)
	if err != nil || ok {
		return cur, err
	}
	size := e.opts.ListPageSize
	p, err := e.list(ctx, typ, listPath[typ], nil, 1, size)
	if err != nil {
		return cur, err
	}
	cur = snapshot.Cursor{Page: 1, Requests: 1, Read: len(p.Data), Total: p.Meta.Total,
		Done: len(p.Data) < size || p.Links.Next == ""}
	if cur.Done && cur.Total < 0 {
		cur.Total = len(p.Data)
	}
	_, err = e.write(page(p), map[string]snapshot.Cursor{key: cur}, nil)
	return cur, err
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// readType reads one of company, customer, conversation, kobject by the
// cheapest means for its mode.
func (e *engine) readType(ctx context.Context, typ string) error {
	plan, ok, err := e.planned(typ)
	if err != nil {
		return err
	}
	if !ok {
		plan, err = e.choose(ctx, typ)
		if err != nil {
			return err
		}
		if err := e.setPlan(typ, plan); err != nil {
			return err
		}
	}
	return e.follow(ctx, typ, plan)
}

// choose picks how to read a type whose plan is not recorded yet.
func (e *engine) choose(ctx context.Context, typ string) (snapshot.Cursor, error) {
	mode, from, to, err := e.mode(typ)
	if err != nil {
		return snapshot.Cursor{}, err
	}
	if mode != "full" {
		return snapshot.Cursor{Mode: mode, From: from, To: to}, nil
	}
	if forced := e.opts.Strategies[typ]; forced == "search" || typ == "kobject" && forced != "list" {
		return snapshot.Cursor{Mode: "search"}, nil
	}
	if _, ok := listPath[typ]; !ok {
		return snapshot.Cursor{Mode: "search"}, nil
	}
	pr, err := e.probe(ctx, typ)
	if err != nil {
		return snapshot.Cursor{}, err
	}
	size := e.opts.ListPageSize
	switch {
	case pr.Done:
		return snapshot.Cursor{Mode: "probe", Total: pr.Read}, nil
	case pr.Total >= 0 && e.opts.Strategies[typ] != "search":
		// The list says how many there are: compare the pages left with
		// a search (standard and archive) at 500 a page.
		listLeft := ceilDiv(pr.Total, size) - 1
		search := ceilDiv(pr.Total, e.opts.SearchPageSize) + 1
		if listLeft <= search || e.opts.Strategies[typ] == "list" {
			return snapshot.Cursor{Mode: "list", Total: pr.Total}, nil
		}
		return snapshot.Cursor{Mode: "search", Total: pr.Total}, nil
	case e.opts.Strategies[typ] == "list":
		return snapshot.Cursor{Mode: "list", Total: -1}, nil
	}
	return snapshot.Cursor{Mode: "search"}, nil
}

// follow reads a type the way its plan says.
func (e *engine) follow(ctx context.Context, typ string, plan snapshot.Cursor) error {
	size := e.opts.ListPageSize
	ssize := e.opts.SearchPageSize
	path := "/v1/" + listPath[typ]
	switch plan.Mode {
	case "probe":
		e.setStep(typ, "list "+path, 1, fmt.Sprintf("all %d fit on the first page", plan.Total))
		return nil
	case "list":
		last := ceilDiv(plan.Total, size)
		if plan.Total < 0 {
			last = 1 // unknown: the tail reads on from page 2
		}
		e.setStep(typ, "list "+path, max(last, 1), fmt.Sprintf("%d records: %d list pages of %d, against about %d search requests of %d (standard and archive)",
			plan.Total, last, size, ceilDiv(plan.Total, ssize)+1, ssize))
		e.prog.Expect(max(plan.Total, 0))
		return e.lanes(ctx, typ, typ, listPath[typ], nil, size, 2, last, e.laneCount(last-1))
	case "search":
		why := "search at 500 a page needs a fifth of the requests of the list at 100"
		if typ == "kobject" {
			why = "kobject search covers every Klass at 500 a page; the lists are per Klass at 100"
		}
		e.setStep(typ, "search + archive search", 0, why)
		return e.searchBoth(ctx, typ, time.Time{}, time.Time{}, true)
	default: // window, incremental
		archive := plan.From.IsZero() || plan.From.Before(e.now.Add(-kustomer.SearchWindow+24*time.Hour))
		what := "search"
		if archive && kustomer.Archived(typ) {
			what += " + archive search"
		}
		from := "the start"
		if !plan.From.IsZero() {
			from = plan.From.Format(time.RFC3339)
		}
		e.setStep(typ, what, 0, fmt.Sprintf("%s: records updated from %s", plan.Mode, from))
		return e.searchBoth(ctx, typ, plan.From, plan.To, archive)
	}
}

func (e *engine) laneCount(pages int) int {
	return max(1, min(e.opts.Workers, pages))
}

// phaseRecords reads companies, customers, conversations and kobjects.
func (e *engine) phaseRecords(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, typ := range []string{"company", "customer", "conversation", "kobject"} {
		if !e.scope[typ] {
			continue
		}
		g.Go(func() error { return e.readType(gctx, typ) })
	}
	return g.Wait()
}
