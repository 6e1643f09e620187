package checkpoint

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kzmap/kzmap/boltfile"
)

// A migration brings the layout from version i to i+1; migrations[i] is
// that step. Steps run in order inside one transaction, so a store is
// either fully migrated or untouched.
type migration = boltfile.Step

var migrations = []migration{
	// 0 → 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bMeta, bRecords, bAliases, bInflight, bBatches, bDead, bRuns} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil // the lineage is boltfile's (Spec.Lineage)
	},
}

func version(meta *bolt.Bucket) (int, error) {
	n, err := boltfile.Version(meta, []byte(kVersion))
	if err != nil {
		return 0, fmt.Errorf("%w: the store is damaged", err)
	}
	return n, nil
}

// migrate runs the steps a store needs (boltfile.Migrate).
func migrate(tx *bolt.Tx, steps []migration) error {
	return boltfile.Migrate(tx, bMeta, []byte(kVersion), steps, version)
}
