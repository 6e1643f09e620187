package kustomersim

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/simkit"
)

func TestAuth(t *testing.T) {
	h := serve(t, smallFixture(), Options{})
	for _, tc := range []struct {
		name, header, want string
	}{
		{"missing", "", "missing Authorization header"},
		{"scheme", "Basic dXNlcjpwYXNz", "malformed Authorization header"},
		{"lowercase", "bearer " + testKey, "malformed Authorization header"},
		{"two spaces", "Bearer  " + testKey, "malformed Authorization header"},
		{"wrong key", "Bearer nope", "invalid auth token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("GET", "/v1/customers", "", "Authorization", tc.header)
			if r.status != 401 {
				t.Fatalf("status %d, want 401", r.status)
			}
			var body struct {
				Errors []struct {
					Code    string         `json:"code"`
					Message string         `json:"message"`
					Meta    map[string]any `json:"meta"`
				} `json:"errors"`
			}
			must(t, json.Unmarshal(r.body, &body))
			if len(body.Errors) != 1 || body.Errors[0].Code != "unauthorized" || !strings.Contains(body.Errors[0].Message, tc.want) || body.Errors[0].Meta == nil {
				t.Errorf("body %s, want one unauthorized error mentioning %q", r.body, tc.want)
			}
		})
	}
	// A 401 does not spend from the org window.
	if snap := h.srv.org; snap != nil {
		if rem, _ := snap.Peek(); rem != defaultLimit {
			t.Errorf("after 401s the window has %d left, want %d", rem, defaultLimit)
		}
	}
	if r := h.get("/v1/customers"); r.status != 200 {
		t.Errorf("with the key: %d %s", r.status, r.body)
	}
}

// manyCustomers is a fixture of n customers created a minute apart.
func manyCustomers(n int) *fixture {
	f := newFixture()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		ts := base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z")
		f.add("customers.ndjson", res("customer", id(tCustomer, i+1), obj{"name": "c" + strconv.Itoa(i+1), "createdAt": ts, "updatedAt": ts}, nil))
	}
	return f
}

