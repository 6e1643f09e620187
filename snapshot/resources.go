package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kzmap/kzmap/record"
)

// relation is a parent → child index the store keeps in (createdAt, id)
// order, so a conversation's thread streams without sorting.
type relation struct {
	parent, child string
	rel           string // the child's relationships key naming the parent
}

func (r relation) bucket() string { return r.parent + "." + r.child }

var relations = []relation{
	{"conversation", "message", "conversation"},
	{"conversation", "note", "conversation"},
	{"message", "attachment", "message"},
	{"klass", "kobject", "klass"},
}

func relationOf(child string) (relation, bool) {
	for _, r := range relations {
		if r.child == child {
			return r, true
		}
	}
	return relation{}, false
}

// Meta is what the store and the extractor read from a resource to index
// it; the attributes themselves stay in the raw JSON.
type Meta struct {
	Type, ID  string
	CreatedAt time.Time // zero when absent or unreadable
	UpdatedAt time.Time // createdAt when absent
	// Parent is the id of the resource's parent for child types: the
	// conversation of a message or note, the message of an attachment, the
	// klass of a kobject. "" when the resource names none.
	Parent string
	// KlassName is a klass's attributes.name, or the klass a kobject names
	// in relationships.klass.link.self.
	KlassName string
}

type metaEnvelope struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Attributes struct {
		CreatedAt json.RawMessage `json:"createdAt"`
		UpdatedAt json.RawMessage `json:"updatedAt"`
		Name      json.RawMessage `json:"name"`
	} `json:"attributes"`
	Relationships map[string]metaRelationship `json:"relationships"`
}

type metaRelationship struct {
	Data json.RawMessage `json:"data"`
	Link struct {
		Self string `json:"self"`
	} `json:"link"`
	Links struct {
		Self string `json:"self"`
	} `json:"links"`
}

// ParseMeta reads the parts of a resource the store indexes. It fails only
// when the resource has no known type or no usable id; odd timestamps or
// relationships are read as absent, and the raw JSON keeps them.
func ParseMeta(raw []byte) (Meta, error) {
	e, ok := fastMeta(raw)
	if !ok {
		e = metaEnvelope{}
		if err := json.Unmarshal(raw, &e); err != nil {
			return Meta{}, &record.DecodeError{Err: fmt.Errorf("invalid JSON: %w", err)}
		}
	}
	m := Meta{Type: e.Type, ID: e.ID}
	switch {
	case e.Type == "":
		return m, &record.DecodeError{ID: e.ID, Err: errors.New(`missing "type"`)}
	case !record.KnownType(e.Type):
		return m, &record.DecodeError{Type: e.Type, ID: e.ID, Err: fmt.Errorf("unknown resource type %q", e.Type)}
	case e.ID == "":
		return m, &record.DecodeError{Type: e.Type, Err: errors.New(`missing "id"`)}
	case len(e.ID) > 256 || strings.ContainsRune(e.ID, 0):
		return m, &record.DecodeError{Type: e.Type, ID: e.ID, Err: errors.New("id is not a usable key (over 256 bytes or holds NUL)")}
	}
	m.CreatedAt = stamp(e.Attributes.CreatedAt)
	m.UpdatedAt = stamp(e.Attributes.UpdatedAt)
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
	}
	if e.Type == "klass" {
		var name string
		if json.Unmarshal(e.Attributes.Name, &name) == nil {
			m.KlassName = name
		}
	}
	if r, ok := relationOf(e.Type); ok {
		rel := e.Relationships[r.rel]
		var ref record.Ref
		if len(rel.Data) > 0 && json.Unmarshal(rel.Data, &ref) == nil && !strings.ContainsRune(ref.ID, 0) && len(ref.ID) <= 256 {
			m.Parent = ref.ID
		}
		if e.Type == "kobject" {
			self := rel.Link.Self
			if self == "" {
				self = rel.Links.Self
			}
			if name, ok := strings.CutPrefix(self, "/v1/klasses/"); ok && !strings.ContainsAny(name, "/\x00") {
				m.KlassName = name
			}
		}
	}
	return m, nil
}

