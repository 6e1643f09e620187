package engine

import (
	"strings"
	"testing"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
)

type fakeCheckpoint map[string]checkpoint.Entry

func (f fakeCheckpoint) Get(k, key string) (checkpoint.Entry, bool, error) {
	e, ok := f[k+"/"+key]
	return e, ok, nil
}
func (f fakeCheckpoint) Lineage() string { return "l" }

// Resolve: every source resolves to the record it came from.
func (f fakeCheckpoint) Resolve(typ, id string) (string, string, bool, error) {
	for k := range f {
		kind, key, _ := strings.Cut(k, "/")
		if strings.HasSuffix(key, ":"+id) {
			return kind, key, true, nil
		}
	}
	return "", "", false, nil
}
func (f fakeCheckpoint) Serial() (uint64, error) { return 1, nil }

func TestDiff(t *testing.T) {
	ticket := func(keys ...string) *Desired {
		d := &Desired{Kind: kind.Ticket, Key: "ticket.conversation:c1", Payload: dsl.Payload{"status": "open"}}
		for _, k := range keys {
			d.Comments = append(d.Comments, Comment{Key: k, Payload: dsl.Payload{"body": k}})
		}
		return d
	}
	org := &Desired{Kind: kind.Organization, Key: "organization.company:a", Payload: dsl.Payload{"name": "Acme"}}
	member := &Desired{Kind: kind.GroupMembership, Key: "group_membership.team:t/u", Payload: dsl.Payload{"user": "u", "group": "t"}}
	for _, tc := range []struct {
		name   string
		d      *Desired
		cp     fakeCheckpoint
		action kind.Action
		check  func(t *testing.T, d *Desired, cp fakeCheckpoint, n int)
		over   bool
		// onChange is the ticket block's on_change ("": reimport).
		onChange string
	}{
		{"new", org, fakeCheckpoint{}, kind.Create, nil, false, ""},
		{"unchanged", org, fakeCheckpoint{"organization/organization.company:a": {ZendeskID: "5", Hash: org.Hash()}}, kind.Noop, nil, false, ""},
		{"changed", org, fakeCheckpoint{"organization/organization.company:a": {ZendeskID: "5", Hash: "old"}}, kind.Update, nil, false, ""},
		{"unwritable", &Desired{Kind: kind.Ticket, Key: "k", Unwritable: "no requester"}, fakeCheckpoint{}, kind.Unwritable, nil, false, ""},
		{"a membership cannot change", member, fakeCheckpoint{"group_membership/group_membership.team:t/u": {ZendeskID: "9", Hash: "old"}}, kind.Noop, nil, false, ""},
		{"a new comment", ticket("message/a", "message/b"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}}}, kind.AppendComments, nil, false, "append"},
		{"a new comment, re-imported", ticket("message/a", "message/b"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}}}, kind.Replace, nil, false, ""},
		{"a new comment, as a note", ticket("message/a", "message/b"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}}}, kind.AppendComments, nil, false, "append_private"},
		{"a ticket field", ticket("message/a"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}}}, kind.Update, nil, false, "append"},
		{"a ticket field, re-imported", ticket("message/a"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}}}, kind.Replace, nil, false, ""},
		{"changed in Zendesk", ticket("message/a"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}, Drift: "changed at T"}}, kind.Noop, nil, false, ""},
		{"changed in Zendesk, new comments as notes", ticket("message/a", "message/b"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}, Drift: "changed at T"}}, kind.AppendComments, nil, false, ""},
		{"changed in Zendesk, overwritten", ticket("message/a", "message/b"), fakeCheckpoint{"ticket/ticket.conversation:c1": {ZendeskID: "7", Hash: "old", Comments: []string{"message/a"}, Drift: "changed at T"}}, kind.Replace, nil, true, ""},
		{"changed in Zendesk, nothing to write", org, fakeCheckpoint{"organization/organization.company:a": {ZendeskID: "5", Hash: org.Hash(), Drift: "changed at T"}}, kind.Noop, nil, false, ""},
	} {
		op, err := diff(tc.d, tc.cp, policy{overwrite: tc.over, onChange: tc.onChange})
		if err != nil {
			t.Fatal(err)
		}
		if op.Action != tc.action {
			t.Errorf("%s: %s, want %s", tc.name, op.Action, tc.action)
		}
		switch tc.name {
		case "changed", "a ticket field":
			if op.ZendeskID == "" {
				t.Errorf("%s: no Zendesk id to update", tc.name)
			}
		case "a new comment":
			if len(op.NewComments) != 1 || op.NewComments[0] != "message/b" || op.ZendeskID != "7" {
				t.Errorf("%s: %+v", tc.name, op)
			}
		case "changed in Zendesk":
			if op.Reason != conflictPrefix+"changed at T" {
				t.Errorf("%s: reason %q", tc.name, op.Reason)
			}
		case "changed in Zendesk, new comments as notes", "a new comment, as a note":
			if !op.Private || len(op.NewComments) != 1 {
				t.Errorf("%s: %+v, want the new comment as a private note", tc.name, op)
			}
		case "a new comment, re-imported":
			if op.ZendeskID != "7" || op.Reason == "" {
				t.Errorf("%s: %+v, want the ticket it replaces and why", tc.name, op)
			}
		case "changed in Zendesk, nothing to write":
			if op.Reason != "" {
				t.Errorf("%s: a conflict when nothing is to be written: %q", tc.name, op.Reason)
			}
		case "a membership cannot change":
			if op.Reason == "" {
				t.Errorf("%s: no reason given", tc.name)
			}
		}
	}
}
