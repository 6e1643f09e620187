package zendesksim

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Custom field schemas of tickets, users and organizations, and Zendesk's
// rules for the values records carry (spec/zendesk.md §11). A value for a
// field the account does not have is dropped silently, as Zendesk drops
// it; the simulator flags it (FlagFieldDropped), so a test sees the loss.
// A value of the wrong type is refused with 422.

// Field is a ticket, user or organization field.
type Field struct {
	ID                  int64         `json:"id"`
	URL                 string        `json:"url"`
	Type                string        `json:"type"`
	Key                 string        `json:"key,omitempty"` // user and organization fields
	Title               string        `json:"title"`
	RawTitle            string        `json:"raw_title"`
	Description         string        `json:"description"`
	Position            int           `json:"position"`
	Active              bool          `json:"active"`
	Required            bool          `json:"required"`
	RegexpForValidation *string       `json:"regexp_for_validation"`
	Tag                 *string       `json:"tag"` // a ticket checkbox's tag
	CustomFieldOptions  []FieldOption `json:"custom_field_options,omitempty"`
	CreatedAt           time.Time     `json:"created_at"`
	UpdatedAt           time.Time     `json:"updated_at"`
}

// fieldResource is one of the three kinds of fields.
type fieldResource struct {
	name   string // ticket, user, organization
	path   string // ticket_fields …
	single string // ticket_field …
	types  map[string]bool
}

