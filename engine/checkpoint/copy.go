package checkpoint

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// ErrOtherLineage is wrapped by Copy's refusal to overwrite a checkpoint
// of another migration.
var ErrOtherLineage = errors.New("the target holds another checkpoint")

// Copied is what Copy moved: the keys of each collection, and a digest of
// every key and value, the same on both sides.
type Copied struct {
	Counts map[string]int `json:"counts"` // by collection ("records/ticket", "runs", ...)
	Digest string         `json:"digest"`
	Serial uint64         `json:"serial"`
}

// Copy copies src, whole, into dst (state migrate), both open for writing
// so no one else writes either while it runs, in one transaction of dst,
// then checks that dst holds what src holds (counts by collection and a
// digest of every key and value) and marks src as moved to dst, so a
// writer that still points at src is refused.
//
// dst must be new (nothing applied: serial 0) or an earlier copy of the
// same lineage at a serial no newer than src's; a checkpoint of another
// migration is never overwritten.
func Copy(dst, src *Store) (Copied, error) {
	var none Copied
	if dst.readOnly || src.readOnly {
		return none, errors.New("state migrate: both checkpoints must be open for writing")
	}
	srcSerial, err := src.Serial()
	if err != nil {
		return none, err
	}
	dstSerial, err := dst.Serial()
	if err != nil {
		return none, err
	}
	switch {
	case dstSerial == 0:
	case dst.lineage != src.lineage:
		return none, fmt.Errorf("%w: %s has lineage %s at serial %d, %s has lineage %s: they are two migrations, and copying would lose the target's. Migrate to an empty workspace (another workspace name) or remove the target on purpose first",
			ErrOtherLineage, dst.where, dst.lineage, dstSerial, src.where, src.lineage)
	case dstSerial > srcSerial:
		return none, fmt.Errorf("%s is newer (serial %d) than %s (serial %d): it was written after the last copy, so copy the other way", dst.where, dstSerial, src.where, srcSerial)
	}
	want, err := survey(src)
	if err != nil {
		return none, err
	}
	err = dst.kv.update(func(w txn) error {
		if err := clearAll(w); err != nil {
			return err
		}
		return src.kv.view(func(r txn) error {
			return walk(r, func(t table, grp, key string, v []byte) error {
				if t == tMeta && !copiedMeta(key) {
					return nil
				}
				return w.put(t, grp, key, v)
			})
		})
	})
	if err != nil {
		return none, fmt.Errorf("copying %s to %s: %w", src.where, dst.where, err)
	}
	dst.lineage = src.lineage
	got, err := survey(dst)
	if err != nil {
		return none, err
	}
	if got.Digest != want.Digest || fmt.Sprint(got.Counts) != fmt.Sprint(want.Counts) {
		return none, fmt.Errorf("the copy in %s differs from %s (counts %v, want %v): nothing was marked moved; run state migrate again", dst.where, src.where, got.Counts, want.Counts)
	}
	err = src.kv.update(func(tx txn) error { return tx.put(tMeta, "", kMoved, []byte(dst.kindName()+": "+dst.where)) })
	return got, err
}

// copiedMeta says which settings travel with a checkpoint: all but the
// schema version (each backend has its own) and the moved mark.
func copiedMeta(key string) bool { return key != kVersion && key != kMoved }

// clearAll removes every key of a checkpoint but its schema version.
func clearAll(tx txn) error {
	type k struct {
		t        table
		grp, key string
	}
	var keys []k
	err := walk(tx, func(t table, grp, key string, _ []byte) error {
		if t != tMeta || key != kVersion {
			keys = append(keys, k{t, grp, key})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, x := range keys {
		if err := tx.del(x.t, x.grp, x.key); err != nil {
			return err
		}
	}
	return nil
}

// walk calls fn for every key of every collection, in order.
func walk(tx txn, fn func(t table, grp, key string, v []byte) error) error {
	for t := range table(nTables) {
		if !tables[t].grouped {
			if err := tx.each(t, "", func(key string, v []byte) error { return fn(t, "", key, v) }); err != nil {
				return err
			}
			continue
		}
		var grps []string
		if err := tx.groups(t, func(g string) error { grps = append(grps, g); return nil }); err != nil {
			return err
		}
		for _, g := range grps {
			if err := tx.each(t, g, func(key string, v []byte) error { return fn(t, g, key, v) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// survey counts a checkpoint's keys by collection and digests them (the
// copied ones: every key but the schema version and the moved mark).
func survey(s *Store) (Copied, error) {
	c := Copied{Counts: map[string]int{}}
	h := sha256.New()
	err := s.kv.view(func(tx txn) error {
		return walk(tx, func(t table, grp, key string, v []byte) error {
			if t == tMeta && !copiedMeta(key) {
				return nil
			}
			name := tables[t].name
			if grp != "" {
				name += "/" + grp
			}
			c.Counts[name]++
			for _, part := range [][]byte{{byte(t)}, []byte(grp), []byte(key), v} {
				writeLen(h, len(part))
				h.Write(part)
			}
			return nil
		})
	})
	if err != nil {
		return c, err
	}
	c.Digest = fmt.Sprintf("%x", h.Sum(nil))
	c.Serial, err = s.Serial()
	return c, err
}

func writeLen(h hash.Hash, n int) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}
