package checkpoint

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// A migration brings the layout from version i to i+1; migrations[i] is
// that step. Steps run in order inside one transaction, so a store is
// either fully migrated or untouched.
type migration func(tx *bolt.Tx) error

var migrations = []migration{
	// 0 → 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bMeta, bRecords, bAliases, bInflight, bBatches, bDead, bRuns} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
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
	if err != nil {
		return 0, fmt.Errorf("schema version %q is not a number: the store is damaged", v)
	}
	return n, nil
}

// migrate runs the steps a store needs. A store newer than the steps known
// is refused rather than guessed at.
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
		if err := tx.Bucket(bMeta).Put(kVersion, []byte(strconv.Itoa(i+1))); err != nil {
			return err
		}
	}
	return nil
}
