package boltfile

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store open for writing can keep a readable copy of itself beside it
// (Options.Publish): bbolt's lock lets one process write and no other read,
// so without it `kzmap plan`, `state list` and `verify` would be locked out
// for the whole of a long apply. The copy is made inside a read
// transaction (consistent: one committed state), written under a temporary
// name and renamed into place, so a reader always finds a complete store.
// A read-only Open of a store another process writes opens the copy
// instead, and says so (DB.CopyOf).

// readCopyPath is where the copy of the store at path is kept.
func readCopyPath(path string) string { return path + ".reading" }

// publisher keeps the copy fresh: after writes, at most every few seconds
// and never more than a twentieth of the time (a large store's copy takes
// long; it must not slow the writer down by more than 5%).
type publisher struct {
	mu    sync.Mutex
	last  time.Time
	cost  time.Duration
	every time.Duration
	now   func() time.Time
}

const minPublishEvery = 2 * time.Second

// publish writes the copy if it is due (force: now).
func (d *DB) publish(force bool) error {
	p := d.pub
	if p == nil || d.db == nil {
		return nil
	}
	if !p.mu.TryLock() {
		return nil // another writer's goroutine is copying
	}
	defer p.mu.Unlock()
	start := p.now()
	if !force && start.Sub(p.last) < max(p.every, 20*p.cost) {
		return nil
	}
	dst := readCopyPath(d.path)
	tmp := dst + ".tmp"
	err := d.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(tmp, 0o600) })
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: keeping a copy for readers: %w", d.spec.Name, err)
	}
	p.last, p.cost = p.now(), p.now().Sub(start)
	return nil
}

// afterWrite refreshes the copy when it is due. A failure to copy does not
// fail the write: readers see an older copy, and the next write tries again.
func (d *DB) afterWrite() {
	_ = d.publish(false)
}

// unpublish removes the copy when the writer closes: readers open the
// store itself again.
func (d *DB) unpublish() {
	if d.pub != nil {
		os.Remove(readCopyPath(d.path))
	}
}

// openReadCopy opens the copy of a store another process holds for
// writing, read-only; locked is that process.
func openReadCopy(path string, spec Spec, opts Options, locked *LockedError) (*DB, error) {
	cp := readCopyPath(path)
	st, err := os.Stat(cp)
	if err != nil {
		return nil, locked
	}
	d, err := Open(cp, spec, Options{ReadOnly: true, Timeout: opts.Timeout, noCopy: true})
	if err != nil {
		if errors.Is(err, ErrLocked) {
			return nil, locked
		}
		return nil, err
	}
	d.copyOf, d.writer = st.ModTime(), locked
	d.path = path
	return d, nil
}

// CopyOf reports whether this read-only store is the copy a writer keeps
// (another kzmap holds the store), when the copy was made, and who writes.
func (d *DB) CopyOf() (time.Time, *LockedError, bool) {
	return d.copyOf, d.writer, !d.copyOf.IsZero()
}
