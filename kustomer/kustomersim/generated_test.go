package kustomersim

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/kzmap/kzmap/dataset"
)

// TestGeneratedDataset serves what the dataset generator writes, so the two
// sides of formats/kustomer-export.md stay in agreement: it loads cleanly,
// every conversation is reachable through search (recent) or archive search
// (old), each conversation lists as many messages as its messageCount, and
// every attachment either downloads with its declared length or is a 404.
func TestGeneratedDataset(t *testing.T) {
	dir := t.TempDir()
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "edge", Seed: 7, Customers: 60}, dir); err != nil {
		t.Fatal(err)
	}
	ds, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(ds, Options{APIKey: testKey, Limit: -1, SearchLimit: -1})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h := &harness{t: t, srv: srv, ts: ts}

	type resource struct {
		ID         string `json:"id"`
		Attributes struct {
			MessageCount  *int   `json:"messageCount"`
			UpdatedAt     string `json:"updatedAt"`
			ContentLength int    `json:"contentLength"`
		} `json:"attributes"`
	}
	type page struct {
		Data  []resource         `json:"data"`
		Meta  map[string]int     `json:"meta"`
		Links map[string]*string `json:"links"`
	}
	seen := map[string]resource{}
	for _, path := range []string{"/v1/customers/search", "/v1/customers/archive/search"} {
		// The extractors' pattern: sort by updated_at, restart from the last
		// value when the caps get near (here they never do).
		next := path + "?pageSize=500"
		for next != "" {
			r := h.search(next, `{"queryContext":"conversation","sort":{"conversation_updated_at":"asc"}}`)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", next, r.status, r.body)
			}
			var p page
			must(t, json.Unmarshal(r.body, &p))
			for _, d := range p.Data {
				if _, dup := seen[d.ID]; dup {
					t.Errorf("conversation %s returned twice", d.ID)
				}
				seen[d.ID] = d
			}
			next = ""
			if p.Links["next"] != nil {
				next = *p.Links["next"]
			}
		}
	}
	if want := ds.Counts()["conversation"]; len(seen) != want {
		t.Errorf("search and archive search found %d conversations, the dataset has %d", len(seen), want)
	}

	checked := 0
	for cid, c := range seen {
		if c.Attributes.MessageCount == nil || checked == 40 {
			continue
		}
		checked++
		n := 0
		for next := "/v1/conversations/" + cid + "/messages"; next != ""; {
			r := h.get(next)
			var p page
			must(t, json.Unmarshal(r.body, &p))
			n += len(p.Data)
			next = ""
			if p.Links["next"] != nil {
				next = *p.Links["next"]
			}
		}
		if n != *c.Attributes.MessageCount {
			t.Errorf("conversation %s lists %d messages, messageCount is %d", cid, n, *c.Attributes.MessageCount)
		}
		var atts struct{ Data []resource }
		must(t, json.Unmarshal(h.get("/v1/conversations/"+cid+"/attachments?pageSize=100").body, &atts))
		for _, a := range atts.Data {
			r := h.get("/v1/attachments/" + a.ID)
			switch {
			case r.status == 404:
			case r.status != 200:
				t.Errorf("attachment %s: %d %s", a.ID, r.status, r.body)
			case a.Attributes.ContentLength != 0 && len(r.body) != a.Attributes.ContentLength:
				t.Errorf("attachment %s: %d bytes, contentLength %d", a.ID, len(r.body), a.Attributes.ContentLength)
			}
		}
	}
	if checked == 0 {
		t.Errorf("no conversation carries messageCount")
	}
}
