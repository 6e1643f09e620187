package boltfile

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// A Step brings a store's bucket layout from version i to i+1; a store's
// steps are listed in order, appended to and never edited once released.
type Step func(tx *bolt.Tx) error

// Version reads the schema version kept in meta under key (0 when absent).
// A value that is not a number is an error wrapping ErrDamaged.
func Version(meta *bolt.Bucket, key []byte) (int, error) {
	v := meta.Get(key)
	if v == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: schema version %q is not a number", ErrDamaged, v)
	}
	return n, nil
}

// Migrate runs the steps a store needs, inside the caller's transaction so
// a store is either fully migrated or untouched, recording each version
// reached in the meta bucket. A store newer than the steps known is refused
// rather than guessed at. version reads the current version (each store
// wraps Version with its own error).
func Migrate(tx *bolt.Tx, meta, key []byte, steps []Step, version func(*bolt.Bucket) (int, error)) error {
	cur := 0
	if b := tx.Bucket(meta); b != nil {
		v, err := version(b)
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
		b := tx.Bucket(meta)
		if b == nil {
			return fmt.Errorf("migrate schema %d to %d: no meta bucket", i, i+1)
		}
		if err := b.Put(key, []byte(strconv.Itoa(i+1))); err != nil {
			return err
		}
	}
	return nil
}
