package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

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
	kZendesk = []byte("zendesk_account")
	kOrg     = []byte("kustomer_org")
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
	// Written is when kzmap last wrote the record, on Zendesk's clock (the
	// Date of its answers): a record updated in Zendesk after it was
	// changed by someone else.
	Written time.Time `json:"written,omitzero"`
	// Drift says how Zendesk's record differs from what kzmap wrote, as
	// the last refresh found it ("" when it does not): the plan leaves such
	// a record alone unless the mapping says to overwrite it.
	Drift string `json:"drift,omitempty"`
	// Applied is the compact form of the payload last written (engine's
	// Applied: each field's JSON text, cut short), so a plan can say what
	// an update changes; nil for records written before it was kept.
	Applied map[string]string `json:"applied,omitempty"`
}

// Options configure Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock; 0 means 200ms.
	Timeout time.Duration
}

// Store is an open checkpoint.db.
type Store struct {
	db       *boltfile.DB
	path     string
	readOnly bool
	lineage  string
}

// ErrCorrupt marks a checkpoint file that cannot be read as one: damaged,
// truncated, or not a checkpoint at all. The file is never reset: it is
// the one store that cannot be rebuilt.
var ErrCorrupt = boltfile.ErrDamaged

// ErrNoCheckpoint is returned by a read-only Open when nothing was
// applied yet.
var ErrNoCheckpoint = errors.New("nothing was applied yet")

var spec = boltfile.Spec{
	Name: "checkpoint", Meta: bMeta, VersionKey: kVersion, Steps: migrations,
	Buckets: [][]byte{bMeta, bRecords, bAliases, bInflight, bBatches, bDead, bRuns},
	Damaged: "keep a copy of the file and restore it from a backup; moving it aside starts over, and kzmap then " +
		"adopts what Zendesk already holds by its source ids",
	Missing: func(path string) error {
		return fmt.Errorf("%w: there is no %s (run kzmap apply first)", ErrNoCheckpoint, path)
	},
	Upgrade: "run kzmap apply once",
	Lineage: kLineage,
}

// Open opens or creates the store at path, migrating an older layout. A
// damaged file is an error wrapping ErrCorrupt and is left untouched; a
// new store is created whole or not at all (boltfile.Open).
func Open(path string, opts Options) (*Store, error) {
	db, err := boltfile.Open(path, spec, boltfile.Options{ReadOnly: opts.ReadOnly, Timeout: opts.Timeout, Publish: !opts.ReadOnly})
	if err != nil {
		return nil, err
	}
	return &Store{db: db, path: path, readOnly: opts.ReadOnly, lineage: db.Lineage()}, nil
}

// CopyOf reports whether this read-only store is the copy an apply keeps
// while it writes (boltfile: readers are not locked out), when the copy
// was made, and who writes.
func (s *Store) CopyOf() (time.Time, *boltfile.LockedError, bool) { return s.db.CopyOf() }

// Close releases the store and its lock.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	return s.db.Close()
}

// Binding is what a checkpoint was written against: the Zendesk account
// (zendesk.Config's Account) and the Kustomer org.
type Binding struct {
	ZendeskAccount string `json:"zendesk_account"`
	KustomerOrg    string `json:"kustomer_org"`
}

// ErrOtherAccount is wrapped by the error Bind returns for another account.
var ErrOtherAccount = errors.New("the checkpoint belongs to another account")

// Binding returns what the store is bound to (empty before the first
// apply).
func (s *Store) Binding() (Binding, error) {
	var b Binding
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		b = Binding{ZendeskAccount: string(meta.Get(kZendesk)), KustomerOrg: string(meta.Get(kOrg))}
		return nil
	})
	return b, err
}

// Bind ties the store to an account and org the first time each is known,
// and refuses another: the Zendesk ids in a checkpoint mean nothing in
// another account, and writing there as if they did would duplicate or
// overwrite. The error says which differs and how to start a new
// workspace on purpose.
func (s *Store) Bind(want Binding) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		for _, f := range []struct {
			key        []byte
			what, want string
			env        string
		}{
			{kZendesk, "Zendesk account", want.ZendeskAccount, "ZENDESK_SUBDOMAIN or ZENDESK_BASE_URL"},
			{kOrg, "Kustomer org", want.KustomerOrg, "the snapshot"},
		} {
			have := string(meta.Get(f.key))
			switch {
			case f.want == "" || have == f.want:
			case have == "":
				if err := meta.Put(f.key, []byte(f.want)); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%w: %s was written against %s %q, and %s now says %q. To migrate into %q, start a new workspace on purpose: another mapping directory (kzmap -chdir DIR) or another state directory (kzmap --state DIR); to go on with %q, point %s back at it",
					ErrOtherAccount, s.path, f.what, have, f.env, f.want, f.want, have, f.env)
			}
		}
		return nil
	})
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
			return boltfile.Call(func() error { return fn(string(k), e) })
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
