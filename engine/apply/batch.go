package apply

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/zendesk"
)

// outcome is what became of one item of a batch.
type outcome struct {
	id   string // Zendesk id; "" when the item failed or is unknown
	err  string // Zendesk's reason, for the dead letters
	sent bool   // false: not sent (a reference could not be resolved, say)
}

// aliasKinds are the kinds whose source records resolve to them (a
// membership's team resolves to the group, not to the membership).
var aliasKinds = map[string]bool{"organization": true, "user": true, "group": true, "custom_object": true, "ticket": true, "custom_object_record": true}

func externalID(it item) string {
	switch it.op.Kind {
	case "group":
		s, _ := it.d.Payload["name"].(string)
		return s
	case "custom_object":
		s, _ := it.d.Payload["key"].(string)
		return s
	case "group_membership":
		u, _ := it.d.Payload["user"].(string)
		g, _ := it.d.Payload["group"].(string)
		return u + "/" + g
	case "custom_object_record":
		obj, _ := it.d.Payload["object"].(string)
		ext, _ := it.d.Payload["external_id"].(string)
		return obj + "\x00" + ext
	}
	s, _ := it.d.Payload["external_id"].(string)
	return s
}

// runBatch records the batch as in flight, sends it, and records what
// Zendesk did with every item.
// batchState is a batch being run: its checkpoint record, and release,
// which frees the batch's worker slot once its job is queued — the wait for
// the job needs no worker, and holding one there starves the budget.
type batchState struct {
	*checkpoint.Batch
	release func()
}

func (ex *executor) runBatch(ctx context.Context, items []item, release func()) error {
	kind, action := items[0].op.Kind, items[0].op.Action
	if kind == "organization" && action == "create" {
		rest, err := ex.adoptOrganizations(ctx, items)
		if err != nil {
			return err
		}
		if items = rest; len(items) == 0 {
			return nil
		}
	}
	b := ex.newBatch(items, action)
	if err := ex.opts.Store.BeginBatch(b); err != nil {
		return err
	}
	outs, err := ex.write(ctx, &batchState{Batch: &b, release: release}, items)
	if errors.Is(err, zendesk.ErrMaybeSent) || errors.Is(err, zendesk.ErrJobGone) {
		// Zendesk may have acted: ask it, exactly as after a crash. A batch
		// that has not settled stays in flight and stops the run.
		b2, _, gerr := ex.opts.Store.Batch(b.ID)
		if gerr != nil {
			return gerr
		}
		ex.count(kind, "answers_lost", 1)
		if err := resolve(ctx, ex.opts.Store, ex.opts.Client, b2, ex.opts.Settle, ex.opts.Clock); err != nil {
			return err
		}
		ex.progress(kind, len(items), 0)
		return nil
	}
	if err != nil {
		// Nothing was done: close the batch so nothing stays in flight.
		if cerr := ex.opts.Store.CompleteBatch(b.ID, nil, nil); cerr != nil {
			return cerr
		}
		return fmt.Errorf("%s %s: %w", action, kind, err)
	}
	records, dead := confirm(b, outs)
	if err := ex.opts.Store.CompleteBatch(b.ID, records, dead); err != nil {
		return err
	}
	created := 0
	for _, o := range outs {
		if o.id != "" {
			created++
		}
	}
	what := map[string]string{"create": "created", "update": "updated", "append_comments": "appended"}[action]
	ex.count(kind, what, created)
	ex.count(kind, "dead", len(dead))
	ex.progress(kind, len(items), len(dead))
	return nil
}

