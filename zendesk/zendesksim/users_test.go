package zendesksim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t, Options{})
	req, _ := http.NewRequest("GET", h.http.URL+"/api/v2/users/me", nil)
	req.SetBasicAuth(h.email+"/token", "wrong")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("wrong token: %d, want 401", res.StatusCode)
	}
	if res.Header.Get("X-Rate-Limit") == "" {
		t.Error("401 carries no X-Rate-Limit header")
	}
	r := h.must(200, "GET", "/api/v2/users/me", nil)
	if r.str("user", "role") != "admin" || r.str("user", "email") != h.email {
		t.Errorf("me = %s", r.raw)
	}
	if r := h.do("GET", "/api/v2/nowhere", nil); r.status != 404 || r.str("error") != "InvalidEndpoint" {
		t.Errorf("unknown path = %d %s", r.status, r.raw)
	}
}

func TestBulkUserImportsForbiddenWhenOff(t *testing.T) {
	h := newHarness(t, Options{BulkImportEnabled: false})
	body := map[string]any{"users": []any{map[string]any{"name": "A", "email": "a@example.test"}}}
	for _, path := range []string{"/api/v2/users/create_many", "/api/v2/users/create_or_update_many"} {
		r := h.do("POST", path, body)
		want := map[string]any{"error": "Forbidden", "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."}
		if r.status != 403 {
			t.Errorf("%s = %d, want 403", path, r.status)
		}
		if d := cmp.Diff(want, r.body); d != "" {
			t.Errorf("%s body (-want +got):\n%s", path, d)
		}
	}
}

func TestCreateManyUsersDuplicateEmailFailsInJob(t *testing.T) {
	h := newHarness(t, Options{BulkImportEnabled: true})
	h.user("Existing", "taken@example.test", "end-user")
	r := h.runJob(200, "POST", "/api/v2/users/create_many", map[string]any{"users": []any{
		map[string]any{"name": "One", "email": "new@example.test"},
		map[string]any{"name": "Two", "email": "NEW@example.test"},
		map[string]any{"name": "Three", "email": "taken@example.test"},
	}})
	results := r.get("job_status", "results").([]any)
	if len(results) != 3 {
		t.Fatalf("results = %s", r.raw)
	}
	if num(dig(results[0], "id")) == 0 || num(dig(results[0], "index")) != 0 {
		t.Errorf("result 0 = %v, want a created id at index 0", results[0])
	}
	for i := 1; i <= 2; i++ {
		res := results[i].(map[string]any)
		if res["success"] != false || res["error"] != "DuplicateValue" || !strings.Contains(res["details"].(string), "is already being used by another user") || num(res["index"]) != int64(i) {
			t.Errorf("result %d = %v, want a DuplicateValue failure", i, res)
		}
	}
	if got := len(h.srv.Dump().Users); got != 3 { // owner, Existing, One
		t.Errorf("users after job = %d, want 3", got)
	}
}