func TestPagination(t *testing.T) {
	f := manyCustomers(250)
	for i := range 600 {
		f.add("users.ndjson", res("user", id(tUser, i+1), obj{"userType": "user", "createdAt": tsA}, nil))
	}
	h := serve(t, f, Options{})

	type envelope struct {
		Meta  map[string]int     `json:"meta"`
		Links map[string]*string `json:"links"`
		Data  []json.RawMessage  `json:"data"`
	}
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		path  string
		n     int
		meta  map[string]int
		links map[string]*string
	}{
		{"/v1/customers", 100,
			map[string]int{"page": 1, "pageSize": 100, "total": 250, "totalPages": 3},
			map[string]*string{"self": str("/v1/customers?page=1&pageSize=100"), "first": str("/v1/customers?page=1&pageSize=100"), "prev": nil,
				"next": str("/v1/customers?page=2&pageSize=100"), "last": str("/v1/customers?page=3&pageSize=100")}},
		{"/v1/customers?page=3&pageSize=100", 50,
			map[string]int{"page": 3, "pageSize": 100, "total": 250, "totalPages": 3},
			map[string]*string{"self": str("/v1/customers?page=3&pageSize=100"), "first": str("/v1/customers?page=1&pageSize=100"),
				"prev": str("/v1/customers?page=2&pageSize=100"), "next": nil, "last": str("/v1/customers?page=3&pageSize=100")}},
		{"/v1/customers?pageSize=1000&page=2&sort=-createdAt", 100, // clamped to 100; other parameters kept
			map[string]int{"page": 2, "pageSize": 100, "total": 250, "totalPages": 3},
			map[string]*string{"self": str("/v1/customers?page=2&pageSize=100&sort=-createdAt"), "first": str("/v1/customers?page=1&pageSize=100&sort=-createdAt"),
				"prev": str("/v1/customers?page=1&pageSize=100&sort=-createdAt"), "next": str("/v1/customers?page=3&pageSize=100&sort=-createdAt"),
				"last": str("/v1/customers?page=3&pageSize=100&sort=-createdAt")}},
		{"/v1/users?pageSize=1000", 500, // users go up to 500, and report no total
			map[string]int{"page": 1, "pageSize": 500},
			map[string]*string{"self": str("/v1/users?page=1&pageSize=500"), "first": str("/v1/users?page=1&pageSize=500"), "prev": nil, "next": str("/v1/users?page=2&pageSize=500")}},
		{"/v1/users?page=2&pageSize=1000", 100,
			map[string]int{"page": 2, "pageSize": 500},
			map[string]*string{"self": str("/v1/users?page=2&pageSize=500"), "first": str("/v1/users?page=1&pageSize=500"), "prev": str("/v1/users?page=1&pageSize=500"), "next": nil}},
		{"/v1/conversations", 0,
			map[string]int{"page": 1, "pageSize": 100},
			map[string]*string{"self": str("/v1/conversations?page=1&pageSize=100"), "first": str("/v1/conversations?page=1&pageSize=100"), "prev": nil, "next": nil}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := h.get(tc.path)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var env envelope
			must(t, json.Unmarshal(r.body, &env))
			if len(env.Data) != tc.n {
				t.Errorf("%d records, want %d", len(env.Data), tc.n)
			}
			if diff := cmp.Diff(tc.meta, env.Meta); diff != "" {
				t.Errorf("meta (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.links, env.Links); diff != "" {
				t.Errorf("links (-want +got):\n%s", diff)
			}
		})
	}

	// Following next visits every customer once, oldest first.
	var got []string
	for next := "/v1/customers?pageSize=70"; next != ""; {
		r := h.get(next)
		var env envelope
		must(t, json.Unmarshal(r.body, &env))
		got = append(got, r.ids(t)...)
		next = ""
		if env.Links["next"] != nil {
			next = *env.Links["next"]
		}
	}
	if len(got) != 250 || got[0] != id(tCustomer, 1) || got[249] != id(tCustomer, 250) {
		t.Errorf("walked %d customers from %s to %s", len(got), got[0], got[len(got)-1])
	}

	for _, bad := range []string{"/v1/customers?page=0", "/v1/customers?pageSize=x", "/v1/customers?sort=name", "/v1/customers?filter[name][gte]=a"} {
		if r := h.get(bad); r.status != 400 || !strings.Contains(string(r.body), `"code":"bad_request"`) {
			t.Errorf("%s: %d %s, want 400 bad_request", bad, r.status, r.body)
		}
	}
}

func TestCustomerListFilters(t *testing.T) {
	h := serve(t, manyCustomers(10), Options{})
	// Customer i was created at 2026-01-01T00:(i-1):00.
	for _, tc := range []struct {
		query string
		want  []int
	}{
		{"filter[createdAt][gte]=2026-01-01T00:07:00.000Z", []int{8, 9, 10}},
		{"filter[createdAt][gt]=2026-01-01T00:07:00.000Z", []int{9, 10}},
		{"filter[updatedAt][lt]=2026-01-01T00:02:00.000Z", []int{1, 2}},
		{"filter[updatedAt][lte]=2026-01-01T00:02:00.000Z&filter[createdAt][gte]=2026-01-01T00:01:00.000Z", []int{2, 3}},
		{"sort=-createdAt&filter[createdAt][gte]=2026-01-01T00:07:00.000Z", []int{10, 9, 8}},
		{"sort=-updatedAt&pageSize=2&page=2", []int{8, 7}},
	} {
		var want []string
		for _, n := range tc.want {
			want = append(want, id(tCustomer, n))
		}
		if diff := cmp.Diff(want, h.get("/v1/customers?"+tc.query).ids(t)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.query, diff)
		}
	}
}

