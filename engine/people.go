package engine

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
)

// People and organizations: Kustomer users become agents, customers end
// users, companies organizations; records that Zendesk can hold only as
// one (customers sharing an email, companies named alike) are merged.

// users maps agents first (tickets and memberships need to know who is an
// agent), then customers, merging customers that share a merge key.
func (g *Generator) users(ctx context.Context, emit func(*Desired) error) error {
	claims := newEmailClaims()
	for _, m := range g.mappings(kind.User) {
		if m.From != "user" {
			continue
		}
		err := g.snap.ForEach("user", func(id string, raw []byte) error {
			d, _, outs := g.mapRecord(kind.User, m, id, raw)
			if d.Unwritable != "" {
				return emit(d)
			}
			if len(outs) == 0 {
				return nil
			}
			d.Payload = outs[0]
			if taken := claims.claimAgent(d); taken != "" {
				d.Unwritable = fmt.Sprintf("Zendesk keeps an email on one user, and %s has %s already: two Kustomer users share it; give one of them another email in Kustomer, or leave one out with when", taken, str(d.Payload, "email"))
				g.Hz.Add("agent_emails_taken", m.DeclRange, d.Sources[0]+": "+str(d.Payload, "email"))
				return emit(d)
			}
			g.agents[id] = struct{}{}
			return emit(d)
		})
		if err != nil {
			return err
		}
	}
	for _, m := range g.mappings(kind.User) {
		if m.From != "customer" {
			continue
		}
		g.customers.grow(count(g.snap, m.From))
		err := g.merged(ctx, kind.User, m, func(id string) { g.customers.add(id) }, mergeUser, func(k string, d *Desired) {
			g.Hz.Add("users_merged", m.DeclRange, fmt.Sprintf("%s ← %s", k, strings.Join(d.Sources, ", ")))
		}, func(d *Desired) error {
			if d.Unwritable == "" {
				for _, e := range claims.claimCustomer(d) {
					g.Hz.Add("user_emails_taken", m.DeclRange, fmt.Sprintf("%s: %s (%s)", d.Sources[0], e.email, e.by))
				}
			}
			return emit(d)
		}, claims)
		if err != nil {
			return err
		}
	}
	return nil
}

// organizations maps companies, merging those whose merge_by keys agree:
// Zendesk keeps organization names unique ignoring case, so companies
// named alike can only be one organization. Without merge_by, a name
// Zendesk would refuse as taken makes the later company unwritable.
func (g *Generator) organizations(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.mappings(kind.Organization) {
		if _, ok := m.Exprs["merge_by"]; !ok {
			if err := g.uniqueNames(ctx, m, emit); err != nil {
				return err
			}
			continue
		}
		err := g.merged(ctx, kind.Organization, m, nil, mergeOrganization, func(k string, d *Desired) {
			g.Hz.Add("organizations_merged", m.DeclRange, fmt.Sprintf("%q ← %s", k, strings.Join(d.Sources, ", ")))
		}, emit, nil)
		if err != nil {
			return err
		}
	}
	return nil
}

// uniqueNames emits organizations one to one, making unwritable those
// whose name (trimmed, ignoring case) an earlier one took.
func (g *Generator) uniqueNames(ctx context.Context, m *dsl.Mapping, emit func(*Desired) error) error {
	taken := map[uint64]string{} // name hash → the source that took it
	return g.simple(kind.Organization)(ctx, func(d *Desired) error {
		if d.Unwritable == "" {
			k := mergeKey(str(d.Payload, "name"))
			if first, ok := taken[keyHash(k)]; ok && k != "" {
				d.Unwritable = fmt.Sprintf("Zendesk keeps organization names unique ignoring case, and %s has the name %q already: set merge_by on %s, or make the names differ", first, k, m.Address())
				g.Hz.Add("organization_names_taken", m.DeclRange, d.Sources[0]+": "+k)
			} else {
				taken[keyHash(k)] = d.Sources[0]
			}
		}
		return emit(d)
	})
}