func TestUserExternalIDUniqueCaseInsensitive(t *testing.T) {
	h := newHarness(t, Options{BulkImportEnabled: true})
	h.must(201, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "Ian", "external_id": "IAN1"}})
	r := h.do("POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "Other", "external_id": "ian1"}})
	if r.status != 422 || r.str("error") != "RecordInvalid" || r.str("details", "external_id", "0", "error") != "DuplicateValue" {
		t.Fatalf("duplicate external id = %d %s", r.status, r.raw)
	}
	// create_or_update finds the user by external id in any case and takes
	// the case of the request.
	r = h.must(200, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"external_id": "Ian1", "name": "Ian B"}})
	if r.str("user", "external_id") != "Ian1" || r.str("user", "name") != "Ian B" {
		t.Errorf("create_or_update = %s", r.raw)
	}
	r = h.must(200, "GET", "/api/v2/users/search?external_id=iAn1", nil)
	if n := len(r.get("users").([]any)); n != 1 {
		t.Errorf("search by external id found %d users", n)
	}
	if r := h.do("POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"external_id": "x-2", "name": "New"}}); r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Errorf("second create_or_update within a second = %d, want 429 with Retry-After (1 per second per account)", r.status)
	}
	h.clock.Advance(time.Second)
	h.must(201, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"external_id": "x-2", "name": "New", "email": "new@example.test"}})
	r = h.must(200, "GET", "/api/v2/users/search?query=new@example.test", nil)
	if n := len(r.get("users").([]any)); n != 1 {
		t.Errorf("search by email found %d users", n)
	}
	// Organizations: unique names and case-insensitive external ids.
	h.must(201, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Acme", "external_id": "Company1"}})
	r = h.do("POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "acme", "external_id": "company1"}})
	if r.status != 422 || r.get("details", "name") == nil || r.get("details", "external_id") == nil {
		t.Errorf("duplicate org = %d %s", r.status, r.raw)
	}
	r = h.must(200, "GET", "/api/v2/organizations/search?external_id=COMPANY1", nil)
	if r.str("organizations", "0", "name") != "Acme" {
		t.Errorf("org search = %s", r.raw)
	}
}

func TestIdentities(t *testing.T) {
	h := newHarness(t, Options{})
	u := h.user("Ann", "ann@example.test", "end-user")
	h.user("Bob", "bob@example.test", "end-user")
	path := "/api/v2/users/" + itoa(u) + "/identities"
	h.must(201, "POST", path, map[string]any{"identity": map[string]any{"type": "email", "value": "ann2@example.test"}})
	h.must(201, "POST", path, map[string]any{"identity": map[string]any{"type": "phone_number", "value": "+15551234567"}})
	if r := h.do("POST", path, map[string]any{"identity": map[string]any{"type": "email", "value": "BOB@example.test"}}); r.status != 422 {
		t.Errorf("another user's email as identity = %d %s", r.status, r.raw)
	}
	if r := h.do("POST", path, map[string]any{"identity": map[string]any{"type": "phone_number", "value": "555-1234"}}); r.status != 422 {
		t.Errorf("non-E.164 phone = %d", r.status)
	}
	r := h.must(200, "GET", path, nil)
	if n := len(r.get("identities").([]any)); n != 3 {
		t.Errorf("identities = %d, want 3: %s", n, r.raw)
	}
}

func TestOrganizationsBulkAndUpsert(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.runJob(200, "POST", "/api/v2/organizations/create_many", map[string]any{"organizations": []any{
		map[string]any{"name": "Acme", "external_id": "c-1"},
		map[string]any{"name": "ACME"},
		map[string]any{"name": "Beta", "external_id": "C-1"},
	}})
	res := r.get("job_status", "results").([]any)
	if num(dig(res, "0", "id")) == 0 || dig(res, "1", "error") != "DuplicateValue" || dig(res, "2", "error") != "DuplicateValue" {
		t.Fatalf("results = %s", r.raw)
	}
	acme := num(dig(res, "0", "id"))
	// create_or_update matches by external id, never by name.
	r = h.must(200, "POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"external_id": "C-1", "notes": "n"}})
	if num(r.get("organization", "id")) != acme || r.str("organization", "notes") != "n" {
		t.Errorf("update by external id = %s", r.raw)
	}
	if r := h.do("POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"name": "Acme"}}); r.status != 422 {
		t.Errorf("create_or_update by name only = %d, want 422 duplicate name", r.status)
	}
	h.must(201, "POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"name": "Gamma", "external_id": "c-3"}})
	r = h.must(200, "GET", "/api/v2/organizations/show_many?external_ids=c-1,C-3,none", nil)
	if n := len(r.get("organizations").([]any)); n != 2 {
		t.Errorf("show_many by external ids = %d, want 2", n)
	}
	r = h.must(200, "GET", "/api/v2/organizations/search?name=gamma", nil)
	if r.str("organizations", "0", "external_id") != "c-3" {
		t.Errorf("search by name = %s", r.raw)
	}
	u := h.user("Ann", "ann@example.test", "end-user")
	r = h.must(200, "GET", "/api/v2/users/show_many?ids="+itoa(u)+",1", nil)
	if n := len(r.get("users").([]any)); n != 1 {
		t.Errorf("users show_many = %d, want 1", n)
	}
}

// TestOrganizationNamesIgnoreCaseAndSpace: a name that differs from a
// taken one only in case or surrounding space is taken, on create, in
// bulk and on update; names are stored trimmed and found by search in
// any case.
func TestOrganizationNamesIgnoreCaseAndSpace(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.must(201, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "  Acme Corp "}})
	if got := r.str("organization", "name"); got != "Acme Corp" {
		t.Errorf("stored name %q, want it trimmed", got)
	}
	for _, name := range []string{"ACME CORP", "Acme Corp ", " acme corp"} {
		r := h.do("POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": name}})
		if r.status != 422 || r.str("details", "name", "0", "error") != "DuplicateValue" {
			t.Errorf("%q: %d %s", name, r.status, r.raw)
		}
	}
	id := h.startJob(200, "POST", "/api/v2/organizations/create_many", map[string]any{"organizations": []any{
		map[string]any{"name": "acme CORP"}, map[string]any{"name": "Globex"}}})
	j := h.job(id)
	if j.get("job_status", "results", "0", "error") != "DuplicateValue" || num(j.get("job_status", "results", "1", "id")) == 0 {
		t.Errorf("bulk: %s", j.raw)
	}
	globex := itoa(num(j.get("job_status", "results", "1", "id")))
	if r := h.do("POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"id": num(j.get("job_status", "results", "1", "id")), "name": "ACME corp"}}); r.status != 422 {
		t.Errorf("rename %s onto a taken name: %d %s", globex, r.status, r.raw)
	}
	r = h.must(200, "GET", "/api/v2/organizations/search?name="+url.QueryEscape("  ACME corp  "), nil)
	if n := num(r.get("count")); n != 1 || r.str("organizations", "0", "name") != "Acme Corp" {
		t.Errorf("search by name: %s", r.raw)
	}
}

