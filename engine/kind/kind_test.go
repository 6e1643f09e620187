package kind

import (
	"testing"

	"github.com/kzmap/kzmap/dsl"
)

// TestSameOrderAsTheLanguage: the language's block types are the kinds,
// in the same order, plus comment, which writes tickets; the kinds the
// engine makes on its own have no block.
func TestSameOrderAsTheLanguage(t *testing.T) {
	var got []Kind
	for _, k := range dsl.Kinds {
		w, ok := Of(k.Kind)
		if !ok {
			t.Fatalf("block type %s writes no kind", k.Kind)
		}
		if k.Kind == Comment {
			if w != Ticket {
				t.Errorf("comment writes %s", w)
			}
			continue
		}
		got = append(got, w)
	}
	var blocks []Kind // the kinds a block writes
	for i, k := range All {
		if k.Index() != i {
			t.Errorf("kind %d: %s has index %d", i, k, k.Index())
		}
		if !k.Engine() {
			blocks = append(blocks, k)
		}
	}
	if len(got) != len(blocks) {
		t.Fatalf("kinds %v, blocks %v", blocks, got)
	}
	for i := range blocks {
		if got[i] != blocks[i] {
			t.Errorf("kind %d: %s, block %s", i, blocks[i], got[i])
		}
	}
	if _, ok := Parse("comment"); ok {
		t.Error("comment parsed as a kind")
	}
	if Kind("nope").Index() != len(All) {
		t.Error("an unknown kind has a place")
	}
}
