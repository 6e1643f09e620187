package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/readback"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// The read-back asks Zendesk for every record the checkpoint says exists:
// tickets through engine/readback, as refresh reads them (the incremental
// export when cheaper); users and organizations by id with show_many, 100
// at a time;
// groups, memberships and custom objects by listing them (there are few);
// custom object records by external id, per object, during the pass,
// because the checkpoint keeps their Zendesk ids but not their objects;
// the Help Center by listing it (helpcenter.go).

// pendingRecord is a custom object record waiting for its lookup.
type pendingRecord struct {
	key, ext, zid string
}

// showManyBatch is Zendesk's show_many limit.
const showManyBatch = 100

func (r *runner) queueRecord(ctx context.Context, d *engine.Desired, e checkpoint.Entry) error {
	obj, ext := str(d.Payload, "object"), str(d.Payload, "external_id")
	if ext == "" {
		r.notChecked[string(d.Kind)]++
		r.note(Difference{Kind: d.Kind, Key: d.Key, ZendeskID: e.ZendeskID, What: "not_checked",
			Message: r.label(d.Kind, d.Key, e.ZendeskID) + ": has no external id, so it was not read back (map external_id to check it)"})
		return nil
	}
	r.records[obj] = append(r.records[obj], pendingRecord{key: d.Key, ext: ext, zid: e.ZendeskID})
	if len(r.records[obj]) >= showManyBatch {
		return r.flushRecords(ctx, obj)
	}
	return nil
}

// lookupRecords returns the records of an object by external id; an
// object Zendesk does not have has none.
func (r *runner) lookupRecords(ctx context.Context, obj string, exts []string) (map[string]zendesk.CustomObjectRecord, error) {
	recs, err := r.opts.Client.CustomObjectRecordsByExternalID(ctx, obj, exts)
	var api *zendesk.APIError
	if errors.As(err, &api) && api.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading back records of custom object %s: %w", obj, err)
	}
	out := make(map[string]zendesk.CustomObjectRecord, len(recs))
	for _, rec := range recs {
		out[rec.ExternalID] = rec
	}
	return out, nil
}

func (r *runner) flushRecords(ctx context.Context, obj string) error {
	pend := r.records[obj]
	delete(r.records, obj)
	if len(pend) == 0 {
		return nil
	}
	exts := make([]string, len(pend))
	for i, p := range pend {
		exts[i] = p.ext
	}
	got, err := r.lookupRecords(ctx, obj, exts)
	if err != nil {
		return err
	}
	kc := r.count("custom_object_record")
	for _, p := range pend {
		rec, ok := got[p.ext]
		if !ok {
			kc.MissingInZendesk++
			r.add(Difference{Kind: kc.Kind, Key: p.key, ZendeskID: p.zid, What: "missing_in_zendesk",
				Message: fmt.Sprintf("%s: in the checkpoint, but custom object %s has no record with external id %s (deleted in Zendesk?)", r.label(kc.Kind, p.key, p.zid), obj, p.ext)})
			continue
		}
		kc.Zendesk++
		if rec.ID != p.zid {
			r.add(Difference{Kind: kc.Kind, Key: p.key, ZendeskID: p.zid, What: "field", Field: "id", Got: rec.ID, Want: p.zid,
				Message: fmt.Sprintf("%s: Zendesk's record with external id %s is %s, not the one the checkpoint recorded (recreated in Zendesk?)", r.label(kc.Kind, p.key, p.zid), p.ext, rec.ID)})
		}
	}
	return nil
}

// readBack counts, kind by kind, the checkpoint's records that Zendesk
// has, and keeps the ones picked for comparison.
func (r *runner) readBack(ctx context.Context) error {
	r.picked = map[string]*candidate{}
	r.found = map[string]any{}
	for _, c := range r.smp.picks() {
		r.picked[string(c.d.Kind)+"\x00"+c.d.Key] = c
		r.pickOrder = append(r.pickOrder, c)
	}
	for _, k := range kind.All {
		var err error
		switch k {
		case kind.Organization:
			err = r.showMany(ctx, k, func(ids []int64) (map[int64]any, error) {
				l, err := r.opts.Client.ShowManyOrganizations(ctx, ids)
				return byID(l, func(o zendesk.Organization) int64 { return o.ID }), err
			})
		case kind.User:
			err = r.showMany(ctx, k, func(ids []int64) (map[int64]any, error) {
				l, err := r.opts.Client.ShowManyUsers(ctx, ids)
				return byID(l, func(u zendesk.User) int64 { return u.ID }), err
			})
		case kind.Ticket:
			err = r.tickets(ctx)
		case kind.Group:
			var groups []zendesk.Group
			if groups, err = r.opts.Client.ListGroups(ctx); err == nil {
				m := map[string]any{}
				for _, g := range groups {
					if !g.Deleted {
						m[strconv.FormatInt(g.ID, 10)] = g
					}
				}
				err = r.fromListing(k, m)
			}
		case kind.GroupMembership:
			var ms []zendesk.GroupMembership
			if ms, err = r.opts.Client.ListGroupMemberships(ctx); err == nil {
				m := map[string]any{}
				for _, gm := range ms {
					m[strconv.FormatInt(gm.ID, 10)] = gm
				}
				err = r.fromListing(k, m)
			}
		case kind.TicketField, kind.UserField, kind.OrganizationField:
			var fs []zendesk.Field
			if fs, err = r.opts.Client.ListFields(ctx, apply.FieldResource(k)); err == nil {
				m := map[string]any{}
				for _, f := range fs {
					m[strconv.FormatInt(f.ID, 10)] = f
				}
				err = r.fromListing(k, m)
			}
		case kind.CustomObject:
			var objs []zendesk.CustomObject
			if objs, err = r.opts.Client.ListCustomObjects(ctx); err == nil {
				m := map[string]any{}
				for _, o := range objs {
					m[o.Key] = o
				}
				err = r.fromListing(k, m)
			}
		case kind.HCCategory, kind.HCSection, kind.HCArticle, kind.HCAttachment, kind.HCTranslation:
			if r.hc != nil {
				err = r.hcReadBack(ctx, k)
			}
		}
		if err != nil {
			return fmt.Errorf("reading back %s records from Zendesk: %w", k, err)
		}
	}
	return nil
}

