package zendesksim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// specFile is shared/api/zendesk-support-oas.yaml beside the module root;
// a user's checkout may not have it.
func specFile(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	return filepath.Join(dir, "..", "shared", "api", "zendesk-support-oas.yaml")
}

// specOnce loads the 1.2 MB file once per test binary.
var specOnce struct {
	sync.Once
	spec *Spec
	err  error
}

func testSpec(t testing.TB) *Spec {
	t.Helper()
	path := specFile(t)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent; skipping OpenAPI checks", path)
	}
	specOnce.Do(func() { specOnce.spec, specOnce.err = LoadSpec(path) })
	if specOnce.err != nil {
		t.Fatal(specOnce.err)
	}
	return specOnce.spec
}

// Requests a migration sends, in the shapes the simulator accepts.
var oasRequests = []struct {
	name, method, path string
	body               string
}{
	{"ticket import", "POST", "/api/v2/imports/tickets?archive_immediately=true",
		`{"ticket":{"assignee_id":1000000002,"requester_id":1000000003,"subject":"Help","description":"A description","tags":["kustomer-import"],
		  "comments":[{"author_id":1000000003,"created_at":"2009-06-25T10:15:18Z","value":"This is a comment"},
		              {"author_id":1000000002,"public":false,"value":"This is a private comment","uploads":[]}]}}`},
	{"ticket bulk import", "POST", "/api/v2/imports/tickets/create_many",
		`{"tickets":[{"requester_id":1000000003,"subject":"One","comments":[{"author_id":1000000003,"value":"hi"}]}]}`},
	{"users create_many", "POST", "/api/v2/users/create_many",
		`{"users":[{"name":"Roger Wilco","email":"roger@example.test","role":"end-user","external_id":"kustomer:1",
		  "identities":[{"type":"email","value":"roger2@example.test"}]}]}`},
	{"custom object record", "POST", "/api/v2/custom_objects/car/records",
		`{"custom_object_record":{"name":"My car","external_id":"kobj-1","custom_object_fields":{"make":"Tesla"}}}`},
}

func TestRequestsMatchOpenAPI(t *testing.T) {
	spec := testSpec(t)
	for _, rq := range oasRequests {
		req, _ := http.NewRequest(rq.method, "http://sim"+rq.path, nil)
		req.Header.Set("Content-Type", "application/json")
		if err := spec.ValidateRequest(req, []byte(rq.body)); err != nil {
			t.Errorf("%s: %v", rq.name, err)
		}
	}
	// The validator does look: a string where the schema wants an array.
	req, _ := http.NewRequest("POST", "http://sim/api/v2/imports/tickets", nil)
	req.Header.Set("Content-Type", "application/json")
	if err := spec.ValidateRequest(req, []byte(`{"ticket":{"tags":"not-a-list"}}`)); err == nil {
		t.Error("tags as a string passed the OpenAPI check")
	}
}

func TestServerValidatesRequests(t *testing.T) {
	spec := testSpec(t)
	h := newHarness(t, Options{BulkImportEnabled: true, ValidateRequests: spec})
	agent := h.user("Agent", "agent@example.test", "agent")
	req := h.user("Requester", "req@example.test", "end-user")
	h.must(201, "POST", "/api/v2/custom_objects", map[string]any{"custom_object": map[string]any{"key": "car", "title": "Car", "title_pluralized": "Cars"}})
	h.must(201, "POST", "/api/v2/custom_objects/car/fields", map[string]any{"custom_object_field": map[string]any{"key": "make", "title": "Make", "type": "text"}})
	for _, rq := range oasRequests {
		body := bytes.ReplaceAll([]byte(rq.body), []byte("1000000002"), []byte(itoa(agent)))
		body = bytes.ReplaceAll(body, []byte("1000000003"), []byte(itoa(req)))
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s: %v", rq.name, err)
		}
		if r := h.do(rq.method, rq.path, v); r.status >= 300 {
			t.Errorf("%s = %d %s", rq.name, r.status, r.raw)
		}
	}
	r := h.do("POST", "/api/v2/imports/tickets", map[string]any{"ticket": map[string]any{"tags": "not-a-list"}})
	if r.status != 400 || r.str("error") != "OpenAPIMismatch" || !strings.Contains(r.str("description"), "/ticket/tags") {
		t.Errorf("mismatching request = %d %s", r.status, r.raw)
	}
}
