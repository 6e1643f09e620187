package extract

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/record"
)

var synthNow = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// synth writes a dataset by hand.
func synth(t testing.TB, fill func(w *dataset.Writer)) string {
	t.Helper()
	dir := t.TempDir() + "/ds"
	w, err := dataset.NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.SetManifest(dataset.Manifest{Org: "acme", Now: synthNow})
	fill(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func hexID(tag, n int) string { return fmt.Sprintf("%02x%022x", tag, n) }

func conversation(id string, created, updated time.Time) string {
	return fmt.Sprintf(`{"type":"conversation","id":%q,"attributes":{"name":"c","status":"open","messageCount":0,"noteCount":0,"createdAt":%q,"updatedAt":%q}}`,
		id, record.FormatTime(created), record.FormatTime(updated))
}

// A window with more hits than a search can page is split by time until
// every part fits, and records sharing one updatedAt — more of them than
// the caps, too — are all read, by keyset on the id.
func TestWindowsSplitAndTiesLoseNothing(t *testing.T) {
	const spread, tied = 1500, 1200
	same := synthNow.Add(-30 * 24 * time.Hour)
	dir := synth(t, func(w *dataset.Writer) {
		for i := range spread {
			at := synthNow.Add(-time.Duration(i) * 37 * time.Minute)
			if err := w.Write("conversation", []byte(conversation(hexID(0x50, i), at, at))); err != nil {
				t.Fatal(err)
			}
		}
		for i := range tied {
			if err := w.Write("conversation", []byte(conversation(hexID(0x51, i), same, same))); err != nil {
				t.Fatal(err)
			}
		}
	})
	s := startSim(t, dir, kustomersim.Options{})
	st := openStore(t, t.TempDir())
	// Pages of 10: a search pages at most 100 × 10 = 1,000 hits.
	res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st,
		Options{Only: []string{"conversation"}, SearchPageSize: 10, Strategies: map[string]string{"conversation": "search"}})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkReconciled(t, res)
	splits := 0
	for _, n := range res.Notes {
		if strings.Contains(n, "split the window") {
			splits++
		}
	}
	if splits == 0 {
		t.Error("no window was split")
	}
	searches := count(s.requests(), "/search?")
	min := (spread + tied + 9) / 10
	t.Logf("%d splits; %d searches for %d records (at least %d needed)", splits, searches, spread+tied, min)
	if float64(searches) > 1.2*float64(min) {
		t.Errorf("%d searches, more than 1.2× the %d the data needs", searches, min)
	}
	// Every request stayed inside the caps: page 1, at most 100 pages deep.
	for _, r := range s.requests() {
		if strings.Contains(r, "/search?") && !strings.Contains(r, "page=1&") {
			t.Errorf("a search asked for a page other than 1: %s", r)
		}
	}
}
