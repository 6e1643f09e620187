package kustomersim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadSmall(t *testing.T) {
	ds, err := Load(smallFixture().write(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"company": 1, "customer": 3, "user": 2, "team": 1, "conversation": 4, "message": 3, "note": 1, "klass": 2, "kobject": 2, "attachment": 3,
		"kb_category": 0, "kb_article": 0, "media": 0} // no knowledge base files: an empty one
	if diff := cmp.Diff(want, ds.Counts()); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
	if now, ok := ds.Now(); !ok || now.Format("2006-01-02") != "2026-11-28" {
		t.Errorf("Now() = %v, %v; want 2026-11-28", now, ok)
	}
	if ds.Org() != "acme" {
		t.Errorf("Org() = %q", ds.Org())
	}
}

func TestLoadMissingFilesAreEmpty(t *testing.T) {
	f := newFixture()
	ds, err := Load(f.write(t))
	if err != nil {
		t.Fatal(err)
	}
	for typ, n := range ds.Counts() {
		if n != 0 {
			t.Errorf("%s: %d records, want 0", typ, n)
		}
	}
}

// TestLoadProblems checks that every bad line is reported with its file and
// line, and that loading goes on after the first.
func TestLoadProblems(t *testing.T) {
	good := `{"type":"customer","id":"` + id(tCustomer, 1) + `","attributes":{"createdAt":"2026-01-01T00:00:00.000Z"}}`
	lines := []string{
		good, // 1
		`{"type":"customer","id":"` + id(tCustomer, 2) + `","attributes":{]}`, // 2: malformed
		``,                                    // 3: blank lines are fine
		`{"type":"customer","attributes":{}}`, // 4: no id
		`{"type":"ticket","id":"` + id(tCustomer, 4) + `"}`, // 5: unknown type
		`{"type":"note","id":"` + id(tCustomer, 5) + `"}`,   // 6: wrong file
		`{"type":"customer","id":"C1"}`,                     // 7: bad id
		good,                                                // 8: duplicate
		`{"type":"customer","id":"` + id(tCustomer, 9) + `","attributes":{"updatedAt":"today"}}`, // 9: bad time
		`{"type":"customer","id":"` + id(tCustomer, 10) + `","attributes":{"createdAt":5}}`,      // 10: wrong JSON type
		`{"type":"customer","id":"` + id(tCustomer, 11) + `"} trailing`,                          // 11: trailing garbage
	}
	f := newFixture()
	f.lines["customers.ndjson"] = lines
	f.lines["kobjects.ndjson"] = []string{`{"type":"kobject","id":"` + id(tKObject, 1) + `","relationships":{"klass":{"link":{"self":"/v1/klasses/nope"}}}}`}
	dir := f.write(t)
	_, err := Load(dir)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Load: got %v, want a *LoadError", err)
	}
	cust := filepath.Join(dir, "customers.ndjson")
	kobj := filepath.Join(dir, "kobjects.ndjson")
	want := []Problem{
		{File: cust, Line: 2, Column: 66, Message: "malformed JSON: invalid character ']' looking for beginning of object key string"},
		{File: cust, Line: 4, Message: "customer has no id"},
		{File: cust, Line: 5, Message: `unknown type "ticket"; lines of customers.ndjson have type "customer"`},
		{File: cust, Line: 6, Message: `type "note" does not belong in customers.ndjson, which holds type "customer"`},
		{File: cust, Line: 7, Message: `id "C1" is not 24 lowercase hexadecimal characters`},
		{File: cust, Line: 8, Message: "duplicate customer id " + id(tCustomer, 1) + " (first at line 1)"},
		{File: cust, Line: 9, Message: `attributes.updatedAt "today" is not an ISO-8601 UTC timestamp such as 2024-03-01T09:30:00.000Z`},
		{File: cust, Line: 10, Message: "attributes.createdAt: JSON number where the format has a string"},
		{File: cust, Line: 11, Column: 53, Message: "malformed JSON: invalid character 't' after top-level value"},
		{File: kobj, Line: 1, Message: `relationships.klass.link.self names klass "nope", which klasses.ndjson does not hold`},
	}
	if diff := cmp.Diff(want, le.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if msg := err.Error(); !strings.Contains(msg, cust+":2:66: malformed JSON") {
		t.Errorf("error text does not name file:line:column:\n%s", msg)
	}
}

func TestLoadManifest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest string // "" means no manifest.json
		want     string
	}{
		{"missing", "", "manifest.json: missing"},
		{"format", `{"format":"zendesk","version":1}`, `format is "zendesk"`},
		{"version", `{"format":"kustomer-export","version":2}`, "version 2 is not supported"},
		{"now", `{"format":"kustomer-export","version":1,"now":"yesterday"}`, `now "yesterday" is not an ISO-8601`},
		{"json", `{"format":`, "manifest.json:1:10: malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.manifest != "" {
				must(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(tc.manifest), 0o644))
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadDanglingParentIsKept(t *testing.T) {
	f := newFixture()
	f.add("messages.ndjson", res("message", id(tMessage, 1), obj{"createdAt": tsA}, obj{"conversation": rel("conversation", id(tConversation, 9))}))
	h := serve(t, f, Options{})
	if r := h.get("/v1/messages/" + id(tMessage, 1)); r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	r := h.search("/v1/customers/search", `{"queryContext":"message","and":[{"message_conversation_id":{"equals":"`+id(tConversation, 9)+`"}}]}`)
	if diff := cmp.Diff([]string{id(tMessage, 1)}, r.ids(t)); diff != "" {
		t.Errorf("search by dangling conversation id (-want +got):\n%s", diff)
	}
}

func FuzzLoadLine(f *testing.F) {
	f.Add([]byte(`{"type":"customer","id":"` + id(tCustomer, 1) + `","attributes":{"emails":[{"email":"a@b"}]}}`))
	f.Add([]byte(`{"type":"customer","id":"` + id(tCustomer, 1) + `","relationships":{"company":{"data":[]}}}`))
	f.Add([]byte(`{"type":"kobject"}`))
	f.Add([]byte(`{"type":"kb_article","id":"` + id(tKBArticle, 1) + `","attributes":{"langVersions":{"es":{"currentVersion":{"id":{"_id":"v1","htmlBody":"<p>"}}},"de":{"currentVersion":{"id":"v2"}}}}}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		for k := range numKinds {
			l := &loader{ds: &Dataset{klassByName: map[string]int32{}, custByEmail: map[string][]int32{}, custByPhone: map[string][]int32{}}}
			for j := range numKinds {
				l.ds.tables[j] = &table{kind: j, byID: map[[12]byte]int32{}, byExt: map[string]int32{}}
			}
			l.readLines(l.ds.tables[k], kinds[k].file, strings.NewReader(string(line)))
			if len(l.probs.Problems) == 0 {
				l.index()
			}
		}
	})
}
