package extract

import (
	"encoding/json"
	"fmt"

	"github.com/kzmap/kzmap/snapshot"
)

// write stores a page of resources and the cursors that follow it in one
// transaction. It returns how many resources were new or changed. Each
// resource moves its type's high-water mark, and a changed conversation,
// message or note marks its conversation for the thread check.
func (e *engine) write(raws []json.RawMessage, cursors map[string]snapshot.Cursor, also func(tx *snapshot.Tx) error) (int, error) {
	return e.writeMarked(raws, cursors, also, true)
}

// written is what one write transaction learnt, kept apart so that a retried
// transaction starts from nothing.
type written struct {
	changed map[string]int
	records int
	hwm     map[string]snapshot.Meta
}

func (e *engine) writeMarked(raws []json.RawMessage, cursors map[string]snapshot.Cursor, also func(tx *snapshot.Tx) error, mark bool) (int, error) {
	// Each record's meta, hash and compressed value are worked out here,
	// on the caller's goroutine, so that the lanes do it side by side:
	// inside the transaction it was the one writer's work.
	prepared := make([]snapshot.Prepared, len(raws))
	for i, raw := range raws {
		var err error
		if prepared[i], err = e.store.Prepare(raw); err != nil {
			return 0, fmt.Errorf("the API sent a resource kzmap cannot store: %w", err)
		}
	}
	var p written
	err := e.store.Batch(func(tx *snapshot.Tx) error {
		p = written{changed: map[string]int{}, hwm: map[string]snapshot.Meta{}}
		if err := e.put(tx, prepared, &p, mark); err != nil {
			return err
		}
		if err := e.moveMarks(tx, p.hwm); err != nil {
			return err
		}
		for k, c := range cursors {
			c.Run = e.run.ID
			if err := tx.SetCursor(k, c); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	e.mu.Lock()
	for t, c := range p.changed {
		e.written[t] += c
		n += c
	}
	e.mu.Unlock()
	e.prog.Records(p.records)
	return n, nil
}

// put stores each resource, notes the newest of each type and, when mark is
// set, queues the conversation of every changed resource for its check.
func (e *engine) put(tx *snapshot.Tx, prepared []snapshot.Prepared, p *written, mark bool) error {
	for _, r := range prepared {
		m := r.Meta
		ch, err := tx.PutPrepared(r)
		if err != nil {
			return err
		}
		if m.Type != "attachment" {
			p.records++ // attachment records ride along; their files are counted
		}
		if h, ok := p.hwm[m.Type]; !ok || after(m, h) {
			p.hwm[m.Type] = m
		}
		if !ch {
			continue
		}
		p.changed[m.Type]++
		conv := ""
		switch m.Type {
		case "conversation":
			conv = m.ID
		case "message", "note":
			conv = m.Parent
		}
		if conv != "" && mark {
			if err := tx.SetCursor(checkKey(conv), snapshot.Cursor{Run: e.run.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveMarks advances each type's high-water mark; a mark never moves back.
func (e *engine) moveMarks(tx *snapshot.Tx, hwm map[string]snapshot.Meta) error {
	for typ, m := range hwm {
		key := hwmPrefix + typ
		c, ok, err := tx.Cursor(key)
		if err != nil {
			return err
		}
		if ok && !after(m, snapshot.Meta{UpdatedAt: c.UpdatedAt, ID: c.ID}) {
			continue
		}
		if err := tx.SetCursor(key, snapshot.Cursor{UpdatedAt: m.UpdatedAt, ID: m.ID, Run: e.run.ID}); err != nil {
			return err
		}
	}
	return nil
}

// after orders by (updatedAt, id).
func after(a, b snapshot.Meta) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.After(b.UpdatedAt)
	}
	return a.ID > b.ID
}

func checkKey(conv string) string { return runPrefix + "check/" + conv }
