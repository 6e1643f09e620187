package kustomersim

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSearchFilters(t *testing.T) {
	h := serve(t, smallFixture(), Options{Limit: -1, SearchLimit: -1})
	c := func(n ...int) []string {
		out := []string{}
		for _, i := range n {
			out = append(out, id(tConversation, i))
		}
		return out
	}
	cu := func(n ...int) []string {
		out := []string{}
		for _, i := range n {
			out = append(out, id(tCustomer, i))
		}
		return out
	}
	for _, tc := range []struct {
		name, path, body string
		want             []string
	}{
		{"default context is customer, newest update first", "/v1/customers/search", `{}`, cu(2, 1)},
		{"equals", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_status":{"equals":"open"}}]}`, c(1)},
		{"not_equals", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_status":{"not_equals":"open"}}],"sort":{"conversation_created_at":"asc"}}`, c(2, 3)},
		{"in", "/v1/customers/search", `{"queryContext":"conversation","and":{"conversation_status":{"in":["done","snoozed"]}},"sort":[{"conversation_created_at":"desc"}]}`, c(3, 2)},
		{"gte date", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_updated_at":{"gte":"2026-02-01"}}],"sort":{"conversation_updated_at":"asc"}}`, c(1, 2, 3)},
		{"gt date rounds up to the next day", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_updated_at":{"gt":"2026-02-01"}}]}`, c(3)},
		{"gt timestamp", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_created_at":{"gt":"2026-01-01T09:00:00.000Z"}}],"sort":{"conversation_created_at":"asc"}}`, c(2, 3)},
		{"lt and lte", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_created_at":{"lte":"2026-02-01","gte":"2026-01-01"}}],"sort":{"conversation_created_at":"asc"}}`, c(1, 2)},
		{"time zone moves a local date", "/v1/customers/search", `{"queryContext":"conversation","timeZone":"Asia/Tokyo","and":[{"conversation_created_at":{"lt":"2026-01-01"}}]}`, c()},
		{"or", "/v1/customers/search", `{"queryContext":"conversation","or":[{"conversation_status":{"equals":"done"}},{"conversation_priority":{"gte":3}}],"sort":{"conversation_id":"asc"}}`, c(1, 2)},
		{"not", "/v1/customers/search", `{"queryContext":"conversation","not":{"conversation_status":{"equals":"open"}},"sort":{"conversation_id":"desc"}}`, c(3, 2)},
		{"nested or inside and", "/v1/customers/search", `{"queryContext":"conversation","and":[{"conversation_customer_id":{"equals":"` + id(tCustomer, 1) + `"}},{"or":[{"conversation_priority":{"equals":1}},{"conversation_name":{"contains":"LATE"}}]}],"sort":{"conversation_id":"asc"}}`, c(1, 2)},
		{"not_set", "/v1/customers/search", `{"queryContext":"conversation","and":{"conversation_priority":{"not_set":true}}}`, c(3)},
		{"sort on a plain attribute", "/v1/customers/search", `{"queryContext":"conversation","sort":[{"conversation_priority":"desc"}]}`, c(1, 2, 3)},
		{"customer email", "/v1/customers/search", `{"and":[{"customer_email":{"equals":"bob@example.com"}}]}`, cu(2)},
		{"customer custom attribute", "/v1/customers/search", `{"and":[{"customer_custom_tierStr":{"equals":"gold"}}]}`, cu(1)},
		{"array attribute", "/v1/customers/search", `{"and":[{"customer_tags":{"equals":"vip"}}]}`, cu(1)},
		{"company id", "/v1/customers/search", `{"and":[{"customer_companyId":{"equals":"` + id(tCompany, 1) + `"}}]}`, cu(1)},
		{"any text", "/v1/customers/search", `{"queryContext":"message","and":[{"message_any_text":{"contains":"REFUND"}}]}`, []string{id(tMessage, 3)}},
		{"message by conversation", "/v1/customers/search", `{"queryContext":"message","and":[{"message_conversation_id":{"equals":"` + id(tConversation, 1) + `"}}],"sort":{"message_created_at":"asc"}}`, []string{id(tMessage, 1), id(tMessage, 2)}},
		{"notes", "/v1/customers/search", `{"queryContext":"note"}`, []string{id(tNote, 1)}},
		{"kobjects of a klass", "/v1/customers/search", `{"queryContext":"kobject_ecomm-order","and":[{"kobject_ecomm-order_customer_id":{"equals":"` + id(tCustomer, 2) + `"}}]}`, []string{id(tKObject, 2)}},
		{"kobjects", "/v1/customers/search", `{"queryContext":"kobject","sort":{"kobject_updated_at":"asc"}}`, []string{id(tKObject, 2), id(tKObject, 1)}},
		{"companies", "/v1/customers/search", `{"queryContext":"company"}`, []string{id(tCompany, 1)}},
		// The two-year window: Oscar and his conversation were last updated
		// in 2023, more than 730 days before the manifest's now.
		{"standard search hides old records", "/v1/customers/search", `{"and":[{"customer_name":{"contains":"oscar"}}]}`, cu()},
		{"archive search shows them", "/v1/customers/archive/search", `{}`, cu(3)},
		{"archive conversations", "/v1/customers/archive/search", `{"queryContext":"conversation","and":[{"conversation_customer_id":{"equals":"` + id(tCustomer, 3) + `"}}]}`, c(4)},
		{"archive hides recent records", "/v1/customers/archive/search", `{"queryContext":"conversation","and":[{"conversation_updated_at":{"gte":"2026-01-01"}}]}`, c()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.search(tc.path, tc.body)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if diff := cmp.Diff(tc.want, r.ids(t)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	h := serve(t, smallFixture(), Options{Limit: -1, SearchLimit: -1})
	for _, tc := range []struct {
		path, body, want string
	}{
		{"/v1/customers/search", `{"queryContext":"ticket"}`, `queryContext \"ticket\"`},
		{"/v1/customers/search", `{"queryContext":"user"}`, `queryContext \"user\"`},
		{"/v1/customers/search", `{"query_context":"conversation"}`, `unknown field`},
		{"/v1/customers/search", `{"and":[{"conversation_status":{"equals":"open"}}]}`, `does not belong to queryContext`},
		{"/v1/customers/search", `{"and":[{"customer_name":{"like":"a"}}]}`, `operator \"like\"`},
		{"/v1/customers/search", `{"and":[{"customer_updated_at":{"gte":"last week"}}]}`, `not a date`},
		{"/v1/customers/search", `{"sort":{"customer_updated_at":"up"}}`, `not asc or desc`},
		{"/v1/customers/search", `{"timeZone":"Mars/Olympus"}`, `timeZone`},
		{"/v1/customers/search", `{"and":`, `invalid search body`},
		{"/v1/customers/archive/search", `{"queryContext":"note"}`, `does not serve queryContext note`},
		{"/v1/customers/archive/search", `{"queryContext":"conversation","and":{"conversation_status":{"equals":"done"}}}`, `archive search cannot filter`},
		{"/v1/customers/archive/search", `{"queryContext":"customer","sort":{"customer_name":"asc"}}`, `archive search cannot sort`},
		{"/v1/customers/archive/search", `{"aggs":{}}`, `does not take aggs`},
	} {
		r := h.search(tc.path, tc.body)
		if r.status != 400 || !strings.Contains(string(r.body), tc.want) || !strings.Contains(string(r.body), `"code":"bad_request"`) {
			t.Errorf("%s %s: %d %s, want 400 mentioning %s", tc.path, tc.body, r.status, r.body, tc.want)
		}
	}
	big := `{"queryContext":"customer","and":[{"customer_name":{"in":[` + strings.Repeat(`"xxxxxxxxxxxxxxxxxxxx",`, 6000) + `"x"]}}]}`
	if r := h.search("/v1/customers/search", big); r.status != 413 {
		t.Errorf("101 KB body: %d, want 413", r.status)
	}
	if r := h.do("GET", "/v1/customers/search", ""); r.status != 404 {
		t.Errorf("GET search: %d, want 404 (it is POST only)", r.status)
	}
}

// TestSearchTieBreak checks that records with the same updatedAt come back
// in id order, so paging through them never skips or repeats one.
func TestSearchTieBreak(t *testing.T) {
	f := newFixture()
	var want []string
	for i := range 30 {
		// Written in reverse id order, all updated at the same instant.
		f.add("conversations.ndjson", res("conversation", id(tConversation, 30-i), obj{"createdAt": tsA, "updatedAt": tsB}, nil))
		want = append(want, id(tConversation, i+1))
	}
	h := serve(t, f, Options{Limit: -1, SearchLimit: -1})
	for _, sort := range []string{`{"conversation_updated_at":"asc"}`, `[{"conversation_updated_at":"asc"},{"conversation_status":"asc"}]`} {
		var got []string
		for page := 1; page <= 4; page++ {
			r := h.search("/v1/customers/search?pageSize=8&page="+strconv.Itoa(page), `{"queryContext":"conversation","sort":`+sort+`}`)
			got = append(got, r.ids(t)...)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("sort %s (-want +got):\n%s", sort, diff)
		}
	}
}

// TestSearchCaps checks the 100-page and 10,000-hit limits with a dataset
// just over 10,000 customers.
func TestSearchCaps(t *testing.T) {
	const n = 10050
	h := serve(t, manyCustomers(n), Options{Limit: -1, SearchLimit: -1})
	body := `{"queryContext":"customer","sort":{"customer_created_at":"asc"}}`
	type env struct {
		Meta  map[string]int     `json:"meta"`
		Links map[string]*string `json:"links"`
		Data  []json.RawMessage  `json:"data"`
	}
	get := func(q string) (reply, env) {
		r := h.search("/v1/customers/search?"+q, body)
		var e env
		if r.status == 200 {
			must(t, json.Unmarshal(r.body, &e))
		}
		return r, e
	}

	// Page 100 of 100 is served and, like the live API, links to page 101.
	r, e := get("page=100&pageSize=100")
	if r.status != 200 || len(e.Data) != 100 {
		t.Fatalf("page 100: %d, %d records", r.status, len(e.Data))
	}
	if diff := cmp.Diff(map[string]int{"page": 100, "pageSize": 100, "total": n, "totalPages": 101}, e.Meta); diff != "" {
		t.Errorf("page 100 meta (-want +got):\n%s", diff)
	}
	if next := e.Links["next"]; next == nil || *next != "/v1/customers/search?page=101&pageSize=100" {
		t.Errorf("page 100 next = %v", next)
	}
	if last := e.Links["last"]; last == nil || *last != "/v1/customers/search?page=100&pageSize=100" {
		t.Errorf("page 100 last = %v, want the last page that can be fetched", last)
	}
	if got := r.ids(t)[99]; got != id(tCustomer, 10000) {
		t.Errorf("hit 10,000 is %s", got)
	}

	// Page 101 is refused, whatever its size.
	for _, q := range []string{"page=101&pageSize=100", "page=101&pageSize=10"} {
		r, _ = get(q)
		if r.status != 400 || !strings.Contains(string(r.body), "hard limit of 100 pages") {
			t.Errorf("%s: %d %s, want 400", q, r.status, r.body)
		}
	}

	// With pageSize=500 the 10,000-hit cap comes first: page 20 holds hits
	// 9,501-10,000 and page 21 is refused.
	r, e = get("page=20&pageSize=500")
	if r.status != 200 || len(e.Data) != 500 || r.ids(t)[499] != id(tCustomer, 10000) {
		t.Fatalf("page 20 of 500: %d, %d records", r.status, len(e.Data))
	}
	r, _ = get("page=21&pageSize=500")
	if r.status != 400 || !strings.Contains(string(r.body), "at most 10000 records") {
		t.Errorf("page 21 of 500: %d %s, want 400", r.status, r.body)
	}
	// A page that straddles the cap stops at hit 10,000.
	r, e = get("page=34&pageSize=300")
	if r.status != 200 || len(e.Data) != 100 {
		t.Errorf("page 34 of 300: %d, %d records; want 100", r.status, len(e.Data))
	}
	// The documented workaround: restart with gt the last updated_at seen.
	restart := `{"queryContext":"customer","and":[{"customer_updated_at":{"gt":"2026-01-07T22:39:00.000Z"}}],"sort":{"customer_updated_at":"asc"}}`
	r = h.search("/v1/customers/search?page=1&pageSize=100", restart)
	if ids := r.ids(t); r.status != 200 || len(ids) != 50 || ids[0] != id(tCustomer, 10001) {
		t.Errorf("restart after hit 10,000: %d, %d hits starting at %v", r.status, len(ids), ids[:min(1, len(ids))])
	}
}

func TestSearchIDsOnly(t *testing.T) {
	h := serve(t, smallFixture(), Options{Limit: -1, SearchLimit: -1})
	r := h.search("/v1/customers/search?idsOnly=true", `{"queryContext":"note"}`)
	want := `"data":[{"type":"note","id":"` + id(tNote, 1) + `"}]`
	if !strings.Contains(string(r.body), want) || !strings.Contains(string(r.body), "idsOnly=true") {
		t.Errorf("idsOnly: %s", r.body)
	}
}

// TestSearchWindowFollowsTheClock checks that the two-year window starts
// at the manifest's now and moves with the machine clock, while the Date
// header tells the same time: one clock, whatever day the machine says.
func TestSearchWindowFollowsTheClock(t *testing.T) {
	machine := &fakeClock{t: time.Date(2027, 12, 3, 9, 30, 0, 0, time.UTC)} // the machine a year ahead
	h := serve(t, smallFixture(), Options{Limit: -1, SearchLimit: -1, Clock: machine.now})
	r := h.search("/v1/customers/search", `{}`)
	if got, want := r.header.Get("Date"), "Sat, 28 Nov 2026 00:00:00 GMT"; got != want {
		t.Errorf("Date %q, want the manifest's now %q", got, want)
	}
	if diff := cmp.Diff([]string{id(tCustomer, 2), id(tCustomer, 1)}, r.ids(t)); diff != "" {
		t.Errorf("standard at the manifest's now (-want +got):\n%s", diff)
	}
	// Fourteen months later the window starts 2026-02-15.
	machine.t = machine.t.Add(time.Date(2028, 2, 15, 0, 0, 0, 0, time.UTC).Sub(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)))
	r = h.search("/v1/customers/search", `{}`)
	if got, want := r.header.Get("Date"), "Tue, 15 Feb 2028 00:00:00 GMT"; got != want {
		t.Errorf("Date %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{id(tCustomer, 2)}, r.ids(t)); diff != "" {
		t.Errorf("standard (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{id(tCustomer, 1), id(tCustomer, 3)}, h.search("/v1/customers/archive/search", `{"sort":{"customer_id":"asc"}}`).ids(t)); diff != "" {
		t.Errorf("archive (-want +got):\n%s", diff)
	}
}

// FuzzSearchBody feeds arbitrary bodies to both searches: each must answer
// 200 or a 4xx in Kustomer's shape, never panic.
func FuzzSearchBody(f *testing.F) {
	ds, err := Load(smallFixture().write(f))
	must(f, err)
	srv := New(ds, Options{Limit: -1, SearchLimit: -1})
	for _, seed := range []string{
		`{}`,
		`{"queryContext":"conversation","and":[{"conversation_status":{"in":["open"]}},{"or":[{"conversation_priority":{"gte":2}}]}],"sort":[{"conversation_priority":"desc"}]}`,
		`{"queryContext":"kobject_ecomm-order","not":{"kobject_custom_ecomm-order_totalNum":{"lt":3}}}`,
		`{"queryContext":"message","and":{"message_any_text":{"contains":"x"}},"sort":{"message_id":"asc"}}`,
		`{"sort":[{}],"and":[[]]}`,
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, body string, archive bool) {
		path := "/v1/customers/search"
		if archive {
			path = "/v1/customers/archive/search"
		}
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != 200 && (w.Code < 400 || w.Code > 413 || !strings.Contains(w.Body.String(), `"errors"`)) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
}
