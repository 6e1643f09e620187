package zendesksim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func comments(n int, author int64) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"author_id": author, "value": fmt.Sprintf("comment %d", i), "created_at": "2020-01-01T00:00:00Z"}
	}
	return out
}

func TestImportCommentLimit(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	r := h.do("POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "subject": "long", "comments": comments(5001, req)}})
	if r.status != 422 || r.str("error") != "RecordInvalid" || r.get("details", "comments") == nil {
		t.Fatalf("5,001 comments = %d %s", r.status, r.raw)
	}
	r = h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "subject": "full", "comments": comments(5000, req)}})
	id := itoa(num(r.get("ticket", "id")))
	// The 5,001st comment by update is refused; other updates still work.
	r = h.do("PUT", "/api/v2/tickets/"+id, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "one more"}}})
	if r.status != 422 || r.get("details", "comment") == nil {
		t.Errorf("5,001st comment by update = %d %s", r.status, r.raw)
	}
	r = h.must(200, "PUT", "/api/v2/tickets/"+id, map[string]any{"ticket": map[string]any{"status": "solved"}})
	if r.str("ticket", "status") != "solved" {
		t.Errorf("status update = %s", r.raw)
	}
	if n := len(h.srv.Dump().Tickets[0].Comments); n != 5000 {
		t.Errorf("comments stored = %d, want 5000", n)
	}
}

func TestImportValidatesPeopleAndTimes(t *testing.T) {
	h := newHarness(t, Options{})
	end := h.user("Customer", "c@example.test", "end-user")
	agent := h.user("Agent", "a@example.test", "agent")
	outsider := h.user("Outsider", "o@example.test", "agent")
	g := h.group("Support")
	h.member(agent, g)
	base := func(extra map[string]any) map[string]any {
		t := map[string]any{"requester_id": end, "subject": "s", "comments": []any{map[string]any{"author_id": end, "value": "hi"}}}
		for k, v := range extra {
			t[k] = v
		}
		return map[string]any{"ticket": t}
	}
	tests := []struct {
		name  string
		extra map[string]any
		field string
		desc  string
	}{
		{"assignee not an agent", map[string]any{"assignee_id": end}, "assignee", "Assignee: is not an agent"},
		{"assignee not in group", map[string]any{"assignee_id": outsider, "group_id": g}, "assignee", "Assignee: is not a member of the group"},
		{"requester missing", map[string]any{"requester_id": 424242}, "requester", "Requester: is invalid"},
		{"future comment", map[string]any{"comments": []any{map[string]any{"author_id": end, "value": "x", "created_at": "2027-01-01T00:00:00Z"}}}, "comments", "Comment created at: 2027-01-01T00:00:00Z is in the future"},
		{"unknown author", map[string]any{"comments": []any{map[string]any{"author_id": 99, "value": "x"}}}, "comments", "Author: 99 is invalid"},
		{"bad status", map[string]any{"status": "done"}, "status", "Status: done is not valid"},
	}
	for _, tt := range tests {
		r := h.do("POST", "/api/v2/imports/tickets", base(tt.extra))
		want := []any{map[string]any{"description": tt.desc, "error": "InvalidValue"}}
		if r.status != 422 || r.str("error") != "RecordInvalid" || r.str("description") != "Record validation errors" {
			t.Errorf("%s: %d %s", tt.name, r.status, r.raw)
			continue
		}
		if d := cmp.Diff(want, r.get("details", tt.field)); d != "" {
			t.Errorf("%s: details.%s (-want +got):\n%s", tt.name, tt.field, d)
		}
	}
	r := h.must(201, "POST", "/api/v2/imports/tickets?archive_immediately=true", base(map[string]any{
		"assignee_id": agent, "group_id": g, "status": "closed", "external_id": "conv-1",
		"tags": []any{"kustomer-import", "vip"}, "created_at": "1960-05-01T00:00:00Z",
		"custom_fields": []any{map[string]any{"id": 360001, "value": "gold"}},
	}))
	if got := r.str("ticket", "created_at"); got != "1970-01-01T00:00:00Z" {
		t.Errorf("created_at before 1970 = %s, want rounded up to 1970", got)
	}
	d := h.srv.Dump()
	if len(d.Tickets) != 1 || !d.Tickets[0].Archived || d.Tickets[0].Comments[0].AuthorID != end {
		t.Errorf("dump = %+v", d.Tickets)
	}
	// A closed (archived) ticket refuses updates.
	if r := h.do("PUT", "/api/v2/tickets/"+itoa(d.Tickets[0].ID), map[string]any{"ticket": map[string]any{"status": "open"}}); r.status != 422 {
		t.Errorf("update of closed ticket = %d", r.status)
	}
}

