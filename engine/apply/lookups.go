package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// Look-ups before creating (adopt.go), in bulk and within the budget:
// what Zendesk holds of a kind is read once per run where a listing is
// cheap (organizations, groups, memberships), by show_many a batch at a
// time (users by external id), and for tickets by the incremental export
// or one look-up per ticket, whichever costs fewer requests. A preflight
// count skips the look-ups when the account holds none of a kind.

// lookups is what a run has read of Zendesk for adoption.
type lookups struct {
	mu      sync.Mutex
	users   *bool // the account holds users besides its owner
	groups  map[string]zendesk.Group
	members map[[2]int64]int64
	tickets *ticketIndex
}

// look returns, for each item of a create batch, what Zendesk already
// holds for it (nil: nothing), or nil for a kind that is not looked up.
func (ex *executor) look(ctx context.Context, items []item) ([]*held, error) {
	switch items[0].op.Kind {
	case kind.Organization:
		return ex.lookOrganizations(ctx, items)
	case kind.User:
		return ex.lookUsers(ctx, items)
	case kind.Group:
		return ex.lookGroups(ctx, items)
	case kind.GroupMembership:
		return ex.lookMemberships(ctx, items)
	case kind.Ticket:
		return ex.lookTickets(ctx, items)
	case kind.TicketField, kind.UserField, kind.OrganizationField:
		return ex.lookFields(ctx, items)
	case kind.HCCategory, kind.HCSection, kind.HCArticle, kind.HCAttachment, kind.HCTranslation:
		return ex.lookHC(ctx, items)
	}
	// Custom objects are created idempotently by key, and records by
	// external id with create-or-update: repeating them adopts.
	return nil, nil
}

func (ex *executor) lookOrganizations(ctx context.Context, items []item) ([]*held, error) {
	idx, err := ex.organizations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*held, len(items))
	for i, it := range items {
		want := render.Organization(it.d)
		if o, ok := idx.find(want); ok {
			out[i] = &held{id: o.ID, same: sameOrganization(o, want)}
		}
	}
	return out, nil
}

func (ex *executor) lookUsers(ctx context.Context, items []item) ([]*held, error) {
	lk := &ex.lookups
	lk.mu.Lock()
	if lk.users == nil {
		n, err := ex.opts.Client.CountUsers(ctx)
		if err != nil {
			lk.mu.Unlock()
			return nil, fmt.Errorf("counting Zendesk's users before creating any: %w", err)
		}
		others := n.Value > 1 || !n.Exact()
		lk.users = &others
	}
	others := *lk.users
	lk.mu.Unlock()
	if !others {
		return nil, nil // only the owner: nothing to adopt
	}
	var exts []string
	for _, it := range items {
		if e := str(it.d.Payload, "external_id"); e != "" {
			exts = append(exts, e)
		}
	}
	have, err := ex.opts.Client.ShowManyUsersByExternalID(ctx, exts)
	if err != nil {
		return nil, fmt.Errorf("looking up users by external id before creating them: %w", err)
	}
	byExt := map[string]zendesk.User{}
	for _, u := range have {
		byExt[strings.ToLower(u.ExternalID)] = u
	}
	out := make([]*held, len(items))
	for i, it := range items {
		u, ok := byExt[strings.ToLower(str(it.d.Payload, "external_id"))]
		if !ok || u.ExternalID == "" {
			continue
		}
		want, err := render.User(it.d, ex.refs)
		if err != nil {
			return nil, err
		}
		out[i] = &held{id: u.ID, same: sameUser(u, want)}
	}
	return out, nil
}

// sameUser says whether Zendesk's user already is what the plan wants,
// on the fields a migration sets.
func sameUser(have, want zendesk.User) bool {
	return have.Name == want.Name && strings.EqualFold(have.Email, want.Email) && strings.EqualFold(have.ExternalID, want.ExternalID) &&
		(want.Role == "" || have.Role == want.Role) && have.OrganizationID == want.OrganizationID
}

func (ex *executor) lookGroups(ctx context.Context, items []item) ([]*held, error) {
	lk := &ex.lookups
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if lk.groups == nil {
		gs, err := ex.opts.Client.ListGroups(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading Zendesk's groups before creating any: %w", err)
		}
		lk.groups = map[string]zendesk.Group{}
		for _, g := range gs {
			if !g.Deleted {
				lk.groups[g.Name] = g
			}
		}
	}
	out := make([]*held, len(items))
	for i, it := range items {
		want := render.Group(it.d)
		if g, ok := lk.groups[want.Name]; ok {
			out[i] = &held{id: g.ID, same: g.Description == want.Description}
		}
	}
	return out, nil
}

func (ex *executor) lookMemberships(ctx context.Context, items []item) ([]*held, error) {
	lk := &ex.lookups
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if lk.members == nil {
		ms, err := ex.opts.Client.ListGroupMemberships(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading Zendesk's group memberships before creating any: %w", err)
		}
		lk.members = map[[2]int64]int64{}
		for _, m := range ms {
			lk.members[[2]int64{m.UserID, m.GroupID}] = m.ID
		}
	}
	out := make([]*held, len(items))
	for i, it := range items {
		uid, err := ex.refs.ID("user", str(it.d.Payload, "user"))
		if err != nil {
			return nil, err
		}
		gid, err := ex.refs.ID("team", str(it.d.Payload, "group"))
		if err != nil {
			return nil, err
		}
		if id, ok := lk.members[[2]int64{uid, gid}]; ok && uid != 0 && gid != 0 {
			out[i] = &held{id: id, same: true}
		}
	}
	return out, nil
}

func (ex *executor) lookTickets(ctx context.Context, items []item) ([]*held, error) {
	idx, err := ex.ticketIndex(ctx)
	if err != nil {
		return nil, err
	}
	if idx.empty {
		return nil, nil
	}
	out := make([]*held, len(items))
	for i, it := range items {
		ext := str(it.d.Payload, "external_id")
		var have []zendesk.ExportedTicket
		if idx.byExt != nil {
			if t, ok := idx.byExt[strings.ToLower(ext)]; ok {
				have = []zendesk.ExportedTicket{t}
			}
		} else if have, err = ex.opts.Client.TicketsByExternalIDCounted(ctx, ext); err != nil {
			return nil, fmt.Errorf("looking up ticket %s before importing it: %w", ext, err)
		}
		if len(have) == 0 {
			continue
		}
		slices.SortFunc(have, func(a, b zendesk.ExportedTicket) int { return int(a.ID - b.ID) })
		if len(have) > 1 {
			ex.warn("%d tickets in Zendesk have the external id %s (an earlier import made twice?): ticket %d is adopted, the others are left as they are", len(have), ext, have[0].ID)
		}
		t := have[0]
		want := len(it.d.Comments)
		n := min(t.CommentCount, want)
		same := n == want && t.Subject == str(it.d.Payload, "subject") && SameStatus(t.Status, str(it.d.Payload, "status"))
		out[i] = &held{id: t.ID, same: same, comments: n}
	}
	return out, nil
}

// SameStatus says whether a ticket Zendesk holds with status have is as
// written with want: Zendesk's standard automation closes solved tickets
// on its own, imported ones too, some days after they were solved.
func SameStatus(have, want string) bool {
	return have == want || have == "closed" && want == "solved"
}