// merged maps the records of m in two passes, making one Zendesk record
// of those that share a merge key (merge_by, trimmed and lowercased). The
// first pass collects a 32-bit hash of each record's key (each record also
// goes to seen, when set) and keeps, of those, the keys behind more than
// one record with their counts, so memory after it holds only the groups;
// the second emits singletons at once and holds a group's member ids
// until its last member is seen, then maps the members again and folds
// each into the first (the lowest source id keys it). A hash collision can
// only make a group look larger than it is: such groups are emitted when
// the pass ends (at ten million keys, some ten thousand held to the end:
// 4 bytes a key were the difference between a plan under 256 MB and
// over). merge names each merge in the plan.
func (g *Generator) merged(ctx context.Context, k kind.Kind, m *dsl.Mapping, seen func(id string), fold func(a, b *Desired), merge func(key string, d *Desired), emit func(*Desired) error, claims *emailClaims) error {
	_, merging := m.Exprs["merge_by"]
	var hashes []uint32
	var emails []uint32
	n := count(g.snap, m.From)
	if merging {
		hashes = make([]uint32, 0, n)
	}
	if claims != nil {
		emails = make([]uint32, 0, n)
	}
	err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
		if seen != nil {
			seen(id)
		}
		if !merging && claims == nil {
			return nil
		}
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil // reported in the second pass
		}
		outs, err := g.ev.Eval(m, rec)
		if err != nil || len(outs) == 0 {
			return nil
		}
		mh, keyed := uint32(0), false
		if k := mergeKey(str(outs[0], "merge_by")); merging && k != "" {
			mh, keyed = uint32(keyHash(k)), true
			hashes = append(hashes, mh)
		}
		if claims != nil {
			emails = appendEmailHashes(emails, outs[0], mh, keyed)
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	counts := groupSizes(hashes) // sorts hashes
	if claims != nil {
		claims.watch(hashes, emails)
	}
	hashes, emails = nil, nil
	pending := map[string]*pendingGroup{}
	emitMerged := func(k string, d *Desired) error {
		delete(d.Payload, "merge_by")
		if len(d.Sources) > 1 {
			merge(k, d)
		}
		return emit(d)
	}
	err = g.snap.ForEach(m.From, func(id string, raw []byte) error {
		d, _, outs := g.mapRecord(k, m, id, raw)
		if d.Unwritable != "" {
			return emit(d)
		}
		if len(outs) == 0 {
			return nil
		}
		d.Payload = outs[0]
		key := mergeKey(str(d.Payload, "merge_by"))
		size := counts[uint32(keyHash(key))]
		if key == "" || size == 0 {
			delete(d.Payload, "merge_by")
			return emit(d)
		}
		grp := pending[key]
		if grp == nil {
			grp = &pendingGroup{}
			pending[key] = grp
		}
		grp.ids = append(grp.ids, id)
		if uint32(len(grp.ids)) < size {
			return nil
		}
		delete(pending, key)
		merged, err := g.fold(k, m, grp.ids, d, fold)
		if err != nil {
			return err
		}
		return emitMerged(key, merged)
	})
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(pending)) {
		merged, err := g.fold(k, m, pending[key].ids, nil, fold)
		if err != nil {
			return err
		}
		if err := emitMerged(key, merged); err != nil {
			return err
		}
	}
	return nil
}

// fold maps the members of a group again, in the order they were seen
// (last, when set, is the last member, mapped already), and folds them
// into one. A group waiting for its last member holds only its members'
// ids: at a million customers whose duplicates lie years apart, holding
// their mapped records instead kept some 200 MB until each group closed.
// Mapping is deterministic and a member was mappable when first seen, so
// mapping it again within the same read of the snapshot gives what it
// gave then.
func (g *Generator) fold(k kind.Kind, m *dsl.Mapping, ids []string, last *Desired, fold func(a, b *Desired)) (*Desired, error) {
	var grp *pendingGroup
	for i, id := range ids {
		d := last
		if i < len(ids)-1 || last == nil {
			raw, ok, err := g.snap.Get(m.From, id)
			if err != nil {
				return nil, err
			}
			var outs []dsl.Payload
			if ok {
				d, _, outs = g.mapRecord(k, m, id, raw)
			}
			if !ok || d.Unwritable != "" || len(outs) == 0 {
				return nil, fmt.Errorf("%s/%s: the snapshot's record changed while it was planned: plan again", m.From, id)
			}
			d.Payload = outs[0]
		}
		if grp == nil {
			grp = &pendingGroup{d: d}
			continue
		}
		g.join(grp, d, fold)
	}
	return grp.d, nil
}