func TestUploadTokens(t *testing.T) {
	h := newHarness(t, Options{MaxUploadSize: 1024})
	req := h.user("Req", "req@example.test", "end-user")
	up := h.must(201, "POST", "/api/v2/uploads?filename=a.txt", []byte("hello"))
	tok := up.str("upload", "token")
	if tok == "" || num(up.get("upload", "attachment", "size")) != 5 {
		t.Fatalf("upload = %s", up.raw)
	}
	// A second file under the same token.
	h.must(201, "POST", "/api/v2/uploads?filename=b.txt&token="+tok, []byte("world!"))
	ticket := func(tok string) map[string]any {
		return map[string]any{"ticket": map[string]any{"requester_id": req, "comments": []any{
			map[string]any{"author_id": req, "value": "see attached", "uploads": []any{tok}}}}}
	}
	r := h.must(201, "POST", "/api/v2/imports/tickets", ticket(tok))
	cs := h.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments", num(r.get("ticket", "id"))), nil)
	if n := len(cs.get("comments", "0", "attachments").([]any)); n != 2 {
		t.Errorf("attachments on comment = %d, want 2: %s", n, cs.raw)
	}
	r = h.do("POST", "/api/v2/imports/tickets", ticket(tok))
	if r.status != 422 || !strings.Contains(r.str("details", "comments", "0", "description"), "has already been used") {
		t.Errorf("reused token = %d %s", r.status, r.raw)
	}
	// Tokens live 60 minutes.
	tok2 := h.must(201, "POST", "/api/v2/uploads?filename=c.txt", []byte("x")).str("upload", "token")
	h.clock.Advance(61 * time.Minute)
	if r := h.do("POST", "/api/v2/imports/tickets", ticket(tok2)); r.status != 422 || !strings.Contains(string(r.raw), "has expired") {
		t.Errorf("expired token = %d %s", r.status, r.raw)
	}
	if r := h.do("POST", "/api/v2/uploads?filename=big.bin", make([]byte, 1025)); r.status != 413 {
		t.Errorf("oversize upload = %d, want 413", r.status)
	}
	if r := h.do("POST", "/api/v2/uploads", []byte("x")); r.status != 422 || r.get("details", "filename") == nil {
		t.Errorf("upload without filename = %d %s", r.status, r.raw)
	}
}

