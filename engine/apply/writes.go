package apply

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// write sends a batch with the endpoint its kind and action need. Every
// kind.Updatable kind has its update here: a plan never offers an action
// apply cannot take.
func (ex *executor) write(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	k, action := items[0].op.Kind, items[0].op.Action
	if k.HelpCenter() {
		return ex.writeHC(ctx, items[0])
	}
	switch k {
	case kind.TicketField, kind.UserField, kind.OrganizationField:
		return ex.writeField(ctx, items[0], action), nil
	case kind.Organization:
		return ex.writeOrganizations(ctx, b, items, action)
	case kind.User:
		return ex.writeUsers(ctx, b, items, action)
	case kind.Group:
		return ex.writeGroup(ctx, items[0], action)
	case kind.GroupMembership:
		return ex.writeMemberships(ctx, b, items)
	case kind.CustomObject:
		return []outcome{ex.ensureObject(ctx, items[0], action == kind.Update)}, nil
	case kind.Ticket:
		switch action {
		case kind.Create:
			return ex.importTickets(ctx, b, items)
		case kind.Replace:
			return ex.replaceTickets(ctx, b, items)
		case kind.Delete:
			return ex.deleteTickets(ctx, items)
		}
		return ex.updateTicket(ctx, items[0])
	case kind.CustomObjectRecord:
		return ex.writeRecords(ctx, b, items)
	}
	return nil, fmt.Errorf("apply: no writer for %s %s", action, k)
}

func (ex *executor) writeOrganizations(ctx context.Context, b *batchState, items []item, action kind.Action) ([]outcome, error) {
	c := ex.opts.Client
	if action == kind.Create {
		return ex.ready(ctx, b, items, func(items []item) (*zendesk.Job, error) {
			orgs := make([]zendesk.Organization, len(items))
			for i, it := range items {
				orgs[i] = render.Organization(it.d)
			}
			return c.CreateManyOrganizations(ctx, orgs)
		})
	}
	outs := make([]outcome, len(items))
	for i, it := range items {
		o := render.Organization(it.d)
		o.ID, _ = strconv.ParseInt(it.op.ZendeskID, 10, 64)
		got, _, err := c.CreateOrUpdateOrganization(ctx, o)
		outs[i] = singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) })
	}
	return outs, nil
}

func (ex *executor) writeUsers(ctx context.Context, b *batchState, items []item, action kind.Action) ([]outcome, error) {
	outs, err := ex.ready(ctx, b, items, func(items []item) (*zendesk.Job, error) {
		users := make([]zendesk.User, len(items))
		for i, it := range items {
			u, err := render.User(it.d, ex.refs)
			if err != nil {
				return nil, err
			}
			users[i] = u
		}
		if action == kind.Create {
			return ex.opts.Client.CreateManyUsers(ctx, users)
		}
		return ex.opts.Client.CreateOrUpdateManyUsers(ctx, users)
	})
	if err != nil || action != kind.Create {
		return outs, err
	}
	return outs, ex.adoptByEmail(ctx, items, outs)
}

// adoptByEmail takes over the users Zendesk refused because their email
// is taken by a user with no external id (or this one, in another case):
// someone who wrote to support before the migration, or a user made by
// hand. The user is updated to the plan's payload, which gives it its
// external id. A user whose email belongs to another migrated record
// stays a dead letter.
func (ex *executor) adoptByEmail(ctx context.Context, items []item, outs []outcome) error {
	c := ex.opts.Client
	for i, it := range items {
		if outs[i].id != "" || !strings.Contains(outs[i].err, "already being used") {
			continue
		}
		want, err := render.User(it.d, ex.refs)
		if err != nil {
			return err
		}
		if want.Email == "" {
			continue
		}
		found, err := c.SearchUsersByEmail(ctx, want.Email)
		if err != nil {
			return fmt.Errorf("looking up the user holding %s: %w", want.Email, err)
		}
		if len(found) != 1 || found[0].ExternalID != "" && !strings.EqualFold(found[0].ExternalID, want.ExternalID) {
			continue
		}
		want.ID = found[0].ID
		got, _, err := c.CreateOrUpdateUser(ctx, want)
		if o := singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) }); o.id != "" {
			outs[i] = outcome{id: o.id, adopted: true}
		} else {
			outs[i].err += "; adopting the user holding the email failed: " + o.err
		}
	}
	return nil
}

func (ex *executor) writeGroup(ctx context.Context, it item, action kind.Action) ([]outcome, error) {
	g := render.Group(it.d)
	c := ex.opts.Client
	var got *zendesk.Group
	var err error
	if action == kind.Create {
		got, err = c.CreateGroup(ctx, g)
		if errors.Is(err, zendesk.ErrMaybeSent) {
			// A group is created at once, not by a job: once the answer
			// is lost, the listing says whether it was.
			if got, err = groupNamed(ctx, c, g.Name); err == nil && got == nil {
				got, err = c.CreateGroup(ctx, g)
			}
		}
	} else {
		id, perr := strconv.ParseInt(it.op.ZendeskID, 10, 64)
		if perr != nil {
			return []outcome{{err: fmt.Sprintf("the checkpoint's id %q for this group is not a number", it.op.ZendeskID)}}, nil
		}
		got, err = c.UpdateGroup(ctx, id, g)
	}
	if errors.Is(err, zendesk.ErrMaybeSent) {
		return nil, err // resolved by asking Zendesk, as after a crash
	}
	return []outcome{singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) })}, nil
}

// groupNamed is the account's group with this name, or nil.
func groupNamed(ctx context.Context, c *zendesk.Client, name string) (*zendesk.Group, error) {
	gs, err := c.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.Name == name && !g.Deleted {
			return &g, nil
		}
	}
	return nil, nil
}

// writeMemberships puts agents into groups; a membership whose agent or
// group did not land is that item's dead letter.
func (ex *executor) writeMemberships(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	outs := make([]outcome, len(items))
	var ms []zendesk.GroupMembership
	var idx []int
	for i, it := range items {
		u, g := str(it.d.Payload, "user"), str(it.d.Payload, "group")
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
	job, err := ex.opts.Client.CreateManyGroupMemberships(ctx, ms)
	if err != nil {
		return nil, err
	}
	sub, err := jobOutcomes(ctx, ex.opts.Store, b, job, len(ms))
	if err != nil {
		return nil, err
	}
	for j, o := range sub {
		outs[idx[j]] = o
	}
	return outs, nil
}

// writeRecords creates or updates custom object records by external id:
// one action for both, so it is safe to repeat.
func (ex *executor) writeRecords(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	obj := str(items[0].d.Payload, "object")
	var refused *zendesk.APIError
	outs, err := ex.ready(ctx, b, items, func(items []item) (*zendesk.Job, error) {
		recs := make([]zendesk.CustomObjectRecord, len(items))
		for i, it := range items {
			r, err := render.Record(it.d, ex.refs)
			if err != nil {
				return nil, err
			}
			recs[i] = r
		}
		job, err := ex.opts.Client.SubmitRecordJob(ctx, obj, zendesk.RecordCreateOrUpdateByExternalID, recs)
		if errors.As(err, &refused) && refused.Status < 500 {
			return nil, errRefused
		}
		return job, err
	})
	if errors.Is(err, errRefused) {
		// The whole request was refused: each record not waiting for a
		// dependency is a dead letter with Zendesk's reason.
		for i := range outs {
			if outs[i].err == "" {
				outs[i] = outcome{err: refused.Error()}
			}
		}
		return outs, nil
	}
	return outs, err
}

// errRefused marks a bulk request Zendesk refused as a whole.
var errRefused = errors.New("refused")
