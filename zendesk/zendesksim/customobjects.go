package zendesksim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Custom objects (the new API): objects, fields, records and record jobs.
// Limits [CO-INTRO]: objects per plan tier, 100 fields per object
// (standard fields not counted), 5 or 10 lookup fields per object, 2000
// options per dropdown, 32 KB per record. Error bodies use the RecordInvalid
// shape (inferred: custom object error bodies were not found).

const (
	maxObjectFields = 100
	maxRecordBytes  = 32 * 1024
	maxFieldOptions = 2000
)

var (
	// fieldKeyRE: "must consist of only letters, numbers, and underscores.
	// It can't be only numbers" [COF-DOC].
	fieldKeyRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	digitsRE   = regexp.MustCompile(`^[0-9]+$`)
	fieldTypes = map[string]bool{"text": true, "textarea": true, "checkbox": true, "date": true, "integer": true,
		"decimal": true, "regexp": true, "dropdown": true, "lookup": true, "multiselect": true}
	lookupTargetRE = regexp.MustCompile(`^zen:(user|organization|ticket|custom_object:[A-Za-z0-9_]+)$`)
)

func validKey(k string) bool { return fieldKeyRE.MatchString(k) && !digitsRE.MatchString(k) }

func (s *Server) createObject(c *call) reply {
	var body struct {
		CustomObject *struct {
			Key             string `json:"key"`
			Title           string `json:"title"`
			TitlePluralized string `json:"title_pluralized"`
			Description     string `json:"description"`
		} `json:"custom_object"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.CustomObject
	if in == nil {
		return badRequest("custom_object is required")
	}
	v := invalid{}
	switch {
	case !validKey(in.Key):
		v.add("key", "InvalidValue", "Key: must consist of only letters, numbers, and underscores, and can't be only numbers")
	case s.st.objects[in.Key] != nil:
		v.add("key", "DuplicateValue", "Key: has already been taken")
	}
	if in.Title == "" {
		v.add("title", "BlankValue", "Title: cannot be blank")
	}
	if in.TitlePluralized == "" {
		v.add("title_pluralized", "BlankValue", "Title pluralized: cannot be blank")
	}
	if limit := s.opts.PlanTier.objectLimit(); len(s.st.objects) >= limit {
		v.add("base", "LimitExceeded", fmt.Sprintf("Custom objects: the %s plan allows %d custom objects", s.opts.PlanTier, limit))
	}
	if !v.ok() {
		return recordInvalid(v)
	}
	me := strconv.FormatInt(c.me.ID, 10)
	o := &customObject{
		CustomObject: CustomObject{
			Key: in.Key, Title: in.Title, TitlePluralized: in.TitlePluralized, Description: in.Description,
			RawTitle: in.Title, RawTitlePlural: in.TitlePluralized, RawDescription: in.Description,
			CreatedByUserID: me, UpdatedByUserID: me, CreatedAt: c.now, UpdatedAt: c.now,
		},
		records: map[string]*CustomObjectRecord{}, recordByExt: map[string]string{}, recordByName: map[string]string{},
	}
	o.URL = fmt.Sprintf("%s/api/v2/custom_objects/%s.json", c.base, o.Key)
	for i, std := range []struct{ key, title string }{{"standard::name", "Name"}, {"standard::external_id", "External ID"}} {
		o.fields = append(o.fields, &CustomObjectField{
			ID: s.st.next("field"), Key: std.key, Type: "text", Title: std.title, Active: true, System: true,
			Position: i, CreatedAt: c.now, UpdatedAt: c.now,
		})
	}
	s.st.objects[o.Key] = o
	c.hdr.Set("Location", o.URL)
	return reply{http.StatusCreated, map[string]any{"custom_object": o.CustomObject}}
}

func (s *Server) listObjects(c *call) reply {
	out := []CustomObject{}
	for _, k := range slices.Sorted(maps.Keys(s.st.objects)) {
		out = append(out, s.st.objects[k].CustomObject)
	}
	return reply{http.StatusOK, map[string]any{"custom_objects": out}}
}

func (s *Server) object(c *call) (*customObject, *reply) {
	o := s.st.objects[c.r.PathValue("key")]
	if o == nil {
		r := notFound()
		return nil, &r
	}
	return o, nil
}

func (s *Server) showObject(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	return reply{http.StatusOK, map[string]any{"custom_object": o.CustomObject}}
}

// updateObject is PATCH /api/v2/custom_objects/{key}: title, plural and
// description change; the key cannot [CO-DOC].
func (s *Server) updateObject(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	var body struct {
		CustomObject *struct {
			Key             *string `json:"key"`
			Title           *string `json:"title"`
			TitlePluralized *string `json:"title_pluralized"`
			Description     *string `json:"description"`
		} `json:"custom_object"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.CustomObject
	if in == nil {
		return badRequest("custom_object is required")
	}
	v := invalid{}
	if in.Key != nil && *in.Key != o.Key {
		v.add("key", "InvalidValue", "Key: is writable on create only")
	}
	if in.Title != nil && *in.Title == "" {
		v.add("title", "BlankValue", "Title: cannot be blank")
	}
	if in.TitlePluralized != nil && *in.TitlePluralized == "" {
		v.add("title_pluralized", "BlankValue", "Title pluralized: cannot be blank")
	}
	if !v.ok() {
		return recordInvalid(v)
	}
	set(&o.Title, in.Title)
	set(&o.TitlePluralized, in.TitlePluralized)
	set(&o.Description, in.Description)
	o.UpdatedAt = c.now
	return reply{http.StatusOK, map[string]any{"custom_object": o.CustomObject}}
}

func (o *customObject) userFields() (all, lookups int) {
	for _, f := range o.fields {
		if !f.System {
			all++
			if f.Type == "lookup" {
				lookups++
			}
		}
	}
	return all, lookups
}

func (o *customObject) field(key string) *CustomObjectField {
	for _, f := range o.fields {
		if f.Key == key {
			return f
		}
	}
	return nil
}

func (s *Server) createField(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	var body struct {
		Field *struct {
			Key                    string `json:"key"`
			Title                  string `json:"title"`
			Type                   string `json:"type"`
			Description            string `json:"description"`
			RelationshipTargetType string `json:"relationship_target_type"`
			RegexpForValidation    string `json:"regexp_for_validation"`
			CustomFieldOptions     []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"custom_field_options"`
		} `json:"custom_object_field"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.Field
	if in == nil {
		return badRequest("custom_object_field is required")
	}
	if in.Type == "" {
		in.Type = "text" // the default [OAS]
	}
	v := invalid{}
	switch {
	case !validKey(in.Key):
		v.add("key", "InvalidValue", "Key: must consist of only letters, numbers, and underscores, and can't be only numbers")
	case o.field(in.Key) != nil:
		v.add("key", "DuplicateValue", "Key: has already been taken")
	}
	if in.Title == "" {
		v.add("title", "BlankValue", "Title: cannot be blank")
	}
	if !fieldTypes[in.Type] {
		v.add("type", "InvalidValue", fmt.Sprintf("Type: %s is not a valid field type", in.Type))
	}
	all, lookups := o.userFields()
	if all >= maxObjectFields {
		v.add("base", "LimitExceeded", fmt.Sprintf("Fields: a custom object can have at most %d fields", maxObjectFields))
	}
	switch in.Type {
	case "lookup":
		if !lookupTargetRE.MatchString(in.RelationshipTargetType) {
			v.add("relationship_target_type", "InvalidValue", "Relationship target type: must be zen:user, zen:organization, zen:ticket or zen:custom_object:{key}")
		}
		if limit := s.opts.PlanTier.lookupLimit(); lookups >= limit {
			v.add("base", "LimitExceeded", fmt.Sprintf("Fields: the %s plan allows %d lookup fields per object", s.opts.PlanTier, limit))
		}
	case "dropdown", "multiselect":
		if len(in.CustomFieldOptions) == 0 {
			v.add("custom_field_options", "BlankValue", "Custom field options: cannot be blank")
		}
		if len(in.CustomFieldOptions) > maxFieldOptions {
			v.add("custom_field_options", "LimitExceeded", fmt.Sprintf("Custom field options: at most %d options", maxFieldOptions))
		}
	case "regexp":
		if _, err := regexp.Compile(in.RegexpForValidation); err != nil || in.RegexpForValidation == "" {
			v.add("regexp_for_validation", "InvalidValue", "Regexp for validation: is not a valid regular expression")
		}
	}
	if !v.ok() {
		return recordInvalid(v)
	}
	f := &CustomObjectField{
		ID: s.st.next("field"), Key: in.Key, Type: in.Type, Title: in.Title, Description: in.Description,
		Active: true, Position: len(o.fields), RelationshipTargetType: in.RelationshipTargetType,
		CreatedAt: c.now, UpdatedAt: c.now,
	}
	if in.Type == "regexp" {
		f.RegexpForValidation = ptr(in.RegexpForValidation)
	}
	for _, opt := range in.CustomFieldOptions {
		f.CustomFieldOptions = append(f.CustomFieldOptions, FieldOption{ID: s.st.next("field"), Name: opt.Name, Value: opt.Value})
	}
	f.URL = fmt.Sprintf("%s/api/v2/custom_objects/%s/fields/%d.json", c.base, o.Key, f.ID)
	o.fields = append(o.fields, f)
	return reply{http.StatusCreated, map[string]any{"custom_object_field": f}}
}

func (s *Server) listFields(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	return reply{http.StatusOK, map[string]any{"custom_object_fields": o.fields}}
}

type recordInput struct {
	ID                 *string        `json:"id"`
	Name               *string        `json:"name"`
	ExternalID         *string        `json:"external_id"`
	CustomObjectFields map[string]any `json:"custom_object_fields"`
}

// checkRecord validates a record against its object; raw is the record's
// JSON as sent, whose size is what the 32 KB limit measures (inferred:
// Zendesk does not say how size is counted).
func (s *Server) checkRecord(o *customObject, in *recordInput, raw []byte, existing *CustomObjectRecord) invalid {
	v := invalid{}
	if len(raw) > maxRecordBytes {
		v.add("base", "RecordTooLarge", fmt.Sprintf("Record: is %d bytes, over the 32 KB limit per record", len(raw)))
		return v
	}
	if existing == nil && (in.Name == nil || strings.TrimSpace(*in.Name) == "") {
		v.add("name", "BlankValue", "Name: cannot be blank")
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		if id, ok := o.recordByExt[*in.ExternalID]; ok && (existing == nil || id != existing.ID) {
			v.add("external_id", "DuplicateValue", "External: has already been taken")
		}
	}
	for _, key := range slices.Sorted(maps.Keys(in.CustomObjectFields)) {
		f := o.field(key)
		if f == nil || f.System {
			v.add("custom_object_fields", "InvalidValue", fmt.Sprintf("Custom object fields: %s is not a field of %s", key, o.Key))
			continue
		}
		if msg := s.checkFieldValue(f, in.CustomObjectFields[key]); msg != "" {
			v.add("custom_object_fields", "InvalidValue", fmt.Sprintf("%s: %s", f.Title, msg))
		}
	}
	return v
}

func (s *Server) checkFieldValue(f *CustomObjectField, val any) string {
	if val == nil {
		return ""
	}
	str, isStr := val.(string)
	switch f.Type {
	case "text", "textarea":
		if !isStr {
			return "must be a string"
		}
	case "regexp":
		if !isStr || !regexp.MustCompile(*f.RegexpForValidation).MatchString(str) {
			return "does not match the field's pattern"
		}
	case "checkbox":
		if _, ok := val.(bool); !ok {
			return "must be true or false"
		}
	case "integer":
		n, ok := val.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			if !isStr || !digitsOrSigned(str) {
				return "must be an integer"
			}
		}
	case "decimal":
		if n, ok := val.(json.Number); ok {
			if _, err := n.Float64(); err == nil {
				return ""
			}
		}
		if _, err := strconv.ParseFloat(str, 64); !isStr || err != nil {
			return "must be a decimal number"
		}
	case "date":
		if _, err := time.Parse("2006-01-02", str); !isStr || err != nil {
			return "must be a date like 2024-01-31"
		}
	case "dropdown":
		if !isStr || !slices.ContainsFunc(f.CustomFieldOptions, func(o FieldOption) bool { return o.Value == str }) {
			return "is not one of the field's options"
		}
	case "multiselect":
		list, ok := val.([]any)
		if !ok {
			return "must be an array of option values"
		}
		for _, x := range list {
			xs, _ := x.(string)
			if !slices.ContainsFunc(f.CustomFieldOptions, func(o FieldOption) bool { return o.Value == xs }) {
				return fmt.Sprintf("%v is not one of the field's options", x)
			}
		}
	case "lookup":
		if !s.lookupExists(f.RelationshipTargetType, val) {
			return fmt.Sprintf("%v does not exist as %s", val, f.RelationshipTargetType)
		}
	}
	return ""
}

func digitsOrSigned(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// lookupExists checks that a lookup field points at a real record.
func (s *Server) lookupExists(target string, val any) bool {
	var str string
	switch x := val.(type) {
	case json.Number:
		str = x.String()
	case string:
		str = x
	default:
		return false
	}
	id, _ := strconv.ParseInt(str, 10, 64)
	switch {
	case target == "zen:user":
		return s.st.users[id] != nil
	case target == "zen:organization":
		return s.st.orgs[id] != nil
	case target == "zen:ticket":
		return s.st.tickets[id] != nil
	default:
		o := s.st.objects[strings.TrimPrefix(target, "zen:custom_object:")]
		return o != nil && o.records[str] != nil
	}
}

// applyRecord creates (existing nil) or updates a record.
func (s *Server) applyRecord(c *call, o *customObject, in *recordInput, existing *CustomObjectRecord) *CustomObjectRecord {
	me := strconv.FormatInt(c.me.ID, 10)
	rec := existing
	if rec == nil {
		n := s.st.next("record")
		rec = &CustomObjectRecord{
			ID: recordID(n), CustomObjectKey: o.Key, CustomObjectFields: map[string]any{},
			CreatedByUserID: me, CreatedAt: c.now,
		}
		for _, f := range o.fields {
			if !f.System {
				rec.CustomObjectFields[f.Key] = nil
			}
		}
		rec.URL = fmt.Sprintf("%s/api/v2/custom_objects/%s/records/%s.json", c.base, o.Key, rec.ID)
		o.records[rec.ID] = rec
		o.recordOrder = append(o.recordOrder, rec.ID)
	}
	if in.Name != nil {
		delete(o.recordByName, rec.Name)
		rec.Name = *in.Name
		o.recordByName[rec.Name] = rec.ID
	}
	if in.ExternalID != nil {
		if rec.ExternalID != nil {
			delete(o.recordByExt, *rec.ExternalID)
		}
		rec.ExternalID = nil
		if *in.ExternalID != "" {
			rec.ExternalID = ptr(*in.ExternalID)
			o.recordByExt[*in.ExternalID] = rec.ID
		}
	}
	fields := maps.Clone(rec.CustomObjectFields)
	for k, val := range in.CustomObjectFields {
		if n, ok := val.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				val = i
			} else if f, err := n.Float64(); err == nil {
				val = f
			}
		}
		fields[k] = val
	}
	rec.CustomObjectFields = fields
	rec.UpdatedByUserID = me
	rec.UpdatedAt = c.now
	return rec
}

// recordID renders a record id like Zendesk's ULIDs (01GDXYEY1FQYN066VHF49YHJ21).
func recordID(n int64) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := []byte("01H00000000000000000000000")
	for i := len(b) - 1; n > 0 && i > 3; i-- {
		b[i] = alphabet[n%32]
		n /= 32
	}
	return string(b)
}

