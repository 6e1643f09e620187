package checkpoint

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/kzmap/kzmap/boltfile"
)

// SchemaVersion is the bucket layout this build writes.
const SchemaVersion = 1

var (
	bMeta     = []byte("meta")
	bRecords  = []byte("records")
	bAliases  = []byte("aliases")
	bInflight = []byte("inflight")
	bBatches  = []byte("batches")
	bDead     = []byte("dead")
	bRuns     = []byte("runs")

	kVersion = []byte("schema_version")
	kLineage = []byte("lineage")
	kSerial  = []byte("serial")
)

// ErrLocked is wrapped by the *LockedError returned when another process
// holds the store.
var ErrLocked = boltfile.ErrLocked

// LockedError says who holds the lock.
type LockedError = boltfile.LockedError

// Entry is what the store knows of one target record.
type Entry struct {
	ZendeskID string    `json:"zendesk_id"`
	Hash      string    `json:"hash"`
	Batch     string    `json:"batch,omitempty"`
	Run       string    `json:"run,omitempty"`
	At        time.Time `json:"at"`
	// Comments lists the source keys of the comments an imported ticket
	// holds, so a later plan appends only new ones.
	Comments []string `json:"comments,omitempty"`
	// Object is the custom object key of a custom object record.
	Object string `json:"object,omitempty"`
}

// Options configure Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock; 0 means 200ms.
	Timeout time.Duration
}

// Store is an open checkpoint.db.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	lineage  string
}

// Open opens or creates the store at path, migrating an older layout.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open checkpoint: %w", err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	if err := boltfile.Check(path); err != nil {
		return nil, fmt.Errorf("open checkpoint: %w; keep a copy of the file and restore it from a backup, or move it aside to start over (what was applied is then unknown to kzmap)", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, boltfile.Locked(path)
		}
		return nil, fmt.Errorf("open checkpoint %s: %w (the file may be damaged; keep a copy before anything else)", path, err)
	}
	s := &Store{db: db, path: path, readOnly: opts.ReadOnly}
	if !opts.ReadOnly {
		if err := boltfile.WriteLockInfo(path); err != nil {
			db.Close()
			return nil, err
		}
		if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations) }); err != nil {
			s.Close()
			return nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return fmt.Errorf("checkpoint %s has no meta bucket: it is not a kzmap checkpoint, or it is damaged", path)
		}
		v, err := version(meta)
		if err != nil {
			return err
		}
		if v != SchemaVersion {
			return fmt.Errorf("checkpoint %s has schema version %d; this kzmap reads %d (open it read-write with this version to migrate, or use a newer kzmap)", path, v, SchemaVersion)
		}
		s.lineage = string(meta.Get(kLineage))
		return nil
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the store and its lock.
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

// Path is the file of the store.
func (s *Store) Path() string { return s.path }

// Lineage identifies this store across its life; a plan made against
// another store is refused.
func (s *Store) Lineage() string { return s.lineage }

// Serial counts committed changes; a plan made at another serial is stale.
func (s *Store) Serial() (uint64, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		n = readSerial(tx.Bucket(bMeta))
		return nil
	})
	return n, err
}

func readSerial(meta *bolt.Bucket) uint64 {
	b := meta.Get(kSerial)
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func bumpSerial(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], readSerial(meta)+1)
	return meta.Put(kSerial, b[:])
}

// Get returns the entry of a target record.
func (s *Store) Get(kind, key string) (Entry, bool, error) {
	var e Entry
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRecords).Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return decode(v, &e, kind, key)
	})
	return e, ok, err
}

func decode(v []byte, dst any, kind, key string) error {
	if err := json.Unmarshal(v, dst); err != nil {
		return fmt.Errorf("checkpoint entry %s/%s is damaged: %w", kind, key, err)
	}
	return nil
}

// ForEach calls fn for every entry of a kind, in key order.
func (s *Store) ForEach(kind string, fn func(key string, e Entry) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRecords).Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e Entry
			if err := decode(v, &e, kind, string(k)); err != nil {
				return err
			}
			return fn(string(k), e)
		})
	})
}

// Count returns the number of entries of a kind.
func (s *Store) Count(kind string) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bRecords).Bucket([]byte(kind)); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n, err
}

// Record is one confirmed write: the entry to store under kind/key, and
// the source ids that now point at it.
type Record struct {
	Kind    string
	Key     string
	Entry   Entry
	Aliases []Alias
}

// Alias maps a source record to a target record.
type Alias struct{ SourceType, SourceID string }

// Resolve returns the target record a source record became, if any.
func (s *Store) Resolve(sourceType, sourceID string) (kind, key string, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAliases).Bucket([]byte(sourceType))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(sourceID))
		if v == nil {
			return nil
		}
		i := bytes.IndexByte(v, 0)
		if i < 0 {
			return fmt.Errorf("checkpoint alias %s/%s is damaged", sourceType, sourceID)
		}
		kind, key, ok = string(v[:i]), string(v[i+1:]), true
		return nil
	})
	return
}

func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
