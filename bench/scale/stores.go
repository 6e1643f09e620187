package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// storeSize is one bbolt file's size and what its top-level buckets hold.
type storeSize struct {
	Name    string   `json:"name"`
	Bytes   int64    `json:"bytes"` // the file
	Used    int64    `json:"used"`  // bytes the buckets' pages hold
	Pages   int64    `json:"pages"` // bytes of the pages they take
	Per     int      `json:"per"`
	PerWhat string   `json:"per_what"`
	Buckets []bucket `json:"buckets"` // largest first
}

type bucket struct {
	Name  string `json:"name"`
	Keys  int    `json:"keys"`
	Bytes int64  `json:"bytes"` // held in leaf and branch pages, nested buckets included
	Pages int64  `json:"pages"` // the pages' size
}

// storeSizes measures the snapshot per message and the checkpoint per
// ticket, both at once (each a walk of every page of its file).
func (r *run) storeSizes() []storeSize {
	state := filepath.Join(r.mapping, ".kzmap")
	stores := []struct {
		file, per string
		n         int
	}{
		{"snapshot.db", "message", r.Dataset["message"]},
		{"checkpoint.db", "ticket", r.Census.Tickets},
	}
	sizes := make([]storeSize, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			sizes[i], errs[i] = measure(filepath.Join(state, s.file))
			sizes[i].Name, sizes[i].Per, sizes[i].PerWhat = s.file, s.n, s.per
		})
	}
	wg.Wait()
	var out []storeSize
	for i := range stores {
		if errs[i] != nil {
			fmt.Fprintln(os.Stderr, "scale:", errs[i])
			continue
		}
		out = append(out, sizes[i])
	}
	return out
}

func measure(path string) (storeSize, error) {
	var sz storeSize
	st, err := os.Stat(path)
	if err != nil {
		return sz, err
	}
	sz.Bytes = st.Size()
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		return sz, fmt.Errorf("%s: %w", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			s := b.Stats()
			used := int64(s.LeafInuse + s.BranchInuse + s.InlineBucketInuse)
			pages := int64(s.LeafAlloc + s.BranchAlloc + s.InlineBucketInuse)
			sz.Buckets = append(sz.Buckets, bucket{Name: string(name), Keys: s.KeyN, Bytes: used, Pages: pages})
			sz.Used += used
			sz.Pages += pages
			return nil
		})
	})
	slices.SortFunc(sz.Buckets, func(a, b bucket) int { return cmp.Compare(b.Bytes, a.Bytes) })
	return sz, err
}
