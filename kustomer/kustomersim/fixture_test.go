package kustomersim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testKey = "test-key"

// id makes a 24-hex id: a two-digit kind tag and a number.
func id(tag byte, n int) string { return fmt.Sprintf("%02x%022x", tag, n) }

// Tags of the fixture's ids, one per kind.
const (
	tCompany = 0xc0 + iota
	tCustomer
	tUser
	tTeam
	tConversation
	tMessage
	tNote
	tKlass
	tKObject
	tAttachment
)

type obj = map[string]any

func rel(typ, id string) obj { return obj{"data": obj{"type": typ, "id": id}} }

func res(typ, id string, attrs obj, rels obj) obj {
	o := obj{"type": typ, "id": id, "attributes": attrs}
	if rels != nil {
		o["relationships"] = rels
	}
	return o
}

// fixture is an export directory under construction.
type fixture struct {
	manifest obj
	lines    map[string][]string // file name -> lines
	files    map[string][]byte   // attachment id -> bytes
}

func newFixture() *fixture {
	return &fixture{
		manifest: obj{"format": "kustomer-export", "version": 1, "org": "acme", "now": "2026-11-28T00:00:00.000Z"},
		lines:    map[string][]string{},
		files:    map[string][]byte{},
	}
}

func (f *fixture) add(file string, records ...obj) {
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			panic(err)
		}
		f.lines[file] = append(f.lines[file], string(b))
	}
}

func (f *fixture) write(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	mb, _ := json.Marshal(f.manifest)
	must(t, os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644))
	for name, lines := range f.lines {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	}
	if len(f.files) > 0 {
		must(t, os.Mkdir(filepath.Join(dir, "files"), 0o755))
		for aid, b := range f.files {
			must(t, os.WriteFile(filepath.Join(dir, "files", aid), b, 0o644))
		}
	}
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Timestamps of the small dataset. The manifest's now is 2026-11-28, so
// the search window starts 2024-11-28.
const (
	tsOld    = "2023-05-01T10:00:00.000Z" // only archive search sees it
	tsA      = "2026-01-01T09:00:00.000Z"
	tsB      = "2026-02-01T09:00:00.000Z"
	tsC      = "2026-03-01T09:00:00.000Z"
	pngBytes = "\x89PNG\r\n\x1a\nfake image bytes"
)