func TestBulkImportJob(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	r := h.runJob(200, "POST", "/api/v2/imports/tickets/create_many", map[string]any{"tickets": []any{
		map[string]any{"requester_id": req, "comments": comments(1, req), "external_id": "k1", "tags": []any{"kustomer-import"}},
		map[string]any{"requester_id": 77, "comments": comments(1, req)},
		map[string]any{"requester_id": req, "comments": comments(2, req), "external_id": "k3", "tags": []any{"kustomer-import", "other"}},
	}})
	res := r.get("job_status", "results").([]any)
	if len(res) != 3 || num(dig(res[0], "index")) != 0 || num(dig(res[2], "index")) != 2 {
		t.Fatalf("results = %s", r.raw)
	}
	if _, hasErr := res[0].(map[string]any)["error"]; hasErr || num(dig(res[0], "id")) == 0 {
		t.Errorf("result 0 = %v, want {id, index}", res[0])
	}
	if dig(res[1], "success") != false || dig(res[1], "error") != "InvalidValue" || dig(res[1], "action") == nil || dig(res[1], "details") == nil {
		t.Errorf("result 1 = %v, want a FailedResult", res[1])
	}
	if p := num(r.get("job_status", "progress")); p != 3 || num(r.get("job_status", "total")) != 3 {
		t.Errorf("progress/total = %s", r.raw)
	}
	// Read back: by external id, search by tag and external id, show_many.
	if r := h.must(200, "GET", "/api/v2/tickets?external_id=K1", nil); len(r.get("tickets").([]any)) != 1 {
		t.Errorf("by external_id = %s", r.raw)
	}
	s := h.must(200, "GET", "/api/v2/search?query=type:ticket%20tags:kustomer-import", nil)
	if num(s.get("count")) != 2 || s.str("results", "0", "result_type") != "ticket" {
		t.Errorf("search by tag = %s", s.raw)
	}
	s = h.must(200, "GET", "/api/v2/search?query=type:ticket%20external_id:k3", nil)
	if num(s.get("count")) != 1 {
		t.Errorf("search by external_id = %s", s.raw)
	}
	ids := fmt.Sprintf("%d,%d,999999", num(dig(res[0], "id")), num(dig(res[2], "id")))
	if r := h.must(200, "GET", "/api/v2/tickets/show_many?ids="+ids, nil); len(r.get("tickets").([]any)) != 2 {
		t.Errorf("show_many = %s", r.raw)
	}
	// Bulk delete.
	del := h.runJob(200, "DELETE", "/api/v2/tickets/destroy_many?ids="+ids, nil)
	if dig(del.get("job_status", "results"), "2", "error") != "RecordNotFound" {
		t.Errorf("destroy_many results = %s", del.raw)
	}
	h.must(404, "GET", fmt.Sprintf("/api/v2/tickets/%d", num(dig(res[0], "id"))), nil)
	if d := h.srv.Dump(); len(d.Tickets) != 0 || len(d.DeletedTicketIDs) != 2 {
		t.Errorf("after delete: %d tickets, deleted %v", len(d.Tickets), d.DeletedTicketIDs)
	}
}

func TestCursorPagination(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	var want []int64
	for range 3 {
		var items []any
		for range 84 {
			items = append(items, map[string]any{"requester_id": req, "comments": comments(1, req)})
		}
		r := h.runJob(200, "POST", "/api/v2/imports/tickets/create_many", map[string]any{"tickets": items})
		for _, res := range r.get("job_status", "results").([]any) {
			want = append(want, num(dig(res, "id")))
		}
	}
	var got []int64
	next := h.http.URL + "/api/v2/tickets.json?page[size]=100"
	pages := 0
	for next != "" {
		r := h.must(200, "GET", strings.TrimPrefix(next, h.http.URL), nil)
		pages++
		for _, tk := range r.get("tickets").([]any) {
			got = append(got, num(dig(tk, "id")))
		}
		next = ""
		if r.get("meta", "has_more") == true {
			next = r.str("links", "next")
		}
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ids over pages (-want +got):\n%s", d)
	}
	if r := h.do("GET", "/api/v2/tickets?page[size]=101", nil); r.status != 400 {
		t.Errorf("page[size]=101 = %d, want 400", r.status)
	}
	if r := h.do("GET", "/api/v2/tickets?page=101&per_page=100", nil); r.status != 400 {
		t.Errorf("offset past 10,000 records = %d, want 400", r.status)
	}
	r := h.must(200, "GET", "/api/v2/tickets?page=2&per_page=100", nil)
	if num(r.get("count")) != 252 || len(r.get("tickets").([]any)) != 100 || r.get("next_page") == nil {
		t.Errorf("offset page 2 = count %v next %v", r.get("count"), r.get("next_page"))
	}
}

