package zendesk

import (
	"testing"

	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

func TestFieldsRoundTrip(t *testing.T) {
	e := newEnv(t, zendesksim.Options{}, nil)
	f, err := e.c.CreateField(ctx(t), TicketFields, Field{Type: "tagger", Title: "Tier", CustomFieldOptions: []FieldOption{{Name: "Gold", Value: "tier_gold"}}})
	if err != nil || f.ID == 0 || len(f.CustomFieldOptions) != 1 {
		t.Fatalf("create = %+v, %v", f, err)
	}
	if _, err := e.c.CreateField(ctx(t), UserFields, Field{Type: "text", Title: "Loyalty", Key: "loyalty_number"}); err != nil {
		t.Fatal(err)
	}
	f.CustomFieldOptions = append(f.CustomFieldOptions, FieldOption{Name: "Silver", Value: "tier_silver"})
	if u, err := e.c.UpdateField(ctx(t), TicketFields, f.ID, Field{Type: f.Type, Title: f.Title, CustomFieldOptions: f.CustomFieldOptions}); err != nil || len(u.CustomFieldOptions) != 2 {
		t.Fatalf("update = %+v, %v", u, err)
	}
	for _, r := range []FieldResource{TicketFields, UserFields, OrganizationFields} {
		fs, err := e.c.ListFields(ctx(t), r)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[FieldResource]int{TicketFields: 1, UserFields: 1}[r]; len(fs) != want {
			t.Errorf("%s fields: %d, want %d", r, len(fs), want)
		}
	}
	if err := e.c.DeleteField(ctx(t), TicketFields, f.ID); err != nil {
		t.Fatal(err)
	}
}
