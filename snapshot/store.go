package snapshot

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

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
	bMetadata   = []byte("metadata") // resource → Kustomer's custom attribute metadata (GET /v1/metadata/{resource})
	bDicts      = []byte("dicts")    // dictionary id → the zstd dictionary of a type's records (compress.go)

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
	ErrCorrupt = boltfile.ErrDamaged
	// ErrReadOnly is returned by writes to a snapshot opened read-only.
	ErrReadOnly = boltfile.ErrReadOnly
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
	// DictSamples is how many records of a type are stored as they are
	// before the type's compression dictionary is trained from them; 0
	// means 1,000. Tests lower it to compress small datasets.
	DictSamples int
}

// Store is an open snapshot.db.
type Store struct {
	db       *boltfile.DB
	path     string
	files    string // the attachments directory beside the database
	readOnly bool
	lineage  string
	codec    *codec
}

// spec is what boltfile.Open needs to know of a snapshot.
var spec = boltfile.Spec{
	Name: "snapshot", Meta: bMeta, VersionKey: kVersion, Steps: migrations,
	Buckets: [][]byte{bMeta, bCounts, bResources, bChildren, bKlassNames, bCursors, bRuns, bFiles, bMetadata, bDicts},
	Damaged: "keep a copy of the file, then move it aside to extract again",
	Missing: func(path string) error { return fmt.Errorf("%w at %s: run kzmap extract first", ErrNoSnapshot, path) },
	Upgrade: "run kzmap extract once",
	Lineage: kLineage,
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
// error wrapping ErrCorrupt and is left untouched (boltfile.Open).
func Open(path string, opts Options) (*Store, error) {
	db, err := boltfile.Open(path, spec, boltfile.Options{ReadOnly: opts.ReadOnly, Timeout: opts.Timeout})
	if err != nil {
		return nil, err
	}
	// Concurrent writers (the extractor's workers) share a commit when
	// they write within a few milliseconds of each other.
	db.Bolt().MaxBatchDelay = 2 * time.Millisecond
	s := &Store{db: db, path: path, files: filepath.Join(filepath.Dir(path), "attachments"), readOnly: opts.ReadOnly, lineage: db.Lineage(), codec: newCodec()}
	if opts.DictSamples > 0 {
		s.codec.after = opts.DictSamples
	}
	if !opts.ReadOnly {
		// Temporary attachment files of a run that was killed.
		os.RemoveAll(filepath.Join(s.files, "tmp"))
	}
	err = db.View(func(tx *bolt.Tx) error {
		res := tx.Bucket(bResources)
		for _, typ := range record.Types {
			if res.Bucket([]byte(typ)) == nil {
				return fmt.Errorf("%s: %w: bucket resources/%s is missing; %s", path, ErrCorrupt, typ, spec.Damaged)
			}
		}
		if err := s.codec.load(tx); err != nil {
			return fmt.Errorf("%s: %w; %s", path, err, spec.Damaged)
		}
		return nil
	})
	if err != nil {
		s.codec.close()
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the snapshot and its lock.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	err := s.db.Close()
	s.codec.close()
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

// view runs fn in a read transaction; a fault inside bbolt (a damaged
// page) is an error wrapping ErrCorrupt.
func (s *Store) view(fn func(tx *bolt.Tx) error) error { return s.db.View(fn) }

func (s *Store) update(fn func(tx *bolt.Tx) error) error { return s.db.Update(fn) }

// call runs a caller's callback inside a transaction (boltfile.Call)
// with a stored resource's JSON.
func (s *Store) call(fn func(id string, raw []byte) error, typ string, id, v []byte) error {
	raw, err := s.codec.expand(typ, id, v)
	if err != nil {
		return err
	}
	return boltfile.Call(func() error { return fn(string(id), raw) })
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
