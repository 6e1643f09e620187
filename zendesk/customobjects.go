package zendesk

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// Custom objects, their fields and records (the new Custom Objects API).

func objectPath(key string, rest ...string) string {
	p := "/api/v2/custom_objects/" + url.PathEscape(key)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// CreateCustomObject creates a custom object. Only admins may.
func (c *Client) CreateCustomObject(ctx context.Context, o CustomObject) (*CustomObject, error) {
	var out struct {
		CustomObject CustomObject `json:"custom_object"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/api/v2/custom_objects",
		body: map[string]any{"custom_object": o}}, &out); err != nil {
		return nil, err
	}
	return &out.CustomObject, nil
}

// UpdateCustomObject changes a custom object's title, plural and
// description (its key cannot change). It is safe to repeat, and is
// retried.
func (c *Client) UpdateCustomObject(ctx context.Context, o CustomObject) (*CustomObject, error) {
	var out struct {
		CustomObject CustomObject `json:"custom_object"`
	}
	body := map[string]any{"custom_object": map[string]any{"title": o.Title, "title_pluralized": o.TitlePluralized, "description": o.Description}}
	if _, err := c.do(ctx, &request{method: http.MethodPatch, path: objectPath(o.Key), body: body, safe: true}, &out); err != nil {
		return nil, err
	}
	return &out.CustomObject, nil
}

// ListCustomObjects returns every custom object.
func (c *Client) ListCustomObjects(ctx context.Context) ([]CustomObject, error) {
	var out struct {
		CustomObjects []CustomObject `json:"custom_objects"`
	}
	err := c.get(ctx, "/api/v2/custom_objects", nil, &out)
	return out.CustomObjects, err
}

// CreateCustomObjectField adds a field to a custom object.
func (c *Client) CreateCustomObjectField(ctx context.Context, key string, f CustomObjectField) (*CustomObjectField, error) {
	var out struct {
		Field CustomObjectField `json:"custom_object_field"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: objectPath(key, "fields"),
		body: map[string]any{"custom_object_field": f}}, &out); err != nil {
		return nil, err
	}
	return &out.Field, nil
}

// ListCustomObjectFields returns a custom object's fields, the standard
// ones (keys starting "standard::") included.
func (c *Client) ListCustomObjectFields(ctx context.Context, key string) ([]CustomObjectField, error) {
	var out struct {
		Fields []CustomObjectField `json:"custom_object_fields"`
	}
	err := c.get(ctx, objectPath(key, "fields"), nil, &out)
	return out.Fields, err
}

// CreateCustomObjectRecord creates one record.
func (c *Client) CreateCustomObjectRecord(ctx context.Context, key string, r CustomObjectRecord) (*CustomObjectRecord, error) {
	var out struct {
		Record CustomObjectRecord `json:"custom_object_record"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: objectPath(key, "records"),
		body: map[string]any{"custom_object_record": r}}, &out); err != nil {
		return nil, err
	}
	return &out.Record, nil
}

// UpsertCustomObjectRecord creates the record with this external id or
// updates the attributes given. It is safe to repeat, and is retried.
func (c *Client) UpsertCustomObjectRecord(ctx context.Context, key, externalID string, r CustomObjectRecord) (*CustomObjectRecord, error) {
	r.ExternalID = "" // the query names it
	var out struct {
		Record CustomObjectRecord `json:"custom_object_record"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPatch, path: objectPath(key, "records"),
		query: url.Values{"external_id": {externalID}}, body: map[string]any{"custom_object_record": r}, safe: true}, &out); err != nil {
		return nil, err
	}
	return &out.Record, nil
}

// CustomObjectRecordsByExternalID returns the records among up to 100
// external ids (case-sensitive) that exist.
func (c *Client) CustomObjectRecordsByExternalID(ctx context.Context, key string, externalIDs []string) ([]CustomObjectRecord, error) {
	if len(externalIDs) == 0 {
		return nil, nil
	}
	if len(externalIDs) > MaxBatch {
		return nil, fmt.Errorf("zendesk: at most %d external ids per lookup, got %d", MaxBatch, len(externalIDs))
	}
	return collect(cursorList[CustomObjectRecord](ctx, c, objectPath(key, "records"),
		url.Values{"filter[external_ids]": {strings.Join(externalIDs, ",")}}, "custom_object_records"))
}

// ListCustomObjectRecords yields every record of a custom object.
func (c *Client) ListCustomObjectRecords(ctx context.Context, key string) iter.Seq2[CustomObjectRecord, error] {
	return cursorList[CustomObjectRecord](ctx, c, objectPath(key, "records"), nil, "custom_object_records")
}

// RecordJobAction is what a custom object record job does to its items.
type RecordJobAction string

// Record job actions that take records.
const (
	RecordCreate                     RecordJobAction = "create"
	RecordUpdate                     RecordJobAction = "update"
	RecordCreateOrUpdateByExternalID RecordJobAction = "create_or_update_by_external_id"
	RecordCreateOrUpdateByName       RecordJobAction = "create_or_update_by_name"
)

// SubmitRecordJob runs a bulk job over up to 100 records of a custom
// object.
func (c *Client) SubmitRecordJob(ctx context.Context, key string, action RecordJobAction, records []CustomObjectRecord) (*Job, error) {
	switch action {
	case RecordCreate, RecordUpdate, RecordCreateOrUpdateByExternalID, RecordCreateOrUpdateByName:
	default:
		return nil, fmt.Errorf("zendesk: %q is not a record job action that takes records", action)
	}
	if err := checkBatch("custom_objects/"+key+"/jobs", len(records)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: objectPath(key, "jobs"),
		body: map[string]any{"job": map[string]any{"action": action, "items": records}},
		safe: action == RecordCreateOrUpdateByExternalID || action == RecordCreateOrUpdateByName}, len(records))
}

// DeleteRecords deletes up to 100 records of a custom object in one job,
// by id or, with byExternalID, by external id.
func (c *Client) DeleteRecords(ctx context.Context, key string, ids []string, byExternalID bool) (*Job, error) {
	if err := checkBatch("custom_objects/"+key+"/jobs", len(ids)); err != nil {
		return nil, err
	}
	action := "delete"
	if byExternalID {
		action = "delete_by_external_id"
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: objectPath(key, "jobs"),
		body: map[string]any{"job": map[string]any{"action": action, "items": ids}}, safe: true}, len(ids))
}

// ObjectLimit reports how many custom objects the account has and may have.
func (c *Client) ObjectLimit(ctx context.Context) (*Limit, error) {
	var out Limit
	if err := c.get(ctx, "/api/v2/custom_objects/limits/object_limit", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FieldLimit reports how many fields a custom object has and may have.
func (c *Client) FieldLimit(ctx context.Context, key string) (*Limit, error) {
	var out Limit
	if err := c.get(ctx, objectPath(key, "limits", "field_limit"), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