// confirm turns outcomes into checkpoint records and dead letters.
func confirm(b checkpoint.Batch, outs []outcome) ([]checkpoint.Record, []checkpoint.DeadLetter) {
	var records []checkpoint.Record
	var dead []checkpoint.DeadLetter
	for i, o := range outs {
		switch {
		case o.id != "":
			r := checkpoint.Record{Kind: b.Kind, Key: b.Keys[i], Entry: checkpoint.Entry{ZendeskID: o.id, Hash: b.Hashes[i]}}
			if i < len(b.Comments) {
				r.Entry.Comments = b.Comments[i]
			}
			if b.Kind == "custom_object_record" && i < len(b.ExternalIDs) {
				r.Entry.Object, _, _ = strings.Cut(b.ExternalIDs[i], "\x00")
			}
			if aliasKinds[b.Kind] && !strings.Contains(b.Keys[i], "#") && i < len(b.Sources) {
				for _, src := range strings.Split(b.Sources[i], ",") {
					if t, id, ok := strings.Cut(src, "/"); ok {
						r.Aliases = append(r.Aliases, checkpoint.Alias{SourceType: t, SourceID: id})
					}
				}
			}
			records = append(records, r)
		case o.err != "":
			dead = append(dead, checkpoint.DeadLetter{Kind: b.Kind, Key: b.Keys[i], Error: o.err})
		}
	}
	return records, dead
}

// jobOutcomes matches a finished job's results to the batch's items.
func jobOutcomes(ctx context.Context, st *checkpoint.Store, b *batchState, job *zendesk.Job, n int) ([]outcome, error) {
	if err := st.SetJob(b.ID, job.ID()); err != nil {
		return nil, err
	}
	b.JobID = job.ID()
	if b.release != nil {
		b.release()
	}
	res, err := job.Wait(ctx)
	if err != nil {
		return nil, err
	}
	outs := make([]outcome, n)
	for _, r := range res.Results {
		if r.Index < 0 || r.Index >= n {
			continue
		}
		switch {
		case r.Success && r.ID != "":
			outs[r.Index] = outcome{id: r.ID, sent: true}
		case r.Unknown:
			return nil, fmt.Errorf("job %s: %w", job.ID(), zendesk.ErrMaybeSent)
		default:
			msg := strings.TrimSpace(r.Error + ": " + r.Details)
			outs[r.Index] = outcome{err: strings.Trim(msg, ": "), sent: true}
		}
	}
	for i := range outs {
		if outs[i].id == "" && outs[i].err == "" {
			outs[i].err = "Zendesk's job reported nothing for this item"
		}
	}
	return outs, nil
}

// write sends a batch with the endpoint its kind and action need.
func (ex *executor) write(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	c, st := ex.opts.Client, ex.opts.Store
	kind, action := b.Kind, b.Op
	outs := make([]outcome, len(items))
	switch {
	case kind == "organization" && action == "create":
		orgs := make([]zendesk.Organization, len(items))
		for i, it := range items {
			orgs[i] = orgFrom(it.d)
		}
		job, err := c.CreateManyOrganizations(ctx, orgs)
		if err != nil {
			return nil, err
		}
		return jobOutcomes(ctx, st, b, job, len(items))
	case kind == "organization":
		for i, it := range items {
			o := orgFrom(it.d)
			got, _, err := c.CreateOrUpdateOrganization(ctx, o)
			outs[i] = singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) })
		}
		return outs, nil
	case kind == "user":
		users := make([]zendesk.User, len(items))
		for i, it := range items {
			u, err := ex.userFrom(it.d)
			if err != nil {
				return nil, err
			}
			users[i] = u
		}
		var job *zendesk.Job
		var err error
		if action == "create" {
			job, err = c.CreateManyUsers(ctx, users)
		} else {
			job, err = c.CreateOrUpdateManyUsers(ctx, users)
		}
		if err != nil {
			return nil, err
		}
		return jobOutcomes(ctx, st, b, job, len(items))
	case kind == "group" && action == "create":
		it := items[0]
		name, _ := it.d.Payload["name"].(string)
		desc, _ := it.d.Payload["description"].(string)
		g, err := c.CreateGroup(ctx, zendesk.Group{Name: name, Description: desc})
		if errors.Is(err, zendesk.ErrMaybeSent) {
			return nil, err // resolved by asking Zendesk, as after a crash
		}
		outs[0] = singleOutcome(g, err, func() string { return strconv.FormatInt(g.ID, 10) })
		return outs, nil
	case kind == "group_membership":
		var ms []zendesk.GroupMembership
		var idx []int
		for i, it := range items {
			u, _ := it.d.Payload["user"].(string)
			g, _ := it.d.Payload["group"].(string)
			uid, err := ex.refs.ID("user", u)
			if err != nil {
				return nil, err
			}
			gid, err := ex.refs.ID("team", g)
			if err != nil {
				return nil, err
			}
			if uid == 0 || gid == 0 {
				outs[i] = outcome{err: fmt.Sprintf("the agent %s or the group of team %s was not created in Zendesk (see its dead letter)", u, g)}
				continue
			}
			ms = append(ms, zendesk.GroupMembership{UserID: uid, GroupID: gid})
			idx = append(idx, i)
		}
		if len(ms) == 0 {
			return outs, nil
		}
		job, err := c.CreateManyGroupMemberships(ctx, ms)
		if err != nil {
			return nil, err
		}
		sub, err := jobOutcomes(ctx, st, b, job, len(ms))
		if err != nil {
			return nil, err
		}
		for j, o := range sub {
			outs[idx[j]] = o
		}
		return outs, nil
	case kind == "custom_object" && action == "create":
		outs[0] = ex.createObject(ctx, items[0].d)
		return outs, nil
	case kind == "ticket" && action == "create":
		return ex.importTickets(ctx, b, items)
	case kind == "ticket":
		return ex.updateTicket(ctx, items[0])
	case kind == "custom_object_record":
		obj, _ := items[0].d.Payload["object"].(string)
		recs := make([]zendesk.CustomObjectRecord, len(items))
		for i, it := range items {
			r, err := ex.recordFrom(it.d)
			if err != nil {
				return nil, err
			}
			recs[i] = r
		}
		job, err := c.SubmitRecordJob(ctx, obj, zendesk.RecordCreateOrUpdateByExternalID, recs)
		if err != nil {
			var api *zendesk.APIError
			if errors.As(err, &api) && api.Status < 500 {
				for i := range outs {
					outs[i] = outcome{err: api.Error(), sent: true}
				}
				return outs, nil
			}
			return nil, err
		}
		return jobOutcomes(ctx, st, b, job, len(items))
	}
	for i := range outs {
		outs[i] = outcome{err: fmt.Sprintf("kzmap cannot %s a %s yet: change it in Zendesk by hand, or delete it there and plan again", action, kind)}
	}
	return outs, nil
}