func TestParentLists(t *testing.T) {
	h := serve(t, smallFixture(), Options{})
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/v1/customers/" + id(tCustomer, 1) + "/conversations", []string{id(tConversation, 1), id(tConversation, 2)}},
		{"/v1/customers/" + id(tCustomer, 1) + "/conversations?fromDate=2026-02-01T00:00:00.000Z", []string{id(tConversation, 1), id(tConversation, 2)}},
		{"/v1/customers/" + id(tCustomer, 1) + "/conversations?fromDate=2026-02-02T00:00:00.000Z", []string{}},
		{"/v1/customers/" + id(tCustomer, 1) + "/messages", []string{id(tMessage, 1), id(tMessage, 2), id(tMessage, 3)}},
		{"/v1/customers/" + id(tCustomer, 1) + "/notes", []string{id(tNote, 1)}},
		{"/v1/customers/" + id(tCustomer, 1) + "/klasses/ecomm-order", []string{id(tKObject, 1)}},
		{"/v1/conversations/" + id(tConversation, 1) + "/messages", []string{id(tMessage, 1), id(tMessage, 2)}}, // oldest first, whatever the file order
		{"/v1/conversations/" + id(tConversation, 1) + "/messages?pageSize=1&page=2", []string{id(tMessage, 2)}},
		{"/v1/conversations/" + id(tConversation, 1) + "/notes", []string{id(tNote, 1)}},
		{"/v1/conversations/" + id(tConversation, 2) + "/notes", []string{}},
		{"/v1/conversations/" + id(tConversation, 1) + "/attachments", []string{id(tAttachment, 1), id(tAttachment, 2)}},
		{"/v1/klasses/ecomm-order", []string{id(tKObject, 1), id(tKObject, 2)}},
		{"/v1/klasses/ecomm-order?fromDate=2026-03-01", []string{id(tKObject, 1)}},
		{"/v1/companies/" + id(tCompany, 1) + "/klasses/ecomm-order", []string{}},
		{"/v1/users/" + id(tUser, 1) + "/teams", []string{id(tTeam, 1)}},
		{"/v1/klasses", []string{id(tKlass, 1)}},
		{"/v1/klasses?status=disabled", []string{id(tKlass, 2)}},
		{"/v1/users?userType=machine", []string{id(tUser, 2)}},
		{"/v1/companies?externalId=co-1", []string{id(tCompany, 1)}},
		{"/v1/companies?filter=acme", []string{id(tCompany, 1)}},
		{"/v1/conversations?sort=desc", []string{id(tConversation, 4), id(tConversation, 3), id(tConversation, 2), id(tConversation, 1)}},
		{"/v1/conversations", []string{id(tConversation, 4), id(tConversation, 1), id(tConversation, 2), id(tConversation, 3)}}, // by createdAt
		{"/v1/notes", []string{id(tNote, 1)}},
		{"/v1/teams", []string{id(tTeam, 1)}},
	} {
		r := h.get(tc.path)
		if r.status != 200 {
			t.Errorf("%s: %d %s", tc.path, r.status, r.body)
			continue
		}
		if diff := cmp.Diff(tc.want, r.ids(t)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.path, diff)
		}
	}

	// The conversation attachments list is a bare data[] (no meta, no links).
	r := h.get("/v1/conversations/" + id(tConversation, 1) + "/attachments").json(t)
	if _, ok := r["meta"]; ok {
		t.Errorf("conversation attachments have meta: %v", r)
	}
	// include=attachments adds included[] with the page's attachments.
	inc := h.get("/v1/conversations/" + id(tConversation, 1) + "/messages?include=attachments").json(t)
	if n := len(inc["included"].([]any)); n != 2 {
		t.Errorf("included has %d attachments, want 2", n)
	}
	if r := h.get("/v1/customers/" + id(tCustomer, 9) + "/conversations"); r.status != 404 {
		t.Errorf("unknown customer: %d, want 404", r.status)
	}
	if r := h.get("/v1/klasses/nope"); r.status != 404 {
		t.Errorf("unknown klass: %d, want 404", r.status)
	}
	if r := h.get("/v1/users?userType=user&email=a@b"); r.status != 400 {
		t.Errorf("combined user filters: %d, want 400", r.status)
	}
}

