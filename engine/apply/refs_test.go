package apply

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kzmap/kzmap/engine/checkpoint"
)

// A source type asked for often is loaded whole; ids written after the
// load are still found, and a miss is still a miss.
func TestRefsLoadWholeTypes(t *testing.T) {
	st, err := checkpoint.Open(filepath.Join(t.TempDir(), "c.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	write := func(from, to int) {
		b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: "user", Op: "create"}
		if err := st.BeginBatch(b); err != nil {
			t.Fatal(err)
		}
		var recs []checkpoint.Record
		for i := from; i < to; i++ {
			recs = append(recs, checkpoint.Record{Kind: "user", Key: fmt.Sprintf("user.customer:%d", i),
				Entry:   checkpoint.Entry{ZendeskID: fmt.Sprint(5000 + i)},
				Aliases: []checkpoint.Alias{{SourceType: "customer", SourceID: fmt.Sprint(i)}, {SourceType: "customer", SourceID: fmt.Sprintf("dup%d", i)}}})
		}
		if err := st.CompleteBatch(b.ID, recs, nil); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 600)
	r := newRefs(st)
	for i := range 600 {
		for _, id := range []string{fmt.Sprint(i), fmt.Sprintf("dup%d", i)} {
			n, err := r.ID("customer", id)
			if err != nil || n != int64(5000+i) {
				t.Fatalf("customer %s: %d %v", id, n, err)
			}
		}
	}
	if !r.loaded["customer"] || len(r.cache) != 1200 {
		t.Errorf("loaded %v, %d cached", r.loaded, len(r.cache))
	}
	write(600, 601)
	if n, err := r.ID("customer", "600"); err != nil || n != 5600 {
		t.Errorf("written after the load: %d %v", n, err)
	}
	if n, err := r.ID("customer", "nobody"); err != nil || n != 0 {
		t.Errorf("a miss: %d %v", n, err)
	}
}

// A requester is asked for once per comment they wrote, so most calls
// find their id cached: the type must still be loaded after loadAfter
// look-ups that went to the store, not left to fill the cache one id at a
// time.
func TestRefsLoadWhenMostCallsHit(t *testing.T) {
	for _, repeat := range []int{2, 3, 7} {
		t.Run(fmt.Sprint(repeat), func(t *testing.T) {
			st, err := checkpoint.Open(filepath.Join(t.TempDir(), "c.db"), checkpoint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: "user", Op: "create"}
			if err := st.BeginBatch(b); err != nil {
				t.Fatal(err)
			}
			const n = 3 * loadAfter
			var recs []checkpoint.Record
			for i := range n {
				recs = append(recs, checkpoint.Record{Kind: "user", Key: fmt.Sprintf("user.customer:%d", i),
					Entry: checkpoint.Entry{ZendeskID: fmt.Sprint(9000 + i)}, Aliases: []checkpoint.Alias{{SourceType: "customer", SourceID: fmt.Sprint(i)}}})
			}
			if err := st.CompleteBatch(b.ID, recs, nil); err != nil {
				t.Fatal(err)
			}
			r := newRefs(st)
			for i := range loadAfter + 1 {
				for range repeat {
					if got, err := r.ID("customer", fmt.Sprint(i)); err != nil || got != int64(9000+i) {
						t.Fatalf("customer %d: %d %v", i, got, err)
					}
				}
			}
			if !r.loaded["customer"] || len(r.cache) != n {
				t.Errorf("after %d distinct ids asked %d times each: loaded %v, %d of %d cached", loadAfter+1, repeat, r.loaded, len(r.cache), n)
			}
		})
	}
}
