//go:build linux

package boltfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// rssFile is the process's resident file-backed memory, in bytes.
func rssFile(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// mappedStore opens a store of 24 MB of values with its release ticker
// stopped (the tests release by hand; the ticker would race their
// figures), and returns it with a read of every value.
func mappedStore(t *testing.T) (*DB, func() error) {
	t.Helper()
	old := releaseAbove
	releaseAbove = 1 << 20
	t.Cleanup(func() { releaseAbove = old })
	d, err := Open(filepath.Join(t.TempDir(), "store.db"), testSpec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	d.stopRelease()
	value := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("%07d|", i)), mappedSize/8) }
	if err := d.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data"))
		for i := 0; i < mappedN; i++ {
			if err := b.Put([]byte(fmt.Sprintf("k%07d", i)), value(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return d, func() error {
		return d.View(func(tx *bolt.Tx) error {
			for i := 0; i < mappedN; i++ {
				if v := tx.Bucket([]byte("data")).Get([]byte(fmt.Sprintf("k%07d", i))); !bytes.Equal(v, value(i)) {
					return fmt.Errorf("value %d differs after a release", i)
				}
			}
			return nil
		})
	}
}

const mappedN, mappedSize = 3000, 8 << 10

// TestReleaseDropsMappedPages: the pages a read maps stay resident until
// the store releases them, and reads during and after a release see the
// same bytes.
func TestReleaseDropsMappedPages(t *testing.T) {
	d, readAll := mappedStore(t)
	const n, size = mappedN, mappedSize
	releasePages(d.Bolt()) // what writing mapped
	base := rssFile(t)
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
	before := rssFile(t)
	read := before - base
	if read < n*size/4 {
		t.Skipf("reading %d bytes mapped only %d (the kernel is short of memory): nothing to measure", n*size, read)
	}
	releasePages(d.Bolt())
	after := rssFile(t)
	if dropped := before - after; dropped < read/2 {
		t.Errorf("release dropped %d of the %d bytes the reads mapped (%d → %d)", dropped, read, before, after)
	}
	// Releases racing reads lose nothing.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				releasePages(d.Bolt())
			}
		}
	}()
	for r := 0; r < 5; r++ {
		if err := readAll(); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestReleaseOnlyOverBudget: the ticker's release drops a store's pages
// only when the process holds more mapped file pages than the budget;
// under it, what was read stays mapped.
func TestReleaseOnlyOverBudget(t *testing.T) {
	d, readAll := mappedStore(t)
	oldBudget := releaseBudget
	defer func() { releaseBudget = oldBudget }()
	releasePages(d.Bolt())
	base := rssFile(t)
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
	read := rssFile(t) - base
	if read < mappedN*mappedSize/4 {
		t.Skipf("reading %d bytes mapped only %d (the kernel is short of memory): nothing to measure", mappedN*mappedSize, read)
	}
	releaseBudget = 1 << 50
	before := rssFile(t)
	maybeRelease(d.Bolt())
	if dropped := before - rssFile(t); dropped > read/4 {
		t.Errorf("under the budget, a tick dropped %d of the %d bytes read", dropped, read)
	}
	releaseBudget = 1 << 20
	before = rssFile(t)
	maybeRelease(d.Bolt())
	if dropped := before - rssFile(t); dropped < read/2 {
		t.Errorf("over the budget, a tick dropped only %d of the %d bytes read", dropped, read)
	}
}

// TestMemoryLimit: the budget comes from a limit that is there: this
// machine's memory or its container's, never the unlimited sentinel.
func TestMemoryLimit(t *testing.T) {
	n := memoryLimit()
	if n <= 0 || n >= 1<<62 {
		t.Fatalf("memoryLimit() = %d", n)
	}
	if releaseBudget != n/2 {
		t.Errorf("releaseBudget = %d, want half of %d", releaseBudget, n)
	}
}