func TestGetByID(t *testing.T) {
	h := serve(t, smallFixture(), Options{})
	for _, tc := range []struct {
		path, typ, id string
	}{
		{"/v1/customers/" + id(tCustomer, 1), "customer", id(tCustomer, 1)},
		{"/v1/customers/email=ADA@example.com", "customer", id(tCustomer, 1)},
		{"/v1/customers/phone=+15550001", "customer", id(tCustomer, 2)},
		{"/v1/customers/externalId=cu-1", "customer", id(tCustomer, 1)},
		{"/v1/companies/" + id(tCompany, 1), "company", id(tCompany, 1)},
		{"/v1/users/" + id(tUser, 1), "user", id(tUser, 1)},
		{"/v1/users/current", "user", id(tUser, 2)},
		{"/v1/teams/" + id(tTeam, 1), "team", id(tTeam, 1)},
		{"/v1/conversations/" + id(tConversation, 3), "conversation", id(tConversation, 3)},
		{"/v1/conversations/externalId=cv-1", "conversation", id(tConversation, 1)},
		{"/v1/messages/" + id(tMessage, 1), "message", id(tMessage, 1)},
		{"/v1/messages/" + id(tMessage, 2) + "/attachments/" + id(tAttachment, 1), "attachment", id(tAttachment, 1)},
		{"/v1/notes/" + id(tNote, 1), "note", id(tNote, 1)},
		{"/v1/klasses/" + id(tKlass, 1), "klass", id(tKlass, 1)},
		{"/v1/klasses/ecomm-order/" + id(tKObject, 2), "kobject", id(tKObject, 2)},
		{"/v1/klasses/ecomm-order/externalId=ord-1", "kobject", id(tKObject, 1)},
	} {
		r := h.get(tc.path)
		if r.status != 200 {
			t.Errorf("%s: %d %s", tc.path, r.status, r.body)
			continue
		}
		data, _ := r.json(t)["data"].(obj)
		if data["type"] != tc.typ || data["id"] != tc.id {
			t.Errorf("%s: data %v, want %s %s", tc.path, data, tc.typ, tc.id)
		}
	}
	// Several ids at once answer data[].
	if diff := cmp.Diff([]string{id(tConversation, 1), id(tConversation, 3)}, h.get("/v1/conversations/"+id(tConversation, 1)+","+id(tConversation, 3)).ids(t)); diff != "" {
		t.Errorf("multi-id (-want +got):\n%s", diff)
	}
	for _, p := range []string{
		"/v1/customers/" + id(tCustomer, 99), "/v1/customers/not-an-id", "/v1/customers/email=nobody@x",
		"/v1/klasses/legacy/" + id(tKObject, 1), "/v1/messages/" + id(tMessage, 3) + "/attachments/" + id(tAttachment, 1),
		"/v1/tickets", "/v2/customers", "/v1/customers/",
	} {
		r := h.get(p)
		if r.status != 404 || !strings.Contains(string(r.body), `"code":"not_found"`) {
			t.Errorf("%s: %d %s, want 404 not_found", p, r.status, r.body)
		}
	}
	// A line is served exactly as read.
	r := h.get("/v1/notes/" + id(tNote, 1))
	if want := `{"data":` + smallFixture().lines["notes.ndjson"][0] + `}`; string(r.body) != want {
		t.Errorf("note served as\n%s\nwant\n%s", r.body, want)
	}
}

