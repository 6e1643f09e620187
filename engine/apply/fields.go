package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// Fields are written one at a time, before the records that fill them:
// created, or adopted when the account has one with the same key (user and
// organization fields) or title (ticket fields, which have no key).
// Updating a field sends every option Zendesk has and every option the
// plan wants: an option is added, never removed, since Zendesk deletes a
// left-out option's values from every record (spec/zendesk.md §11).

// FieldResource is the Zendesk field resource of a field kind (verify
// lists fields with it too).
func FieldResource(k kind.Kind) zendesk.FieldResource {
	switch k {
	case kind.TicketField:
		return zendesk.TicketFields
	case kind.UserField:
		return zendesk.UserFields
	}
	return zendesk.OrganizationFields
}

// fieldName is how a field is found again: its key, or a ticket field's
// title (trimmed, ignoring case).
func fieldName(k kind.Kind, f zendesk.Field) string {
	if k == kind.TicketField {
		return strings.ToLower(strings.TrimSpace(f.Title))
	}
	return f.Key
}

// accountFields lists the account's fields of a kind, by fieldName.
func accountFields(ctx context.Context, c *zendesk.Client, k kind.Kind) (map[string]zendesk.Field, error) {
	fs, err := c.ListFields(ctx, FieldResource(k))
	if err != nil {
		return nil, err
	}
	out := map[string]zendesk.Field{}
	for _, f := range fs {
		out[fieldName(k, f)] = f
	}
	return out, nil
}

// lookFields finds the fields of a create batch the account already has.
func (ex *executor) lookFields(ctx context.Context, items []item) ([]*held, error) {
	k := items[0].op.Kind
	have, err := accountFields(ctx, ex.opts.Client, k)
	if err != nil {
		return nil, fmt.Errorf("reading Zendesk's %ss before creating any: %w", k, err)
	}
	out := make([]*held, len(items))
	for i, it := range items {
		want := render.Field(it.d)
		if f, ok := have[fieldName(k, want)]; ok {
			out[i] = &held{id: f.ID, same: f.Type == want.Type && len(missingOptions(f, want)) == 0, refuse: typeClash(k, f, want)}
		}
	}
	return out, nil
}

// missingOptions are the options want has and have lacks, by value.
func missingOptions(have, want zendesk.Field) []zendesk.FieldOption {
	var out []zendesk.FieldOption
	for _, o := range want.CustomFieldOptions {
		if !slices.ContainsFunc(have.CustomFieldOptions, func(x zendesk.FieldOption) bool { return x.Value == o.Value }) {
			out = append(out, o)
		}
	}
	return out
}

// writeField creates or updates one field.
func (ex *executor) writeField(ctx context.Context, it item, action kind.Action) []outcome {
	c, k := ex.opts.Client, it.op.Kind
	want := render.Field(it.d)
	if action == kind.Create {
		got, err := c.CreateField(ctx, FieldResource(k), want)
		if errors.Is(err, zendesk.ErrMaybeSent) {
			// The answer was lost: the field may exist.
			have, lerr := accountFields(ctx, c, k)
			if lerr != nil {
				return []outcome{{err: lerr.Error()}}
			}
			if f, ok := have[fieldName(k, want)]; ok {
				return []outcome{{id: strconv.FormatInt(f.ID, 10)}}
			}
			got, err = c.CreateField(ctx, FieldResource(k), want)
		}
		return []outcome{singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) })}
	}
	id, err := strconv.ParseInt(it.op.ZendeskID, 10, 64)
	if err != nil {
		return []outcome{{err: fmt.Sprintf("the checkpoint's id %q for this field is not a number", it.op.ZendeskID)}}
	}
	have, err := accountFields(ctx, c, k)
	if err != nil {
		return []outcome{{err: err.Error()}}
	}
	var cur *zendesk.Field
	for _, f := range have {
		if f.ID == id {
			cur = &f
		}
	}
	if cur == nil {
		return []outcome{{err: fmt.Sprintf("Zendesk no longer has %s %d: kzmap state rm it to create it again", k, id)}}
	}
	upd := zendesk.Field{Type: cur.Type, Key: cur.Key, Title: want.Title, Description: want.Description}
	if len(cur.CustomFieldOptions) > 0 || len(want.CustomFieldOptions) > 0 {
		upd.CustomFieldOptions = append(slices.Clone(cur.CustomFieldOptions), missingOptions(*cur, want)...)
	}
	if why := typeClash(k, *cur, want); why != "" {
		return []outcome{{err: why}}
	}
	got, err := c.UpdateField(ctx, FieldResource(k), id, upd)
	return []outcome{singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) })}
}

// typeClash says why a field Zendesk has cannot serve as the one the plan
// wants: Zendesk does not change a field's type, and the plan converted
// the values to the type it wants.
func typeClash(k kind.Kind, have, want zendesk.Field) string {
	if have.Type == want.Type {
		return ""
	}
	return fmt.Sprintf("Zendesk has a %s field %q (%s %d), and the mapping makes it a %s field: Zendesk cannot change a field's type, so set type = %q in the mapping, or give the field another key", have.Type, fieldName(k, have), k, have.ID, want.Type, have.Type)
}