// groupSizes counts the hashes that occur more than once (sorting them in
// place): a table of the groups alone, which at millions of customers with
// a few shared emails is a few entries where a count per key was a hash
// table of millions.
func groupSizes(hashes []uint32) map[uint32]uint32 {
	slices.Sort(hashes)
	sizes := map[uint32]uint32{}
	for i := 0; i < len(hashes); {
		j := i + 1
		for j < len(hashes) && hashes[j] == hashes[i] {
			j++
		}
		if j-i > 1 {
			sizes[hashes[i]] = uint32(j - i)
		}
		i = j
	}
	return sizes
}

// emailClaims keeps Zendesk's rule that an email belongs to one user
// account-wide (Kustomer lets two customers list the same address): the
// first user written with an email holds it, and a later user loses it.
// It watches only the emails that can collide — every agent's, and those
// that more than one customer lists, found in the merge pass by sorting
// 32-bit hashes of every customer's emails (4 bytes an email while the
// pass runs; a collision of those only watches an email more) — so what
// it keeps is the shared emails, not every one.
type emailClaims struct {
	watched map[uint32]struct{}
	by      map[uint64]string // email hash → the key of the user holding it
}

func newEmailClaims() *emailClaims {
	return &emailClaims{watched: map[uint32]struct{}{}, by: map[uint64]string{}}
}

func emailHash(e string) uint64 { return keyHash(strings.ToLower(strings.TrimSpace(e))) }

// watch adds the email hashes that occur more than once among the merge
// keys (sorted) and the other emails. A record's email that is its merge
// key (the default mapping merges by the primary email) is counted once,
// as its key: the same string has the same hash.
func (c *emailClaims) watch(keys, emails []uint32) {
	slices.Sort(emails)
	i, j := 0, 0
	var last uint32
	seen := 0
	for i < len(keys) || j < len(emails) {
		var h uint32
		if j >= len(emails) || i < len(keys) && keys[i] <= emails[j] {
			h, i = keys[i], i+1
		} else {
			h, j = emails[j], j+1
		}
		if seen > 0 && h == last {
			c.watched[h] = struct{}{}
		}
		last, seen = h, seen+1
	}
}

// appendEmailHashes appends the short hashes of a user payload's emails,
// each once, but for key (when keyed): the record's merge key, counted
// already.
func appendEmailHashes(hashes []uint32, p map[string]any, key uint32, keyed bool) []uint32 {
	start := len(hashes)
	for _, e := range userEmails(p) {
		h := uint32(emailHash(e))
		if !(keyed && h == key) && !slices.Contains(hashes[start:], h) {
			hashes = append(hashes, h)
		}
	}
	return hashes
}