func TestAttachments(t *testing.T) {
	h := serve(t, smallFixture(), Options{})
	r := h.get("/v1/attachments/" + id(tAttachment, 1))
	if r.status != 200 || string(r.body) != pngBytes {
		t.Fatalf("download: %d %q", r.status, r.body)
	}
	if ct, cl := r.header.Get("Content-Type"), r.header.Get("Content-Length"); ct != "image/png" || cl != strconv.Itoa(len(pngBytes)) {
		t.Errorf("Content-Type %q, Content-Length %q; want image/png, %d", ct, cl, len(pngBytes))
	}
	if r.header.Get("x-ratelimit-limit") == "" {
		t.Errorf("download has no rate limit headers")
	}
	// The dataset references a file that is not there.
	if r := h.get("/v1/attachments/" + id(tAttachment, 2)); r.status != 404 || !strings.Contains(string(r.body), "has no content") {
		t.Errorf("missing file: %d %s, want 404", r.status, r.body)
	}
	if r := h.get("/v1/attachments/" + id(tAttachment, 7)); r.status != 404 {
		t.Errorf("unknown attachment: %d, want 404", r.status)
	}
	// Attachment resources link to the download on this server.
	att := h.get("/v1/messages/" + id(tMessage, 2) + "/attachments/" + id(tAttachment, 1)).json(t)["data"].(obj)
	wantLinks := obj{"self": "/v1/messages/" + id(tMessage, 2) + "/attachments/" + id(tAttachment, 1), "related": h.ts.URL + "/v1/attachments/" + id(tAttachment, 1)}
	if diff := cmp.Diff(wantLinks, att["links"]); diff != "" {
		t.Errorf("attachment links (-want +got):\n%s", diff)
	}
	// An external attachment keeps its registered URL.
	ext := h.get("/v1/messages/" + id(tMessage, 3) + "/attachments/" + id(tAttachment, 3)).json(t)["data"].(obj)
	if related := ext["links"].(obj)["related"]; related != "https://cdn.example.com/logo.svg" {
		t.Errorf("external attachment related = %v", related)
	}
	// Inline images in htmlBody point at this server, not the org host.
	msg := h.get("/v1/messages/" + id(tMessage, 2)).json(t)["data"].(obj)
	html := msg["attributes"].(obj)["htmlBody"].(string)
	if !strings.Contains(html, h.ts.URL+"/v1/attachments/"+id(tAttachment, 1)) || strings.Contains(html, "kustomerapp.com") {
		t.Errorf("htmlBody not rewritten: %s", html)
	}
}

func TestRateLimit(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	h := serve(t, smallFixture(), Options{Limit: 3, Window: time.Second, Clock: clock.now})
	reset := strconv.FormatInt(clock.t.Add(time.Second).Unix(), 10)
	for i := range 3 {
		r := h.get("/v1/customers")
		if r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
		if got := [3]string{r.header.Get("x-ratelimit-limit"), r.header.Get("x-ratelimit-remaining"), r.header.Get("x-ratelimit-reset")}; got != [3]string{"3", strconv.Itoa(2 - i), reset} {
			t.Errorf("request %d: headers %v", i+1, got)
		}
	}
	r := h.get("/v1/customers")
	if r.status != 429 {
		t.Fatalf("4th request: %d, want 429", r.status)
	}
	if got := [3]string{r.header.Get("x-ratelimit-limit"), r.header.Get("x-ratelimit-remaining"), r.header.Get("x-ratelimit-reset")}; got != [3]string{"3", "0", reset} {
		t.Errorf("429 headers %v", got)
	}
	if r.header.Get("Retry-After") != "" {
		t.Errorf("Retry-After sent without Options.RetryAfter")
	}
	body := r.json(t)
	if code := body["errors"].([]any)[0].(obj)["code"]; code != "too_many_requests" {
		t.Errorf("429 body %s", r.body)
	}
	// Coming back before the reset is an early retry; after it, the window
	// is fresh.
	clock.t = clock.t.Add(500 * time.Millisecond)
	if r := h.get("/v1/customers"); r.status != 429 {
		t.Errorf("before the reset: %d, want 429", r.status)
	}
	clock.t = clock.t.Add(500 * time.Millisecond)
	if r := h.get("/v1/customers"); r.status != 200 || r.header.Get("x-ratelimit-remaining") != "2" {
		t.Errorf("after the reset: %d, remaining %s", r.status, r.header.Get("x-ratelimit-remaining"))
	}
	snap := h.srv.Stats()
	if snap.Total != 6 || snap.TooMany != 2 || snap.EarlyRetries != 1 || snap.ByRoute["GET /v1/customers"] != 6 {
		t.Errorf("stats %+v; want 6 requests, 2 answered 429, 1 early retry", snap)
	}
}

