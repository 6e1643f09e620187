package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kzmap/kzmap/record"
)

// countingSnap serves n conversations of kids messages each, counts what
// it was asked for, and fails a child walk at failAt (1-based) when set.
type countingSnap struct {
	n, kids   int
	failAt    int
	malformed int // this conversation's second message is not JSON
	read      atomic.Int64
	walking   atomic.Bool
}

var errSnap = errors.New("snapshot: the disk went away")

func (s *countingSnap) ForEach(typ string, fn func(id string, raw []byte) error) error {
	s.walking.Store(true)
	defer s.walking.Store(false)
	for i := 1; i <= s.n; i++ {
		s.read.Add(1)
		id := fmt.Sprintf("c%05d", i)
		raw := fmt.Appendf(nil, `{"type":"conversation","id":%q,"attributes":{"name":"Order %d","createdAt":"2024-03-01T09:00:00.000Z"}}`, id, i)
		if err := fn(id, raw); err != nil {
			return err
		}
	}
	return nil
}

func (s *countingSnap) ForEachChild(parentType, parentID, childType string, fn func(id string, raw []byte) error) error {
	var i int
	fmt.Sscanf(parentID, "c%d", &i)
	if i == s.failAt {
		return errSnap
	}
	for j := 1; j <= s.kids; j++ {
		id := fmt.Sprintf("%s-%s%d", parentID, childType, j)
		raw := fmt.Appendf(nil, `{"type":%q,"id":%q,"attributes":{"body":"hello %d","createdAt":"2024-03-01T09:00:00.000Z"}}`, childType, id, j)
		if i == s.malformed && j == 2 {
			raw = []byte(`{"type":`)
		}
		if err := fn(id, raw); err != nil {
			return err
		}
	}
	return nil
}

func (s *countingSnap) Get(typ, id string) ([]byte, bool, error) { return nil, false, nil }
func (s *countingSnap) Digest() (string, error)                  { return "counting", nil }
func (s *countingSnap) Org() (string, error)                     { return "acme", nil }

// TestReadAheadInOrder: every conversation comes to fn once, in the
// snapshot's order, decoded, with its children of each type asked for in
// theirs; a child that cannot be decoded comes with its error, and the
// walk goes on.
func TestReadAheadInOrder(t *testing.T) {
	for _, n := range []int{0, 1, aheadBatch - 1, aheadBatch, aheadBatch*aheadBatches*3 + 7} {
		snap := &countingSnap{n: n, kids: 3, malformed: 2}
		g := &Generator{snap: snap}
		seen := 0
		err := g.readAhead(context.Background(), "conversation", []string{"message", "note", "message"}, func(s *source) error {
			seen++
			if want := fmt.Sprintf("c%05d", seen); s.id != want {
				t.Fatalf("n=%d: record %d is %s, want %s", n, seen, s.id, want)
			}
			if c, ok := s.rec.(*record.Conversation); s.err != nil || !ok || c.ID != s.id {
				t.Fatalf("n=%d: %s decoded as %#v, %v", n, s.id, s.rec, s.err)
			}
			if len(s.kids) != 3 {
				t.Fatalf("n=%d: %s has %d child lists, want 3", n, s.id, len(s.kids))
			}
			for i, typ := range []string{"message", "note", "message"} {
				if len(s.kids[i]) != 3 {
					t.Fatalf("n=%d: %s has %d %ss, want 3", n, s.id, len(s.kids[i]), typ)
				}
				for j, k := range s.kids[i] {
					if want := fmt.Sprintf("%s-%s%d", s.id, typ, j+1); k.id != want {
						t.Fatalf("n=%d: child %d of %s is %s, want %s", n, j+1, s.id, k.id, want)
					}
					bad := s.id == "c00002" && j == 1
					if bad != (k.err != nil) || bad != (k.rec == nil) {
						t.Fatalf("n=%d: %s: decoded %#v, error %v", n, k.id, k.rec, k.err)
					}
				}
			}
			// Each list is the child walk's own: two blocks reading the
			// same messages never share a record.
			if s.kids[0][0].rec == s.kids[2][0].rec {
				t.Fatalf("n=%d: %s: two reads of the messages share one record", n, s.id)
			}
			return nil
		})
		if err != nil || seen != n {
			t.Fatalf("n=%d: %d records, %v", n, seen, err)
		}
		if snap.walking.Load() {
			t.Fatalf("n=%d: the reader was still walking the snapshot after readAhead returned", n)
		}
	}
}

// TestReadAheadStops: an error from fn, from the snapshot or of the
// context ends the walk with that error; the reader has stopped (not
// read the rest) by the time readAhead returns.
func TestReadAheadStops(t *testing.T) {
	const n = 10_000
	errStop := errors.New("the plan file is full")
	ahead := int64(aheadBatch * (aheadBatches + 2))
	for _, tc := range []struct {
		name   string
		failAt int  // the snapshot fails at this conversation
		stopAt int  // fn fails at this conversation
		cancel bool // the context is cancelled at stopAt instead
		want   error
		seen   int
	}{
		{name: "fn", stopAt: 40, want: errStop, seen: 40},
		{name: "snapshot", failAt: 300, want: errSnap, seen: 299},
		{name: "context", stopAt: 7, cancel: true, want: context.Canceled, seen: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := &countingSnap{n: n, kids: 1, failAt: tc.failAt}
			g := &Generator{snap: snap}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			seen := 0
			err := g.readAhead(ctx, "conversation", []string{"message"}, func(s *source) error {
				seen++
				if seen == tc.stopAt {
					if tc.cancel {
						cancel()
						return nil
					}
					return errStop
				}
				return nil
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("readAhead returned %v, want %v", err, tc.want)
			}
			if seen != tc.seen {
				t.Errorf("fn saw %d records, want %d", seen, tc.seen)
			}
			if snap.walking.Load() {
				t.Error("the reader was still walking the snapshot after readAhead returned")
			}
			if r := snap.read.Load(); r > int64(max(tc.seen, tc.failAt))+ahead {
				t.Errorf("the reader read %d records of %d; at most %d ahead of where it stopped", r, n, ahead)
			}
		})
	}
}