func (s *Server) createRecord(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	var body struct {
		Record json.RawMessage `json:"custom_object_record"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if len(body.Record) == 0 {
		return badRequest("custom_object_record is required")
	}
	var in recordInput
	if r := decodeRaw(body.Record, &in); r != nil {
		return *r
	}
	if v := s.checkRecord(o, &in, body.Record, nil); !v.ok() {
		return recordInvalid(v)
	}
	rec := s.applyRecord(c, o, &in, nil)
	return reply{http.StatusCreated, map[string]any{"custom_object_record": rec}}
}

func decodeRaw(raw []byte, v any) *reply {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		r := badRequest("custom_object_record is not valid: " + err.Error())
		return &r
	}
	return nil
}

// upsertRecord is PATCH …/records?external_id= or ?name= (not both).
func (s *Server) upsertRecord(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	q := c.r.URL.Query()
	ext, name := q.Get("external_id"), q.Get("name")
	if (ext == "") == (name == "") {
		return badRequest("Give either external_id or name")
	}
	var body struct {
		Record json.RawMessage `json:"custom_object_record"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	var in recordInput
	if len(body.Record) > 0 {
		if r := decodeRaw(body.Record, &in); r != nil {
			return *r
		}
	}
	var existing *CustomObjectRecord
	if ext != "" {
		existing = o.records[o.recordByExt[ext]]
		in.ExternalID = ptr(ext)
	} else {
		existing = o.records[o.recordByName[name]]
		if in.Name == nil {
			in.Name = ptr(name)
		}
	}
	if v := s.checkRecord(o, &in, body.Record, existing); !v.ok() {
		return recordInvalid(v)
	}
	rec := s.applyRecord(c, o, &in, existing)
	return reply{http.StatusOK, map[string]any{"custom_object_record": rec}}
}

func (s *Server) showRecord(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	rec := o.records[c.r.PathValue("id")]
	if rec == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"custom_object_record": rec}}
}

