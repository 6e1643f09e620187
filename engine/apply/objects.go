package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// ensureObject makes Zendesk hold a custom object as planned: created
// unless it exists (its title and description updated when update is
// set), then every field it lacks added. It is safe to repeat: an object
// or field that exists is kept, and one whose creation's answer was lost
// is looked up before it is sent again. The object is recorded only when
// every field exists, so records never meet a missing field. A field's
// type cannot change in Zendesk: one that exists is kept as it is.
func (ex *executor) ensureObject(ctx context.Context, it item, update bool) outcome {
	c := ex.opts.Client
	want := render.CustomObject(it.d)
	key := want.Key
	hasObject := func() (bool, error) {
		objs, err := c.ListCustomObjects(ctx)
		if err != nil {
			return false, err
		}
		for _, o := range objs {
			if o.Key == key {
				return true, nil
			}
		}
		return false, nil
	}
	// existed: the object was there before, or its creation's answer was
	// lost; its fields are then listed before any is created.
	existed, err := hasObject()
	if err != nil {
		return outcome{err: err.Error()}
	}
	before := existed
	for created, attempt := existed, 0; !created; attempt++ {
		if attempt == 3 {
			return outcome{err: fmt.Sprintf("creating object %s: its creation's answer was lost three times and Zendesk does not show it; apply again", key)}
		}
		obj, err := c.CreateCustomObject(ctx, want)
		switch {
		case err == nil:
			created = true
		case errors.Is(err, zendesk.ErrMaybeSent):
			if created, err = hasObject(); err != nil {
				return outcome{err: err.Error()}
			}
			existed = created
		default:
			return singleOutcome(obj, err, func() string { return key })
		}
	}
	if existed && update {
		if _, err := c.UpdateCustomObject(ctx, want); err != nil {
			return singleOutcome[zendesk.CustomObject](nil, err, nil)
		}
	}
	if o := ex.ensureFields(ctx, key, render.ObjectFields(it.d), existed); o.err != "" {
		return o
	}
	return outcome{id: key, adopted: before && !update}
}

// ensureFields adds the fields an object lacks; list says whether to look
// at the fields it has first.
func (ex *executor) ensureFields(ctx context.Context, key string, fields []zendesk.CustomObjectField, list bool) outcome {
	c := ex.opts.Client
	have := map[string]bool{}
	listed := !list
	for _, f := range fields {
		for attempt := 0; ; attempt++ {
			if !listed {
				existing, err := c.ListCustomObjectFields(ctx, key)
				if err != nil {
					return outcome{err: fmt.Sprintf("listing the fields of %s: %v", key, err)}
				}
				for _, ef := range existing {
					have[ef.Key] = true
				}
				listed = true
			}
			if have[f.Key] {
				break
			}
			_, err := c.CreateCustomObjectField(ctx, key, f)
			if err == nil {
				have[f.Key] = true
				break
			}
			// A field that may or may not have been created is looked up
			// before it is sent again.
			var api *zendesk.APIError
			retriable := errors.Is(err, zendesk.ErrMaybeSent) || (errors.As(err, &api) && api.Temporary())
			if !retriable || attempt == 3 {
				return outcome{err: fmt.Sprintf("field %s: %v", f.Key, err)}
			}
			listed = false
		}
	}
	return outcome{}
}
