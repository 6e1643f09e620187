package snapshot

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/kzmap/kzmap/record"
)

// SchemaVersion is the bucket layout this build writes.
const SchemaVersion = 1

// A migration brings the layout from version i to i+1; migrations[i] is
// that step. Steps run in order inside one transaction, so a snapshot is
// either fully migrated or untouched. A new layout appends a step; steps
// are never edited once released.
type migration func(tx *bolt.Tx) error

var migrations = []migration{
	// 0 → 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bMeta, bCounts, bResources, bChildren, bKlassNames, bCursors, bRuns, bFiles} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		res := tx.Bucket(bResources)
		for _, typ := range record.Types {
			if _, err := res.CreateBucketIfNotExists([]byte(typ)); err != nil {
				return err
			}
		}
		kids := tx.Bucket(bChildren)
		for _, rel := range relations {
			if _, err := kids.CreateBucketIfNotExists([]byte(rel.bucket())); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if meta.Get(kLineage) == nil {
			if err := meta.Put(kLineage, []byte(newID())); err != nil {
				return err
			}
		}
		return nil
	},
}

func version(meta *bolt.Bucket) (int, error) {
	v := meta.Get(kVersion)
	if v == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: schema version %q is not a number", ErrCorrupt, v)
	}
	return n, nil
}

// migrate runs the steps a snapshot needs. A snapshot newer than the steps
// known is refused rather than guessed at.
func migrate(tx *bolt.Tx, steps []migration) error {
	cur := 0
	if meta := tx.Bucket(bMeta); meta != nil {
		v, err := version(meta)
		if err != nil {
			return err
		}
		cur = v
	}
	if cur > len(steps) {
		return fmt.Errorf("schema version %d is newer than this kzmap understands (%d); use a newer kzmap", cur, len(steps))
	}
	for i := cur; i < len(steps); i++ {
		if err := steps[i](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", i, i+1, err)
		}
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return fmt.Errorf("migrate schema %d to %d: no meta bucket", i, i+1)
		}
		if err := meta.Put(kVersion, []byte(strconv.Itoa(i+1))); err != nil {
			return err
		}
	}
	return nil
}
