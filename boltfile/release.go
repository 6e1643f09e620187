package boltfile

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store far larger than memory is read through bbolt's memory map, and
// every page read stays mapped into the process: a plan or apply that
// streams a 20 GB snapshot would show 20 GB resident by the end, though
// none of it is the process's own memory (it is the kernel's page cache,
// taken back under pressure). Mapped pages cost nothing while memory is
// free, and dropping them costs a page fault for every page read again:
// dropping every mapped page four times a second, as kzmap did, made a
// plan over 300,000 conversations fault 1.15 million times instead of
// 141,000 and take 130 s instead of 102, and the cost grew faster than the
// store (bench/RESULTS.md §13); a budget of 256 MB or 1 GB between drops
// saved little, because a plan reads a page again only gigabytes later.
//
// So the pages a store has mapped are dropped only when the process holds
// more mapped file pages than releaseBudget — half the memory of the
// machine, or of the container when it has a limit — checked every
// releaseEvery, and only for a store larger than releaseAbove. The file's
// pages stay in the page cache, and a page read again is mapped again on
// its next touch. bbolt never writes through the map, so nothing is lost;
// the drop runs inside a read transaction, which holds off a remap while
// it runs.
const releaseEvery = 250 * time.Millisecond

var (
	releaseAbove  int64 = 64 << 20 // a variable for tests
	releaseBudget       = memoryLimit() / 2
)

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
				maybeRelease(db)
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

// overBudget says whether the process holds more mapped file pages than
// releaseBudget (or cannot tell).
func overBudget() bool {
	m, ok := mappedBytes()
	return !ok || m > releaseBudget
}

// maybeRelease drops db's mapped pages when the process is over budget.
func maybeRelease(db *bolt.DB) {
	if overBudget() {
		releasePages(db)
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
