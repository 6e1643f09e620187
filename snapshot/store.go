package snapshot

import (
	"crypto/rand"
	"encoding/binary"
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

	"github.com/kzmap/kzmap/boltfile"
	"github.com/kzmap/kzmap/record"
)

var (
	bMeta       = []byte("meta")
	bCounts     = []byte("counts")
	bResources  = []byte("resources")
	bChildren   = []byte("children")
	bKlassNames = []byte("klass_names")
	bCursors    = []byte("cursors")
	bRuns       = []byte("runs")
	bFiles      = []byte("files")

	kVersion = []byte("schema_version")
	kLineage = []byte("lineage")
	kSerial  = []byte("serial")
	kDigest  = []byte("digest")
	kOrg     = []byte("org")
)

var (
	// ErrLocked is returned (wrapped in a *LockedError) when another
	// process holds the snapshot.
	ErrLocked = boltfile.ErrLocked
	// ErrCorrupt marks a snapshot file that cannot be read as one: damaged,
	// truncated, or not a snapshot at all. The file is never reset.
	ErrCorrupt = errors.New("snapshot is damaged")
	// ErrReadOnly is returned by writes to a snapshot opened read-only.
	ErrReadOnly = errors.New("snapshot is open read-only")
	// ErrNoSnapshot is returned by OpenReadOnly when there is no file yet.
	ErrNoSnapshot = errors.New("no snapshot")
)

// LockedError says who holds the lock.
type LockedError = boltfile.LockedError

// Options configure Open.
type Options struct {
	// ReadOnly opens with a shared lock: any number of readers, no writer.
	ReadOnly bool
	// Timeout is how long to wait for another process's lock; 0 means
	// 200ms, so a second kzmap says who holds the lock instead of hanging.
	Timeout time.Duration
}

// Store is an open snapshot.db.
type Store struct {
	db       *bolt.DB
	path     string
	files    string // the attachments directory beside the database
	readOnly bool
	lineage  string
}

// DefaultPath is where a mapping directory keeps its snapshot.
func DefaultPath(mappingDir string) string {
	return filepath.Join(mappingDir, ".kzmap", "snapshot.db")
}

// OpenReadOnly opens an existing snapshot for reading (plan, audit).
func OpenReadOnly(path string) (*Store, error) {
	return Open(path, Options{ReadOnly: true})
}

// Open opens the snapshot at path, creating it (and its directory, 0700)
// when it does not exist and opts.ReadOnly is false. A damaged file is an
// error wrapping ErrCorrupt and is left untouched.
func Open(path string, opts Options) (s *Store, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	defer protect(&err, path)()
	st, statErr := os.Stat(path)
	switch {
	case statErr == nil && st.IsDir():
		return nil, fmt.Errorf("open snapshot: %s is a directory", path)
	case statErr == nil && st.Size() == 0:
		return nil, fmt.Errorf("open snapshot %s: %w: the file is empty (0 bytes), so it was truncated or never written; move it aside to extract again", path, ErrCorrupt)
	case errors.Is(statErr, os.ErrNotExist) && opts.ReadOnly:
		return nil, fmt.Errorf("%w at %s: run kzmap extract first", ErrNoSnapshot, path)
	case errors.Is(statErr, os.ErrNotExist):
		if err := create(path); err != nil {
			return nil, fmt.Errorf("create snapshot %s: %w", path, err)
		}
	case statErr != nil:
		return nil, fmt.Errorf("open snapshot: %w", statErr)
	}
	if err := boltfile.Check(path); err != nil {
		return nil, fmt.Errorf("open snapshot: %w: %w; keep a copy of the file, then move it aside to extract again", ErrCorrupt, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, boltfile.Locked(path)
		}
		return nil, fmt.Errorf("open snapshot %s: %w: %w; keep a copy of the file, then move it aside to extract again", path, ErrCorrupt, err)
	}
	// Concurrent writers (the extractor's workers) share a commit when
	// they write within a few milliseconds of each other.
	db.MaxBatchDelay = 2 * time.Millisecond
	s = &Store{db: db, path: path, files: filepath.Join(filepath.Dir(path), "attachments"), readOnly: opts.ReadOnly}
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, err
	}
	if !opts.ReadOnly {
		if err := boltfile.WriteLockInfo(path); err != nil {
			return fail(fmt.Errorf("open snapshot: %w", err))
		}
		// Temporary attachment files of a run that was killed.
		os.RemoveAll(filepath.Join(s.files, "tmp"))
	}
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return fmt.Errorf("%s: %w: it has no meta bucket, so it is not a kzmap snapshot", path, ErrCorrupt)
		}
		v, err := version(meta)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		switch {
		case v > SchemaVersion:
			return fmt.Errorf("%s has schema version %d, newer than this kzmap understands (%d); use a newer kzmap", path, v, SchemaVersion)
		case v < SchemaVersion && opts.ReadOnly:
			return fmt.Errorf("%s has schema version %d; run kzmap extract once with this kzmap to upgrade it to %d", path, v, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if !opts.ReadOnly {
		if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations) }); err != nil {
			return fail(fmt.Errorf("snapshot %s: %w", path, err))
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		s.lineage = string(tx.Bucket(bMeta).Get(kLineage))
		return checkBuckets(tx)
	})
	if err != nil {
		return fail(fmt.Errorf("snapshot %s: %w", path, err))
	}
	return s, nil
}

