package checkpoint

import (
	bolt "go.etcd.io/bbolt"

	"github.com/kzmap/kzmap/boltfile"
)

// boltBackend keeps the checkpoint in a bbolt file (the local backend).
type boltBackend struct{ db *boltfile.DB }

func (b boltBackend) view(fn func(txn) error) error {
	return b.db.View(func(tx *bolt.Tx) error { return fn(boltTxn{tx}) })
}

func (b boltBackend) read(fn func(txn) error) error { return b.view(fn) }

func (b boltBackend) update(fn func(txn) error) error {
	return b.db.Update(func(tx *bolt.Tx) error { return fn(boltTxn{tx}) })
}

func (boltBackend) call(fn func() error) error { return boltfile.Call(fn) }

func (b boltBackend) close() error { return b.db.Close() }

type boltTxn struct{ tx *bolt.Tx }

// bucket is the bucket of a table's group; nil when a group was never
// written and create is false.
func (t boltTxn) bucket(tb table, grp string, create bool) (*bolt.Bucket, error) {
	top := t.tx.Bucket([]byte(tables[tb].name))
	if !tables[tb].grouped {
		return top, nil
	}
	if b := top.Bucket([]byte(grp)); b != nil || !create {
		return b, nil
	}
	return top.CreateBucket([]byte(grp))
}

func (t boltTxn) get(tb table, grp, key string) ([]byte, error) {
	b, err := t.bucket(tb, grp, false)
	if b == nil || err != nil {
		return nil, err
	}
	return b.Get([]byte(key)), nil
}

func (t boltTxn) put(tb table, grp, key string, v []byte) error {
	b, err := t.bucket(tb, grp, true)
	if err != nil {
		return err
	}
	if tables[tb].inOrder {
		b.FillPercent = 0.95
	}
	return b.Put([]byte(key), v)
}

func (t boltTxn) del(tb table, grp, key string) error {
	b, err := t.bucket(tb, grp, false)
	if b == nil || err != nil {
		return err
	}
	return b.Delete([]byte(key))
}

func (t boltTxn) each(tb table, grp string, fn func(string, []byte) error) error {
	b, err := t.bucket(tb, grp, false)
	if b == nil || err != nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

func (t boltTxn) groups(tb table, fn func(string) error) error {
	return t.tx.Bucket([]byte(tables[tb].name)).ForEachBucket(func(k []byte) error { return fn(string(k)) })
}

func (t boltTxn) count(tb table, grp string) (int, error) {
	b, err := t.bucket(tb, grp, false)
	if b == nil || err != nil {
		return 0, err
	}
	return b.Stats().KeyN, nil
}