// singleOutcome reads the result of a one-record request: a refusal is
// that record's dead letter, anything else stops the run.
func singleOutcome[T any](got *T, err error, id func() string) outcome {
	if err == nil && got != nil {
		return outcome{id: id(), sent: true}
	}
	var api *zendesk.APIError
	if errors.As(err, &api) && api.Status >= 400 && api.Status < 500 && api.Status != 429 {
		return outcome{err: api.Error(), sent: true}
	}
	if err == nil {
		err = errors.New("empty answer")
	}
	return outcome{err: err.Error(), sent: true}
}

func str(p map[string]any, k string) string { s, _ := p[k].(string); return s }

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

func orgFrom(d *engine.Desired) zendesk.Organization {
	p := d.Payload
	return zendesk.Organization{Name: str(p, "name"), ExternalID: str(p, "external_id"), DomainNames: dsl.Strings(p["domain_names"]),
		Details: str(p, "details"), Notes: str(p, "notes"), Tags: dsl.Strings(p["tags"]), OrganizationFields: mapOf(p["organization_fields"])}
}

func (ex *executor) userFrom(d *engine.Desired) (zendesk.User, error) {
	p := d.Payload
	u := zendesk.User{Name: str(p, "name"), Email: str(p, "email"), ExternalID: str(p, "external_id"), Role: str(p, "role"),
		Phone: str(p, "phone"), Details: str(p, "details"), Notes: str(p, "notes"), Locale: str(p, "locale"),
		TimeZone: str(p, "time_zone"), Tags: dsl.Strings(p["tags"]), UserFields: mapOf(p["user_fields"]), SkipVerifyEmail: true}
	if v, ok := p["verified"].(bool); ok {
		u.Verified = &v
	}
	if org := str(p, "organization"); org != "" {
		id, err := ex.refs.ID("company", org)
		if err != nil {
			return u, err
		}
		u.OrganizationID = id
	}
	for _, v := range dsl.Strings(p["identities"]) {
		typ := "phone_number"
		if strings.Contains(v, "@") {
			typ = "email"
		}
		u.Identities = append(u.Identities, zendesk.Identity{Type: typ, Value: v, SkipVerifyEmail: typ == "email"})
	}
	return u, nil
}