func TestCreateTicketIdempotency(t *testing.T) {
	h := newHarness(t, Options{})
	body := map[string]any{"ticket": map[string]any{"subject": "s", "comment": map[string]any{"body": "b"}}}
	key := map[string]string{"Idempotency-Key": "k-1"}
	a := h.request("POST", "/api/v2/tickets", body, key)
	b := h.request("POST", "/api/v2/tickets", body, key)
	if a.status != 201 || b.status != 201 || a.header.Get("x-idempotency-lookup") != "miss" || b.header.Get("x-idempotency-lookup") != "hit" {
		t.Fatalf("first %d %q, replay %d %q", a.status, a.header.Get("x-idempotency-lookup"), b.status, b.header.Get("x-idempotency-lookup"))
	}
	if num(a.get("ticket", "id")) != num(b.get("ticket", "id")) {
		t.Errorf("replay created another ticket")
	}
	other := map[string]any{"ticket": map[string]any{"subject": "other", "comment": map[string]any{"body": "b"}}}
	if r := h.request("POST", "/api/v2/tickets", other, key); r.status != 400 || r.str("error") != "IdempotentRequestError" {
		t.Errorf("same key, other body = %d %s", r.status, r.raw)
	}
	h.clock.Advance(2 * time.Hour)
	if r := h.request("POST", "/api/v2/tickets", body, key); r.status != 201 || num(r.get("ticket", "id")) == num(a.get("ticket", "id")) {
		t.Errorf("after two hours the key is forgotten: %d %s", r.status, r.raw)
	}
	// Imports do not honour the key.
	imp := map[string]any{"ticket": map[string]any{"comments": []any{map[string]any{"value": "x"}}}}
	x := h.request("POST", "/api/v2/imports/tickets", imp, key)
	y := h.request("POST", "/api/v2/imports/tickets", imp, key)
	if x.status != 201 || y.status != 201 || num(x.get("ticket", "id")) == num(y.get("ticket", "id")) {
		t.Errorf("imports with one key: %d %d, ids %v %v", x.status, y.status, x.get("ticket", "id"), y.get("ticket", "id"))
	}
	if n := len(h.srv.Dump().Tickets); n != 4 {
		t.Errorf("tickets = %d, want 4", n)
	}
}

func TestTicketUpdateLimits(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{"comments": []any{map[string]any{"value": "x"}}}})
	path := fmt.Sprintf("/api/v2/tickets/%d", num(r.get("ticket", "id")))
	upd := map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "more", "public": false}}}
	for i := range 30 {
		r := h.must(200, "PUT", path, upd)
		if i == 0 && r.header.Get("zendesk-ratelimit-tickets-update") == "" {
			t.Error("no zendesk-ratelimit-tickets-update header")
		}
	}
	// 30 updates per 10 minutes per user per ticket [RL-DOC].
	r = h.do("PUT", path, upd)
	if r.status != 429 || r.header.Get("Retry-After") == "" || r.str("errors", "0", "code") != "TooManyRequests" {
		t.Errorf("31st update in 10 minutes = %d %s", r.status, r.raw)
	}
	h.clock.Advance(10 * time.Minute)
	h.must(200, "PUT", path, upd)
}