func stamp(raw json.RawMessage) time.Time {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil || s == "" {
		return time.Time{}
	}
	t, err := record.ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// childKey is parentID 0x00 createdAt childID; createdAt is Unix ms with
// the sign bit flipped, so keys sort by time, then id.
func childKey(parent string, created time.Time, child string) []byte {
	k := make([]byte, 0, len(parent)+1+8+len(child))
	k = append(k, parent...)
	k = append(k, 0)
	var ms int64
	if !created.IsZero() {
		ms = created.UnixMilli()
	}
	k = binary.BigEndian.AppendUint64(k, uint64(ms)^(1<<63))
	return append(k, child...)
}

// pendingKlass is the parent key of a kobject that names its klass only by
// name, before that klass is in the snapshot; Put of the klass re-keys it.
func pendingKlass(name string) string { return "name:" + name }

// Tx is one write transaction: resources, cursors and file states written
// through it commit together or not at all.
type Tx struct {
	tx      *bolt.Tx
	s       *Store
	digest  [32]byte
	loaded  bool
	changed bool
	dicts   map[uint32]bool // dictionaries known to be in this transaction's dicts/
}

// Update runs fn in one write transaction. If fn returns an error nothing
// it wrote is kept.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.update(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx, s: s}
		if err := fn(t); err != nil {
			return err
		}
		return t.finish()
	})
}

// Batch is Update for concurrent writers: calls from several goroutines
// may share one transaction, and so one sync to disk. fn may run more
// than once (alone, after another call in its batch failed), so it must
// write the same whatever ran before it.
func (s *Store) Batch(fn func(tx *Tx) error) error {
	return s.db.Batch(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx, s: s}
		if err := fn(t); err != nil {
			return err
		}
		return t.finish()
	})
}

func (t *Tx) loadDigest() {
	if !t.loaded {
		copy(t.digest[:], t.tx.Bucket(bMeta).Get(kDigest))
		t.loaded = true
	}
}

func (t *Tx) mix(h [32]byte) {
	t.loadDigest()
	for i := range t.digest {
		t.digest[i] ^= h[i]
	}
	t.changed = true
}

func (t *Tx) finish() error {
	if !t.changed {
		return nil
	}
	meta := t.tx.Bucket(bMeta)
	if err := meta.Put(kDigest, t.digest[:]); err != nil {
		return err
	}
	return putUint(meta, kSerial, readUint(meta.Get(kSerial))+1)
}

