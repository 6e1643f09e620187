package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
)

// A record is never written with a stand-in for a reference that failed
// (spec/rules.md, rule 26): the plan keeps only references to records it
// plans, so a reference that does not resolve at apply time names a
// record that did not land — a dead letter, or one skipped as such. The
// record waits for it: it becomes a dead letter that names the dependency,
// and is retried with it.

// Missing says which reference of d does not resolve, in words ("" when
// all do): the requester, assignee, group and comment authors of a
// ticket (only those of comments, when given), a user's organization, a
// record's lookups, and the fields a ticket, user or organization fills.
func Missing(d *engine.Desired, refs Refs, comments ...engine.Comment) (string, error) {
	p := d.Payload
	type ref struct{ role, typ, id string }
	var want []ref
	switch d.Kind {
	case kind.Ticket:
		if comments == nil {
			want = append(want, ref{"requester", "customer", str(p, "requester")}, ref{"assignee", "user", str(p, "assignee")},
				ref{"group", "team", str(p, "group")})
			comments = d.Comments
		}
		for _, c := range comments {
			if a := str(c.Payload, "author"); a != "" {
				want = append(want, ref{"comment author", "", a})
			}
		}
	case kind.User:
		want = append(want, ref{"organization", "company", str(p, "organization")})
	case kind.Organization:
	case kind.CustomObjectRecord:
		if !strings.Contains(d.Key, "#") {
			for _, l := range engine.Lookups {
				want = append(want, ref{l.Key, l.SourceType, str(p, l.Attr)})
			}
		}
	}
	if f, ok := kind.Carried(d.Kind); ok && comments == nil {
		fields := mapOf(p[f.Values])
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			want = append(want, ref{"field", kind.FieldSource(f.Resource), k})
		}
	}
	seen := map[string]bool{}
	for _, r := range want {
		if r.id == "" || seen[r.typ+"/"+r.id] {
			continue
		}
		seen[r.typ+"/"+r.id] = true
		var id int64
		var err error
		if r.typ == "" {
			id, err = refs.Person(r.id)
		} else {
			id, err = refs.ID(r.typ, r.id)
		}
		if err != nil {
			return "", err
		}
		if id == 0 {
			name := r.typ + "/" + r.id
			if r.typ == "" {
				name = r.id
			}
			return fmt.Sprintf("waiting for its %s %s, which is not in Zendesk (a dead letter, or skipped as one): it is written once that lands (kzmap apply --retry-dead-letters)", r.role, name), nil
		}
	}
	return "", nil
}
