package verify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
)

// refs resolves Kustomer ids to the Zendesk ids the checkpoint recorded,
// as apply did when it wrote the references, and names Kustomer records
// for messages.
type refs struct {
	store *checkpoint.Store
	snap  getter
	ids   map[string]int64
	names map[string]string
}

func newRefs(s *checkpoint.Store, snap getter) *refs {
	return &refs{store: s, snap: snap, ids: map[string]int64{}, names: map[string]string{}}
}

// ID returns the Zendesk id a Kustomer record became, or 0 when the
// checkpoint has none (render.Refs).
func (r *refs) ID(sourceType, sourceID string) (int64, error) {
	if sourceID == "" {
		return 0, nil
	}
	k := sourceType + "/" + sourceID
	if v, ok := r.ids[k]; ok {
		return v, nil
	}
	kind, key, ok, err := r.store.Resolve(sourceType, sourceID)
	if err != nil || !ok {
		return 0, err
	}
	e, ok, err := r.store.Get(kind, key)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(e.ZendeskID, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint: %s %s has Zendesk id %q, not a number", kind, key, e.ZendeskID)
	}
	if len(r.ids) < 100_000 {
		r.ids[k] = n
	}
	return n, nil
}

// person resolves a comment author: a customer, or else an agent. It
// returns the Kustomer type that matched.
func (r *refs) person(id string) (int64, string, error) {
	n, err := r.ID("customer", id)
	if err != nil || n != 0 {
		return n, "customer", err
	}
	n, err = r.ID("user", id)
	return n, "user", err
}

// Person resolves a comment author as apply does (render.Refs).
func (r *refs) Person(id string) (int64, error) {
	n, _, err := r.person(id)
	return n, err
}

// describe names a Kustomer record: "Kustomer user Sam Agent (64f…)".
func (r *refs) describe(typ, id string) string {
	if id == "" {
		return ""
	}
	name := r.name(typ, id)
	if name == "" {
		return fmt.Sprintf("Kustomer %s %s", typ, id)
	}
	return fmt.Sprintf("Kustomer %s %s, %s", typ, name, id)
}

// name is what people call a Kustomer record ("" when the snapshot does
// not say).
func (r *refs) name(typ, id string) string {
	if id == "" {
		return ""
	}
	k := typ + "/" + id
	name, ok := r.names[k]
	if !ok && r.snap != nil {
		if raw, found, err := r.snap.Get(typ, id); err == nil && found {
			if rec, err := record.DecodeJSON(raw); err == nil {
				name = recordName(rec)
			}
		}
		if len(r.names) < 10_000 {
			r.names[k] = name
		}
	}
	return name
}

// title names a desired record for a reader, next to its key: a ticket's
// subject and its requester, a user's or an organization's name, a field's
// or an object's title, a membership's agent and team, an article's or a
// translation's title, an attachment's file name.
func (r *refs) title(d *engine.Desired) (name, requester string) {
	p := d.Payload
	switch d.Kind {
	case kind.Ticket:
		return str(p, "subject"), r.name("customer", str(p, "requester"))
	case kind.GroupMembership:
		user, team := r.name("user", str(p, "user")), r.name("team", str(p, "group"))
		if user == "" || team == "" {
			return "", ""
		}
		return user + " in " + team, ""
	}
	for _, f := range []string{"name", "title", "key", "file_name"} {
		if s := strings.TrimSpace(str(p, f)); s != "" {
			return s, ""
		}
	}
	return "", ""
}

func recordName(rec any) string {
	first := func(ss ...string) string {
		for _, s := range ss {
			if s != "" {
				return s
			}
		}
		return ""
	}
	switch v := rec.(type) {
	case *record.Customer:
		email := ""
		if len(v.Emails) > 0 {
			email = v.Emails[0].Email
		}
		return first(v.DisplayName, v.Name, email)
	case *record.User:
		return first(v.DisplayName, v.Name, v.Email)
	case *record.Team:
		return first(v.DisplayName, v.Name)
	case *record.Company:
		return v.Name
	}
	return ""
}

// want describes an expected reference: "977 (Kustomer user Sam, 64f…)".
func (r *refs) want(zid int64, typ, id string) string {
	if id == "" {
		return "none"
	}
	if zid == 0 {
		return fmt.Sprintf("the Zendesk record of %s, which the checkpoint does not have", r.describe(typ, id))
	}
	return fmt.Sprintf("%d (%s)", zid, r.describe(typ, id))
}