func byID[T any](l []T, id func(T) int64) map[int64]any {
	m := make(map[int64]any, len(l))
	for _, v := range l {
		m[id(v)] = v
	}
	return m
}

func (r *runner) missing(k kind.Kind, key, zid string) {
	r.count(k).MissingInZendesk++
	r.add(Difference{Kind: k, Key: key, ZendeskID: zid, What: "missing_in_zendesk",
		Message: fmt.Sprintf("%s: in the checkpoint, but Zendesk does not have it (deleted there since? kzmap state show %s %s names the batch that wrote it)", r.label(k, key, zid), k, key)})
}

func (r *runner) keep(k kind.Kind, key string, v any) {
	if _, ok := r.picked[string(k)+"\x00"+key]; ok {
		r.found[string(k)+"\x00"+key] = v
	}
}

// showMany reads back the checkpoint's records of a kind by id, 100 at a
// time.
func (r *runner) showMany(ctx context.Context, k kind.Kind, fetch func([]int64) (map[int64]any, error)) error {
	kc := r.count(k)
	var keys []string
	var ids []int64
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		got, err := fetch(ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			zid := strconv.FormatInt(id, 10)
			if v, ok := got[id]; ok {
				kc.Zendesk++
				r.keep(k, keys[i], v)
			} else {
				r.missing(k, keys[i], zid)
			}
		}
		keys, ids = keys[:0], ids[:0]
		return ctx.Err()
	}
	err := r.opts.Store.ForEach(string(k), func(key string, e checkpoint.Entry) error {
		id, err := strconv.ParseInt(e.ZendeskID, 10, 64)
		if err != nil || id <= 0 {
			kc.MissingInZendesk++
			r.add(Difference{Kind: k, Key: key, ZendeskID: e.ZendeskID, What: "missing_in_zendesk",
				Message: fmt.Sprintf("%s: the checkpoint's Zendesk id %q is not a number", key, e.ZendeskID)})
			return nil
		}
		keys, ids = append(keys, key), append(ids, id)
		if len(ids) == showManyBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// fromListing reads back the checkpoint's records of a kind against a listing
// of Zendesk's, by Zendesk id.
func (r *runner) fromListing(k kind.Kind, have map[string]any) error {
	kc := r.count(k)
	return r.opts.Store.ForEach(string(k), func(key string, e checkpoint.Entry) error {
		v, ok := have[e.ZendeskID]
		if !ok {
			r.missing(k, key, e.ZendeskID)
			return nil
		}
		kc.Zendesk++
		r.keep(k, key, v)
		return nil
	})
}

// tickets reads back the checkpoint's tickets through engine/readback.
// It holds, of a million tickets, their ids and a flag each: whole
// tickets only for those picked for comparison, and the subjects of
// those tagged as having lost something. The checkpoint is read twice,
// once for the ids and once to count, rather than holding every key.
func (r *runner) tickets(ctx context.Context) error {
	kc := r.count(kind.Ticket)
	var ids []int64
	var since time.Time
	picked := map[int64]bool{}
	err := r.opts.Store.ForEach(string(kind.Ticket), func(key string, e checkpoint.Entry) error {
		id, err := strconv.ParseInt(e.ZendeskID, 10, 64)
		if err != nil || id <= 0 {
			return nil // counted below
		}
		if w := e.Written; !w.IsZero() && (since.IsZero() || w.Before(since)) {
			since = w
		}
		ids = append(ids, id)
		if _, ok := r.picked[string(kind.Ticket)+"\x00"+key]; ok {
			picked[id] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	set := readback.NewIDs(ids)
	ids = nil
	live := make([]bool, len(set))
	whole := map[int64]zendesk.Ticket{} // the picked ones
	lost := map[int64]string{}          // subjects of tickets tagged with a loss
	err = readback.Tickets(ctx, r.opts.Client, set, since, r.opts.ReadBack, func(i int, t zendesk.ExportedTicket) error {
		live[i] = !t.Deleted()
		delete(whole, t.ID)
		delete(lost, t.ID)
		if !live[i] {
			return nil
		}
		if picked[t.ID] {
			whole[t.ID] = t.Ticket
		}
		if tagSet(t.Tags)[render.LostTag] {
			lost[t.ID] = t.Subject
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.opts.Store.ForEach(string(kind.Ticket), func(key string, e checkpoint.Entry) error {
		id, err := strconv.ParseInt(e.ZendeskID, 10, 64)
		if err != nil || id <= 0 {
			kc.MissingInZendesk++
			r.add(Difference{Kind: kind.Ticket, Key: key, ZendeskID: e.ZendeskID, What: "missing_in_zendesk",
				Message: fmt.Sprintf("%s: the checkpoint's Zendesk id %q is not a number", key, e.ZendeskID)})
			return nil
		}
		if i, ok := set.Index(id); !ok || !live[i] {
			r.missing(kind.Ticket, key, strconv.FormatInt(id, 10))
			return nil
		}
		kc.Zendesk++
		if t, ok := whole[id]; ok {
			r.keep(kind.Ticket, key, t)
		}
		if subject, ok := lost[id]; ok {
			r.tagged(key, id, subject)
		}
		return nil
	})
}