// TestUpdateGroupAndObject: groups (PUT) and custom objects (PATCH) take
// changes of their names and descriptions; a private group stays private
// and an object's key cannot change.
func TestUpdateGroupAndObject(t *testing.T) {
	h := newHarness(t, Options{})
	g := h.group("Support")
	r := h.must(200, "PUT", "/api/v2/groups/"+itoa(g), map[string]any{"group": map[string]any{"name": "Tier 1", "description": "first line"}})
	if r.str("group", "name") != "Tier 1" || r.str("group", "description") != "first line" {
		t.Errorf("group update: %s", r.raw)
	}
	h.must(200, "PUT", "/api/v2/groups/"+itoa(g), map[string]any{"group": map[string]any{"is_public": false}})
	if r := h.do("PUT", "/api/v2/groups/"+itoa(g), map[string]any{"group": map[string]any{"is_public": true}}); r.status != 422 {
		t.Errorf("private to public: %d %s", r.status, r.raw)
	}
	if r := h.do("PUT", "/api/v2/groups/424242", map[string]any{"group": map[string]any{"name": "x"}}); r.status != 404 {
		t.Errorf("unknown group: %d", r.status)
	}
	h.must(201, "POST", "/api/v2/custom_objects", map[string]any{"custom_object": map[string]any{"key": "order", "title": "Order", "title_pluralized": "Orders"}})
	r = h.must(200, "PATCH", "/api/v2/custom_objects/order", map[string]any{"custom_object": map[string]any{"title": "Purchase", "title_pluralized": "Purchases"}})
	if r.str("custom_object", "title") != "Purchase" || r.str("custom_object", "key") != "order" {
		t.Errorf("object update: %s", r.raw)
	}
	if r := h.do("PATCH", "/api/v2/custom_objects/order", map[string]any{"custom_object": map[string]any{"key": "purchase"}}); r.status != 422 {
		t.Errorf("key change: %d %s", r.status, r.raw)
	}
}
