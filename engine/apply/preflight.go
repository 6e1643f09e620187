package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// Importer checks the credentials before anything is read or written: the
// Ticket Import API needs an admin. It returns the importing admin, who
// writes the comments the plan leaves without an author (Options.Importer).
func Importer(ctx context.Context, c *zendesk.Client) (*zendesk.User, error) {
	me, err := c.Me(ctx)
	var unreachable *zendesk.UnreachableError
	switch {
	case errors.As(err, &unreachable):
		return nil, fmt.Errorf("preflight: %w", err)
	case err != nil:
		return nil, fmt.Errorf("preflight: Zendesk credentials: %w", err)
	}
	if me.Role != "admin" {
		return nil, fmt.Errorf("preflight: %s is a Zendesk %s; the Ticket Import API needs an admin", me.Email, me.Role)
	}
	return me, nil
}

// Preflight checks, before the first write, what would make the apply fail
// half way: room for the custom objects the plan creates on the account's
// plan tier.
func Preflight(ctx context.Context, c *zendesk.Client, s planfile.Summary) error {
	if n := s.Counts[kind.CustomObject][kind.Create]; n > 0 {
		lim, err := c.ObjectLimit(ctx)
		var api *zendesk.APIError
		switch {
		case errors.As(err, &api) && api.Status == 404:
			// No custom objects on this account's plan at all.
			return fmt.Errorf("preflight: the plan creates %d custom objects, and this Zendesk account has no custom objects (limit endpoint: %v)", n, err)
		case err != nil:
			return fmt.Errorf("preflight: custom object limit: %w", err)
		case lim.Count+n > lim.Limit:
			return fmt.Errorf("preflight: the plan creates %d custom objects; the account has %d of %d already. Filter Klasses with `when` in the custom_object mapping, or raise the plan tier", n, lim.Count, lim.Limit)
		}
	}
	return nil
}
