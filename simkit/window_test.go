package simkit

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)} }

func TestWindow(t *testing.T) {
	c := newClock()
	c.add(200 * time.Millisecond)
	w := NewWindow(3, time.Second, c.now)
	wantReset := time.Date(2026, 1, 1, 10, 0, 1, 0, time.UTC)
	for i, want := range []int{2, 1, 0} {
		ok, rem, reset := w.Take()
		if !ok || rem != want || !reset.Equal(wantReset) {
			t.Fatalf("take %d = %v %d %v, want true %d %v", i, ok, rem, reset, want, wantReset)
		}
	}
	if ok, rem, _ := w.Take(); ok || rem != 0 {
		t.Fatalf("fourth take = %v %d, want refused", ok, rem)
	}
	if rem, _ := w.Peek(); rem != 0 {
		t.Fatalf("Peek after refusal = %d, want 0", rem)
	}
	c.add(800 * time.Millisecond) // exactly the boundary
	if ok, rem, reset := w.Take(); !ok || rem != 2 || !reset.Equal(wantReset.Add(time.Second)) {
		t.Fatalf("take in next window = %v %d %v", ok, rem, reset)
	}
}

func TestWindowDefaults(t *testing.T) {
	w := NewWindow(1, 0, nil)
	if w.Length() != time.Minute || w.Limit() != 1 {
		t.Errorf("defaults = %v %d", w.Length(), w.Limit())
	}
}
