package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// FieldResource is what a custom field belongs to.
type FieldResource string

const (
	TicketFields       FieldResource = "ticket"
	UserFields         FieldResource = "user"
	OrganizationFields FieldResource = "organization"
)

func (r FieldResource) path() string   { return "/api/v2/" + string(r) + "_fields" }
func (r FieldResource) single() string { return string(r) + "_field" }

// Field is a ticket, user or organization field. Key is the user or
// organization field's key (ticket fields are named by id).
type Field struct {
	ID                  int64         `json:"id,omitempty"`
	URL                 string        `json:"url,omitempty"`
	Type                string        `json:"type"`
	Key                 string        `json:"key,omitempty"`
	Title               string        `json:"title"`
	Description         string        `json:"description,omitempty"`
	Active              *bool         `json:"active,omitempty"`
	Position            int           `json:"position,omitempty"`
	RegexpForValidation string        `json:"regexp_for_validation,omitempty"`
	Tag                 string        `json:"tag,omitempty"`
	CustomFieldOptions  []FieldOption `json:"custom_field_options,omitempty"`
	CreatedAt           time.Time     `json:"created_at,omitzero"`
	UpdatedAt           time.Time     `json:"updated_at,omitzero"`
}

// ListFields returns every field of a resource.
func (c *Client) ListFields(ctx context.Context, r FieldResource) ([]Field, error) {
	return collect(cursorList[Field](ctx, c, r.path(), nil, string(r)+"_fields"))
}

// CreateField creates a field. A lost answer may have created it: the
// caller lists the fields again before trying twice (ErrMaybeSent).
func (c *Client) CreateField(ctx context.Context, r FieldResource, f Field) (*Field, error) {
	out := map[string]*Field{}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: r.path(), body: map[string]any{r.single(): f}, endpoint: fieldEndpoint(r, "create")}, &out); err != nil {
		return nil, err
	}
	if out[r.single()] == nil {
		return nil, fmt.Errorf("zendesk: POST %s: the answer has no %s", r.path(), r.single())
	}
	return out[r.single()], nil
}

// UpdateField updates a field. Its options, when given, replace all of
// them: an option left out is deleted with its values. Sending the same
// update twice changes nothing more, so it is retried.
func (c *Client) UpdateField(ctx context.Context, r FieldResource, id int64, f Field) (*Field, error) {
	out := map[string]*Field{}
	path := r.path() + "/" + strconv.FormatInt(id, 10)
	if _, err := c.do(ctx, &request{method: http.MethodPut, path: path, body: map[string]any{r.single(): f}, safe: true, endpoint: fieldEndpoint(r, "update")}, &out); err != nil {
		return nil, err
	}
	if out[r.single()] == nil {
		return nil, fmt.Errorf("zendesk: PUT %s: the answer has no %s", path, r.single())
	}
	return out[r.single()], nil
}

// DeleteField deletes a field and its values on every record.
func (c *Client) DeleteField(ctx context.Context, r FieldResource, id int64) error {
	_, err := c.do(ctx, &request{method: http.MethodDelete, path: r.path() + "/" + strconv.FormatInt(id, 10), safe: true}, nil)
	return err
}

// fieldEndpoint names the ticket fields' own limits (spec/zendesk.md §11).
func fieldEndpoint(r FieldResource, op string) string {
	if r == TicketFields && op == "update" {
		return "ticket-fields-update"
	}
	return ""
}
