package snapshot

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Cursor is where one stream of requests stopped. A stream is a sequence
// of requests whose results the extractor writes page by page (a list, a
// time window of a search, the per-conversation lists of a type); the
// cursor is written in the same transaction as the page it follows, so
// after a crash the stream continues from the first page not written.
type Cursor struct {
	// UpdatedAt and ID are the keyset position: the last record written,
	// in (updatedAt, id) order. Identical updatedAt values are told apart
	// by the id, so none is skipped or read twice.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	ID        string    `json:"id,omitempty"`
	// Page is the last page written, for paged lists.
	Page int `json:"page,omitempty"`
	// From and To bound a window of updatedAt: From ≤ updatedAt < To; zero
	// means unbounded.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Total is what the server reported for the stream (meta.total), and
	// Read how many records the stream has written.
	Total int `json:"total,omitempty"`
	Read  int `json:"read,omitempty"`
	// Requests spent on the stream so far.
	Requests int `json:"requests,omitempty"`
	// Mode says how the stream is read (the extractor's choice of
	// endpoint), so a resumed run reads it the same way.
	Mode string `json:"mode,omitempty"`
	Done bool   `json:"done,omitempty"`
	// Run is the run that last wrote the cursor.
	Run uint64 `json:"run,omitempty"`
}

// SetCursor records a stream's position.
func (t *Tx) SetCursor(stream string, c Cursor) error {
	if stream == "" {
		return fmt.Errorf("cursor: empty stream name")
	}
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bCursors).Put([]byte(stream), v)
}

// Cursor reads a stream's position inside the transaction.
func (t *Tx) Cursor(stream string) (Cursor, bool, error) {
	return readCursor(t.tx, stream)
}

// DeleteCursor removes one stream's cursor.
func (t *Tx) DeleteCursor(stream string) error {
	return t.tx.Bucket(bCursors).Delete([]byte(stream))
}

// DeleteCursors removes every cursor whose stream name starts with prefix.
func (t *Tx) DeleteCursors(prefix string) error {
	b := t.tx.Bucket(bCursors)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func readCursor(tx *bolt.Tx, stream string) (Cursor, bool, error) {
	var c Cursor
	v := tx.Bucket(bCursors).Get([]byte(stream))
	if v == nil {
		return c, false, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, false, fmt.Errorf("%w: cursor %q: %v", ErrCorrupt, stream, err)
	}
	return c, true, nil
}

// Cursor returns a stream's position, or ok false when the stream has none.
func (s *Store) Cursor(stream string) (c Cursor, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		c, ok, err = readCursor(tx, stream)
		return err
	})
	return c, ok, err
}

// Cursors calls fn for every cursor whose stream name starts with prefix,
// in name order.
func (s *Store) Cursors(prefix string, fn func(stream string, c Cursor) error) error {
	type kv struct {
		k string
		c Cursor
	}
	var all []kv
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCursors).Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
			var cur Cursor
			if err := json.Unmarshal(v, &cur); err != nil {
				return fmt.Errorf("%w: cursor %q: %v", ErrCorrupt, k, err)
			}
			all = append(all, kv{string(k), cur})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// fn runs outside the transaction, so it may write.
	for _, e := range all {
		if err := fn(e.k, e.c); err != nil {
			return err
		}
	}
	return nil
}

// Named is a cursor with its stream name.
type Named struct {
	Stream string
	Cursor
}

// CursorsAfter returns up to limit cursors whose names start with prefix
// and sort after the name after ("" from the first), in name order. It
// reads in one short transaction, so a caller can page through millions
// of cursors while writing.
func (s *Store) CursorsAfter(prefix, after string, limit int) ([]Named, error) {
	var out []Named
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCursors).Cursor()
		k, v := c.Seek([]byte(prefix))
		if after != "" {
			k, v = c.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, []byte(prefix)) && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			var cur Cursor
			if err := json.Unmarshal(v, &cur); err != nil {
				return fmt.Errorf("%w: cursor %q: %v", ErrCorrupt, k, err)
			}
			out = append(out, Named{string(k), cur})
		}
		return nil
	})
	return out, err
}

// Run is one extraction.
type Run struct {
	ID uint64 `json:"id"`
	// Mode is "full" (no earlier complete run to start from) or
	// "incremental" (only what changed since the cursors, with an overlap).
	Mode   string `json:"mode"`
	Status string `json:"status"` // running, complete, failed, interrupted
	// Resumed counts the times an interrupted run was continued.
	Resumed  int       `json:"resumed,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// ServerTime is the API's clock when the run started (the Date of its
	// first answer): "now" for the two-year search window, and where the
	// next incremental run starts from.
	ServerTime time.Time `json:"server_time,omitzero"`
	Since      time.Time `json:"since,omitzero"`
	Until      time.Time `json:"until,omitzero"`
	Only       []string  `json:"only,omitempty"`
	Error      string    `json:"error,omitempty"`
	// Report is the extractor's account of the run (plan, requests,
	// reconciliation), kept for audit and for the next run.
	Report json.RawMessage `json:"report,omitempty"`
}

func runKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// BeginRun records a new run and returns it with its id.
func (s *Store) BeginRun(r Run) (Run, error) {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRuns)
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.ID = id
		return putRun(b, r)
	})
	return r, err
}

// SaveRun updates a run.
func (s *Store) SaveRun(r Run) error {
	if r.ID == 0 {
		return fmt.Errorf("save run: no id")
	}
	return s.update(func(tx *bolt.Tx) error { return putRun(tx.Bucket(bRuns), r) })
}

// SaveRun updates a run inside the transaction.
func (t *Tx) SaveRun(r Run) error {
	if r.ID == 0 {
		return fmt.Errorf("save run: no id")
	}
	return putRun(t.tx.Bucket(bRuns), r)
}

func putRun(b *bolt.Bucket, r Run) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put(runKey(r.ID), v)
}

// LastRun returns the most recent run.
func (s *Store) LastRun() (r Run, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bRuns).Cursor().Last()
		if k == nil {
			return nil
		}
		ok = true
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("%w: run %x: %v", ErrCorrupt, k, err)
		}
		return nil
	})
	return r, ok, err
}

// LastComplete returns the most recent run that finished complete.
func (s *Store) LastComplete() (r Run, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bRuns).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var run Run
			if err := json.Unmarshal(v, &run); err != nil {
				return fmt.Errorf("%w: run %x: %v", ErrCorrupt, k, err)
			}
			if run.Status == "complete" {
				r, ok = run, true
				return nil
			}
		}
		return nil
	})
	return r, ok, err
}

// Runs returns every run, oldest first.
func (s *Store) Runs() ([]Run, error) {
	var out []Run
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bRuns).ForEach(func(k, v []byte) error {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("%w: run %x: %v", ErrCorrupt, k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}