// TestImportKeepsCommentOrder: Zendesk keeps comments as given; an import
// whose comments go back in time is accepted, and flagged.
func TestImportKeepsCommentOrder(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	at := func(ts, v string) map[string]any {
		return map[string]any{"author_id": req, "value": v, "created_at": ts}
	}
	inOrder := []any{at("2024-01-01T10:00:00Z", "first"), at("2024-01-01T10:00:00Z", "same second"), at("2024-01-02T09:00:00Z", "later")}
	h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "external_id": "in-order", "comments": inOrder}})
	if f := h.srv.Dump().Flags; len(f) != 0 {
		t.Fatalf("non-decreasing times flagged: %+v", f)
	}
	back := []any{at("2024-01-01T10:00:00Z", "first"), at("2024-01-03T09:00:00Z", "third"), at("2024-01-02T09:00:00Z", "linking note")}
	r := h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "external_id": "kustomer:conversation:x", "comments": back}})
	id := itoa(num(r.get("ticket", "id")))
	list := h.must(200, "GET", "/api/v2/tickets/"+id+"/comments", nil)
	var got []string
	for i := range 3 {
		got = append(got, list.str("comments", itoa(int64(i)), "body"))
	}
	if d := cmp.Diff([]string{"first", "third", "linking note"}, got); d != "" {
		t.Errorf("comments are kept as given (-want +got):\n%s", d)
	}
	want := []Flag{{Rule: FlagCommentOrder, Where: "ticket " + id + " (external_id kustomer:conversation:x)",
		Detail: "comment 3 (2024-01-02T09:00:00Z) is older than comment 2 (2024-01-03T09:00:00Z)"}}
	if d := cmp.Diff(want, h.srv.Dump().Flags); d != "" {
		t.Errorf("flags (-want +got):\n%s", d)
	}
}

// TestCommentBodyLimit: a body, html_body or value over 65,535 characters
// is a 422, on import (one and many) and on update; 65,535 passes.
// Characters, not bytes: 65,535 'é' pass.
func TestCommentBodyLimit(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	full := strings.Repeat("é", maxCommentChars)
	over := strings.Repeat("a", maxCommentChars+1)
	for _, field := range []string{"body", "html_body", "value"} {
		ok := map[string]any{"ticket": map[string]any{"requester_id": req, "comments": []any{map[string]any{field: full}}}}
		h.must(201, "POST", "/api/v2/imports/tickets", ok)
		bad := map[string]any{"ticket": map[string]any{"requester_id": req, "comments": []any{map[string]any{field: over}}}}
		r := h.do("POST", "/api/v2/imports/tickets", bad)
		if r.status != 422 || r.str("error") != "RecordInvalid" || !strings.Contains(fmt.Sprint(r.get("details", "comments")), "is too long (65536 characters; the maximum is 65535)") {
			t.Errorf("%s over the limit: %d %.300s", field, r.status, r.raw)
		}
	}
	id := h.startJob(200, "POST", "/api/v2/imports/tickets/create_many", map[string]any{"tickets": []any{
		map[string]any{"requester_id": req, "comments": []any{map[string]any{"html_body": "<p>" + over + "</p>"}}},
		map[string]any{"requester_id": req, "comments": []any{map[string]any{"body": "short"}}},
	}})
	j := h.job(id)
	if j.get("job_status", "results", "0", "success") != false || j.get("job_status", "results", "1", "success") != nil && num(j.get("job_status", "results", "1", "id")) == 0 {
		t.Errorf("bulk import: %s", j.raw)
	}
	r := h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{"requester_id": req, "comments": []any{map[string]any{"body": "x"}}}})
	r = h.do("PUT", "/api/v2/tickets/"+itoa(num(r.get("ticket", "id"))), map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": over}}})
	if r.status != 422 {
		t.Errorf("update over the limit: %d %.300s", r.status, r.raw)
	}
}