var fieldResources = map[string]*fieldResource{
	"ticket": {"ticket", "ticket_fields", "ticket_field", typeSet("text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "partialcreditcard", "multiselect", "tagger", "lookup")},
	"user":   {"user", "user_fields", "user_field", typeSet("text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown", "multiselect", "lookup")},
	"organization": {"organization", "organization_fields", "organization_field",
		typeSet("text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown", "multiselect", "lookup")},
}

func typeSet(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func hasOptions(typ string) bool { return typ == "tagger" || typ == "dropdown" || typ == "multiselect" }

func (s *Server) fieldRoutes(h func(string, handlerFunc)) {
	for _, fr := range fieldResources {
		fr := fr
		h("GET /api/v2/"+fr.path, func(c *call) reply { return s.listSchemaFields(c, fr) })
		h("POST /api/v2/"+fr.path, func(c *call) reply { return s.createSchemaField(c, fr) })
		h("GET /api/v2/"+fr.path+"/{id}", func(c *call) reply { return s.showSchemaField(c, fr) })
		h("PUT /api/v2/"+fr.path+"/{id}", func(c *call) reply { return s.updateSchemaField(c, fr) })
		h("DELETE /api/v2/"+fr.path+"/{id}", func(c *call) reply { return s.deleteSchemaField(c, fr) })
	}
}

type fieldInput struct {
	Type                *string          `json:"type"`
	Key                 *string          `json:"key"`
	Title               *string          `json:"title"`
	Description         *string          `json:"description"`
	Position            *int             `json:"position"`
	Active              *bool            `json:"active"`
	Required            *bool            `json:"required"`
	RegexpForValidation *string          `json:"regexp_for_validation"`
	Tag                 *string          `json:"tag"`
	CustomFieldOptions  *[]fieldOptInput `json:"custom_field_options"`
}

type fieldOptInput struct {
	ID    *int64 `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (s *Server) fieldsOf(fr *fieldResource) map[int64]*Field {
	m := s.st.fields[fr.name]
	if m == nil {
		m = map[int64]*Field{}
		s.st.fields[fr.name] = m
	}
	return m
}

func (s *Server) listSchemaFields(c *call, fr *fieldResource) reply {
	if fr.name == "ticket" {
		if r := s.takeEndpoint(c, "ticket-fields-list", "account", 300, time.Minute); r != nil {
			return *r
		}
	}
	m := s.fieldsOf(fr)
	ids := slices.Sorted(maps.Keys(m))
	p, r := paginateIDs(c, ids)
	if r != nil {
		return *r
	}
	out := make([]Field, 0, len(p.items))
	for _, id := range p.items {
		out = append(out, m[id].render())
	}
	return listReply(fr.path, out, p.extra)
}

func (f *Field) render() Field {
	out := *f
	out.CustomFieldOptions = slices.Clone(f.CustomFieldOptions)
	return out
}

func (s *Server) showSchemaField(c *call, fr *fieldResource) reply {
	f := s.fieldsOf(fr)[pathID(c, "id")]
	if f == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{fr.single: f.render()}}
}

func (s *Server) decodeField(c *call, fr *fieldResource) (*fieldInput, *reply) {
	var body map[string]*fieldInput
	if r := decode(c, &body); r != nil {
		return nil, r
	}
	in := body[fr.single]
	if in == nil {
		r := badRequest(fr.single + " is required")
		return nil, &r
	}
	return in, nil
}

func (s *Server) createSchemaField(c *call, fr *fieldResource) reply {
	in, r := s.decodeField(c, fr)
	if r != nil {
		return *r
	}
	v := invalid{}
	switch {
	case in.Type == nil || !fr.types[*in.Type]:
		v.add("type", "InvalidValue", fmt.Sprintf("Type: %q is not a valid %s field type", deref(in.Type), fr.name))
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		v.add("title", "BlankValue", "Title: cannot be blank")
	}
	if fr.name != "ticket" {
		switch {
		case in.Key == nil || *in.Key == "":
			v.add("key", "BlankValue", "Key: cannot be blank")
		case !fieldKeyRE.MatchString(*in.Key) || strings.Trim(*in.Key, "0123456789") == "":
			v.add("key", "InvalidValue", fmt.Sprintf("Key: %s may hold only letters, digits and underscores, and not digits only", *in.Key))
		default:
			for _, f := range s.fieldsOf(fr) {
				if f.Key == *in.Key {
					v.add("key", "DuplicateValue", fmt.Sprintf("Key: %s has already been taken", *in.Key))
				}
			}
		}
	}
	f := &Field{Active: true, CreatedAt: c.now, UpdatedAt: c.now}
	if v.ok() {
		f.Type = *in.Type
		s.setOptions(v, fr, f, in, true)
	}
	if !v.ok() {
		return recordInvalid(v)
	}
	f.ID = s.st.next("field")
	f.URL = fmt.Sprintf("%s/api/v2/%s/%d.json", c.base, fr.path, f.ID)
	if in.Key != nil {
		f.Key = *in.Key
	}
	s.applyField(f, in)
	s.fieldsOf(fr)[f.ID] = f
	return reply{http.StatusCreated, map[string]any{fr.single: f.render()}}
}

func (s *Server) applyField(f *Field, in *fieldInput) {
	if in.Title != nil {
		f.Title, f.RawTitle = *in.Title, *in.Title
	}
	setPtr2(&f.Description, in.Description)
	setPtr2(&f.Position, in.Position)
	setPtr2(&f.Active, in.Active)
	setPtr2(&f.Required, in.Required)
	if in.RegexpForValidation != nil {
		f.RegexpForValidation = ptr(*in.RegexpForValidation)
	}
	if f.Type == "checkbox" && in.Tag != nil {
		f.Tag = ptr(*in.Tag)
	}
}

func setPtr2[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// setOptions validates and sets a dropdown's options. An update replaces
// every option: one left out is deleted, and its value is removed from
// every record that held it.
func (s *Server) setOptions(v invalid, fr *fieldResource, f *Field, in *fieldInput, creating bool) []string {
	if !hasOptions(f.Type) {
		return nil
	}
	if in.CustomFieldOptions == nil {
		if creating {
			v.add("custom_field_options", "BlankValue", "Custom field options: a "+f.Type+" field needs at least one option")
		}
		return nil
	}
	seen := map[string]bool{}
	var opts []FieldOption
	for _, o := range *in.CustomFieldOptions {
		val := strings.TrimSpace(o.Value)
		switch {
		case val == "" || strings.TrimSpace(o.Name) == "":
			v.add("custom_field_options", "BlankValue", "Custom field options: every option needs a name and a value")
			return nil
		case seen[strings.ToLower(val)]:
			v.add("custom_field_options", "DuplicateValue", fmt.Sprintf("Custom field options: the value %s is given twice", val))
			return nil
		case fr.name == "ticket" && s.tagOwner(val, f.ID) != 0:
			v.add("custom_field_options", "DuplicateValue", fmt.Sprintf("Custom field options: the tag %s is already used by another field", val))
			return nil
		}
		seen[strings.ToLower(val)] = true
		id := s.st.next("field")
		for _, old := range f.CustomFieldOptions {
			if old.Value == val {
				id = old.ID
			}
		}
		opts = append(opts, FieldOption{ID: id, Name: o.Name, Value: val})
	}
	var removed []string
	for _, old := range f.CustomFieldOptions {
		if !seen[strings.ToLower(old.Value)] {
			removed = append(removed, old.Value)
		}
	}
	f.CustomFieldOptions = opts
	return removed
}

// tagOwner is the ticket field (other than self) whose options use tag.
func (s *Server) tagOwner(tag string, self int64) int64 {
	for id, f := range s.fieldsOf(fieldResources["ticket"]) {
		if id == self {
			continue
		}
		for _, o := range f.CustomFieldOptions {
			if strings.EqualFold(o.Value, tag) {
				return id
			}
		}
	}
	return 0
}

func (s *Server) updateSchemaField(c *call, fr *fieldResource) reply {
	f := s.fieldsOf(fr)[pathID(c, "id")]
	if f == nil {
		return notFound()
	}
	if fr.name == "ticket" {
		if r := s.takeEndpoint(c, "ticket-fields-update", "account", 75, time.Minute); r != nil {
			return *r
		}
	}
	in, r := s.decodeField(c, fr)
	if r != nil {
		return *r
	}
	v := invalid{}
	if in.Type != nil && *in.Type != f.Type {
		v.add("type", "InvalidValue", "Type: cannot be changed")
	}
	if in.Key != nil && *in.Key != f.Key && fr.name != "ticket" {
		v.add("key", "InvalidValue", "Key: cannot be changed")
	}
	probe := f.render()
	removed := s.setOptions(v, fr, &probe, in, false)
	if !v.ok() {
		return recordInvalid(v)
	}
	f.CustomFieldOptions = probe.CustomFieldOptions
	s.applyField(f, in)
	f.UpdatedAt = c.now
	for _, val := range removed {
		s.stripValue(fr, f, val)
	}
	return reply{http.StatusOK, map[string]any{fr.single: f.render()}}
}

func (s *Server) deleteSchemaField(c *call, fr *fieldResource) reply {
	m := s.fieldsOf(fr)
	f := m[pathID(c, "id")]
	if f == nil {
		return notFound()
	}
	delete(m, f.ID)
	s.stripValue(fr, f, "")
	return reply{status: http.StatusNoContent}
}

// stripValue removes a field's value from every record that holds it (val
// "" removes every value of the field).
func (s *Server) stripValue(fr *fieldResource, f *Field, val string) {
	st := s.st
	match := func(v any) bool {
		if val == "" {
			return true
		}
		if l, ok := v.([]any); ok {
			for _, x := range l {
				if fmt.Sprint(x) == val {
					return true
				}
			}
			return false
		}
		return fmt.Sprint(v) == val
	}
	switch fr.name {
	case "ticket":
		for _, t := range st.tickets {
			t.CustomFields = slices.DeleteFunc(t.CustomFields, func(cf CustomField) bool { return cf.ID == f.ID && match(cf.Value) })
		}
	case "user":
		for _, u := range st.users {
			if v, ok := u.UserFields[f.Key]; ok && match(v) {
				delete(u.UserFields, f.Key)
			}
		}
	case "organization":
		for _, o := range st.orgs {
			if v, ok := o.OrganizationFields[f.Key]; ok && match(v) {
				delete(o.OrganizationFields, f.Key)
			}
		}
	}
}

// fieldValue checks one value against its field: it returns the value as
// Zendesk stores it, or why it is refused. nil clears the field.
func fieldValue(f *Field, v any) (any, string) {
	if v == nil {
		return nil, ""
	}
	bad := func(want string) (any, string) {
		b, _ := json.Marshal(v)
		return nil, fmt.Sprintf("%s: %s is not %s", f.Title, truncateJSON(b), want)
	}
	switch f.Type {
	case "text", "textarea", "partialcreditcard", "lookup":
		switch x := v.(type) {
		case string:
			return x, ""
		case float64, bool, json.Number:
			return fmt.Sprint(x), ""
		}
		return bad("text")
	case "regexp":
		s, ok := v.(string)
		if !ok {
			return bad("text")
		}
		if f.RegexpForValidation != nil {
			if re, err := regexp.Compile(*f.RegexpForValidation); err == nil && !re.MatchString(s) {
				return nil, fmt.Sprintf("%s: %q does not match %s", f.Title, s, *f.RegexpForValidation)
			}
		}
		return s, ""
	case "checkbox":
		if b, ok := v.(bool); ok {
			return b, ""
		}
		return bad("true or false")
	case "date":
		s, ok := v.(string)
		if !ok {
			return bad("a date (YYYY-MM-DD)")
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return bad("a date (YYYY-MM-DD)")
		}
		return s, ""
	case "integer", "decimal":
		var n float64
		switch x := v.(type) {
		case float64:
			n = x
		case json.Number:
			var err error
			if n, err = x.Float64(); err != nil {
				return bad("a number")
			}
		case string:
			var err error
			if n, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
				return bad("a number")
			}
		default:
			return bad("a number")
		}
		if f.Type == "integer" && n != math.Trunc(n) {
			return bad("a whole number")
		}
		return n, ""
	case "tagger", "dropdown":
		s, ok := v.(string)
		if !ok || !slices.ContainsFunc(f.CustomFieldOptions, func(o FieldOption) bool { return o.Value == s }) {
			return bad("one of the field's options")
		}
		return s, ""
	case "multiselect":
		l, ok := v.([]any)
		if !ok {
			return bad("a list of the field's options")
		}
		out := make([]any, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok || !slices.ContainsFunc(f.CustomFieldOptions, func(o FieldOption) bool { return o.Value == s }) {
				return bad("a list of the field's options")
			}
			out = append(out, s)
		}
		return out, ""
	}
	return v, ""
}

func truncateJSON(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// ticketFieldValues checks the custom_fields of a ticket write: values of
// the wrong type are refused; those for a field the account does not have
// are dropped, and returned to flag once the write succeeds.
func (s *Server) ticketFieldValues(v invalid, in []customFieldInput) (kept []CustomField, dropped []string) {
	fields := s.fieldsOf(fieldResources["ticket"])
	for _, cf := range in {
		id, err := cf.ID.Int64()
		if err != nil {
			continue // checkEnums refuses it
		}
		f := fields[id]
		if f == nil {
			dropped = append(dropped, fmt.Sprintf("custom field %d", id))
			continue
		}
		val, why := fieldValue(f, cf.Value)
		if why != "" {
			v.add("custom_fields", "InvalidValue", why)
			continue
		}
		kept = append(kept, CustomField{ID: id, Value: val})
	}
	return kept, dropped
}

// keyedFieldValues is ticketFieldValues for user and organization fields,
// which are keyed by the field's key.
func (s *Server) keyedFieldValues(v invalid, resource string, in map[string]any) (kept map[string]any, dropped []string) {
	byKey := map[string]*Field{}
	for _, f := range s.fieldsOf(fieldResources[resource]) {
		byKey[f.Key] = f
	}
	kept = map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		f := byKey[k]
		if f == nil {
			dropped = append(dropped, fmt.Sprintf("%s field %q", resource, k))
			continue
		}
		val, why := fieldValue(f, in[k])
		if why != "" {
			v.add(resource+"_fields", "InvalidValue", why)
			continue
		}
		kept[k] = val
	}
	return kept, dropped
}

// flagDropped notes values Zendesk dropped without a word.
func (st *store) flagDropped(where string, dropped []string) {
	if len(dropped) > 0 {
		st.flag(FlagFieldDropped, where, "values for fields the account does not have were dropped: "+strings.Join(dropped, ", "))
	}
}

// tagFieldValues adds to a ticket's tags the values of its dropdown
// fields, as Zendesk does: an option's value is a tag.
func (s *Server) tagFieldValues(t *ticket) {
	fields := s.fieldsOf(fieldResources["ticket"])
	var add []string
	for _, cf := range t.CustomFields {
		f := fields[cf.ID]
		if f == nil {
			continue
		}
		switch f.Type {
		case "tagger":
			if v, ok := cf.Value.(string); ok {
				add = append(add, v)
			}
		case "multiselect":
			if l, ok := cf.Value.([]any); ok {
				for _, x := range l {
					add = append(add, fmt.Sprint(x))
				}
			}
		}
	}
	if len(add) > 0 {
		t.Tags = normalizeTags(append(slices.Clone(t.Tags), add...))
	}
}
