package zendesk

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Organizations, users, identities, groups and group memberships.

func checkBatch(what string, n int) error {
	if n == 0 {
		return fmt.Errorf("zendesk: %s: nothing to send", what)
	}
	if n > MaxBatch {
		return fmt.Errorf("zendesk: %s takes at most %d items, got %d", what, MaxBatch, n)
	}
	return nil
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	_, err := c.do(ctx, &request{method: http.MethodGet, path: path, query: q, safe: true}, out)
	return err
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// showMany fetches up to 100 records by ids or external ids.
func showMany[T any](ctx context.Context, c *Client, path, param, list string, n int, key string) ([]T, error) {
	if n == 0 {
		return nil, nil
	}
	if n > MaxBatch {
		return nil, fmt.Errorf("zendesk: GET %s takes at most %d %s, got %d", path, MaxBatch, param, n)
	}
	out := map[string][]T{}
	if err := c.get(ctx, path, url.Values{param: {list}}, &out); err != nil {
		return nil, err
	}
	return out[key], nil
}

// CreateManyOrganizations creates up to 100 organizations in one job.
func (c *Client) CreateManyOrganizations(ctx context.Context, orgs []Organization) (*Job, error) {
	if err := checkBatch("organizations/create_many", len(orgs)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: "/api/v2/organizations/create_many",
		body: map[string]any{"organizations": orgs}}, len(orgs))
}

// CreateOrUpdateOrganization creates an organization or updates the one
// with the same id or external id (never matched by name). created tells
// which. With an id or external id it is safe to repeat, and is retried.
func (c *Client) CreateOrUpdateOrganization(ctx context.Context, org Organization) (_ *Organization, created bool, _ error) {
	var out struct {
		Organization Organization `json:"organization"`
	}
	res, err := c.do(ctx, &request{method: http.MethodPost, path: "/api/v2/organizations/create_or_update",
		body: map[string]any{"organization": org}, safe: org.ID != 0 || org.ExternalID != ""}, &out)
	if err != nil {
		return nil, false, err
	}
	return &out.Organization, res.status == http.StatusCreated, nil
}

// ShowManyOrganizations returns the organizations among up to 100 ids
// that exist.
func (c *Client) ShowManyOrganizations(ctx context.Context, ids []int64) ([]Organization, error) {
	return showMany[Organization](ctx, c, "/api/v2/organizations/show_many", "ids", joinIDs(ids), len(ids), "organizations")
}

// ShowManyOrganizationsByExternalID returns the organizations among up to
// 100 external ids (case-insensitive) that exist.
func (c *Client) ShowManyOrganizationsByExternalID(ctx context.Context, externalIDs []string) ([]Organization, error) {
	return showMany[Organization](ctx, c, "/api/v2/organizations/show_many", "external_ids", strings.Join(externalIDs, ","), len(externalIDs), "organizations")
}

// SearchOrganizationsByExternalID returns the organization with this
// external id, if any.
func (c *Client) SearchOrganizationsByExternalID(ctx context.Context, externalID string) ([]Organization, error) {
	var out struct {
		Organizations []Organization `json:"organizations"`
	}
	err := c.get(ctx, "/api/v2/organizations/search", url.Values{"external_id": {externalID}}, &out)
	return out.Organizations, err
}

// ListOrganizations yields every organization.
func (c *Client) ListOrganizations(ctx context.Context) iter.Seq2[Organization, error] {
	return cursorList[Organization](ctx, c, "/api/v2/organizations", nil, "organizations")
}

// CreateManyUsers creates up to 100 users in one job. Zendesk answers 403
// until bulk user imports are enabled on the account.
func (c *Client) CreateManyUsers(ctx context.Context, users []User) (*Job, error) {
	if err := checkBatch("users/create_many", len(users)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: "/api/v2/users/create_many",
		body: map[string]any{"users": users}}, len(users))
}

// CreateOrUpdateManyUsers creates up to 100 users, or updates those an
// email or external id identifies, in one job.
func (c *Client) CreateOrUpdateManyUsers(ctx context.Context, users []User) (*Job, error) {
	if err := checkBatch("users/create_or_update_many", len(users)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: "/api/v2/users/create_or_update_many",
		body: map[string]any{"users": users}}, len(users))
}

// CreateOrUpdateUser creates a user or updates the one its email or
// external id identifies; created tells which. It has its own endpoint
// limit (create-update-user). With an email or external id it is safe to
// repeat, and is retried.
func (c *Client) CreateOrUpdateUser(ctx context.Context, u User) (_ *User, created bool, _ error) {
	var out struct {
		User User `json:"user"`
	}
	res, err := c.do(ctx, &request{method: http.MethodPost, path: "/api/v2/users/create_or_update",
		body: map[string]any{"user": u}, safe: u.ID != 0 || u.Email != "" || u.ExternalID != "",
		endpoint: "create-update-user"}, &out)
	if err != nil {
		return nil, false, err
	}
	return &out.User, res.status == http.StatusCreated, nil
}