func itemHash(kind, id string, raw []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write(raw)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// resourceFill is how full the resource buckets' pages are left when they
// split. Kustomer's ids begin with their creation time and the lists read
// records in creation order, so records arrive nearly in key order; at
// bbolt's default (half) every split page would stay half empty and the
// snapshot take twice its size (bench/RESULTS.md §13).
const resourceFill = 0.95

// Put stores a resource as the API returned it (the `data` object). It
// reports whether anything changed: putting the same bytes again is a
// no-op that leaves the serial and digest alone.
func (t *Tx) Put(raw []byte) (changed bool, err error) {
	m, err := ParseMeta(raw)
	if err != nil {
		return false, err
	}
	return t.PutPrepared(t.s.prepare(m, raw))
}

// Prepared is a resource made ready to store before its write
// transaction: its meta read, its hash taken, its index entry and its
// compressed value worked out. bbolt lets one writer in at a time, and an
// extract's lanes do this work side by side instead of inside it.
type Prepared struct {
	Meta   Meta
	raw    []byte
	hash   [32]byte
	index  []byte
	stored []byte // what to store; nil: decided in the transaction
	dict   *zdict // the dictionary stored was compressed with, if any
}

// Prepare reads a resource (the `data` object) for PutPrepared. raw must
// not change until it is stored.
func (s *Store) Prepare(raw []byte) (Prepared, error) {
	m, err := ParseMeta(raw)
	if err != nil {
		return Prepared{}, err
	}
	return s.prepare(m, raw), nil
}

func (s *Store) prepare(m Meta, raw []byte) Prepared {
	p := Prepared{Meta: m, raw: raw, hash: itemHash(m.Type, m.ID, raw), index: indexValue(m, raw)}
	p.stored, p.dict = s.codec.compress(m.Type, raw)
	return p
}

// PutPrepared is Put of a prepared resource.
func (t *Tx) PutPrepared(p Prepared) (changed bool, err error) {
	m, raw := p.Meta, p.raw
	b := t.tx.Bucket(bResources).Bucket([]byte(m.Type))
	if b == nil {
		return false, fmt.Errorf("%w: bucket resources/%s is missing", ErrCorrupt, m.Type)
	}
	b.FillPercent = resourceFill
	id := []byte(m.ID)
	old, err := t.s.codec.expand(m.Type, id, b.Get(id))
	if err != nil {
		return false, err
	}
	if old != nil && bytes.Equal(old, raw) {
		return false, nil
	}
	if old != nil {
		om, err := ParseMeta(old)
		if err != nil {
			return false, fmt.Errorf("%w: stored %s %s: %v", ErrCorrupt, m.Type, m.ID, err)
		}
		if err := t.unindex(om); err != nil {
			return false, err
		}
		t.mix(itemHash(m.Type, m.ID, old))
	} else if err := t.count(m.Type, 1); err != nil {
		return false, err
	}
	v := p.stored
	switch {
	case v == nil:
		if v, err = t.s.codec.compact(t, m.Type, raw); err != nil {
			return false, err
		}
	case p.dict != nil:
		if err := t.haveDict(p.dict); err != nil {
			return false, err
		}
	}
	if err := b.Put(id, v); err != nil {
		return false, err
	}
	if err := t.index(m, p.index); err != nil {
		return false, err
	}
	t.mix(p.hash)
	return true, nil
}

// Delete removes a resource; it reports whether there was one.
func (t *Tx) Delete(typ, id string) (bool, error) {
	b := t.tx.Bucket(bResources).Bucket([]byte(typ))
	if b == nil {
		return false, fmt.Errorf("unknown resource type %q", typ)
	}
	old, err := t.s.codec.expand(typ, []byte(id), b.Get([]byte(id)))
	if err != nil {
		return false, err
	}
	if old == nil {
		return false, nil
	}
	om, err := ParseMeta(old)
	if err != nil {
		return false, fmt.Errorf("%w: stored %s %s: %v", ErrCorrupt, typ, id, err)
	}
	if err := t.unindex(om); err != nil {
		return false, err
	}
	t.mix(itemHash(typ, id, old))
	if err := t.count(typ, -1); err != nil {
		return false, err
	}
	return true, b.Delete([]byte(id))
}

// Get reads a resource inside the transaction. The bytes are valid until
// the transaction ends.
func (t *Tx) Get(typ, id string) ([]byte, bool, error) {
	b := t.tx.Bucket(bResources).Bucket([]byte(typ))
	if b == nil {
		return nil, false, nil
	}
	v, err := t.s.codec.expand(typ, []byte(id), b.Get([]byte(id)))
	return v, v != nil, err
}

func (t *Tx) count(typ string, delta int64) error {
	c := t.tx.Bucket(bCounts)
	n := int64(readUint(c.Get([]byte(typ)))) + delta
	if n < 0 {
		return fmt.Errorf("%w: count of %s fell below zero", ErrCorrupt, typ)
	}
	return putUint(c, []byte(typ), uint64(n))
}

// parentKey is the id the child is filed under: the parent named in its
// relationship, or for a kobject that names its klass only by link, that
// klass's id when known and a pending name key otherwise.
func (t *Tx) parentKey(m Meta) string {
	if m.Parent != "" || m.Type != "kobject" || m.KlassName == "" {
		return m.Parent
	}
	if id := t.tx.Bucket(bKlassNames).Get([]byte(m.KlassName)); id != nil {
		return string(id)
	}
	return pendingKlass(m.KlassName)
}

// index files a child under its parent; value is indexValue of it.
func (t *Tx) index(m Meta, value []byte) error {
	if m.Type == "klass" && m.KlassName != "" {
		if err := t.tx.Bucket(bKlassNames).Put([]byte(m.KlassName), []byte(m.ID)); err != nil {
			return err
		}
		if err := t.adoptPending(m); err != nil {
			return err
		}
	}
	r, ok := relationOf(m.Type)
	if !ok {
		return nil
	}
	p := t.parentKey(m)
	if p == "" {
		return nil
	}
	return t.tx.Bucket(bChildren).Bucket([]byte(r.bucket())).Put(childKey(p, m.CreatedAt, m.ID), value)
}

func (t *Tx) unindex(m Meta) error {
	if m.Type == "klass" && m.KlassName != "" {
		names := t.tx.Bucket(bKlassNames)
		if string(names.Get([]byte(m.KlassName))) == m.ID {
			if err := names.Delete([]byte(m.KlassName)); err != nil {
				return err
			}
		}
	}
	r, ok := relationOf(m.Type)
	if !ok {
		return nil
	}
	p := t.parentKey(m)
	if p == "" {
		return nil
	}
	return t.tx.Bucket(bChildren).Bucket([]byte(r.bucket())).Delete(childKey(p, m.CreatedAt, m.ID))
}

// adoptPending files kobjects that arrived before their klass (named by
// link only) under the klass's id.
func (t *Tx) adoptPending(k Meta) error {
	b := t.tx.Bucket(bChildren).Bucket([]byte("klass.kobject"))
	prefix := append([]byte(pendingKlass(k.KlassName)), 0)
	var moved [][]byte
	c := b.Cursor()
	for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
		moved = append(moved, bytes.Clone(key))
	}
	for _, key := range moved {
		if err := b.Delete(key); err != nil {
			return err
		}
		nk := append(append([]byte(k.ID), 0), key[len(prefix):]...)
		if err := b.Put(nk, nil); err != nil {
			return err
		}
	}
	return nil
}

