package render

import (
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

// Organization renders an organization.
func Organization(d *engine.Desired) zendesk.Organization {
	p := d.Payload
	return zendesk.Organization{Name: str(p, "name"), ExternalID: str(p, "external_id"), DomainNames: dsl.Strings(p["domain_names"]),
		Details: str(p, "details"), Notes: str(p, "notes"), Tags: dsl.Strings(p["tags"]), OrganizationFields: mapOf(p["organization_fields"])}
}

// User renders a user: its organization resolved, its other emails and
// phones as identities (an entry with @ is an email), no verification
// email sent.
func User(d *engine.Desired, refs Refs) (zendesk.User, error) {
	p := d.Payload
	u := zendesk.User{Name: str(p, "name"), Email: str(p, "email"), ExternalID: str(p, "external_id"), Role: str(p, "role"),
		Phone: str(p, "phone"), Details: str(p, "details"), Notes: str(p, "notes"), Locale: str(p, "locale"),
		TimeZone: str(p, "time_zone"), Tags: dsl.Strings(p["tags"]), UserFields: mapOf(p["user_fields"]), SkipVerifyEmail: true}
	if v, ok := p["verified"].(bool); ok {
		u.Verified = &v
	}
	if org := str(p, "organization"); org != "" {
		id, err := refs.ID("company", org)
		if err != nil {
			return u, err
		}
		u.OrganizationID = id
	}
	for _, v := range dsl.Strings(p["identities"]) {
		typ := "phone_number"
		if strings.Contains(v, "@") {
			typ = "email"
		}
		u.Identities = append(u.Identities, zendesk.Identity{Type: typ, Value: v, SkipVerifyEmail: typ == "email"})
	}
	return u, nil
}

// Record renders a custom object record; its lookups to the customer and
// company are resolved to Zendesk ids, on the object that has the lookup
// fields (the first of a split Klass, whose key has no "#").
func Record(d *engine.Desired, refs Refs) (zendesk.CustomObjectRecord, error) {
	p := d.Payload
	fields := map[string]any{}
	for k, v := range mapOf(p["fields"]) {
		fields[k] = v
	}
	if !strings.Contains(d.Key, "#") {
		for _, l := range engine.Lookups {
			if src := str(p, l.Attr); src != "" {
				id, err := refs.ID(l.SourceType, src)
				if err != nil {
					return zendesk.CustomObjectRecord{}, err
				}
				if id != 0 {
					fields[l.Key] = strconv.FormatInt(id, 10)
				}
			}
		}
	}
	return zendesk.CustomObjectRecord{Name: str(p, "name"), ExternalID: str(p, "external_id"), CustomObjectFields: fields}, nil
}

// Field renders a ticket, user or organization field: its options are the
// Kustomer values, each with the tag engine.OptionValue makes of it.
func Field(d *engine.Desired) zendesk.Field {
	p := d.Payload
	f := zendesk.Field{Type: str(p, "type"), Title: str(p, "title"), Description: str(p, "description")}
	key := str(p, "key")
	if d.Kind != kind.TicketField {
		f.Key = key
	}
	for _, o := range dsl.Strings(p["options"]) {
		f.CustomFieldOptions = append(f.CustomFieldOptions, zendesk.FieldOption{Name: o, Value: engine.OptionValue(key, o)})
	}
	return f
}

// Group renders a group.
func Group(d *engine.Desired) zendesk.Group {
	return zendesk.Group{Name: str(d.Payload, "name"), Description: str(d.Payload, "description")}
}

// CustomObject renders a custom object's schema (its fields come with
// ObjectFields).
func CustomObject(d *engine.Desired) zendesk.CustomObject {
	p := d.Payload
	plural := str(p, "title_pluralized")
	if plural == "" {
		plural = str(p, "title")
	}
	return zendesk.CustomObject{Key: str(p, "key"), Title: str(p, "title"), TitlePluralized: plural, Description: str(p, "description")}
}

// ObjectFields renders a custom object's fields.
func ObjectFields(d *engine.Desired) []zendesk.CustomObjectField {
	var out []zendesk.CustomObjectField
	fields, _ := d.Payload["fields"].([]any)
	for _, f := range fields {
		fm := mapOf(f)
		out = append(out, zendesk.CustomObjectField{Key: str(fm, "key"), Title: str(fm, "title"), Type: str(fm, "type"), RelationshipTargetType: str(fm, "target")})
	}
	return out
}