// create makes a new, fully initialised snapshot at path. It is built
// under a temporary name and linked into place, so a snapshot.db that
// exists is always a complete one: an empty or bucket-less file can only
// be damage, never a creation that was cut short.
func create(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".new-"+strconv.Itoa(os.Getpid()))
	os.Remove(tmp)
	defer os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// checkBuckets verifies the top-level layout, so a damaged tree is an
// error at open rather than a nil bucket later.
func checkBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bMeta, bCounts, bResources, bChildren, bKlassNames, bCursors, bRuns, bFiles} {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("%w: bucket %q is missing", ErrCorrupt, name)
		}
	}
	res := tx.Bucket(bResources)
	for _, typ := range record.Types {
		if res.Bucket([]byte(typ)) == nil {
			return fmt.Errorf("%w: bucket resources/%s is missing", ErrCorrupt, typ)
		}
	}
	return nil
}

// Close releases the snapshot and its lock.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	if !s.readOnly {
		boltfile.RemoveLockInfo(s.path)
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Lineage identifies this snapshot across its life.
func (s *Store) Lineage() string { return s.lineage }

// Serial counts committed changes of content (resources and files).
func (s *Store) Serial() (n uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		n = readUint(tx.Bucket(bMeta).Get(kSerial))
		return nil
	})
	return n, err
}

// Digest is a hash of the whole content: every resource and every
// attachment file state. It changes whenever any of them changes, and two
// snapshots with the same content have the same digest. It is kept up to
// date on every write, so reading it costs one lookup.
func (s *Store) Digest() (d string, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bMeta).Get(kDigest)
		if len(v) != 32 {
			v = make([]byte, 32)
		}
		d = "sha256x:" + hex.EncodeToString(v)
		return nil
	})
	return d, err
}

// Org is the Kustomer org the snapshot was extracted from ("" before the
// first extraction).
func (s *Store) Org() (org string, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		org = string(tx.Bucket(bMeta).Get(kOrg))
		return nil
	})
	return org, err
}

// view runs fn in a read transaction, turning a fault or panic inside
// bbolt (a damaged page) into an error wrapping ErrCorrupt.
func (s *Store) view(fn func(tx *bolt.Tx) error) (err error) {
	if s.db == nil {
		return errors.New("snapshot is closed")
	}
	defer protect(&err, s.path)()
	return s.db.View(fn)
}

func (s *Store) update(fn func(tx *bolt.Tx) error) (err error) {
	if s.db == nil {
		return errors.New("snapshot is closed")
	}
	if s.readOnly {
		return ErrReadOnly
	}
	defer protect(&err, s.path)()
	return s.db.Update(fn)
}

// protect turns a panic or memory fault raised while reading a damaged
// file into an error wrapping ErrCorrupt, so the caller gets a message
// instead of a crash: bbolt trusts its pages, and a corrupt page id can
// point anywhere in the mapping. Use it as defer protect(&err, path)().
// A panic raised by a caller's callback is not damage and is re-raised.
func protect(err *error, path string) func() {
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
		*err = fmt.Errorf("%s: %w: %v; keep a copy of the file, then move it aside to extract again", path, ErrCorrupt, r)
	}
}

// callerPanic carries a panic of a caller's callback through protect.
type callerPanic struct{ v any }

// call runs a caller's callback, marking its panics as not ours.
func call(fn func(id string, raw []byte) error, id string, raw []byte) error {
	defer func() {
		if r := recover(); r != nil {
			panic(callerPanic{r})
		}
	}()
	return fn(id, raw)
}

func readUint(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func putUint(b *bolt.Bucket, key []byte, n uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], n)
	return b.Put(key, v[:])
}

func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
