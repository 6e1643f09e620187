package snapshot

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kzmap/kzmap/boltfile"

	"github.com/kzmap/kzmap/record"
)

// SchemaVersion is the bucket layout this build writes.
const SchemaVersion = 4

// A migration brings the layout from version i to i+1; migrations[i] is
// that step. Steps run in order inside one transaction, so a snapshot is
// either fully migrated or untouched. A new layout appends a step; steps
// are never edited once released.
type migration = boltfile.Step

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
		return nil // the lineage is boltfile's (Spec.Lineage)
	},
	// 1 → 2: Kustomer's custom attribute metadata, by resource.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bMetadata)
		return err
	},
	// 2 → 3: the knowledge base's types.
	func(tx *bolt.Tx) error {
		res := tx.Bucket(bResources)
		for _, typ := range []string{"kb_category", "kb_article", "media"} {
			if _, err := res.CreateBucketIfNotExists([]byte(typ)); err != nil {
				return err
			}
		}
		return nil
	},
	// 3 → 4: compression dictionaries (compress.go). Values stored before
	// stay as they are: a value that is not compressed is read as JSON.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bDicts)
		return err
	},
}

func version(meta *bolt.Bucket) (int, error) {
	n, err := boltfile.Version(meta, kVersion)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, nil
}

// migrate runs the steps a store needs (boltfile.Migrate).
func migrate(tx *bolt.Tx, steps []migration) error {
	return boltfile.Migrate(tx, bMeta, kVersion, steps, version)
}
