package kind

import (
	"testing"

	"github.com/kzmap/kzmap/dsl"
)

// TestSameOrderAsTheLanguage: the language's block types are the kinds,
// in the same order, plus comment, which writes tickets.
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
	if len(got) != len(All) {
		t.Fatalf("kinds %v, blocks %v", All, got)
	}
	for i := range All {
		if got[i] != All[i] || All[i].Index() != i {
			t.Errorf("kind %d: %s, block %s", i, All[i], got[i])
		}
	}
	if _, ok := Parse("comment"); ok {
		t.Error("comment parsed as a kind")
	}
	if Kind("nope").Index() != len(All) {
		t.Error("an unknown kind has a place")
	}
}
