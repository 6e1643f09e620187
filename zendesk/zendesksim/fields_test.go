package zendesksim

import (
	"fmt"
	"strings"
	"testing"
)

func TestTicketFieldsAndValues(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	tier := h.must(201, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{
		"type": "tagger", "title": "Tier", "custom_field_options": []any{
			map[string]any{"name": "Gold", "value": "tier_gold"}, map[string]any{"name": "Silver", "value": "tier_silver"}}}})
	tierID := num(tier.get("ticket_field", "id"))
	order := num(h.must(201, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "integer", "title": "Order"}}).get("ticket_field", "id"))
	due := num(h.must(201, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "date", "title": "Due"}}).get("ticket_field", "id"))
	// A tag belongs to one field; a dropdown needs options; types are known.
	h.must(422, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "tagger", "title": "Again",
		"custom_field_options": []any{map[string]any{"name": "G", "value": "tier_gold"}}}})
	h.must(422, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "tagger", "title": "Empty"}})
	h.must(422, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "dropdown", "title": "Wrong type"}})
	if r := h.must(200, "GET", "/api/v2/ticket_fields", nil); len(r.get("ticket_fields").([]any)) != 3 {
		t.Fatalf("list = %s", r.raw)
	}

	imp := func(want int, fields ...any) resp {
		return h.must(want, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
			"requester_id": req, "subject": "s", "comments": comments(1, req), "custom_fields": fields}})
	}
	ok := imp(201, map[string]any{"id": tierID, "value": "tier_gold"}, map[string]any{"id": order, "value": 1234}, map[string]any{"id": due, "value": "2025-02-03"})
	if cf := ok.get("ticket", "custom_fields").([]any); len(cf) != 3 {
		t.Fatalf("custom fields = %s", ok.raw)
	}
	for _, bad := range []map[string]any{{"id": tierID, "value": "tier_bronze"}, {"id": order, "value": "many"}, {"id": order, "value": 1.5}, {"id": due, "value": "03/02/2025"}} {
		if r := imp(422, bad); !strings.Contains(r.str("details", "custom_fields", "0", "description"), "is not") {
			t.Errorf("%v: %s", bad, r.raw)
		}
	}
	if n := len(h.srv.Dump().Flags); n != 0 {
		t.Fatalf("flags before any unknown field: %d", n)
	}
	// A field the account does not have: dropped, flagged.
	dropped := imp(201, map[string]any{"id": 999, "value": "x"})
	if cf := dropped.get("ticket", "custom_fields").([]any); len(cf) != 0 {
		t.Errorf("an unknown field's value was kept: %s", dropped.raw)
	}
	if fl := h.srv.Dump().Flags; len(fl) != 1 || fl[0].Rule != FlagFieldDropped {
		t.Errorf("flags = %+v", fl)
	}
	// Updating the options replaces them: the value of a removed option
	// is stripped from tickets.
	h.must(200, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d", tierID), map[string]any{"ticket_field": map[string]any{
		"custom_field_options": []any{map[string]any{"name": "Silver", "value": "tier_silver"}}}})
	got := h.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d", num(ok.get("ticket", "id"))), nil)
	if cf := got.get("ticket", "custom_fields").([]any); len(cf) != 2 {
		t.Errorf("after the option was removed: %s", got.raw)
	}
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/ticket_fields/%d", order), nil)
	h.must(404, "GET", fmt.Sprintf("/api/v2/ticket_fields/%d", order), nil)
}

func TestUserAndOrganizationFields(t *testing.T) {
	h := newHarness(t, Options{})
	for _, bad := range []map[string]any{{"type": "dropdown", "title": "T", "key": "tier"}, {"type": "text", "title": "T"},
		{"type": "text", "title": "T", "key": "has space"}, {"type": "text", "title": "T", "key": "123"}, {"type": "tagger", "title": "T", "key": "t"},
		{"type": "dropdown", "title": "T", "key": "d", "custom_field_options": []any{map[string]any{"name": "A", "value": "a"}, map[string]any{"name": "B", "value": "A"}}}} {
		h.must(422, "POST", "/api/v2/user_fields", map[string]any{"user_field": bad})
	}
	h.must(201, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"type": "dropdown", "title": "Tier", "key": "tier",
		"custom_field_options": []any{map[string]any{"name": "Gold", "value": "gold"}}}})
	h.must(201, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"type": "checkbox", "title": "Opt in", "key": "opt_in"}})
	h.must(422, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"type": "text", "title": "Again", "key": "tier"}})
	u := h.must(201, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "A", "email": "a@example.test",
		"user_fields": map[string]any{"tier": "gold", "opt_in": true, "unknown": 3}}})
	if uf := u.get("user", "user_fields").(map[string]any); len(uf) != 2 || uf["tier"] != "gold" {
		t.Errorf("user fields = %s", u.raw)
	}
	if fl := h.srv.Dump().Flags; len(fl) != 1 || fl[0].Rule != FlagFieldDropped {
		t.Errorf("flags = %+v", fl)
	}
	h.must(422, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "B", "email": "b@example.test",
		"user_fields": map[string]any{"opt_in": "yes"}}})
	h.must(201, "POST", "/api/v2/organization_fields", map[string]any{"organization_field": map[string]any{"type": "decimal", "title": "Revenue", "key": "revenue"}})
	o := h.must(201, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Acme", "organization_fields": map[string]any{"revenue": "12.5"}}})
	if v := o.get("organization", "organization_fields", "revenue"); v != 12.5 && fmt.Sprint(v) != "12.5" {
		t.Errorf("org fields = %s", o.raw)
	}
	h.must(422, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Bcme", "organization_fields": map[string]any{"revenue": "lots"}}})
}