// userEmails are a user payload's primary email and its email identities.
func userEmails(p map[string]any) []string {
	var out []string
	if e := strings.TrimSpace(str(p, "email")); e != "" {
		out = append(out, e)
	}
	for _, v := range dsl.Strings(p["identities"]) {
		if strings.Contains(v, "@") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

type lostEmail struct{ email, by string }

// claimAgent claims every email of agent d; when one is held already it
// claims none and names the holder.
func (c *emailClaims) claimAgent(d *Desired) (holder string) {
	emails := userEmails(d.Payload)
	for _, e := range emails {
		if by := c.by[emailHash(e)]; by != "" && by != d.Key {
			return by
		}
	}
	for _, e := range emails {
		h := emailHash(e)
		c.by[h] = d.Key
		c.watched[uint32(h)] = struct{}{}
	}
	return ""
}

// claimCustomer claims the watched emails customer d lists and takes from
// it those another user holds, returning them; when it loses its primary
// email, its first email identity left becomes the primary.
func (c *emailClaims) claimCustomer(d *Desired) []lostEmail {
	var lost []lostEmail
	held := func(e string) bool {
		h := emailHash(e)
		if _, ok := c.watched[uint32(h)]; !ok {
			return false
		}
		if by := c.by[h]; by != "" && by != d.Key {
			lost = append(lost, lostEmail{e, by})
			return true
		}
		c.by[h] = d.Key
		return false
	}
	primary := strings.TrimSpace(str(d.Payload, "email"))
	primaryLost := primary != "" && held(primary)
	var ids []string
	for _, v := range dsl.Strings(d.Payload["identities"]) {
		if strings.Contains(v, "@") && held(strings.TrimSpace(v)) {
			continue
		}
		ids = append(ids, v)
	}
	if len(lost) == 0 {
		return nil
	}
	if primaryLost {
		delete(d.Payload, "email")
		for i, v := range ids {
			if strings.Contains(v, "@") {
				d.Payload["email"] = v
				ids = slices.Delete(ids, i, i+1)
				break
			}
		}
	}
	if len(ids) > 0 {
		d.Payload["identities"] = ids
	} else {
		delete(d.Payload, "identities")
	}
	return lost
}

// pendingGroup is a merged record waiting for the rest of its members.
type pendingGroup struct {
	ids []string // the members seen, while the group waits for its last
	d   *Desired // the members folded, once all are seen
}

// join folds member d into its group. The member the checkpoint already
// holds keys the group, so a record that gains a member keeps its key.
func (g *Generator) join(grp *pendingGroup, d *Desired, fold func(a, b *Desired)) {
	if g.holds(d) && !g.holds(grp.d) {
		d.Sources = append(d.Sources, grp.d.Sources...)
		fold(d, grp.d)
		grp.d = d
		return
	}
	grp.d.Sources = append(grp.d.Sources, d.Sources...)
	fold(grp.d, d)
}

func keyHash(k string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k))
	return h.Sum64()
}

// mergeKey is a merge_by value as records are grouped by it: trimmed,
// ignoring case.
func mergeKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// mergeOrganization folds company b into the merged organization a: a's
// fields win, b fills what a lacks, domains and tags are the union.
func mergeOrganization(a, b *Desired) {
	for k, v := range b.Payload {
		if _, ok := a.Payload[k]; !ok && k != "external_id" && k != "name" {
			a.Payload[k] = v
		}
	}
	for _, k := range []string{"domain_names", "tags"} {
		union := dsl.Strings(a.Payload[k])
		for _, x := range dsl.Strings(b.Payload[k]) {
			if !slices.Contains(union, x) {
				union = append(union, x)
			}
		}
		if len(union) > 0 {
			a.Payload[k] = union
		}
	}
}

// mergeUser folds customer b into the merged user a: a's fields win, b
// fills what a lacks, and b's emails and phones become identities.
func mergeUser(a, b *Desired) {
	for k, v := range b.Payload {
		if _, ok := a.Payload[k]; !ok && k != "email" && k != "external_id" {
			a.Payload[k] = v
		}
	}
	primary, _ := a.Payload["email"].(string)
	ids := dsl.Strings(a.Payload["identities"])
	add := func(s string) {
		if s == "" || strings.EqualFold(s, primary) {
			return
		}
		for _, x := range ids {
			if strings.EqualFold(x, s) {
				return
			}
		}
		ids = append(ids, s)
	}
	if e, ok := b.Payload["email"].(string); ok {
		add(e)
	}
	if p, ok := b.Payload["phone"].(string); ok && p != a.Payload["phone"] {
		add(p)
	}
	for _, s := range dsl.Strings(b.Payload["identities"]) {
		add(s)
	}
	if len(ids) > 0 {
		a.Payload["identities"] = ids
	}
	tags := dsl.Strings(a.Payload["tags"])
	for _, t := range dsl.Strings(b.Payload["tags"]) {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		a.Payload["tags"] = tags
	}
}
