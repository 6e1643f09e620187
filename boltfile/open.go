package boltfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrReadOnly is returned by Update on a store opened read-only.
var ErrReadOnly = errors.New("store is open read-only")

// Spec describes one kind of store for Open: its name in messages, its
// meta bucket and schema version key, its migrations, the top-level
// buckets every complete store has, and what to tell a user whose file is
// damaged.
type Spec struct {
	Name       string // "snapshot", "checkpoint"
	Meta       []byte
	VersionKey []byte
	Steps      []Step
	Buckets    [][]byte
	// Damaged is the advice appended to every damage error: what the user
	// should do with the file.
	Damaged string
	// Missing is the error of a read-only open that finds no file.
	Missing func(path string) error
	// Upgrade says which command migrates an older store ("run kzmap
	// extract once"); a read-only open does not.
	Upgrade string
	// Lineage, when set, is the meta key of a random id given to the
	// store when it is created and kept for its life (DB.Lineage).
	Lineage []byte
	// PageSize is the page size of a new store (0: the system's); a store
	// keeps the page size it was made with.
	PageSize int
}

// Options of Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock; 0 means
	// 200ms, so a second kzmap says who holds the lock instead of hanging.
	Timeout time.Duration
	// Publish keeps a copy for readers while the store is open for
	// writing (readcopy.go); a read-only Open of a store another process
	// writes opens that copy. Every is how often at most (default 2s).
	Publish      bool
	PublishEvery time.Duration
	// Clock times the copies (default time.Now).
	Clock func() time.Time

	noCopy bool // opening the copy itself
}

// DB is an open store: bbolt behind the protections both stores need.
// Every transaction turns a fault inside bbolt (a damaged page: bbolt
// trusts its pages, and a corrupt page id can point anywhere in the
// mapping) into an error wrapping ErrDamaged instead of a crash.
type DB struct {
	db       *bolt.DB
	spec     Spec
	path     string
	readOnly bool
	lineage  string

	pub    *publisher   // the copy kept for readers (Options.Publish)
	copyOf time.Time    // when opened from a writer's copy: when it was made
	writer *LockedError // … and who writes
	rel    *releaser    // drops the pages a large store has mapped (release.go)
}

