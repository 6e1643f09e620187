package apply

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// Adoption: a record Zendesk already holds under the source's identity is
// taken over, not created again. Zendesk refuses an organization whose
// name (ignoring case and surrounding space) another one has, and one
// made by an earlier run whose checkpoint is gone has kzmap's external id:
// either way the organization exists, and creating it would fail or
// duplicate it. Adopted records are written to the checkpoint in a batch
// of their own (op "adopt"), updated first when they differ from the plan.

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

// adoptOrganizations takes over the organizations of a create batch that
// Zendesk already holds, and returns the items still to create.
func (ex *executor) adoptOrganizations(ctx context.Context, items []item) ([]item, error) {
	idx, err := ex.organizations(ctx)
	if err != nil {
		return nil, err
	}
	var adopt, rest []item
	var have []zendesk.Organization
	for _, it := range items {
		if o, ok := idx.find(render.Organization(it.d)); ok {
			adopt = append(adopt, it)
			have = append(have, o)
		} else {
			rest = append(rest, it)
		}
	}
	if len(adopt) == 0 {
		return rest, nil
	}
	b := ex.newBatch(adopt, kind.Adopt)
	for i := range adopt {
		b.ExternalIDs[i] = strconv.FormatInt(have[i].ID, 10)
	}
	if err := ex.opts.Store.BeginBatch(b); err != nil {
		return nil, err
	}
	outs := make([]outcome, len(adopt))
	updated := 0
	for i, it := range adopt {
		want := render.Organization(it.d)
		if sameOrganization(have[i], want) {
			outs[i] = outcome{id: strconv.FormatInt(have[i].ID, 10)}
			continue
		}
		want.ID = have[i].ID
		got, _, err := ex.opts.Client.CreateOrUpdateOrganization(ctx, want)
		outs[i] = singleOutcome(got, err, func() string { return strconv.FormatInt(got.ID, 10) })
		if outs[i].id != "" {
			updated++
		}
	}
	if updated > 0 {
		ex.warn("%d organizations Zendesk already held were adopted and updated to match the mapping", updated)
	}
	return rest, ex.complete(b, outs)
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
