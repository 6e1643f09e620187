package checkpoint

import (
	"time"

	"github.com/kzmap/kzmap/internal/jsonscan"
)

// entryFields are Entry's JSON names, in the order of the struct.
var entryFields = []string{"zendesk_id", "hash", "batch", "run", "at", "comments", "object", "written", "drift", "applied", "url"}

// fastEntry decodes an entry as the checkpoint writes it, without
// reflection: every plan, apply and verify reads one per desired record,
// and encoding/json spent a tenth of a verify's time on them. It reports
// false for anything it does not read plainly — a member given twice or
// null, a key encoding/json might match without spelling it exactly, a
// value of another type, an escape it does not know — and decode hands
// such an entry to encoding/json, so the answer, errors included, is the
// same either way.
func fastEntry(v []byte, e *Entry) bool {
	var seen [11]bool
	str := func(dst *string, val []byte) bool {
		s, ok := jsonscan.Unquote(val)
		*dst = s
		return ok
	}
	stamp := func(dst *time.Time, val []byte) bool {
		return len(val) > 0 && val[0] == '"' && dst.UnmarshalJSON(val) == nil
	}
	return jsonscan.Members(v, func(key, val []byte) bool {
		f, ok := jsonscan.Field(key, entryFields...)
		if !ok || f < 0 {
			return ok
		}
		if seen[f] || jsonscan.Null(val) {
			return false
		}
		seen[f] = true
		switch f {
		case 0:
			return str(&e.ZendeskID, val)
		case 1:
			return str(&e.Hash, val)
		case 2:
			return str(&e.Batch, val)
		case 3:
			return str(&e.Run, val)
		case 4:
			return stamp(&e.At, val)
		case 5:
			e.Comments = []string{}
			return jsonscan.Elements(val, func(el []byte) bool {
				s, ok := jsonscan.Unquote(el)
				e.Comments = append(e.Comments, s)
				return ok
			})
		case 6:
			return str(&e.Object, val)
		case 7:
			return stamp(&e.Written, val)
		case 8:
			return str(&e.Drift, val)
		case 9:
			e.Applied = map[string]string{}
			return jsonscan.Members(val, func(k, fv []byte) bool {
				if _, dup := e.Applied[string(k)]; dup {
					return false
				}
				s, ok := jsonscan.Unquote(fv)
				e.Applied[string(k)] = s
				return ok
			})
		default:
			return str(&e.URL, val)
		}
	})
}