func knownType(typ string) error {
	if !record.KnownType(typ) {
		return fmt.Errorf("unknown resource type %q (known: %s)", typ, strings.Join(record.Types, ", "))
	}
	return nil
}

// Get returns one resource's JSON, or ok false when the snapshot does not
// hold it.
func (s *Store) Get(typ, id string) (raw []byte, ok bool, err error) {
	if err := knownType(typ); err != nil {
		return nil, false, err
	}
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bResources).Bucket([]byte(typ)).Get([]byte(id))
		if v == nil {
			return nil
		}
		x, err := s.codec.expand(typ, []byte(id), v)
		if err != nil {
			return err
		}
		if len(x) > 0 && &x[0] == &v[0] {
			x = bytes.Clone(v)
		}
		raw, ok = x, true
		return nil
	})
	return raw, ok, err
}

// ForEach calls fn for every resource of a type, in id order, inside one
// read transaction: nothing is loaded ahead, so memory does not grow with
// the type. raw is valid only until fn returns (copy it to keep it), and
// fn must not write to the store. An error from fn stops the walk and is
// returned.
func (s *Store) ForEach(typ string, fn func(id string, raw []byte) error) error {
	if err := knownType(typ); err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bResources).Bucket([]byte(typ)).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := s.call(fn, typ, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Missing returns the ids of ids that the snapshot does not hold as
// resources of typ, in one read.
func (s *Store) Missing(typ string, ids []string) ([]string, error) {
	if err := knownType(typ); err != nil {
		return nil, err
	}
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bResources).Bucket([]byte(typ))
		for _, id := range ids {
			if b.Get([]byte(id)) == nil {
				out = append(out, id)
			}
		}
		return nil
	})
	return out, err
}

