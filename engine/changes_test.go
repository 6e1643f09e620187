package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/planfile"
)

func TestChanges(t *testing.T) {
	long := strings.Repeat("x", 300)
	old := Applied(dsl.Payload{"status": "pending", "tags": []string{"a"}, "notes": "gone", "description": long + "1"})
	for _, tc := range []struct {
		name string
		old  map[string]string
		now  dsl.Payload
		want []planfile.FieldChange
	}{
		{"changed, added, removed", old, dsl.Payload{"status": "hold", "tags": []string{"a"}, "phone": "+1", "description": long + "1"},
			[]planfile.FieldChange{{Field: "notes", Old: `"gone"`}, {Field: "phone", New: `"+1"`}, {Field: "status", Old: `"pending"`, New: `"hold"`}}},
		{"only beyond the cut", old, dsl.Payload{"status": "pending", "tags": []string{"a"}, "notes": "gone", "description": long + "2"},
			[]planfile.FieldChange{}},
		{"no earlier values", nil, dsl.Payload{"status": "hold"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Changes(tc.old, tc.now)
			if diff := cmp.Diff(tc.want, got); diff != "" || (tc.want == nil) != (got == nil) {
				t.Errorf("Changes (-want +got):\n%s", diff)
			}
		})
	}
	if v := old["description"]; len([]rune(v)) != appliedWidth+1 || !strings.HasSuffix(v, "…") {
		t.Errorf("a long value is kept cut at %d characters: %d", appliedWidth, len([]rune(v)))
	}
}
