package engine

import (
	"context"

	"github.com/kzmap/kzmap/record"
)

// Reading ahead. Walking the snapshot and decoding its JSON take about
// half of a plan's time and need nothing the mapping computes, so the
// generator's record loops read and decode on a second goroutine, a few
// hundred records ahead, while the mapping is evaluated on the caller's,
// in order. A plan (and apply, and verify, which run the same generator)
// uses two cores, and what it emits is the same, in the same order: every
// hazard, count and decision stays on the caller's goroutine.

// source is one resource read ahead: decoded, with the children its
// walk asked for.
type source struct {
	id  string
	rec any
	err error // the resource could not be decoded
	// kids holds, for each child type asked for (in that order), the
	// children in the snapshot's order.
	kids [][]kid
}

// kid is one child resource read ahead (a message or a note).
type kid struct {
	id  string
	rec any
	err error
}

// aheadBatch is how many resources go to the caller at a time, and
// aheadBatches how many batches may wait: enough to keep both goroutines
// busy, few enough that a conversation's messages are all that is held.
const (
	aheadBatch   = 32
	aheadBatches = 4
)

// readAhead calls fn for every resource of typ, in id order, decoded,
// with its children of each of childTypes (repeated when two mappings read
// the same children: each gets records of its own). fn runs on the
// caller's goroutine; the snapshot is read on another, which must
// therefore be safe for concurrent use (snapshot.Store and DirSnapshot
// are). An error from fn, from the snapshot or of ctx ends the walk.
func (g *Generator) readAhead(ctx context.Context, typ string, childTypes []string, fn func(*source) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*source, aheadBatches)
	read := make(chan error, 1)
	go func() {
		defer close(batches)
		read <- g.readInto(ctx, typ, childTypes, batches)
	}()
	for batch := range batches {
		for _, s := range batch {
			err := ctx.Err()
			if err == nil {
				err = fn(s)
			}
			if err != nil {
				cancel()
				for range batches { // let the reader see the cancel and end
				}
				<-read
				return err
			}
		}
	}
	return <-read
}

// readInto is readAhead's reader: it decodes each resource of typ and
// its children and sends them on in batches.
func (g *Generator) readInto(ctx context.Context, typ string, childTypes []string, batches chan<- []*source) error {
	send := func(b []*source) error {
		select {
		case batches <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	batch := make([]*source, 0, aheadBatch)
	err := g.snap.ForEach(typ, func(id string, raw []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := &source{id: id}
		s.rec, s.err = record.DecodeJSON(raw)
		if len(childTypes) > 0 {
			s.kids = make([][]kid, len(childTypes))
		}
		for i, ct := range childTypes {
			err := g.snap.ForEachChild(typ, id, ct, func(cid string, craw []byte) error {
				c := kid{id: cid}
				c.rec, c.err = record.DecodeJSON(craw)
				s.kids[i] = append(s.kids[i], c)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if batch = append(batch, s); len(batch) == aheadBatch {
			if err := send(batch); err != nil {
				return err
			}
			batch = make([]*source, 0, aheadBatch)
		}
		return nil
	})
	// What was read before a failure still goes to the caller, as it
	// would have without reading ahead.
	if len(batch) > 0 && ctx.Err() == nil {
		if serr := send(batch); err == nil {
			err = serr
		}
	}
	return err
}