// ForEachAfter is ForEach over at most limit resources (limit ≤ 0: all)
// whose ids sort after after ("" from the first). Walking a type in
// chunks this way holds no transaction between chunks, so the caller may
// write in between.
func (s *Store) ForEachAfter(typ, after string, limit int, fn func(id string, raw []byte) error) error {
	if err := knownType(typ); err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bResources).Bucket([]byte(typ)).Cursor()
		k, v := c.First()
		if after != "" {
			k, v = c.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for n := 0; k != nil && (limit <= 0 || n < limit); k, v = c.Next() {
			if err := s.call(fn, typ, k, v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
}

// ForEachChild calls fn for the children of one parent in (createdAt, id)
// order: the messages or notes of a conversation, the attachments of a
// message, the kobjects of a klass. Like ForEach it streams, raw is valid
// only until fn returns, and fn must not write to the store.
func (s *Store) ForEachChild(parentType, parentID, childType string, fn func(id string, raw []byte) error) error {
	r, ok := relationOf(childType)
	if !ok || r.parent != parentType {
		var known []string
		for _, r := range relations {
			known = append(known, r.parent+" → "+r.child)
		}
		return fmt.Errorf("no %s → %s index (indexed: %s)", parentType, childType, strings.Join(known, ", "))
	}
	if parentID == "" || strings.ContainsRune(parentID, 0) {
		return nil
	}
	return s.view(func(tx *bolt.Tx) error {
		res := tx.Bucket(bResources).Bucket([]byte(childType))
		c := tx.Bucket(bChildren).Bucket([]byte(r.bucket())).Cursor()
		prefix := append([]byte(parentID), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) < len(prefix)+8 {
				return fmt.Errorf("%w: index key %q in children/%s is too short", ErrCorrupt, k, r.bucket())
			}
			id := k[len(prefix)+8:]
			v := res.Get(id)
			if v == nil {
				return fmt.Errorf("%w: children/%s lists %s %s, which is not stored", ErrCorrupt, r.bucket(), childType, id)
			}
			if err := s.call(fn, childType, id, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountChildren counts a parent's children from the index alone, without
// reading them.
func (s *Store) CountChildren(parentType, parentID, childType string) (int, error) {
	r, ok := relationOf(childType)
	if !ok || r.parent != parentType {
		return 0, fmt.Errorf("no %s → %s index", parentType, childType)
	}
	n := 0
	if parentID == "" || strings.ContainsRune(parentID, 0) {
		return 0, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bChildren).Bucket([]byte(r.bucket())).Cursor()
		prefix := append([]byte(parentID), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// Count returns the number of resources of a type. It is kept on every
// write, so it costs one lookup.
func (s *Store) Count(typ string) (n int, err error) {
	if err := knownType(typ); err != nil {
		return 0, err
	}
	err = s.view(func(tx *bolt.Tx) error {
		v := readUint(tx.Bucket(bCounts).Get([]byte(typ)))
		if v > math.MaxInt32*1024 {
			return fmt.Errorf("%w: count of %s is %d", ErrCorrupt, typ, v)
		}
		n = int(v)
		return nil
	})
	return n, err
}

// Counts returns the number of resources of every type.
func (s *Store) Counts() (map[string]int, error) {
	out := map[string]int{}
	for _, typ := range record.Types {
		n, err := s.Count(typ)
		if err != nil {
			return nil, err
		}
		out[typ] = n
	}
	return out, nil
}

// SetOrg records the Kustomer org the snapshot holds.
func (t *Tx) SetOrg(org string) error {
	return t.tx.Bucket(bMeta).Put(kOrg, []byte(org))
}

// Verify reads the whole snapshot and checks it against what the writes
// recorded: the digest, the counts and the child indexes. bbolt keeps no
// checksums of its pages, so this is how damage inside a value (a flipped
// byte in a message body) is found. It costs one pass over the file.
func (s *Store) Verify() error {
	return s.view(func(tx *bolt.Tx) error {
		var digest [32]byte
		mix := func(h [32]byte) {
			for i := range digest {
				digest[i] ^= h[i]
			}
		}
		res := tx.Bucket(bResources)
		kids := tx.Bucket(bChildren)
		t := &Tx{tx: tx}
		for _, typ := range record.Types {
			n := uint64(0)
			rel, isChild := relationOf(typ)
			err := res.Bucket([]byte(typ)).ForEach(func(k, v []byte) error {
				n++
				v, err := s.codec.expand(typ, k, v)
				if err != nil {
					return err
				}
				m, err := ParseMeta(v)
				if err != nil || m.Type != typ || m.ID != string(k) {
					return fmt.Errorf("%w: resources/%s/%s does not parse as that resource", ErrCorrupt, typ, k)
				}
				mix(itemHash(typ, m.ID, v))
				if p := t.parentKey(m); isChild && p != "" {
					key := childKey(p, m.CreatedAt, m.ID)
					got, gv := kids.Bucket([]byte(rel.bucket())).Cursor().Seek(key)
					if !bytes.Equal(got, key) {
						return fmt.Errorf("%w: %s %s is missing from children/%s", ErrCorrupt, typ, k, rel.bucket())
					}
					if len(gv) > 0 && !bytes.Equal(gv, indexValue(m, v)) {
						return fmt.Errorf("%w: the entry of %s %s in children/%s names other attachments than the %s does", ErrCorrupt, typ, k, rel.bucket(), typ)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if want := readUint(tx.Bucket(bCounts).Get([]byte(typ))); want != n {
				return fmt.Errorf("%w: %d %s resources stored, the count says %d", ErrCorrupt, n, typ, want)
			}
		}
		for _, r := range relations {
			children := res.Bucket([]byte(r.child))
			err := kids.Bucket([]byte(r.bucket())).ForEach(func(k, _ []byte) error {
				i := bytes.IndexByte(k, 0)
				if i < 0 || len(k) < i+1+8 || children.Get(k[i+1+8:]) == nil {
					return fmt.Errorf("%w: children/%s has a stray key %q", ErrCorrupt, r.bucket(), k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		err := tx.Bucket(bFiles).ForEach(func(k, v []byte) error {
			var f File
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("%w: file state %s: %v", ErrCorrupt, k, err)
			}
			mix(itemHash("file", string(k), fileContent(f)))
			return nil
		})
		if err != nil {
			return err
		}
		if mb := tx.Bucket(bMetadata); mb != nil {
			if err := mb.ForEach(func(k, v []byte) error { mix(itemHash("metadata", string(k), v)); return nil }); err != nil {
				return err
			}
		}
		stored := tx.Bucket(bMeta).Get(kDigest)
		if len(stored) == 0 {
			stored = make([]byte, 32)
		}
		if !bytes.Equal(stored, digest[:]) {
			return fmt.Errorf("%w: the content does not match its digest: a value was changed outside kzmap or the file is damaged", ErrCorrupt)
		}
		return nil
	})
}
