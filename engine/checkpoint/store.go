package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

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
)

// Keys of the meta table.
const (
	kVersion = "schema_version"
	kLineage = "lineage"
	kSerial  = "serial"
	kZendesk = "zendesk_account"
	kOrg     = "kustomer_org"
	// kMoved is set on a checkpoint that state migrate copied to another
	// backend: where it went. A writer refuses it, so two copies never
	// both go on.
	kMoved = "moved_to"
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
	// URL is where Zendesk serves the record, when a later record links to
	// it: a Help Center article attachment's content_url, an article's
	// html_url.
	URL string `json:"url,omitempty"`
}

// Options configure Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for another process's lock; 0 means 200ms.
	Timeout time.Duration

	// Migrating opens a checkpoint state migrate writes into or reads
	// from, even one marked as moved to another backend.
	Migrating bool
}

// Store is an open checkpoint, in a bbolt file or a PostgreSQL
// workspace.
type Store struct {
	kv       backend
	where    string // the file, or "PostgreSQL workspace NAME"
	readOnly bool
	lineage  string
	file     *boltfile.DB // the local backend's file (nil for pg)
	shares   atomic.Int32 // holders besides the opener (Share)
}

// ErrCorrupt marks a checkpoint file that cannot be read as one: damaged,
// truncated, or not a checkpoint at all. The file is never reset: it is
// the one store that cannot be rebuilt.
var ErrCorrupt = boltfile.ErrDamaged

// ErrNoCheckpoint is returned by a read-only Open when nothing was
// applied yet.
var ErrNoCheckpoint = errors.New("nothing was applied yet")

var spec = boltfile.Spec{
	Name: "checkpoint", Meta: bMeta, VersionKey: []byte(kVersion), Steps: migrations,
	Buckets: [][]byte{bMeta, bRecords, bAliases, bInflight, bBatches, bDead, bRuns},
	Damaged: "keep a copy of the file and restore it from a backup; moving it aside starts over, and kzmap then " +
		"adopts what Zendesk already holds by its source ids",
	Missing: func(path string) error {
		return fmt.Errorf("%w: there is no %s (run kzmap apply first)", ErrNoCheckpoint, path)
	},
	Upgrade: "run kzmap apply once",
	Lineage: []byte(kLineage),
	// 16 KB pages: a quarter as many pages as 4 KB ones for the same
	// tickets, and bbolt's freelist keeps an entry for every live page it
	// handed out again (BenchmarkApplyPages; bench/RESULTS.md §13).
	PageSize: 16384,
}

// Open opens or creates the local store at path, migrating an older
// layout. A damaged file is an error wrapping ErrCorrupt and is left
// untouched; a new store is created whole or not at all (boltfile.Open).
func Open(path string, opts Options) (*Store, error) {
	db, err := boltfile.Open(path, spec, boltfile.Options{ReadOnly: opts.ReadOnly, Timeout: opts.Timeout, Publish: !opts.ReadOnly})
	if err != nil {
		return nil, err
	}
	s := &Store{kv: boltBackend{db}, where: path, readOnly: opts.ReadOnly, lineage: db.Lineage(), file: db}
	if !opts.ReadOnly && !opts.Migrating {
		if err := s.refuseMoved(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// CopyOf reports whether this read-only store is the copy an apply keeps
// while it writes (boltfile: readers are not locked out), when the copy
// was made, and who writes. A PostgreSQL reader reads the live state.
func (s *Store) CopyOf() (time.Time, *boltfile.LockedError, bool) {
	if s.file == nil {
		return time.Time{}, nil, false
	}
	return s.file.CopyOf()
}

// Close releases the store and its lock, once every holder Share gave
// it to has closed it too.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	if s.shares.Add(-1) >= 0 {
		return nil
	}
	return s.kv.close()
}

// Share hands the open store to one more holder, which closes it when
// done; the lock is held until the last holder closes it (kzmap sync keeps
// the workspace locked between its passes).
func (s *Store) Share() *Store {
	s.shares.Add(1)
	return s
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
	err := s.kv.view(func(tx txn) error {
		z, err := tx.get(tMeta, "", kZendesk)
		if err != nil {
			return err
		}
		o, err := tx.get(tMeta, "", kOrg)
		b = Binding{ZendeskAccount: string(z), KustomerOrg: string(o)}
		return err
	})
	return b, err
}

// Bind ties the store to an account and org the first time each is known,
// and refuses another: the Zendesk ids in a checkpoint mean nothing in
// another account, and writing there as if they did would duplicate or
// overwrite. The error says which differs and how to start a new
// workspace on purpose.
func (s *Store) Bind(want Binding) error {
	return s.kv.update(func(tx txn) error {
		for _, f := range []struct {
			key        string
			what, want string
			env        string
		}{
			{kZendesk, "Zendesk account", want.ZendeskAccount, "ZENDESK_SUBDOMAIN or ZENDESK_BASE_URL"},
			{kOrg, "Kustomer org", want.KustomerOrg, "the snapshot"},
		} {
			v, err := tx.get(tMeta, "", f.key)
			if err != nil {
				return err
			}
			have := string(v)
			switch {
			case f.want == "" || have == f.want:
			case have == "":
				if err := tx.put(tMeta, "", f.key, []byte(f.want)); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%w: %s was written against %s %q, and %s now says %q. To migrate into %q, start a new workspace on purpose: another mapping directory (kzmap -chdir DIR) or another state directory (kzmap --state DIR); to go on with %q, point %s back at it",
					ErrOtherAccount, s.where, f.what, have, f.env, f.want, f.want, have, f.env)
			}
		}
		return nil
	})
}

