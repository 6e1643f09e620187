package bench

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/enginetest"
)

// TestSynthGetIsForEach: every record the synthetic snapshot lists is the
// one Get gives for its id, and ids it never made are not found.
func TestSynthGetIsForEach(t *testing.T) {
	s := &Synth{Conversations: 301, PerConv: 3, Agents: 7}
	for _, typ := range []string{"user", "team", "customer", "conversation"} {
		n := 0
		err := s.ForEach(typ, func(id string, raw []byte) error {
			n++
			got, ok, err := s.Get(typ, id)
			if err != nil || !ok || !bytes.Equal(got, raw) {
				t.Fatalf("Get(%s, %s) = %s, %v, %v; ForEach gave %s", typ, id, got, ok, err, raw)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := s.Count(typ); n != want || n == 0 {
			t.Fatalf("%s: ForEach gave %d, Count says %d", typ, n, want)
		}
	}
	for _, c := range []struct{ typ, id string }{
		{"customer", hexID(kCustomer, 1000)},  // past the last
		{"customer", hexID(kConversation, 0)}, // a conversation's id
		{"customer", "02zz"},
		{"customer", "02" + strings.Repeat("z", 22)},
		{"message", hexID(kMessage, 0)},
	} {
		if raw, ok, err := s.Get(c.typ, c.id); ok || err != nil {
			t.Errorf("Get(%s, %s) = %s, %v, %v; want not found", c.typ, c.id, raw, ok, err)
		}
	}
}

// TestPlanOverSynth plans the default mapping over a small synthetic
// organisation, as BenchmarkPlanScale does at a million and ten million,
// so that the benchmark's snapshot keeps up with what the planner asks of
// a snapshot (the plan reads merge groups' members back by id).
func TestPlanOverSynth(t *testing.T) {
	for _, n := range []int{1, 2_000, 6_000} {
		snap := &Synth{Conversations: n, PerConv: 4, Agents: 5}
		res, err := engine.Plan(context.Background(), engine.PlanOptions{
			Config:   enginetest.DefaultMapping(t),
			Snapshot: snap,
			Out:      filepath.Join(t.TempDir(), "plan.kzplan"),
		})
		if err != nil {
			t.Fatalf("%d conversations: %v", n, err)
		}
		if got := res.Summary.Counts["ticket"]["create"]; got != n {
			t.Errorf("%d conversations: planned %d tickets", n, got)
		}
		merged := snap.customers() / 500 // the 499th of every 500 shares the 498th's email
		if got, want := res.Summary.Counts["user"]["create"], snap.customers()-merged+snap.Agents; got != want {
			t.Errorf("%d conversations: planned %d users, want %d (customers, %d merged, and agents)", n, got, want, merged)
		}
	}
}