// Me returns the authenticated user: a cheap check of the credentials.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var out struct {
		User User `json:"user"`
	}
	if err := c.get(ctx, "/api/v2/users/me", nil, &out); err != nil {
		return nil, err
	}
	return &out.User, nil
}

// ShowManyUsers returns the users among up to 100 ids that exist.
func (c *Client) ShowManyUsers(ctx context.Context, ids []int64) ([]User, error) {
	return showMany[User](ctx, c, "/api/v2/users/show_many", "ids", joinIDs(ids), len(ids), "users")
}

// ShowManyUsersByExternalID returns the users among up to 100 external
// ids (case-insensitive) that exist.
func (c *Client) ShowManyUsersByExternalID(ctx context.Context, externalIDs []string) ([]User, error) {
	return showMany[User](ctx, c, "/api/v2/users/show_many", "external_ids", strings.Join(externalIDs, ","), len(externalIDs), "users")
}

// SearchUsers yields the users a search query matches (at most 10,000).
func (c *Client) SearchUsers(ctx context.Context, query string) iter.Seq2[User, error] {
	return offsetList[User](ctx, c, "/api/v2/users/search", url.Values{"query": {query}}, "users")
}

// SearchUsersByEmail returns the user who has this email, as primary or
// secondary identity.
func (c *Client) SearchUsersByEmail(ctx context.Context, email string) ([]User, error) {
	return collect(c.SearchUsers(ctx, "email:"+email))
}

// SearchUsersByExternalID returns the user with this external id.
func (c *Client) SearchUsersByExternalID(ctx context.Context, externalID string) ([]User, error) {
	return collect(offsetList[User](ctx, c, "/api/v2/users/search", url.Values{"external_id": {externalID}}, "users"))
}

// ListUsers yields every user.
func (c *Client) ListUsers(ctx context.Context) iter.Seq2[User, error] {
	return cursorList[User](ctx, c, "/api/v2/users", nil, "users")
}

// CreateIdentity adds an identity (an email, a phone number…) to a user.
func (c *Client) CreateIdentity(ctx context.Context, userID int64, id Identity) (*Identity, error) {
	var out struct {
		Identity Identity `json:"identity"`
	}
	path := "/api/v2/users/" + strconv.FormatInt(userID, 10) + "/identities"
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: path, body: map[string]any{"identity": id}}, &out); err != nil {
		return nil, err
	}
	return &out.Identity, nil
}

// ListIdentities returns a user's identities.
func (c *Client) ListIdentities(ctx context.Context, userID int64) ([]Identity, error) {
	return collect(offsetList[Identity](ctx, c, "/api/v2/users/"+strconv.FormatInt(userID, 10)+"/identities", nil, "identities"))
}

// CreateGroup creates an agent group.
func (c *Client) CreateGroup(ctx context.Context, g Group) (*Group, error) {
	var out struct {
		Group Group `json:"group"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/api/v2/groups", body: map[string]any{"group": g}}, &out); err != nil {
		return nil, err
	}
	return &out.Group, nil
}

// UpdateGroup changes a group's name and description. It is safe to
// repeat, and is retried.
func (c *Client) UpdateGroup(ctx context.Context, id int64, g Group) (*Group, error) {
	var out struct {
		Group Group `json:"group"`
	}
	body := map[string]any{"group": map[string]any{"name": g.Name, "description": g.Description}}
	if _, err := c.do(ctx, &request{method: http.MethodPut, path: "/api/v2/groups/" + strconv.FormatInt(id, 10), body: body, safe: true}, &out); err != nil {
		return nil, err
	}
	return &out.Group, nil
}

// ListGroups returns every group.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	return collect(offsetList[Group](ctx, c, "/api/v2/groups", nil, "groups"))
}

// CreateManyGroupMemberships puts up to 100 agents into groups in one job.
func (c *Client) CreateManyGroupMemberships(ctx context.Context, ms []GroupMembership) (*Job, error) {
	if err := checkBatch("group_memberships/create_many", len(ms)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: "/api/v2/group_memberships/create_many",
		body: map[string]any{"group_memberships": ms}}, len(ms))
}

// ListGroupMemberships returns every group membership.
func (c *Client) ListGroupMemberships(ctx context.Context) ([]GroupMembership, error) {
	return collect(offsetList[GroupMembership](ctx, c, "/api/v2/group_memberships", nil, "group_memberships"))
}