// Path is where the store is: its file, or "PostgreSQL workspace NAME".
func (s *Store) Path() string { return s.where }

// Lineage identifies this store across its life; a plan made against
// another store is refused.
func (s *Store) Lineage() string { return s.lineage }

// Serial counts committed changes; a plan made at another serial is stale.
func (s *Store) Serial() (uint64, error) {
	var n uint64
	err := s.kv.read(func(tx txn) (err error) {
		n, err = readSerial(tx)
		return err
	})
	return n, err
}

func readSerial(tx txn) (uint64, error) {
	b, err := tx.get(tMeta, "", kSerial)
	if len(b) != 8 || err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

func bumpSerial(tx txn) error {
	n, err := readSerial(tx)
	if err != nil {
		return err
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n+1)
	return tx.put(tMeta, "", kSerial, b[:])
}

// Get returns the entry of a target record.
func (s *Store) Get(kind, key string) (Entry, bool, error) {
	var e Entry
	var ok bool
	err := s.kv.read(func(tx txn) error {
		v, err := tx.get(tRecords, kind, key)
		if v == nil || err != nil {
			return err
		}
		ok = true
		return decode(v, &e, kind, key)
	})
	return e, ok, err
}

func decode(v []byte, dst any, kind, key string) error {
	if e, ok := dst.(*Entry); ok {
		was := *e
		if fastEntry(v, e) {
			return nil
		}
		*e = was
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return fmt.Errorf("checkpoint entry %s/%s is damaged: %w", kind, key, err)
	}
	return nil
}

// ForEach calls fn for every entry of a kind, in key order.
func (s *Store) ForEach(kind string, fn func(key string, e Entry) error) error {
	return s.kv.read(func(tx txn) error {
		return tx.each(tRecords, kind, func(k string, v []byte) error {
			var e Entry
			if err := decode(v, &e, kind, k); err != nil {
				return err
			}
			return s.kv.call(func() error { return fn(k, e) })
		})
	})
}

// Count returns the number of entries of a kind.
func (s *Store) Count(kind string) (int, error) {
	n := 0
	err := s.kv.read(func(tx txn) (err error) {
		n, err = tx.count(tRecords, kind)
		return err
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
	err = s.kv.read(func(tx txn) error {
		v, err := tx.get(tAliases, sourceType, sourceID)
		if v == nil || err != nil {
			return err
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

// ErrMoved is wrapped by the error of a writer's Open of a checkpoint
// that state migrate copied to another backend.
var ErrMoved = errors.New("the checkpoint was moved to another backend")

// refuseMoved fails a writer on a checkpoint that was moved away: the
// copy there is the one that goes on, and writing here too would fork
// the state and duplicate records.
func (s *Store) refuseMoved() error {
	to, err := s.MovedTo()
	if err != nil || to == "" {
		return err
	}
	return fmt.Errorf("%w: kzmap state migrate copied %s to %s. Point kzmap at it (the mapping's state block, --backend or KZMAP_BACKEND), or bring it back with kzmap state migrate --to %s",
		ErrMoved, s.where, to, s.kindName())
}

// MovedTo says where state migrate moved this checkpoint ("" when it
// was not moved).
func (s *Store) MovedTo() (string, error) {
	var to string
	err := s.kv.read(func(tx txn) error {
		v, err := tx.get(tMeta, "", kMoved)
		to = string(v)
		return err
	})
	return to, err
}

// kindName is the backend's name in settings: local or pg.
func (s *Store) kindName() string {
	if s.file != nil {
		return "local"
	}
	return "pg"
}

// ForEachAlias calls fn for every source record of a type that became a
// target record, in source id order.
func (s *Store) ForEachAlias(sourceType string, fn func(sourceID, kind, key string) error) error {
	return s.kv.read(func(tx txn) error {
		return tx.each(tAliases, sourceType, func(id string, v []byte) error {
			i := bytes.IndexByte(v, 0)
			if i < 0 {
				return fmt.Errorf("checkpoint alias %s/%s is damaged", sourceType, id)
			}
			return s.kv.call(func() error { return fn(id, string(v[:i]), string(v[i+1:])) })
		})
	})
}
