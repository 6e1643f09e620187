package boltfile

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store far larger than memory is read through bbolt's memory map, and
// every page read stays mapped into the process: a plan or apply that
// streams a 20 GB snapshot would show 20 GB resident by the end, though
// none of it is the process's own memory (it is the kernel's page cache,
// taken back under pressure, but counted against the process and its
// container). So once a store is larger than releaseAbove, the pages it
// has mapped are dropped from the process every releaseEvery (a plan touches
// some 100 MB of pages a second): the file's
// pages stay in the page cache, and a page read again is mapped again on
// its next touch. bbolt never writes through the map, so nothing is lost;
// the drop runs inside a read transaction, which holds off a remap while
// it runs (bench/RESULTS.md §13).
const releaseEvery = 250 * time.Millisecond

var releaseAbove int64 = 64 << 20 // a variable for tests

// releaser is the goroutine that drops a store's mapped pages.
type releaser struct {
	stop, done chan struct{}
}

func (d *DB) startRelease() {
	if !canRelease {
		return
	}
	db := d.db
	r := &releaser{stop: make(chan struct{}), done: make(chan struct{})}
	d.rel = r
	go func() {
		defer close(r.done)
		t := time.NewTicker(releaseEvery)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				releasePages(db)
			}
		}
	}()
}

func (d *DB) stopRelease() {
	if d.rel != nil {
		close(d.rel.stop)
		<-d.rel.done
		d.rel = nil
	}
}

// releasePages drops db's mapped pages when it is large enough for them
// to matter. An error only means they stay mapped until the next tick.
func releasePages(db *bolt.DB) {
	_ = db.View(func(tx *bolt.Tx) error {
		size := tx.Size()
		if size < releaseAbove {
			return nil
		}
		return dropMapped(db.Info().Data, size)
	})
}
