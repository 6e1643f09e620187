package record

import "strings"

// Attribute describes one custom attribute of a resource as a whole
// snapshot shows it: the record a ticket_field, user_field or
// organization_field block maps (from conversation_attribute,
// customer_attribute, company_attribute). The engine computes it; a
// mapping test gives one as a resource of that type.
type Attribute struct {
	ID          string `expr:"id"`          // resource/name, e.g. conversation/orderNumberStr
	Resource    string `expr:"resource"`    // conversation, customer or company
	Name        string `expr:"name"`        // the attribute's name, e.g. orderNumberStr
	Kind        string `expr:"kind"`        // its name's type suffix: Str, Txt, Num, At, Bool, Url, Id ("" for none)
	Type        string `expr:"type"`        // Kustomer's metadata type (string, number, date…), or the suffix's
	DisplayName string `expr:"displayName"` // Kustomer's display name, or one made from the name
	// Records is how many records hold a value; Distinct how many
	// different values they hold (counted up to MaxDistinct+1).
	Records  int `expr:"records"`
	Distinct int `expr:"distinct"`
	// Values are the distinct values, sorted, when there are at most
	// MaxDistinct of them (nil otherwise).
	Values []string `expr:"values"`
	// Longest is the longest value, in characters; Unfit how many values
	// do not fit the type (text in a Num, a date that does not parse).
	Longest int `expr:"longest"`
	Unfit   int `expr:"unfit"`
	// Integral says every number held is a whole number.
	Integral bool `expr:"integral"`
	// FitsDropdown: a few short values, each used several times — a
	// dropdown serves it better than free text.
	FitsDropdown bool `expr:"fits_dropdown"`
	// Enumeration is the values Kustomer's metadata allows, when it says.
	Enumeration []string `expr:"enumeration"`
}

// MaxDistinct is the most distinct values an Attribute lists; the
// dropdown rule and the audit use it.
const MaxDistinct = 200

// AttributeResources are the resources whose custom attributes can become
// Zendesk fields.
var AttributeResources = []string{"conversation", "customer", "company"}

// IsAttributeType says whether typ is the type of Attribute records
// ("conversation_attribute" …).
func IsAttributeType(typ string) bool {
	res, ok := strings.CutSuffix(typ, "_attribute")
	if !ok {
		return false
	}
	for _, r := range AttributeResources {
		if r == res {
			return true
		}
	}
	return false
}

func decodeAttribute(r *Resource, d *decoder) *Attribute {
	a := &Attribute{ID: r.ID, Resource: strings.TrimSuffix(r.Type, "_attribute"), Name: d.str("name"), Type: d.str("type"),
		DisplayName: d.str("displayName"), Records: d.integer("records"), Distinct: d.integer("distinct"),
		Values: d.strs("values"), Longest: d.integer("longest"), Unfit: d.integer("unfit"), Enumeration: d.strs("enumeration")}
	a.Integral = d.boolean("integral")
	a.FitsDropdown = d.boolean("fits_dropdown")
	a.Kind = CustomKind(a.Name)
	if a.Kind == "" {
		a.Kind = d.str("kind")
	}
	return a
}
