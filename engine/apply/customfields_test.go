package apply

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

// fieldKey is the default template's key for an attribute.
func fieldKey(_ *testing.T, name string) string {
	return builtin.FieldKey("kz_" + strings.TrimSuffix(name, record.CustomKind(name)))
}

// TestCustomAttributesLand: every custom attribute value of every
// customer and company that fits its type is on its Zendesk user or
// organization, through a field the plan made (or adopted: one exists in
// the account before); every conversation value on its ticket; values that
// do not fit are hazards; Zendesk dropped nothing; a second plan has no
// changes.
func TestCustomAttributesLand(t *testing.T) {
	for _, tc := range []struct {
		profile string
		seed    int64
	}{{"small", 81}, {"edge", 82}} {
		t.Run(fmt.Sprintf("%s/%d", tc.profile, tc.seed), func(t *testing.T) {
			r := newRig(t, tc.profile, tc.seed, "")
			ctx := context.Background()
			// A dropdown made by hand with one of the options the plan wants.
			pre, err := r.Client().CreateField(ctx, zendesk.UserFields, zendesk.Field{Type: "dropdown", Key: fieldKey(t, "loyaltyTierStr"), Title: "Tier (made by hand)",
				CustomFieldOptions: []zendesk.FieldOption{{Name: "gold", Value: fieldKey(t, "loyaltyTierStr") + "_gold"}}})
			if err != nil {
				t.Fatal(err)
			}
			pr, res, err := r.planApply(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
				t.Fatalf("%d dead letters, first %+v", len(dead), dead[0])
			}
			if res.Counts[kind.UserField]["adopted"] != 1 {
				t.Errorf("user fields: %v, want the one made by hand adopted", res.Counts[kind.UserField])
			}
			st := r.Sim.Dump()
			for _, f := range st.Flags {
				t.Errorf("flag %s: %s: %s", f.Rule, f.Where, f.Detail)
			}
			keys := map[string]int{}
			for _, f := range st.UserFields {
				keys[f.Key]++
			}
			for k, n := range keys {
				if n > 1 {
					t.Errorf("user field %s made %d times", k, n)
				}
			}
			if keys[pre.Key] != 1 {
				t.Errorf("the field made by hand is gone")
			}
			unfit, landed := 0, 0
			check := func(typ, extPrefix string, held func(ext string) (map[string]any, bool), key func(name string) string) {
				err := r.Snap.ForEach(typ, func(id string, raw []byte) error {
					c, err := record.CustomOf(raw)
					if err != nil {
						return err
					}
					got, ok := held(extPrefix + id)
					if !ok {
						return nil // merged into another record, or unwritable
					}
					for name, v := range c {
						switch {
						case v == nil || v == "":
						case !record.Fits(record.CustomKind(name), v):
							unfit++
						case got[key(name)] == nil:
							t.Errorf("%s %s: %s = %v is not on its Zendesk record (%v)", typ, id, name, v, got)
						default:
							landed++
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			users := map[string]map[string]any{}
			for _, u := range st.Users {
				if u.ExternalID != nil {
					users[*u.ExternalID] = u.UserFields
				}
			}
			byKey := func(name string) string { return fieldKey(t, name) }
			check("customer", "kustomer:customer:", func(ext string) (map[string]any, bool) { m, ok := users[ext]; return m, ok }, byKey)
			orgs := map[string]map[string]any{}
			for _, o := range st.Organizations {
				if o.ExternalID != nil {
					orgs[*o.ExternalID] = o.OrganizationFields
				}
			}
			check("company", "kustomer:company:", func(ext string) (map[string]any, bool) { m, ok := orgs[ext]; return m, ok }, byKey)
			tickets := map[string]map[string]any{}
			for _, tk := range st.Tickets {
				if tk.ExternalID != nil {
					m := map[string]any{}
					for _, cf := range tk.CustomFields {
						m[fmt.Sprint(cf.ID)] = cf.Value
					}
					tickets[*tk.ExternalID] = m
				}
			}
			check("conversation", "kustomer:conversation:", func(ext string) (map[string]any, bool) { m, ok := tickets[ext]; return m, ok },
				func(name string) string {
					e, _, _ := r.Store.Get(string(kind.TicketField), "ticket_field.conversation:"+name)
					return e.ZendeskID
				})
			if landed < 50 {
				t.Errorf("only %d values checked", landed)
			}
			t.Logf("%d values landed, %d unfit; %d ticket, %d user, %d organization fields", landed, unfit, len(st.TicketFields), len(st.UserFields), len(st.OrganizationFields))
			if len(st.TicketFields) == 0 {
				t.Errorf("no ticket field")
			}
			hz := map[string]int{}
			for _, h := range pr.Summary.Hazards {
				hz[h.Code] = h.Count
			}
			if tc.profile == "edge" && (unfit == 0 || hz["field_values_unconvertible"] == 0) {
				t.Errorf("edge: %d unfit values, hazards %v", unfit, hz)
			}
			again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
			if err != nil {
				t.Fatal(err)
			}
			if again.Summary.Changes != 0 {
				t.Errorf("plan after apply: %d changes (%v)", again.Summary.Changes, again.Summary.Counts)
			}
		})
	}
}

// TestFieldOfAnotherTypeWaits: a field Zendesk already has under the key,
// of another type, is not adopted (Zendesk cannot change a field's type,
// and the plan converted the values for its own): it is a dead letter
// saying what to do, and the records that fill it wait.
func TestFieldOfAnotherTypeWaits(t *testing.T) {
	r := newRig(t, "small", 83, "")
	ctx := context.Background()
	if _, err := r.Client().CreateField(ctx, zendesk.OrganizationFields, zendesk.Field{Type: "text", Key: fieldKey(t, "employeeCountNum"), Title: "Employees"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	dead, _ := r.Store.DeadLetters()
	byKind := map[string]int{}
	for _, d := range dead {
		byKind[d.Kind]++
		if d.Kind == string(kind.OrganizationField) && !strings.Contains(d.Error, "cannot change a field's type") {
			t.Errorf("field dead letter: %s", d.Error)
		}
	}
	if byKind[string(kind.OrganizationField)] != 1 || byKind[string(kind.Organization)] == 0 {
		t.Errorf("dead letters by kind: %v", byKind)
	}
	for _, f := range r.Sim.Dump().Flags {
		t.Errorf("flag %s: %s", f.Rule, f.Detail)
	}
}