// Open opens the store at path, or creates it (and its directory, 0700)
// when it does not exist and the open is not read-only. A new store is
// built under a temporary name and linked into place, so a store file that
// exists is always a complete one: an empty or bucket-less file can only
// be damage. A damaged file is an error wrapping ErrDamaged and is left
// untouched; a store another process holds is a *LockedError; an older
// layout is migrated (read-write) or refused (read-only).
func Open(path string, spec Spec, opts Options) (d *DB, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	d = &DB{spec: spec, path: path, readOnly: opts.ReadOnly}
	defer d.protect(&err)()
	st, statErr := os.Stat(path)
	switch {
	case statErr == nil && st.IsDir():
		return nil, fmt.Errorf("open %s: %s is a directory", spec.Name, path)
	case statErr == nil && st.Size() == 0:
		return nil, d.damaged(errors.New("the file is empty (0 bytes), so it was truncated or never written"))
	case errors.Is(statErr, os.ErrNotExist) && opts.ReadOnly:
		if spec.Missing != nil {
			return nil, spec.Missing(path)
		}
		return nil, fmt.Errorf("open %s: %w", spec.Name, statErr)
	case errors.Is(statErr, os.ErrNotExist):
		if err := d.create(); err != nil {
			return nil, fmt.Errorf("create %s %s: %w", spec.Name, path, err)
		}
	case statErr != nil:
		return nil, fmt.Errorf("open %s: %w", spec.Name, statErr)
	}
	if err := Check(path); err != nil {
		return nil, fmt.Errorf("open %s: %w; %s", spec.Name, err, spec.Damaged)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			locked := Locked(path)
			var le *LockedError
			if opts.ReadOnly && !opts.noCopy && errors.As(locked, &le) {
				return openReadCopy(path, spec, opts, le)
			}
			return nil, locked
		}
		return nil, d.damaged(err)
	}
	d.db = db
	fail := func(err error) (*DB, error) {
		d.Close()
		return nil, err
	}
	if !opts.ReadOnly {
		if err := WriteLockInfo(path); err != nil {
			return fail(fmt.Errorf("open %s: %w", spec.Name, err))
		}
	}
	err = d.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(spec.Meta)
		if meta == nil {
			return d.damaged(fmt.Errorf("it has no %s bucket, so it is not a kzmap %s", spec.Meta, spec.Name))
		}
		v, err := Version(meta, spec.VersionKey)
		if err != nil {
			return d.damaged(err)
		}
		switch {
		case v > len(spec.Steps):
			return fmt.Errorf("%s has schema version %d, newer than this kzmap understands (%d); use a newer kzmap", path, v, len(spec.Steps))
		case v < len(spec.Steps) && opts.ReadOnly:
			return fmt.Errorf("%s has schema version %d; %s with this kzmap to upgrade it to %d", path, v, spec.Upgrade, len(spec.Steps))
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if !opts.ReadOnly {
		if err := d.Update(func(tx *bolt.Tx) error { return d.migrate(tx) }); err != nil {
			return fail(fmt.Errorf("%s %s: %w", spec.Name, path, err))
		}
	}
	err = d.View(func(tx *bolt.Tx) error {
		if err := d.checkBuckets(tx); err != nil {
			return err
		}
		if spec.Lineage != nil {
			d.lineage = string(tx.Bucket(spec.Meta).Get(spec.Lineage))
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if opts.Publish && !opts.ReadOnly {
		d.pub = &publisher{every: opts.PublishEvery, now: opts.Clock}
		if d.pub.every <= 0 {
			d.pub.every = minPublishEvery
		}
		if d.pub.now == nil {
			d.pub.now = time.Now
		}
		_ = d.publish(true) // readers find a copy from the start; a failure is retried at the next write
	}
	d.startRelease()
	return d, nil
}

// create makes a new, fully initialised store at the path.
func (d *DB) create() error {
	dir := filepath.Dir(d.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+filepath.Base(d.path)+".new-"+strconv.Itoa(os.Getpid()))
	os.Remove(tmp)
	defer os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, PageSize: d.spec.PageSize})
	if err != nil {
		return err
	}
	err = db.Update(d.migrate)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, d.path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

func (d *DB) migrate(tx *bolt.Tx) error {
	err := Migrate(tx, d.spec.Meta, d.spec.VersionKey, d.spec.Steps, func(meta *bolt.Bucket) (int, error) {
		v, err := Version(meta, d.spec.VersionKey)
		if err != nil {
			return 0, d.damaged(err)
		}
		return v, nil
	})
	if err != nil || d.spec.Lineage == nil {
		return err
	}
	if meta := tx.Bucket(d.spec.Meta); meta != nil && meta.Get(d.spec.Lineage) == nil {
		return meta.Put(d.spec.Lineage, []byte(NewID()))
	}
	return nil
}

// NewID is 16 random hex digits.
func NewID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// checkBuckets verifies the top-level layout, so a damaged tree is an
// error at open rather than a nil bucket later.
func (d *DB) checkBuckets(tx *bolt.Tx) error {
	for _, name := range d.spec.Buckets {
		if tx.Bucket(name) == nil {
			return d.damaged(fmt.Errorf("bucket %q is missing", name))
		}
	}
	return nil
}

// damaged wraps a sign of damage with ErrDamaged, the path and the advice.
func (d *DB) damaged(err error) error {
	return fmt.Errorf("%s: %w: %v; %s", d.path, ErrDamaged, err, d.spec.Damaged)
}

// Close releases the store and its lock.
func (d *DB) Close() error {
	if d == nil || d.db == nil {
		return nil
	}
	d.stopRelease()
	if !d.readOnly {
		d.unpublish()
		RemoveLockInfo(d.path)
	}
	err := d.db.Close()
	d.db = nil
	return err
}

// Lineage is the store's random id (Spec.Lineage).
func (d *DB) Lineage() string { return d.lineage }

// Bolt is the bbolt database, for settings such as MaxBatchDelay.
func (d *DB) Bolt() *bolt.DB { return d.db }

// Path is the store's file.
func (d *DB) Path() string { return d.path }

// ReadOnly reports whether the store was opened read-only.
func (d *DB) ReadOnly() bool { return d.readOnly }

// View runs fn in a read transaction.
func (d *DB) View(fn func(*bolt.Tx) error) (err error) {
	if d.db == nil {
		return fmt.Errorf("%s is closed", d.spec.Name)
	}
	defer d.protect(&err)()
	return d.db.View(fn)
}

// Update runs fn in a write transaction.
func (d *DB) Update(fn func(*bolt.Tx) error) (err error) {
	if d.db == nil {
		return fmt.Errorf("%s is closed", d.spec.Name)
	}
	if d.readOnly {
		return ErrReadOnly
	}
	defer d.protect(&err)()
	if err := d.db.Update(fn); err != nil {
		return err
	}
	d.afterWrite()
	return nil
}

// Batch runs fn in a write transaction it may share with concurrent
// callers (bbolt's Batch).
func (d *DB) Batch(fn func(*bolt.Tx) error) (err error) {
	if d.db == nil {
		return fmt.Errorf("%s is closed", d.spec.Name)
	}
	if d.readOnly {
		return ErrReadOnly
	}
	defer d.protect(&err)()
	if err := d.db.Batch(fn); err != nil {
		return err
	}
	d.afterWrite()
	return nil
}

// protect turns a panic or memory fault raised while reading a damaged
// file into an error wrapping ErrDamaged. A panic raised by a caller's
// callback (Call) is not damage and is raised again.
func (d *DB) protect(err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		r := recover()
		if r == nil {
			return
		}
		if up, ok := r.(callerPanic); ok {
			panic(up.v)
		}
		*err = d.damaged(fmt.Errorf("%v", r))
	}
}

// callerPanic carries a panic of a caller's callback through protect.
type callerPanic struct{ v any }

// Call runs a caller's callback inside a transaction, marking its panics
// as the caller's, not signs of damage.
func Call(fn func() error) error {
	defer func() {
		if r := recover(); r != nil {
			panic(callerPanic{r})
		}
	}()
	return fn()
}