func (s *Server) deleteRecord(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	if !s.removeRecord(o, c.r.PathValue("id")) {
		return notFound()
	}
	return reply{status: http.StatusNoContent}
}

func (s *Server) removeRecord(o *customObject, id string) bool {
	rec := o.records[id]
	if rec == nil {
		return false
	}
	if rec.ExternalID != nil {
		delete(o.recordByExt, *rec.ExternalID)
	}
	delete(o.recordByName, rec.Name)
	delete(o.records, id)
	o.recordOrder = slices.DeleteFunc(o.recordOrder, func(x string) bool { return x == id })
	return true
}

// listRecords: cursor pagination only; filter[ids] and filter[external_ids]
// are case-sensitive [OAS].
func (s *Server) listRecords(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	q := c.r.URL.Query()
	ids := o.recordOrder
	if raw := q.Get("filter[ids]"); raw != "" {
		ids = nil
		for _, id := range splitList(raw) {
			if o.records[id] != nil {
				ids = append(ids, id)
			}
		}
	} else if raw := q.Get("filter[external_ids]"); raw != "" {
		ids = nil
		for _, e := range splitList(raw) {
			if id, ok := o.recordByExt[e]; ok {
				ids = append(ids, id)
			}
		}
	}
	// Ids are issued in increasing order, so string order is issue order.
	ids = slices.Sorted(slices.Values(ids))
	cc := c
	if q.Get("page[size]") == "" && q.Get("page[after]") == "" && q.Get("page[before]") == "" {
		cq := q
		cq.Set("page[size]", "100")
		r2 := *c.r
		u := *c.r.URL
		u.RawQuery = cq.Encode()
		r2.URL = &u
		c2 := *c
		c2.r = &r2
		cc = &c2
	}
	p, rr := paginate(cc, ids, strings.Compare, func(id string) string { return id }, func(s string) (string, bool) { return s, true })
	if rr != nil {
		return *rr
	}
	out := make([]*CustomObjectRecord, 0, len(p.items))
	for _, id := range p.items {
		out = append(out, o.records[id])
	}
	rep := listReply("custom_object_records", out, p.extra)
	rep.v.(map[string]any)["count"] = len(ids)
	return rep
}