func TestRetryAfterOption(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	h := serve(t, smallFixture(), Options{Limit: 1, Window: time.Minute, Clock: clock.now, RetryAfter: true})
	h.get("/v1/customers")
	clock.t = clock.t.Add(20 * time.Second)
	if r := h.get("/v1/customers"); r.status != 429 || r.header.Get("Retry-After") != "40" {
		t.Errorf("429 with Retry-After %q, want 40", r.header.Get("Retry-After"))
	}
}

func TestSearchLimitIsSeparate(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	h := serve(t, smallFixture(), Options{Limit: 10, SearchLimit: 2, Window: time.Minute, Clock: clock.now})
	for i := range 2 {
		r := h.search("/v1/customers/search", `{"queryContext":"customer"}`)
		if r.status != 200 || r.header.Get("x-ratelimit-limit") != "2" || r.header.Get("x-ratelimit-remaining") != strconv.Itoa(1-i) {
			t.Fatalf("search %d: %d, limit %s remaining %s", i+1, r.status, r.header.Get("x-ratelimit-limit"), r.header.Get("x-ratelimit-remaining"))
		}
	}
	r := h.search("/v1/customers/archive/search", `{"queryContext":"customer"}`)
	if r.status != 429 || !strings.Contains(string(r.body), "search rate limit") {
		t.Fatalf("3rd search: %d %s, want 429", r.status, r.body)
	}
	// Other requests still pass; they show the org window, which the three
	// searches spent from too.
	r = h.get("/v1/customers")
	if r.status != 200 || r.header.Get("x-ratelimit-limit") != "10" || r.header.Get("x-ratelimit-remaining") != "6" {
		t.Errorf("list after searches: %d, limit %s remaining %s; want 200, 10, 6", r.status, r.header.Get("x-ratelimit-limit"), r.header.Get("x-ratelimit-remaining"))
	}
}

func TestUnlimited(t *testing.T) {
	h := serve(t, smallFixture(), Options{Limit: -1, SearchLimit: -1})
	for range 3 {
		if r := h.search("/v1/customers/search", `{}`); r.status != 200 || r.header.Get("x-ratelimit-limit") != "" {
			t.Fatalf("%d, limit header %q", r.status, r.header.Get("x-ratelimit-limit"))
		}
	}
}

func TestFaults(t *testing.T) {
	faults, err := simkit.ParseFaults("5xx=1,seed=3")
	must(t, err)
	h := serve(t, smallFixture(), Options{Faults: faults})
	r := h.get("/v1/customers")
	if r.status != 500 && r.status != 503 {
		t.Fatalf("status %d, want 500 or 503", r.status)
	}
	var body struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	must(t, json.Unmarshal(r.body, &body))
	if len(body.Errors) != 1 || body.Errors[0].Code == "" {
		t.Errorf("fault body not in Kustomer's shape: %s", r.body)
	}
	if snap := h.srv.Stats(); snap.Total != 1 || snap.ByStatus[r.status] != 1 {
		t.Errorf("stats %+v", snap)
	}
}

func TestFaultBurst429CountsAsEarlyRetry(t *testing.T) {
	faults, err := simkit.ParseFaults("429burst=1:2,retry-after=30s")
	must(t, err)
	h := serve(t, smallFixture(), Options{Faults: faults})
	r := h.get("/v1/customers")
	if r.status != 429 || r.header.Get("Retry-After") != "30" {
		t.Fatalf("%d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	h.get("/v1/customers")
	if snap := h.srv.Stats(); snap.EarlyRetries != 1 || snap.TooMany != 2 {
		t.Errorf("stats %+v, want 1 early retry and 2 429s", snap)
	}
	h.srv.ResetStats()
	if snap := h.srv.Stats(); snap.Total != 0 {
		t.Errorf("after ResetStats: %+v", snap)
	}
}
