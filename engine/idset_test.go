package engine

import "testing"

func TestIDSet(t *testing.T) {
	var s idSet
	ids := []string{"64f0000000000000000000c2", "64f0000000000000000000c1", "not-hex-id", "ABCDEF0000000000000000c1", "64f0000000000000000000ff"}
	for _, id := range ids {
		s.add(id)
	}
	for _, id := range ids {
		if !s.has(id) {
			t.Errorf("missing %s", id)
		}
	}
	for _, id := range []string{"64f0000000000000000000c3", "other", "", "64f0000000000000000000c"} {
		if s.has(id) {
			t.Errorf("has %q", id)
		}
	}
	s.add("00000000000000000000000a") // out of order after lookups
	if !s.has("00000000000000000000000a") || !s.has("64f0000000000000000000ff") {
		t.Error("lost ids after an out-of-order add")
	}
}
