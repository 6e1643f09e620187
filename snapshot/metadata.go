package snapshot

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Kustomer's custom attribute metadata (GET /v1/metadata/{resource}), kept
// as Kustomer gave it, one document per resource, and counted in the
// digest: a plan made before the metadata changed is stale.

// SetMetadata records a resource's custom attribute metadata.
func (t *Tx) SetMetadata(resource string, raw []byte) error {
	if resource == "" {
		return fmt.Errorf("metadata: no resource")
	}
	b := t.tx.Bucket(bMetadata)
	if old := b.Get([]byte(resource)); old != nil {
		if bytes.Equal(old, raw) {
			return nil
		}
		t.mix(itemHash("metadata", resource, old))
	}
	t.mix(itemHash("metadata", resource, raw))
	return b.Put([]byte(resource), raw)
}

// Metadata returns a resource's custom attribute metadata, if extracted.
func (s *Store) Metadata(resource string) (raw []byte, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMetadata)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(resource)); v != nil {
			raw, ok = bytes.Clone(v), true
		}
		return nil
	})
	return raw, ok, err
}
