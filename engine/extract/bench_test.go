package extract

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
)

var benchLarge = flag.Int("bench.large", 0, "also benchmark a large-profile dataset of this many customers")

// minimum is the fewest Kustomer requests a dataset needs, type by type:
// for each, the cheaper of the ways the API offers (lists at 100 a page,
// 500 for users and teams; search at 500 a page, standard and archive),
// with every count known in advance — which no extractor knows. A search
// with no hits costs nothing here, though asking costs a request.
type minimum struct {
	byType map[string]int
	files  int
}

func (m minimum) metadata() int {
	n := 0
	for _, v := range m.byType {
		n += v
	}
	return n
}

func (m minimum) total() int { return m.metadata() + m.files }

func minimumRequests(t testing.TB, dir string) minimum {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, dataset.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Now string `json:"now"`
	}
	json.Unmarshal(b, &man)
	now, _ := time.Parse(time.RFC3339Nano, man.Now)
	cutoff := now.Add(-kustomer.SearchWindow)
	type rec struct {
		ID         string `json:"id"`
		Attributes struct {
			UpdatedAt   string `json:"updatedAt"`
			CreatedAt   string `json:"createdAt"`
			Status      string `json:"status"`
			Attachments []struct {
				ContentLength int64 `json:"contentLength"`
			} `json:"attachments"`
			ContentLength int64 `json:"contentLength"`
		} `json:"attributes"`
		Relationships struct {
			Conversation struct{ Data struct{ ID string } } `json:"conversation"`
			Klass        struct{ Data struct{ ID string } } `json:"klass"`
		} `json:"relationships"`
	}
	read := func(typ string, fn func(r rec, old bool)) {
		name, _ := dataset.FileName(typ)
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 256<<20)
		for sc.Scan() {
			var r rec
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue
			}
			at := r.Attributes.UpdatedAt
			if at == "" {
				at = r.Attributes.CreatedAt
			}
			u, _ := time.Parse(time.RFC3339Nano, at)
			fn(r, u.Before(cutoff))
		}
	}
	m := minimum{byType: map[string]int{}}
	counts := func(typ string) (all, std, old int) {
		read(typ, func(r rec, o bool) {
			all++
			if o {
				old++
			} else {
				std++
			}
		})
		return
	}
	search := func(std, old int) int { return ceilDiv(std, 500) + ceilDiv(old, 500) }
	for _, typ := range []string{"user", "team"} {
		n, _, _ := counts(typ)
		m.byType[typ] = ceilDiv(n, 500)
	}
	status := map[string]int{}
	read("klass", func(r rec, _ bool) { status[r.Attributes.Status]++ })
	for _, n := range status {
		m.byType["klass"] += ceilDiv(n, 100)
	}
	for _, typ := range []string{"company", "customer", "conversation"} {
		n, std, old := counts(typ)
		m.byType[typ] = min(ceilDiv(n, 100), search(std, old))
	}
	perKlass := map[string]int{}
	kstd, kold := 0, 0
	read("kobject", func(r rec, o bool) {
		perKlass[r.Relationships.Klass.Data.ID]++
		if o {
			kold++
		} else {
			kstd++
		}
	})
	lists := 0
	for _, n := range perKlass {
		lists += ceilDiv(n, 100)
	}
	m.byType["kobject"] = min(lists, search(kstd, kold))
	// Messages and their attachment records: the list brings both; search
	// needs a conversation's attachment list where any are.
	mAll, mStd, mOld := 0, 0, 0
	attPerConv := map[string]int{}
	read("message", func(r rec, o bool) {
		mAll++
		if o {
			mOld++
		} else {
			mStd++
		}
		if n := len(r.Attributes.Attachments); n > 0 {
			attPerConv[r.Relationships.Conversation.Data.ID] += n
		}
	})
	attLists := 0
	for _, n := range attPerConv {
		attLists += ceilDiv(n, 100)
	}
	m.byType["message"] = min(ceilDiv(mAll, 100), search(mStd, mOld)+attLists)
	// Notes: no archive search; old ones through their conversation.
	nAll, nStd := 0, 0
	oldNotes := map[string]int{}
	read("note", func(r rec, o bool) {
		nAll++
		if o {
			oldNotes[r.Relationships.Conversation.Data.ID]++
		} else {
			nStd++
		}
	})
	perConv := 0
	for _, n := range oldNotes {
		perConv += ceilDiv(n, 100)
	}
	m.byType["note"] = min(ceilDiv(nAll, 100), ceilDiv(nStd, 500)+perConv)
	read("attachment", func(r rec, _ bool) {
		if r.Attributes.ContentLength <= 50<<20 {
			m.files++
		}
	})
	return m
}

// BenchmarkExtract extracts whole datasets from the simulator and reports
// the requests used against the minimum the data needs (target: within
// 1.2×), with and without the attachment downloads (one request per file
// either way), and how much of the budget share the run used. The window
// is compressed to a second; the limits keep Kustomer's proportions (100
// searches for 1,000 requests).
func BenchmarkExtract(b *testing.B) {
	profiles := []struct {
		name      string
		profile   string
		customers int
	}{{"small", "small", 0}, {"edge", "edge", 0}}
	if *benchLarge > 0 {
		profiles = append(profiles, struct {
			name      string
			profile   string
			customers int
		}{fmt.Sprintf("large-%d", *benchLarge), "large", *benchLarge})
	}
	for _, p := range profiles {
		b.Run(p.name, func(b *testing.B) {
			dir := generated(b, p.profile)
			if p.customers > 0 {
				dir = filepath.Join(b.TempDir(), "ds")
				if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: p.profile, Seed: 7, Customers: p.customers}, dir); err != nil {
					b.Fatal(err)
				}
			}
			minReq := minimumRequests(b, dir)
			const limit, searchLimit = 300, 30
			for range b.N {
				s := startSim(b, dir, kustomersim.Options{Limit: limit, SearchLimit: searchLimit})
				st := openStore(b, b.TempDir())
				c := s.client(b, kustomer.Options{Limit: limit, SearchLimit: searchLimit})
				start := time.Now()
				res, err := Run(context.Background(), c, st, Options{})
				if err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				for _, ch := range res.Checks {
					if !ch.OK {
						b.Errorf("%s did not reconcile: %+v", ch.Type, ch)
					}
				}
				used := int(res.Requests.Total)
				meta := used - int(res.Requests.Downloads)
				share := float64(used) / (elapsed.Seconds() * 0.8 * limit)
				b.ReportMetric(float64(used), "requests")
				b.ReportMetric(float64(minReq.total()), "min-requests")
				b.ReportMetric(float64(used)/float64(minReq.total()), "x-min")
				b.ReportMetric(float64(meta)/float64(minReq.metadata()), "x-min-metadata")
				b.ReportMetric(100*share, "%share-used")
				if b.N == 1 {
					b.Logf("%s: %d requests (%d metadata + %d downloads) against a minimum of %d (%d + %d): %.3f×, metadata %.3f×; %.0f%% of the 80%% share over %s",
						p.name, used, meta, res.Requests.Downloads, minReq.total(), minReq.metadata(), minReq.files,
						float64(used)/float64(minReq.total()), float64(meta)/float64(minReq.metadata()), 100*share, elapsed.Round(time.Millisecond))
					for _, s := range res.Plan {
						b.Logf("  %-12s %4d requests (minimum %4d)  %s", s.Type, s.Requests, minReq.byType[s.Type], s.Strategy)
					}
				}
			}
		})
	}
}
