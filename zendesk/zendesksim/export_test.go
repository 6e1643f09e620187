package zendesksim

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

func importOne(h *harness, req int64, ext string, n int) int64 {
	h.t.Helper()
	r := h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "external_id": ext, "subject": ext, "comments": comments(n, req)}})
	return num(r.get("ticket", "id"))
}

func TestSoftDeleteRestoreAndPurge(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	a, b := importOne(h, req, "K1", 2), importOne(h, req, "K2", 1)
	h.must(204, "DELETE", fmt.Sprintf("/api/v2/tickets/%d", a), nil)
	h.must(404, "GET", fmt.Sprintf("/api/v2/tickets/%d", a), nil)
	if r := h.must(200, "GET", "/api/v2/tickets?external_id=K1", nil); len(r.get("tickets").([]any)) != 0 {
		t.Errorf("a deleted ticket is still listed by external id: %s", r.raw)
	}
	d := h.must(200, "GET", "/api/v2/deleted_tickets", nil)
	if num(d.get("deleted_tickets", "0", "id")) != a || d.str("deleted_tickets", "0", "previous_state") == "" || num(d.get("count")) != 1 {
		t.Fatalf("deleted tickets = %s", d.raw)
	}
	if c := h.must(200, "GET", "/api/v2/tickets/count", nil); num(c.get("count", "value")) != 1 {
		t.Errorf("count after delete = %s", c.raw)
	}
	h.must(200, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/%d/restore", a), nil)
	if r := h.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d", a), nil); r.str("ticket", "external_id") != "K1" {
		t.Errorf("restored = %s", r.raw)
	}
	h.must(404, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/%d/restore", a), nil)
	// Permanent deletion only of what is in the trash.
	h.runJob(200, "DELETE", fmt.Sprintf("/api/v2/tickets/destroy_many?ids=%d,%d", a, b), nil)
	j := h.runJob(200, "DELETE", fmt.Sprintf("/api/v2/deleted_tickets/destroy_many?ids=%d,%d,77", a, b), nil)
	if dig(j.get("job_status", "results"), "2", "error") != "RecordNotFound" {
		t.Errorf("purge results = %s", j.raw)
	}
	if st := h.srv.Dump(); len(st.DeletedTicketIDs) != 0 || len(st.PurgedTicketIDs) != 2 || len(st.Tickets) != 0 {
		t.Errorf("after purge: deleted %v purged %v live %d", st.DeletedTicketIDs, st.PurgedTicketIDs, len(st.Tickets))
	}
}

func TestIncrementalTicketExport(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	start := h.clock.Now().Add(-time.Hour).Unix()
	var ids []int64
	for i := range 5 {
		ids = append(ids, importOne(h, req, fmt.Sprintf("E%d", i), i+1))
		h.clock.Advance(time.Second)
	}
	q := func(v url.Values) resp {
		return h.must(200, "GET", "/api/v2/incremental/tickets/cursor?"+v.Encode(), nil)
	}
	// Changes of the last minute are left out; start_time must be older.
	if r := q(url.Values{"start_time": {fmt.Sprint(start)}}); len(r.get("tickets").([]any)) != 0 || r.get("end_of_stream") != true {
		t.Errorf("within the minute = %s", r.raw)
	}
	h.must(400, "GET", fmt.Sprintf("/api/v2/incremental/tickets/cursor?start_time=%d", h.clock.Now().Unix()), nil)
	h.clock.Advance(2 * time.Minute)
	h.srv.DeleteTicket("E1")
	h.clock.Advance(2 * time.Minute)
	// Pages of two, in generated_timestamp order, the deleted ticket last
	// with status "deleted", comment counts when included.
	var got []any
	v := url.Values{"start_time": {fmt.Sprint(start)}, "per_page": {"2"}, "include": {"comment_count"}}
	for range 10 {
		r := q(v)
		got = append(got, r.get("tickets").([]any)...)
		if r.get("end_of_stream") == true {
			break
		}
		v = url.Values{"cursor": {r.str("after_cursor")}, "per_page": {"2"}, "include": {"comment_count"}}
	}
	if len(got) != 5 {
		t.Fatalf("exported %d tickets, want 5", len(got))
	}
	last := got[4]
	if num(dig(last, "id")) != ids[1] || dig(last, "status") != "deleted" {
		t.Errorf("last exported = %v, want the deleted ticket %d", last, ids[1])
	}
	if num(dig(got[0], "comment_count")) != 1 || num(dig(got[3], "comment_count")) != 5 {
		t.Errorf("comment counts: %v, %v", dig(got[0], "comment_count"), dig(got[3], "comment_count"))
	}
	// An edit by hand moves the ticket to the end of the stream.
	if err := h.srv.EditTicket("E0", map[string]string{"status": "hold", "note": "checked by hand"}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(2 * time.Minute)
	r := q(url.Values{"cursor": {q(url.Values{"start_time": {fmt.Sprint(start)}, "per_page": {"4"}}).str("after_cursor")}})
	tk := r.get("tickets").([]any)
	if n := len(tk); n != 1 || dig(tk[0], "external_id") != "E0" || dig(tk[0], "status") != "hold" {
		t.Fatalf("after the edit = %s", r.raw)
	}
	if dig(tk[0], "updated_at") == dig(tk[0], "created_at") {
		t.Errorf("updated_at did not move")
	}
	// exclude_deleted.
	if r := q(url.Values{"start_time": {fmt.Sprint(start)}, "exclude_deleted": {"true"}}); len(r.get("tickets").([]any)) != 4 {
		t.Errorf("exclude_deleted: %s", r.raw)
	}
	if err := h.srv.EditTicket("nope", map[string]string{"status": "hold"}); err == nil {
		t.Error("editing a missing ticket succeeded")
	}
}

func TestIncrementalExportLimit(t *testing.T) {
	h := newHarness(t, Options{})
	start := fmt.Sprint(h.clock.Now().Add(-time.Hour).Unix())
	for range 10 {
		h.must(200, "GET", "/api/v2/incremental/tickets/cursor?start_time="+start, nil)
	}
	r := h.must(429, "GET", "/api/v2/incremental/tickets/cursor?start_time="+start, nil)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}

func TestTicketsNewestFirstWithCounts(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	a, b := importOne(h, req, "N1", 2), importOne(h, req, "N2", 3)
	r := h.must(200, "GET", "/api/v2/tickets?sort=-id&page[size]=1&include=comment_count", nil)
	if num(r.get("tickets", "0", "id")) != b || num(r.get("tickets", "0", "comment_count")) != 3 || r.get("meta", "has_more") != true {
		t.Fatalf("newest first = %s", r.raw)
	}
	r = h.must(200, "GET", "/api/v2/tickets?sort=-id&page[size]=1&page[after]="+url.QueryEscape(r.str("meta", "after_cursor")), nil)
	if num(r.get("tickets", "0", "id")) != a || r.get("tickets", "0", "comment_count") != nil {
		t.Fatalf("second page = %s", r.raw)
	}
	r = h.must(200, "GET", fmt.Sprintf("/api/v2/tickets/show_many?ids=%d&include=comment_count", a), nil)
	if num(r.get("tickets", "0", "comment_count")) != 2 {
		t.Fatalf("show_many with counts = %s", r.raw)
	}
	h.must(400, "GET", "/api/v2/tickets?sort=subject", nil)
}