// TestUploadNameMustMatchType: Zendesk stores an upload whose extension
// contradicts its Content-Type, or that has none; the simulator flags it.
func TestUploadNameMustMatchType(t *testing.T) {
	h := newHarness(t, Options{})
	for _, tc := range []struct {
		name, ctype string
		flagged     bool
	}{
		{"screenshot.png", "image/png", false},
		{"IMG_2041.PNG", "image/png", false},
		{"notes.txt", "text/plain; charset=utf-8", false},
		{"blob", "application/octet-stream", false}, // nothing to check it against
		{"no_extension", "image/png", true},
		{"scan.jpg", "image/png", true},
		{"invoice.pdf", "text/csv", true},
	} {
		before := len(h.srv.Dump().Flags)
		r := h.request("POST", "/api/v2/uploads?filename="+url.QueryEscape(tc.name), []byte("data"), map[string]string{"Content-Type": tc.ctype})
		if r.status != 201 {
			t.Fatalf("%s: %d %s", tc.name, r.status, r.raw)
		}
		flags := h.srv.Dump().Flags[before:]
		if got := len(flags) == 1 && flags[0].Rule == FlagUploadName && flags[0].Where == fmt.Sprintf("upload %q", tc.name); got != tc.flagged || len(flags) > 1 {
			t.Errorf("%s as %s: flags %+v, want flagged %v", tc.name, tc.ctype, flags, tc.flagged)
		}
	}
}

// A comment reads back whole over HTTP however compactly the simulator
// keeps it: plain and HTML bodies, empty metadata and via objects, an
// empty attachment list; HTML given is kept as given.
func TestCommentReadsBackWhole(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.user("Req", "req@example.test", "end-user")
	r := h.must(201, "POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{
		"requester_id": req, "subject": "s", "comments": []any{
			map[string]any{"author_id": req, "value": "a < b"},
			map[string]any{"author_id": req, "html_body": "<p>kept <b>as</b> given</p>"},
		}}})
	id := num(r.get("ticket", "id"))
	if via := r.get("ticket", "via", "source", "from"); via == nil {
		t.Errorf("ticket via.source.from = %v, want {}", r.get("ticket", "via"))
	}
	for _, path := range []string{fmt.Sprintf("/api/v2/tickets/%d/comments", id), fmt.Sprintf("/api/v2/tickets/%d/comments?sort_order=desc", id)} {
		cs, _ := h.must(200, "GET", path, nil).get("comments").([]any)
		if len(cs) != 2 {
			t.Fatalf("%s: %d comments, want 2", path, len(cs))
		}
		if strings.Contains(path, "desc") {
			cs[0], cs[1] = cs[1], cs[0]
		}
		for i, want := range []struct{ body, html string }{
			{"a < b", `<div class="zd-comment" dir="auto"><p>a &lt; b</p></div>`},
			{"kept as given", "<p>kept <b>as</b> given</p>"},
		} {
			c := resp{body: cs[i].(map[string]any)}
			if c.str("body") != want.body || c.str("plain_body") != want.body || c.str("html_body") != want.html {
				t.Errorf("comment %d: body %q plain %q html %q, want %q and %q", i, c.str("body"), c.str("plain_body"), c.str("html_body"), want.body, want.html)
			}
			if m, ok := c.get("metadata", "system").(map[string]any); !ok || len(m) != 0 {
				t.Errorf("comment %d: metadata %v, want {system:{}, custom:{}}", i, c.get("metadata"))
			}
			if _, ok := c.get("metadata", "custom").(map[string]any); !ok {
				t.Errorf("comment %d: metadata %v, want {system:{}, custom:{}}", i, c.get("metadata"))
			}
			if _, ok := c.get("via", "source", "to").(map[string]any); !ok {
				t.Errorf("comment %d: via %v, want source from/to {}", i, c.get("via"))
			}
			if a, ok := c.get("attachments").([]any); !ok || len(a) != 0 {
				t.Errorf("comment %d: attachments %v, want []", i, c.get("attachments"))
			}
		}
	}
	st := h.srv.Dump()
	if len(st.Tickets) != 1 || st.Tickets[0].Comments[1].HTMLBody != "<p>kept <b>as</b> given</p>" || st.Tickets[0].Comments[0].PlainBody != "a < b" {
		t.Errorf("State() comments %+v", st.Tickets[0].Comments)
	}
}
