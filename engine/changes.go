package engine

import (
	"unicode/utf8"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/internal/jsonenc"
	"github.com/kzmap/kzmap/record"
)

// appliedWidth is how much of each field's value the checkpoint keeps of
// what was written: enough to say "status: pending → hold", not a second
// copy of every description.
const appliedWidth = 200

// Applied is the compact form of a payload the checkpoint keeps once it
// is written (checkpoint.Entry.Applied): each field's JSON text, cut at
// appliedWidth characters. A plan compares it with the new payload to
// show what an update changes.
func Applied(p dsl.Payload) map[string]string {
	if len(p) == 0 {
		return nil
	}
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = fieldText(v)
	}
	return out
}

func fieldText(v any) string {
	b, ok := jsonenc.Append(nil, v, false)
	if !ok {
		return "?"
	}
	s := string(b)
	if utf8.RuneCountInString(s) <= appliedWidth {
		return s
	}
	r := []rune(s)
	return string(r[:appliedWidth]) + "…"
}

// Changes lists the fields that differ between what was last written (old,
// the checkpoint's Applied) and the payload now, in field order: changed,
// added (Old "") and removed (New ""). Nil old means the checkpoint holds
// no earlier values (written by a kzmap before they were kept).
func Changes(old map[string]string, p dsl.Payload) []planfile.FieldChange {
	if old == nil {
		return nil
	}
	now := Applied(p)
	var out []planfile.FieldChange
	for _, f := range record.SortedKeys(unionKeys(old, now)) {
		o, n := old[f], now[f]
		if o != n {
			out = append(out, planfile.FieldChange{Field: f, Old: o, New: n})
		}
	}
	if out == nil {
		// Only what the compact form cut off changed (or the comments).
		out = []planfile.FieldChange{}
	}
	return out
}

func unionKeys(a, b map[string]string) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}
