package zendesksim

import (
	"strings"
	"testing"
)

func TestCustomObjects(t *testing.T) {
	h := newHarness(t, Options{PlanTier: PlanTeam})
	for _, k := range []string{"a", "b", "c"} {
		h.must(201, "POST", "/api/v2/custom_objects", map[string]any{"custom_object": map[string]any{"key": k, "title": k, "title_pluralized": k + "s"}})
	}
	if r := h.do("POST", "/api/v2/custom_objects", map[string]any{"custom_object": map[string]any{"key": "d", "title": "d", "title_pluralized": "ds"}}); r.status != 422 || r.str("details", "base", "0", "error") != "LimitExceeded" {
		t.Errorf("fourth object on Team = %d %s", r.status, r.raw)
	}
	fields := "/api/v2/custom_objects/a/fields"
	h.must(201, "POST", fields, map[string]any{"custom_object_field": map[string]any{"key": "notes", "title": "Notes", "type": "text"}})
	h.must(201, "POST", fields, map[string]any{"custom_object_field": map[string]any{"key": "size", "title": "Size", "type": "dropdown",
		"custom_field_options": []any{map[string]any{"name": "Small", "value": "small"}}}})
	h.must(201, "POST", fields, map[string]any{"custom_object_field": map[string]any{"key": "owner", "title": "Owner", "type": "lookup", "relationship_target_type": "zen:user"}})
	if r := h.do("POST", fields, map[string]any{"custom_object_field": map[string]any{"key": "123", "title": "Digits"}}); r.status != 422 {
		t.Errorf("all-digit key = %d", r.status)
	}
	for i := 3; i < 100; i++ {
		h.must(201, "POST", fields, map[string]any{"custom_object_field": map[string]any{"key": "f" + itoa(int64(i)), "title": "F"}})
	}
	if r := h.do("POST", fields, map[string]any{"custom_object_field": map[string]any{"key": "f100", "title": "F"}}); r.status != 422 || !strings.Contains(string(r.raw), "at most 100 fields") {
		t.Errorf("101st field = %d %s", r.status, r.raw)
	}
	if r := h.must(200, "GET", "/api/v2/custom_objects/a/limits/field_limit", nil); num(r.get("count")) != 100 {
		t.Errorf("field_limit = %s", r.raw)
	}

	records := "/api/v2/custom_objects/a/records"
	owner := h.srv.Dump().Users[0].ID
	r := h.must(201, "POST", records, map[string]any{"custom_object_record": map[string]any{"name": "r1", "external_id": "ext-1",
		"custom_object_fields": map[string]any{"notes": "hi", "size": "small", "owner": owner}}})
	if r.str("custom_object_record", "custom_object_fields", "notes") != "hi" || len(r.str("custom_object_record", "id")) != 26 {
		t.Errorf("record = %s", r.raw)
	}
	big := strings.Repeat("x", 33*1024)
	r = h.do("POST", records, map[string]any{"custom_object_record": map[string]any{"name": "big", "custom_object_fields": map[string]any{"notes": big}}})
	if r.status != 422 || r.str("details", "base", "0", "error") != "RecordTooLarge" {
		t.Errorf("33 KB record = %d %.200s", r.status, r.raw)
	}
	for _, bad := range []map[string]any{
		{"name": "dup", "external_id": "ext-1"},
		{"name": "opt", "custom_object_fields": map[string]any{"size": "huge"}},
		{"name": "look", "custom_object_fields": map[string]any{"owner": 5}},
		{"name": "unknown", "custom_object_fields": map[string]any{"nope": 1}},
	} {
		if r := h.do("POST", records, map[string]any{"custom_object_record": bad}); r.status != 422 {
			t.Errorf("record %v = %d", bad, r.status)
		}
	}
	// Bulk job: create_or_update_by_external_id, one too big.
	r = h.runJob(201, "POST", "/api/v2/custom_objects/a/jobs", map[string]any{"job": map[string]any{
		"action": "create_or_update_by_external_id", "items": []any{
			map[string]any{"name": "r1b", "external_id": "ext-1"},
			map[string]any{"name": "r2", "external_id": "ext-2"},
			map[string]any{"name": "r3", "external_id": "ext-3", "custom_object_fields": map[string]any{"notes": big}},
		}}})
	res := r.get("job_status", "results").([]any)
	if !strings.HasPrefix(r.str("job_status", "id"), "V3-") || dig(res, "0", "action") != "update" || dig(res, "1", "action") != "create" || dig(res, "2", "error") != "RecordTooLarge" {
		t.Errorf("job = %s", r.raw)
	}
	r = h.must(200, "GET", records+"?filter[external_ids]=ext-1,ext-2,EXT-1", nil)
	if len(r.get("custom_object_records").([]any)) != 2 || r.str("custom_object_records", "0", "name") != "r1b" {
		t.Errorf("filter by external ids = %s", r.raw)
	}
	r = h.must(200, "GET", records+"?page[size]=1", nil)
	if r.get("meta", "has_more") != true || len(r.get("custom_object_records").([]any)) != 1 {
		t.Errorf("records page = %s", r.raw)
	}
}
