package extract

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
)

// An extraction cancelled mid-run resumes without reading again what it
// had written: the two runs together send no more requests than one
// uninterrupted run, plus the org check and the requests that were in
// flight when it was cancelled.
func TestResumeAfterCancel(t *testing.T) {
	t.Parallel()
	dir := generated(t, "small")
	force := map[string]string{}
	for _, typ := range searchable {
		force[typ] = "search"
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"lists", Options{}},
		{"searches", Options{Strategies: force, SearchPageSize: 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One uninterrupted run, for the count.
			s := startSim(t, dir, kustomersim.Options{})
			st := openStore(t, t.TempDir())
			if _, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, tc.opts); err != nil {
				t.Fatal(err)
			}
			full := len(s.requests())
			// The knowledge base is read whole by every run (kb.go): a
			// resumed run reads its lists again.
			rereads := 0
			for _, r := range s.requests() {
				if strings.Contains(r, "/v1/kb/") {
					rereads++
				}
			}
			for _, frac := range []float64{0.15, 0.5, 0.85} {
				s := startSim(t, dir, kustomersim.Options{})
				st := openStore(t, t.TempDir())
				ctx, cancel := context.WithCancel(context.Background())
				stopAt := int64(float64(full) * frac)
				var n atomic.Int64
				s.hook = func(w http.ResponseWriter, r *http.Request) bool {
					if n.Add(1) == stopAt {
						cancel()
					}
					return false
				}
				opts := tc.opts
				_, err := Run(ctx, s.client(t, kustomer.Options{}), st, opts)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cut at %d: err = %v, want cancelled", stopAt, err)
				}
				last, _, _ := st.LastRun()
				if last.Status != "interrupted" {
					t.Errorf("run status %q, want interrupted", last.Status)
				}
				first := len(s.requests())
				s.hook = nil
				res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !res.Resumed {
					t.Error("the second run did not resume the first")
				}
				total := len(s.requests())
				// The org check and the knowledge base again, and what each
				// worker had in flight: in the media phase that is two
				// requests, a record answered and its bytes on their way
				// (the record is written after its bytes, so a cut between
				// them asks for both again: kb.go).
				slack := 1 + rereads + 2*defaultWorkers
				t.Logf("cut at %d of %d: %d + %d = %d requests", stopAt, full, first, total-first, total)
				if total > full+slack {
					t.Errorf("cut at %d: %d requests in all, an uninterrupted run needs %d", stopAt, total, full)
				}
				compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
				checkFiles(t, st, dir)
				checkReconciled(t, res)
				if err := st.Verify(); err != nil {
					t.Error(err)
				}
				if runs, _ := st.Runs(); len(runs) != 1 || runs[0].Status != "complete" {
					t.Errorf("runs %+v", runs)
				}
			}
		})
	}
}
