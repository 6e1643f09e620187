package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kzmap/kzmap/zendesk"
)

// Adoption (spec/rules.md, rule 26): a record Zendesk already holds under
// the source's identity is taken over, not created again — one made by an
// earlier run whose checkpoint is gone, or by someone else. Before a batch
// creates records, kzmap looks them up (lookups.go): organizations by
// external id or name, users by external id (and by email when Zendesk
// says the email is taken), groups by name, memberships by agent and
// group, tickets by external id. Adopted records are written to the
// checkpoint in a batch of their own (op "adopt"), updated first when they
// differ from the plan.

// orgIndex is what Zendesk holds of organizations, read once per run,
// before the first organization is created: one listing, of a page per
// hundred organizations, one request for an empty account.
type orgIndex struct {
	byExt  map[string]zendesk.Organization // lowercased external id
	byName map[string]zendesk.Organization // orgName
}

// orgName is how Zendesk tells organization names apart.
func orgName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (ex *executor) organizations(ctx context.Context) (*orgIndex, error) {
	ex.orgsMu.Lock()
	defer ex.orgsMu.Unlock()
	if ex.orgs != nil {
		return ex.orgs, nil
	}
	idx := &orgIndex{byExt: map[string]zendesk.Organization{}, byName: map[string]zendesk.Organization{}}
	for o, err := range ex.opts.Client.ListOrganizations(ctx) {
		if err != nil {
			return nil, fmt.Errorf("reading Zendesk's organizations before creating any: %w", err)
		}
		if o.ExternalID != "" {
			idx.byExt[strings.ToLower(o.ExternalID)] = o
		}
		idx.byName[orgName(o.Name)] = o
	}
	ex.orgs = idx
	return idx, nil
}

// find returns the organization Zendesk holds for want: by external id,
// else by name.
func (idx *orgIndex) find(want zendesk.Organization) (zendesk.Organization, bool) {
	if want.ExternalID != "" {
		if o, ok := idx.byExt[strings.ToLower(want.ExternalID)]; ok {
			return o, true
		}
	}
	o, ok := idx.byName[orgName(want.Name)]
	return o, ok
}

// sameOrganization says whether Zendesk's organization already is what
// the plan wants, as far as the plan sets it.
func sameOrganization(have, want zendesk.Organization) bool {
	sameSet := func(a, b []string) bool {
		x, y := slices.Clone(a), slices.Clone(b)
		for i := range x {
			x[i] = strings.ToLower(x[i])
		}
		for i := range y {
			y[i] = strings.ToLower(y[i])
		}
		slices.Sort(x)
		slices.Sort(y)
		return slices.Equal(slices.Compact(x), slices.Compact(y))
	}
	if strings.TrimSpace(have.Name) != strings.TrimSpace(want.Name) || !strings.EqualFold(have.ExternalID, want.ExternalID) ||
		!sameSet(have.DomainNames, want.DomainNames) || !sameSet(have.Tags, want.Tags) || have.Details != want.Details || have.Notes != want.Notes {
		return false
	}
	for k, v := range want.OrganizationFields {
		if fmt.Sprint(have.OrganizationFields[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}
