package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/readback"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
)

// Refresh reads back what the checkpoint says Zendesk holds and records
// the truth (spec/rules.md, rule 26): a record Zendesk no longer holds
// (deleted, or among the deleted tickets) is forgotten, so the next plan
// creates it again; one changed in Zendesk after kzmap wrote it (updated_at
// later than the checkpoint's Written, on Zendesk's clock) is marked as
// drifted, and the plan leaves it alone unless the mapping says to
// overwrite. A ticket Zendesk closed after kzmap imported it solved is not
// drift: Zendesk's automation does that to every solved ticket.
//
// Reads are bulk: show_many (100 records a request) for users and
// organizations, one listing for groups and memberships, and tickets
// through engine/readback (the incremental export when cheaper), as
// verify reads them; the Help Center's categories, sections and articles
// from their lists, attachments and translations from their article's.
// Custom objects and records are not read back.
func Refresh(ctx context.Context, st *checkpoint.Store, c *zendesk.Client) (*Drift, error) {
	return RefreshBy(ctx, st, c, readback.Auto)
}

// RefreshBy is Refresh with tickets read the given way (benchmarks
// compare them).
func RefreshBy(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, mode readback.Mode) (*Drift, error) {
	r := &refresher{mode: mode, st: st, c: c, d: &Drift{Read: map[kind.Kind]int{}}}
	start := requests(c)
	kinds := []kind.Kind{kind.Organization, kind.User, kind.Group, kind.GroupMembership, kind.Ticket}
	for _, k := range kind.All {
		if k.HelpCenter() {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		if k == kind.HCArticle {
			if err := r.articleWrites(); err != nil {
				return nil, err
			}
		}
		if err := r.kind(ctx, k); err != nil {
			return nil, fmt.Errorf("refreshing %ss from Zendesk: %w", k, err)
		}
	}
	r.d.Requests = requests(c) - start
	if err := st.Refreshed(r.drift, r.gone); err != nil {
		return nil, err
	}
	return r.d, nil
}

// Drift is what a refresh found.
type Drift struct {
	Read     map[kind.Kind]int // records compared, by kind
	Gone     []Drifted         // no longer in Zendesk: forgotten, created again by the next plan
	Changed  []Drifted         // changed in Zendesk after kzmap wrote them
	Closed   int               // tickets Zendesk closed after they were imported solved
	Requests int               // requests the refresh used
}

// Drifted names one record and what happened to it.
type Drifted struct {
	Kind      kind.Kind
	Key       string
	ZendeskID string
	Detail    string
}

// requests counts the requests sent, Support's and the Help Center's.
func requests(c *zendesk.Client) int {
	n := 0
	for _, lim := range []*throttle.Limiter{c.Limiter(), c.HelpCenterLimiter()} {
		if lim != nil {
			n += int(lim.Stats().Requests)
		}
	}
	return n
}

type refresher struct {
	mode  readback.Mode
	st    *checkpoint.Store
	c     *zendesk.Client
	d     *Drift
	drift []checkpoint.Drifted
	gone  []checkpoint.Forgotten
	// written is, for a Help Center article, when kzmap last wrote it or
	// one of its translations: writing a translation moves the article's
	// updated_at.
	written map[string]time.Time
}

// entry is what a refresh needs of a checkpoint record: not the whole
// entry, whose comment keys and applied fields make it a kilobyte or two
// a ticket, which a million tickets would hold at once.
type entry struct {
	key     string
	id      int64
	written time.Time
}

// seen is what Zendesk holds of a record.
type seen struct {
	updated time.Time
	status  string // tickets
}

func (r *refresher) kind(ctx context.Context, k kind.Kind) error {
	var es []entry
	err := r.st.ForEach(string(k), func(key string, e checkpoint.Entry) error {
		id, err := strconv.ParseInt(e.ZendeskID, 10, 64)
		if err != nil {
			return fmt.Errorf("checkpoint: %s %s has Zendesk id %q, not a number", k, key, e.ZendeskID)
		}
		es = append(es, entry{key: key, id: id, written: e.Written})
		return nil
	})
	if err != nil || len(es) == 0 {
		return err
	}
	have, err := r.read(ctx, k, es)
	if err != nil {
		return err
	}
	r.d.Read[k] += len(es)
	for _, x := range es {
		z, ok := have(x.id)
		if !ok {
			// Its aliases are replaced when it is created again.
			r.gone = append(r.gone, checkpoint.Forgotten{Kind: string(k), Key: x.key})
			r.d.Gone = append(r.d.Gone, Drifted{Kind: k, Key: x.key, ZendeskID: strconv.FormatInt(x.id, 10), Detail: "not in Zendesk"})
			continue
		}
		written := x.written
		if w, ok := r.written[x.key]; ok && w.After(written) {
			written = w
		}
		switch {
		case written.IsZero() || !z.updated.Truncate(time.Second).After(written):
			// Zendesk's times are whole seconds: a change in the second
			// of the write itself cannot be told from it. Drift found
			// before stays: only a write of the mapping over it (a
			// replace, or on_conflict = "overwrite") ends it.
		case k == kind.Ticket && z.status == "closed":
			r.d.Closed++
		default:
			why := fmt.Sprintf("changed in Zendesk at %s, after kzmap wrote it at %s", z.updated.UTC().Format(time.RFC3339), written.UTC().Format(time.RFC3339))
			r.drift = append(r.drift, checkpoint.Drifted{Kind: string(k), Key: x.key, Drift: why})
			r.d.Changed = append(r.d.Changed, Drifted{Kind: k, Key: x.key, ZendeskID: strconv.FormatInt(x.id, 10), Detail: why})
		}
	}
	return nil
}

// found says what Zendesk holds of a record by its Zendesk id, and
// whether it holds it.
type found func(id int64) (seen, bool)

// byID is what Zendesk holds of records, by Zendesk id.
type byID map[int64]seen

func (m byID) found(id int64) (seen, bool) { z, ok := m[id]; return z, ok }

// read returns what Zendesk holds of the records.
func (r *refresher) read(ctx context.Context, k kind.Kind, es []entry) (found, error) {
	if k == kind.Ticket {
		return r.tickets(ctx, es)
	}
	out, err := r.readByID(ctx, k, es)
	return out.found, err
}

func (r *refresher) readByID(ctx context.Context, k kind.Kind, es []entry) (byID, error) {
	out := byID{}
	switch k {
	case kind.Group:
		gs, err := r.c.ListGroups(ctx)
		for _, g := range gs {
			if !g.Deleted {
				out[g.ID] = seen{updated: g.UpdatedAt}
			}
		}
		return out, err
	case kind.GroupMembership:
		ms, err := r.c.ListGroupMemberships(ctx)
		for _, m := range ms {
			out[m.ID] = seen{} // a membership has nothing to change
		}
		return out, err
	case kind.HCCategory, kind.HCSection, kind.HCArticle, kind.HCAttachment, kind.HCTranslation:
		return r.helpCenter(ctx, k, es)
	}
	for i := 0; i < len(es); i += zendesk.MaxBatch {
		ids := idsOf(es[i:min(i+zendesk.MaxBatch, len(es))])
		if k == kind.User {
			us, err := r.c.ShowManyUsers(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				out[u.ID] = seen{updated: u.UpdatedAt}
			}
		} else {
			os, err := r.c.ShowManyOrganizations(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, o := range os {
				out[o.ID] = seen{updated: o.UpdatedAt}
			}
		}
	}
	return out, nil
}

func idsOf(es []entry) []int64 {
	ids := make([]int64, len(es))
	for i, x := range es {
		ids[i] = x.id
	}
	return ids
}

// tickets reads tickets back through engine/readback, from the oldest
// write on. What it learns is kept by the tickets' place in a sorted id
// set, not in a map: for a million tickets, about 50 MB (an id, a time
// and a status each).
func (r *refresher) tickets(ctx context.Context, es []entry) (found, error) {
	since := time.Time{}
	for _, x := range es {
		if w := x.written; !w.IsZero() && (since.IsZero() || w.Before(since)) {
			since = w
		}
	}
	set := readback.NewIDs(idsOf(es))
	got := make([]seen, len(set))
	live := make([]bool, len(set))
	err := readback.Tickets(ctx, r.c, set, since, r.mode, func(i int, t zendesk.ExportedTicket) error {
		live[i] = !t.Deleted()
		got[i] = seen{updated: t.UpdatedAt, status: t.Status}
		return nil
	})
	return func(id int64) (seen, bool) {
		i, ok := set.Index(id)
		if !ok || !live[i] {
			return seen{}, false
		}
		return got[i], true
	}, err
}

// articleWrites notes, for each article, the last write of its
// translations.
func (r *refresher) articleWrites() error {
	r.written = map[string]time.Time{}
	return r.st.ForEach(string(kind.HCTranslation), func(key string, e checkpoint.Entry) error {
		art := articleKeyOf(key)
		if e.Written.After(r.written[art]) {
			r.written[art] = e.Written
		}
		return nil
	})
}

// helpCenter reads back Help Center records: categories, sections and
// articles from their lists, attachments and translations from their
// article's (an archived article's are gone with it).
func (r *refresher) helpCenter(ctx context.Context, k kind.Kind, es []entry) (map[int64]seen, error) {
	out := map[int64]seen{}
	switch k {
	case kind.HCCategory:
		cats, err := r.c.HCCategories(ctx)
		for _, c := range cats {
			out[c.ID] = seen{updated: c.UpdatedAt}
		}
		return out, err
	case kind.HCSection:
		secs, err := r.c.HCSections(ctx)
		for _, s := range secs {
			out[s.ID] = seen{updated: s.UpdatedAt}
		}
		return out, err
	case kind.HCArticle:
		arts, err := r.c.HCArticles(ctx, nil)
		for _, a := range arts {
			out[a.ID] = seen{updated: a.UpdatedAt}
		}
		return out, err
	}
	articles := map[string]bool{}
	for _, x := range es {
		articles[articleKeyOf(x.key)] = true
	}
	for _, key := range slices.Sorted(maps.Keys(articles)) {
		e, ok, err := r.st.Get(string(kind.HCArticle), key)
		if err != nil {
			return nil, err
		}
		id, perr := strconv.ParseInt(e.ZendeskID, 10, 64)
		if !ok || perr != nil {
			continue
		}
		if k == kind.HCTranslation {
			ts, err := r.c.HCTranslations(ctx, id)
			if errors.Is(err, zendesk.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				out[t.ID] = seen{updated: t.UpdatedAt}
			}
			continue
		}
		as, err := r.c.HCAttachments(ctx, id)
		if errors.Is(err, zendesk.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out[a.ID] = seen{updated: a.CreatedAt}
		}
	}
	return out, nil
}