// recordJob is POST /api/v2/custom_objects/{key}/jobs: up to 100 items,
// answered 201 with a job status whose id starts "V3-" [OAS].
func (s *Server) recordJob(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	var body struct {
		Job *struct {
			Action string            `json:"action"`
			Items  []json.RawMessage `json:"items"`
		} `json:"job"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if body.Job == nil {
		return badRequest("job is required")
	}
	action, items := body.Job.Action, body.Job.Items
	switch action {
	case "create", "update", "delete", "delete_by_external_id", "create_or_update_by_external_id", "create_or_update_by_name":
	default:
		return badRequest(fmt.Sprintf("action %q is not one of create, update, delete, delete_by_external_id, create_or_update_by_external_id, create_or_update_by_name", action))
	}
	if r := checkBatch(len(items), "items"); r != nil {
		return *r
	}
	key, me := o.Key, c.me
	return s.startJob(c, http.StatusCreated, "CustomObjectRecordBulkJob", "V3-", len(items), func(now time.Time) []JobResult {
		jc := &call{now: now, base: c.base, me: me}
		o := s.st.objects[key]
		var out []JobResult
		for i, raw := range items {
			if f, ok := s.itemFault(i, action); ok {
				out = append(out, f)
				continue
			}
			out = append(out, s.recordJobItem(jc, o, action, i, raw))
		}
		return out
	})
}

func (s *Server) recordJobItem(c *call, o *customObject, action string, i int, raw json.RawMessage) JobResult {
	if o == nil {
		return failed(i, action, nil, "RecordNotFound", "The custom object no longer exists.")
	}
	if action == "delete" || action == "delete_by_external_id" {
		var ref string
		if err := json.Unmarshal(raw, &ref); err != nil {
			return failed(i, action, nil, "InvalidValue", "Item must be a string.")
		}
		id := ref
		if action == "delete_by_external_id" {
			id = o.recordByExt[ref]
		}
		if !s.removeRecord(o, id) {
			return failed(i, action, nil, "RecordNotFound", fmt.Sprintf("Record %s not found.", ref))
		}
		return JobResult{ID: id, Index: i, Action: "delete", Status: "Deleted", Success: ptr(true)}
	}
	var in recordInput
	if r := decodeRaw(raw, &in); r != nil {
		return failed(i, action, nil, "InvalidValue", "Item is not a record object.")
	}
	var existing *CustomObjectRecord
	switch action {
	case "update":
		if in.ID == nil || o.records[*in.ID] == nil {
			return failed(i, action, nil, "RecordNotFound", "Record to update not found.")
		}
		existing = o.records[*in.ID]
	case "create_or_update_by_external_id":
		if in.ExternalID == nil || *in.ExternalID == "" {
			return failed(i, action, nil, "BlankValue", "External: cannot be blank")
		}
		existing = o.records[o.recordByExt[*in.ExternalID]]
	case "create_or_update_by_name":
		if in.Name == nil || *in.Name == "" {
			return failed(i, action, nil, "BlankValue", "Name: cannot be blank")
		}
		existing = o.records[o.recordByName[*in.Name]]
	}
	if v := s.checkRecord(o, &in, raw, existing); !v.ok() {
		code, details := v.summary()
		var id any
		if existing != nil {
			id = existing.ID
		}
		return failed(i, action, id, code, details)
	}
	rec := s.applyRecord(c, o, &in, existing)
	if existing != nil {
		return JobResult{ID: rec.ID, Index: i, Action: "update", Status: "Updated", Success: ptr(true)}
	}
	return JobResult{ID: rec.ID, Index: i, Action: "create", Status: "Created", Success: ptr(true)}
}

// Limit endpoints answer {"count","limit"} [OAS].
func (s *Server) objectLimit(c *call) reply {
	return reply{http.StatusOK, map[string]int{"count": len(s.st.objects), "limit": s.opts.PlanTier.objectLimit()}}
}

func (s *Server) fieldLimit(c *call) reply {
	o, r := s.object(c)
	if r != nil {
		return *r
	}
	n, _ := o.userFields()
	return reply{http.StatusOK, map[string]int{"count": n, "limit": maxObjectFields}}
}
