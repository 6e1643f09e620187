package kustomersim

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/record"
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

// TestGeneratedKB serves the knowledge base the generator writes: every
// category and article lists, every article decodes with the record
// model with each version populated and its body, and every media an
// article embeds downloads with its declared length, but for the one
// whose file the generator leaves out.
func TestGeneratedKB(t *testing.T) {
	for _, profile := range []string{"small", "edge"} {
		t.Run(profile, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: profile, Seed: 11, Customers: 25}, dir); err != nil {
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

			walk := func(path string) []json.RawMessage {
				var out []json.RawMessage
				for next := path; next != ""; {
					r := h.get(next)
					if r.status != 200 {
						t.Fatalf("%s: %d %s", next, r.status, r.body)
					}
					var p struct {
						Data  []json.RawMessage
						Links map[string]*string
					}
					must(t, json.Unmarshal(r.body, &p))
					out = append(out, p.Data...)
					next = ""
					if p.Links["next"] != nil {
						next = *p.Links["next"]
					}
				}
				return out
			}
			cats := walk("/v1/kb/categories?pageSize=7")
			if len(cats) != ds.Counts()["kb_category"] || len(cats) == 0 {
				t.Errorf("listed %d categories, the dataset has %d", len(cats), ds.Counts()["kb_category"])
			}
			arts := walk("/v1/kb/articles?pageSize=10&includeLang=en_us,es,de&includeBody=true")
			if len(arts) != ds.Counts()["kb_article"] || len(arts) == 0 {
				t.Errorf("listed %d articles, the dataset has %d", len(arts), ds.Counts()["kb_article"])
			}
			embedded := map[string]bool{}
			for _, raw := range arts {
				rec, err := record.DecodeJSON(raw)
				if err != nil {
					t.Fatalf("record.DecodeJSON: %v", err)
				}
				a := rec.(*record.KBArticle)
				for _, v := range a.Versions {
					if !v.Populated || v.Body == "" {
						t.Errorf("article %s %s: populated %v, %d bytes of body", a.ID, v.Lang, v.Populated, len(v.Body))
					}
					if strings.Contains(v.Body, ".api.kustomerapp.com/v1/media/") {
						t.Errorf("article %s %s: media URL not pointed at the simulator", a.ID, v.Lang)
					}
					for _, m := range mediaSrc.FindAllStringSubmatch(v.Body, -1) {
						if m[1] != ts.URL {
							t.Errorf("article %s: image on %s", a.ID, m[1])
						}
						embedded[m[2]] = true
					}
				}
			}
			missing := 0
			for mid := range embedded {
				var m struct {
					Data struct {
						Attributes struct {
							ContentType   string `json:"contentType"`
							ContentLength int    `json:"contentLength"`
						} `json:"attributes"`
					} `json:"data"`
				}
				must(t, json.Unmarshal(h.get("/v1/media/"+mid).body, &m))
				r := h.get("/v1/media/" + mid + "/download")
				switch {
				case r.status == 404:
					missing++
				case r.status != 200 || len(r.body) != m.Data.Attributes.ContentLength || r.header.Get("Content-Type") != m.Data.Attributes.ContentType:
					t.Errorf("media %s: %d, %d bytes of %s; record says %d of %s", mid, r.status, len(r.body), r.header.Get("Content-Type"), m.Data.Attributes.ContentLength, m.Data.Attributes.ContentType)
				}
			}
			if missing != 1 || len(embedded) != ds.Counts()["media"] {
				t.Errorf("%d embedded media of %d, %d without their file; want all embedded, 1 missing", len(embedded), ds.Counts()["media"], missing)
			}
		})
	}
}

var mediaSrc = regexp.MustCompile(`<img src="([^"]*)/v1/media/([0-9a-f]{24})/download"`)