// recordFrom builds a record; its lookups to the customer and company are
// resolved to Zendesk ids, on the object that has the lookup fields (the
// first of a split Klass).
func (ex *executor) recordFrom(d *engine.Desired) (zendesk.CustomObjectRecord, error) {
	p := d.Payload
	fields := map[string]any{}
	for k, v := range mapOf(p["fields"]) {
		fields[k] = v
	}
	if !strings.Contains(d.Key, "#") {
		for _, l := range []struct{ attr, typ, key string }{{"user", "customer", "kz_customer"}, {"organization", "company", "kz_company"}} {
			if src := str(p, l.attr); src != "" {
				id, err := ex.refs.ID(l.typ, src)
				if err != nil {
					return zendesk.CustomObjectRecord{}, err
				}
				if id != 0 {
					fields[l.key] = strconv.FormatInt(id, 10)
				}
			}
		}
	}
	return zendesk.CustomObjectRecord{Name: str(p, "name"), ExternalID: str(p, "external_id"), CustomObjectFields: fields}, nil
}

// createObject creates a custom object and the fields it lacks. It is
// safe to repeat: an object or field that exists is kept. The object is
// recorded only when every field exists, so records never meet a missing
// field.
func (ex *executor) createObject(ctx context.Context, d *engine.Desired) outcome {
	c := ex.opts.Client
	p := d.Payload
	key := str(p, "key")
	title := str(p, "title")
	plural := str(p, "title_pluralized")
	if plural == "" {
		plural = title
	}
	// exists: the object was there before, or its creation's answer was
	// lost; its fields are then listed before any is created.
	hasObject := func() (bool, error) {
		objs, err := c.ListCustomObjects(ctx)
		if err != nil {
			return false, err
		}
		for _, o := range objs {
			if o.Key == key {
				return true, nil
			}
		}
		return false, nil
	}
	exists, err := hasObject()
	if err != nil {
		return outcome{err: err.Error(), sent: true}
	}
	for created, attempt := exists, 0; !created; attempt++ {
		if attempt == 3 {
			return outcome{err: fmt.Sprintf("creating object %s: its creation's answer was lost three times and Zendesk does not show it; apply again", key), sent: true}
		}
		obj, err := c.CreateCustomObject(ctx, zendesk.CustomObject{Key: key, Title: title, TitlePluralized: plural, Description: str(p, "description")})
		switch {
		case err == nil:
			created = true
		case errors.Is(err, zendesk.ErrMaybeSent):
			// Ask before sending it again.
			if created, err = hasObject(); err != nil {
				return outcome{err: err.Error(), sent: true}
			}
			exists = created
		default:
			return singleOutcome(obj, err, func() string { return key })
		}
	}
	have := map[string]bool{}
	listed := false
	fields, _ := p["fields"].([]any)
	for _, f := range fields {
		fm := mapOf(f)
		fkey := str(fm, "key")
		for attempt := 0; ; attempt++ {
			if (exists || attempt > 0) && !listed {
				existing, err := c.ListCustomObjectFields(ctx, key)
				if err != nil {
					return outcome{err: fmt.Sprintf("listing the fields of %s: %v", key, err), sent: true}
				}
				for _, ef := range existing {
					have[ef.Key] = true
				}
				listed = true
			}
			if have[fkey] {
				break
			}
			_, err := c.CreateCustomObjectField(ctx, key, zendesk.CustomObjectField{Key: fkey, Title: str(fm, "title"), Type: str(fm, "type"), RelationshipTargetType: str(fm, "target")})
			if err == nil {
				have[fkey] = true
				break
			}
			// A field that may or may not have been created is looked up
			// before it is sent again.
			var api *zendesk.APIError
			retriable := errors.Is(err, zendesk.ErrMaybeSent) || (errors.As(err, &api) && api.Temporary())
			if !retriable || attempt == 3 {
				return outcome{err: fmt.Sprintf("field %s: %v", fkey, err), sent: true}
			}
			listed = false
		}
	}
	return outcome{id: key, sent: true}
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
