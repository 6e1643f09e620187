package zendesksim

import (
	"fmt"
	"testing"
	"time"
)

func TestUpdatesRunTheStandardTriggers(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	agent := h.user("Agent", "agent@example.test", "agent")
	id := num(h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "assignee_id": agent, "subject": "s", "comments": comments(2, req)}}).get("ticket", "id"))
	if d := h.srv.Dump(); len(d.Emails) != 0 {
		t.Fatalf("an import emailed: %+v", d.Emails)
	}
	path := fmt.Sprintf("/api/v2/tickets/%d", id)
	h.must(200, "PUT", path, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "private", "public": false}}})
	if d := h.srv.Dump(); len(d.Emails) != 1 || d.Emails[0].To != agent || len(d.Flags) != 0 {
		t.Fatalf("a private note: emails %+v, flags %+v", d.Emails, d.Flags)
	}
	h.must(200, "PUT", path, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "public reply"}}})
	d := h.srv.Dump()
	if len(d.Emails) != 3 || d.Emails[1].To != req || d.Emails[1].Trigger != TriggerNotifyRequester {
		t.Fatalf("a public comment: emails %+v", d.Emails)
	}
	if len(d.Flags) != 1 || d.Flags[0].Rule != FlagCustomerEmailed {
		t.Errorf("flags %+v", d.Flags)
	}
	// A status change alone emails nobody.
	h.must(200, "PUT", path, map[string]any{"ticket": map[string]any{"status": "pending"}})
	if n := len(h.srv.Dump().Emails); n != 3 {
		t.Errorf("a status change sent emails (%d)", n)
	}
}

func TestSolvedTicketsAreClosedByTheAutomation(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	old := h.clock.Now().Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	imp := func(status, solved string) int64 {
		tk := map[string]any{"requester_id": req, "subject": "s", "status": status, "comments": comments(1, req)}
		if solved != "" {
			tk["solved_at"] = solved
		}
		return num(h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": tk}).get("ticket", "id"))
	}
	a, b, c := imp("solved", old), imp("solved", h.clock.Now().Format(time.RFC3339)), imp("open", "")
	status := func(id int64) string {
		return h.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil).str("ticket", "status")
	}
	h.clock.Advance(2 * time.Hour) // the automation's hourly run
	h.must(200, "GET", "/api/v2/users/me", nil)
	h.clock.Advance(2 * time.Hour)
	if status(a) != "closed" || status(b) != "solved" || status(c) != "open" {
		t.Fatalf("after hours: %s %s %s", status(a), status(b), status(c))
	}
	h.clock.Advance(5 * 24 * time.Hour)
	h.must(200, "GET", "/api/v2/users/me", nil)
	if status(b) != "closed" {
		t.Errorf("after five days: %s", status(b))
	}
	// A closed ticket refuses updates.
	h.must(422, "PUT", fmt.Sprintf("/api/v2/tickets/%d", a), map[string]any{"ticket": map[string]any{"status": "open"}})
}
