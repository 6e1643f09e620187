package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

func TestFullExtractEqualsTheDataset(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{"small", "edge"} {
		t.Run(profile, func(t *testing.T) {
			if profile == "edge" && testing.Short() {
				t.Skip("edge dataset in -short")
			}
			dir := generated(t, profile)
			s := startSim(t, dir, kustomersim.Options{})
			st := openStore(t, t.TempDir())
			res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{})
			if err != nil {
				t.Fatal(err)
			}
			compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
			checkFiles(t, st, dir)
			checkReconciled(t, res)
			// The knowledge base is in it (compare checked it record by
			// record, checkFiles its media's bytes).
			for _, typ := range []string{"kb_category", "kb_article", "media"} {
				if res.Counts[typ] == 0 {
					t.Errorf("no %s extracted", typ)
				}
			}
			// Kustomer's attribute metadata, for the three resources.
			for _, r := range record.AttributeResources {
				raw, ok, err := st.Metadata(r)
				if err != nil || !ok || !strings.Contains(string(raw), `"properties"`) {
					t.Errorf("metadata of %s: %s, %v, %v", r, raw, ok, err)
				}
			}
			for _, p := range res.Plan {
				t.Logf("%-12s %-50s est %4d used %4d  %s", p.Type, p.Strategy, p.Estimate, p.Requests, p.Why)
			}
			t.Logf("requests %+v files %+v", res.Requests, res.Files)
			for _, n := range res.Notes {
				t.Log(n)
			}
		})
	}
}

// Forcing search for every searchable type: records older than two years
// can only come from archive search (notes, which have none, from their
// conversation's list), and the snapshot still equals the dataset.
func TestOldRecordsComeFromArchiveSearch(t *testing.T) {
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{})
	st := openStore(t, t.TempDir())
	force := map[string]string{}
	for _, typ := range searchable {
		force[typ] = "search"
	}
	res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{Strategies: force})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkReconciled(t, res)
	reqs := s.requests()
	if n := count(reqs, "/v1/customers/archive/search"); n < 5 {
		t.Errorf("%d archive searches, want one per archived type at least", n)
	}
	if n := count(reqs, "GET /v1/messages?"); n != 0 {
		t.Errorf("messages were listed %d times though search was forced", n)
	}
	// Old conversations are there, and came from the archive.
	old := 0
	cutoff := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC).Add(-kustomer.SearchWindow)
	st.ForEach("conversation", func(id string, raw []byte) error {
		m, _ := snapshot.ParseMeta(raw)
		if m.UpdatedAt.Before(cutoff) {
			old++
		}
		return nil
	})
	if old == 0 {
		t.Error("no conversation older than two years in the snapshot")
	}
	// Old notes: search has no archive for them; their conversations'
	// lists were read in the thread check.
	if n := count(reqs, "/notes?"); n == 0 {
		t.Error("no conversation note list was read for old notes")
	}
	t.Logf("%d old conversations; %d requests: %+v", old, len(reqs), res.Plan)
}

// The reconciliation counts the attachments messages name from the
// thread index, and reads every message when some are filed under no
// conversation.
func TestAttachmentRefCount(t *testing.T) {
	st := openStore(t, t.TempDir())
	m := func(id, conv string, atts ...string) json.RawMessage {
		rels := ""
		if conv != "" {
			rels = fmt.Sprintf(`,"relationships":{"conversation":{"data":{"type":"conversation","id":%q}}}`, conv)
		}
		list, _ := json.Marshal(func() []map[string]string {
			var out []map[string]string
			for _, a := range atts {
				out = append(out, map[string]string{"id": a})
			}
			return out
		}())
		return json.RawMessage(fmt.Sprintf(`{"type":"message","id":%q,"attributes":{"createdAt":"2021-01-01T00:00:00Z","attachments":%s}%s}`, id, list, rels))
	}
	count := func(want int, raws ...json.RawMessage) {
		t.Helper()
		if err := st.Update(func(tx *snapshot.Tx) error {
			for _, r := range raws {
				if _, err := tx.Put(r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := attachmentRefCount(st); err != nil || n != want {
			t.Errorf("attachmentRefCount = %d, %v; want %d", n, err, want)
		}
	}
	count(3, m("m1", "v1", "a1", "a2"), m("m2", "v1"), m("m3", "v2", "a2", "a3"))
	count(4, m("m4", "", "a4", "a1"))
}

// A snapshot holds one org: a key of another org is refused before
// anything is written.
func TestAnotherOrgIsRefused(t *testing.T) {
	s := startSim(t, generated(t, "small"), kustomersim.Options{})
	st := openStore(t, t.TempDir())
	if _, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{Only: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir() + "/globex"
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "small", Seed: 2, Org: "globex", Customers: 3}, other); err != nil {
		t.Fatal(err)
	}
	s.swap(t, other)
	serial, _ := st.Serial()
	_, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{})
	if err == nil || !strings.Contains(err.Error(), `holds Kustomer org "acme" but the API key belongs to "globex"`) {
		t.Fatalf("err = %v", err)
	}
	if after, _ := st.Serial(); after != serial {
		t.Error("the snapshot changed")
	}
}