// smallFixture is a tiny org with one of everything and a few of the
// things that have parents.
func smallFixture() *fixture {
	f := newFixture()
	f.add("companies.ndjson", res("company", id(tCompany, 1), obj{"name": "Acme Corp", "externalId": "co-1", "createdAt": tsA, "updatedAt": tsA}, nil))
	f.add("customers.ndjson",
		res("customer", id(tCustomer, 1), obj{"name": "Ada", "emails": []obj{{"email": "ada@example.com", "type": "work"}}, "tags": []string{"vip"}, "externalId": "cu-1", "custom": obj{"tierStr": "gold"}, "createdAt": tsA, "updatedAt": tsB}, obj{"company": rel("company", id(tCompany, 1))}),
		res("customer", id(tCustomer, 2), obj{"name": "Bob", "emails": []obj{{"email": "bob@example.com"}}, "phones": []obj{{"phone": "+15550001"}}, "createdAt": tsB, "updatedAt": tsC}, nil),
		res("customer", id(tCustomer, 3), obj{"name": "Old Oscar", "createdAt": tsOld, "updatedAt": tsOld}, nil),
	)
	f.add("users.ndjson",
		res("user", id(tUser, 1), obj{"name": "Agent Ann", "email": "ann@acme.test", "userType": "user", "createdAt": tsA, "updatedAt": tsA}, nil),
		res("user", id(tUser, 2), obj{"name": "API", "email": "api@acme.test", "userType": "machine", "createdAt": tsB, "updatedAt": tsB}, nil),
	)
	f.add("teams.ndjson", res("team", id(tTeam, 1), obj{"name": "Tier 1", "members": []string{id(tUser, 1)}, "createdAt": tsA, "updatedAt": tsA}, nil))
	f.add("conversations.ndjson",
		res("conversation", id(tConversation, 1), obj{"name": "Order late", "status": "open", "priority": 3, "externalId": "cv-1", "createdAt": tsA, "updatedAt": tsB}, obj{"customer": rel("customer", id(tCustomer, 1))}),
		res("conversation", id(tConversation, 2), obj{"name": "Refund", "status": "done", "priority": 1, "createdAt": tsB, "updatedAt": tsB}, obj{"customer": rel("customer", id(tCustomer, 1))}),
		res("conversation", id(tConversation, 3), obj{"name": "Hello", "status": "snoozed", "createdAt": tsC, "updatedAt": tsC}, obj{"customer": rel("customer", id(tCustomer, 2))}),
		res("conversation", id(tConversation, 4), obj{"name": "Ancient", "status": "done", "createdAt": tsOld, "updatedAt": tsOld}, obj{"customer": rel("customer", id(tCustomer, 3))}),
	)
	conv1 := obj{"conversation": rel("conversation", id(tConversation, 1)), "customer": rel("customer", id(tCustomer, 1))}
	f.add("messages.ndjson",
		res("message", id(tMessage, 2), obj{"channel": "email", "direction": "out", "preview": "Sorry", "body": "Sorry about that",
			"htmlBody": `<p>see <img src="https://acme.api.kustomerapp.com/v1/attachments/` + id(tAttachment, 1) + `"></p>`, "createdAt": tsB, "updatedAt": tsB}, conv1),
		res("message", id(tMessage, 1), obj{"channel": "email", "direction": "in", "preview": "Where is my order", "createdAt": tsA, "updatedAt": tsA}, conv1),
		res("message", id(tMessage, 3), obj{"channel": "chat", "direction": "in", "preview": "Refund please", "createdAt": tsB, "updatedAt": tsB},
			obj{"conversation": rel("conversation", id(tConversation, 2)), "customer": rel("customer", id(tCustomer, 1))}),
	)
	f.add("notes.ndjson", res("note", id(tNote, 1), obj{"body": "Escalate", "createdAt": tsB, "updatedAt": tsB}, conv1))
	f.add("klasses.ndjson",
		res("klass", id(tKlass, 1), obj{"name": "ecomm-order", "displayName": "Order", "status": "enabled", "createdAt": tsA, "updatedAt": tsA}, nil),
		res("klass", id(tKlass, 2), obj{"name": "legacy", "status": "disabled", "createdAt": tsA, "updatedAt": tsA}, nil),
	)
	f.add("kobjects.ndjson",
		res("kobject", id(tKObject, 1), obj{"title": "Order 1", "externalId": "ord-1", "createdAt": tsA, "updatedAt": tsC},
			obj{"klass": obj{"data": obj{"type": "klass", "id": id(tKlass, 1)}, "link": obj{"self": "/v1/klasses/ecomm-order"}}, "customer": rel("customer", id(tCustomer, 1))}),
		res("kobject", id(tKObject, 2), obj{"title": "Order 2", "createdAt": tsB, "updatedAt": tsB},
			obj{"klass": obj{"link": obj{"self": "/v1/klasses/ecomm-order"}}, "customer": rel("customer", id(tCustomer, 2))}),
	)
	f.add("attachments.ndjson",
		res("attachment", id(tAttachment, 1), obj{"name": "photo.png", "contentType": "image/png", "contentLength": len(pngBytes)}, obj{"message": rel("message", id(tMessage, 2))}),
		res("attachment", id(tAttachment, 2), obj{"name": "lost.pdf", "contentType": "application/pdf", "contentLength": 10}, obj{"message": rel("message", id(tMessage, 2))}),
	)
	ext := res("attachment", id(tAttachment, 3), obj{"name": "logo.svg", "contentType": "image/svg+xml"}, obj{"message": rel("message", id(tMessage, 3))})
	ext["links"] = obj{"related": "https://cdn.example.com/logo.svg"}
	f.add("attachments.ndjson", ext)
	f.files[id(tAttachment, 1)] = []byte(pngBytes)
	return f
}

// fakeClock is a settable clock for rate limit windows.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// harness is a dataset served over a real listener.
type harness struct {
	t   testing.TB
	srv *Server
	ts  *httptest.Server
}

func serve(t testing.TB, f *fixture, opts Options) *harness {
	t.Helper()
	ds, err := Load(f.write(t))
	if err != nil {
		t.Fatal(err)
	}
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	srv := New(ds, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &harness{t: t, srv: srv, ts: ts}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) obj {
	t.Helper()
	var o obj
	if err := json.Unmarshal(r.body, &o); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return o
}

// ids returns the ids of data[] in order.
func (r reply) ids(t testing.TB) []string {
	t.Helper()
	var env struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("response is not a list: %v\n%s", err, r.body)
	}
	out := []string{}
	for _, d := range env.Data {
		out = append(out, d.ID)
	}
	return out
}

func (h *harness) do(method, path, body string, header ...string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	must(h.t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := h.ts.Client().Do(req)
	must(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(h.t, err)
	return reply{resp.StatusCode, resp.Header, b}
}

func (h *harness) get(path string) reply { return h.do("GET", path, "") }

func (h *harness) search(path, body string) reply { return h.do("POST", path, body) }
