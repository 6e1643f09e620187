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

// TestReleaseDropsMappedPages: the pages a read maps stay resident until
// the store releases them, and reads during and after a release see the
// same bytes.
func TestReleaseDropsMappedPages(t *testing.T) {
	old := releaseAbove
	releaseAbove = 1 << 20
	defer func() { releaseAbove = old }()
	d, err := Open(filepath.Join(t.TempDir(), "store.db"), testSpec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.stopRelease()               // the test releases by hand; the ticker would race its figures
	const n, size = 3000, 8 << 10 // 24 MB of values
	value := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("%07d|", i)), size/8) }
	if err := d.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data"))
		for i := 0; i < n; i++ {
			if err := b.Put([]byte(fmt.Sprintf("k%07d", i)), value(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	readAll := func() error {
		return d.View(func(tx *bolt.Tx) error {
			for i := 0; i < n; i++ {
				if v := tx.Bucket([]byte("data")).Get([]byte(fmt.Sprintf("k%07d", i))); !bytes.Equal(v, value(i)) {
					return fmt.Errorf("value %d differs after a release", i)
				}
			}
			return nil
		})
	}
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
