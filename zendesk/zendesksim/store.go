package zendesksim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// store is the account's data and its indexes. The server's mutex guards
// it; nothing here locks.
type store struct {
	seq     map[string]int64
	ownerID int64

	orgs       map[int64]*Organization
	orgOrder   sortedIDs
	orgByName  map[string]int64 // orgNameKey(name)
	orgByExtID map[string]int64 // lower-cased external id [OAS]

	users       map[int64]*User
	userOrder   sortedIDs
	userByExtID map[string]int64 // lower-cased external id [USERS-DOC]
	identities  map[int64]*Identity
	userByEmail map[string]int64 // lower-cased email identity value, account-wide

	groups      map[int64]*Group
	memberships map[int64]*GroupMembership
	member      map[[2]int64]int64 // (group, user) → membership id

	uploads map[string]*Upload

	tickets       map[int64]*ticket
	ticketOrder   sortedIDs
	ticketByExtID map[string][]int64 // external ids need not be unique for tickets [OAS]
	// trash holds soft-deleted tickets: listed by /deleted_tickets,
	// restorable, and exported with status "deleted" until deleted
	// permanently [OAS DeleteTicketPermanently].
	trash  map[int64]*ticket
	purged []int64 // permanently deleted ticket ids

	objects map[string]*customObject

	jobs    map[string]*job
	pending []*job // queued or working, in creation order
	jobAge  []*job // every job still readable, in creation order

	idem map[string]*idemEntry

	flags        []Flag
	flagsDropped int

	blocked map[string]bool // lower-cased emails an admin blocked (Block)

	fields map[string]map[int64]*Field // resource (ticket, user, organization) → id → field

	emails     []Email   // notifications the triggers would have sent
	automation time.Time // when automations last ran (hourly)

	hc *helpCenter // the knowledge base (helpcenter.go)
}

// maxFlags bounds the flags kept, so a long rehearsal that breaks a rule
// on every ticket keeps flat memory; flagsDropped counts the rest.
const maxFlags = 10_000

// flag notes a broken rule (see Flag).
func (st *store) flag(rule, where, detail string) {
	if len(st.flags) >= maxFlags {
		st.flagsDropped++
		return
	}
	st.flags = append(st.flags, Flag{Rule: rule, Where: where, Detail: detail})
}

type ticket struct {
	Ticket
	comments  []heldComment
	archived  bool
	deletedAt time.Time // soft-deleted (in trash) at
	deletedBy int64
	dropped   []string  // field values dropped while it was built, flagged once saved
	solvedAt  time.Time // when it was last solved (imports: solved_at)
}

type customObject struct {
	CustomObject
	fields       []*CustomObjectField
	records      map[string]*CustomObjectRecord
	recordOrder  []string
	recordByExt  map[string]string // external id (case-sensitive) → record id
	recordByName map[string]string
}

type idemEntry struct {
	bodyHash string
	status   int
	v        any
	at       time.Time
}

// idBase gives each kind its own id range, so that a client confusing a
// user id with an organization id gets a 404 instead of the wrong record.
var idBase = map[string]int64{
	"ticket":     0,
	"user":       1_000_000_000,
	"org":        2_000_000_000,
	"group":      3_000_000_000,
	"membership": 4_000_000_000,
	"comment":    5_000_000_000,
	"attachment": 6_000_000_000,
	"identity":   7_000_000_000,
	"field":      8_000_000_000,
	"job":        0,
	"record":     0,
	"upload":     0,
	"audit":      9_000_000_000,

	"hc_category":         10_000_000_000,
	"hc_section":          11_000_000_000,
	"hc_article":          12_000_000_000,
	"hc_translation":      13_000_000_000,
	"hc_attachment":       14_000_000_000,
	"hc_permission_group": 15_000_000_000,
	"hc_segment":          16_000_000_000,
}

func newStore(ownerEmail string, now time.Time) *store {
	st := &store{
		seq:           map[string]int64{},
		orgs:          map[int64]*Organization{},
		orgByName:     map[string]int64{},
		orgByExtID:    map[string]int64{},
		users:         map[int64]*User{},
		userByExtID:   map[string]int64{},
		identities:    map[int64]*Identity{},
		userByEmail:   map[string]int64{},
		groups:        map[int64]*Group{},
		memberships:   map[int64]*GroupMembership{},
		member:        map[[2]int64]int64{},
		uploads:       map[string]*Upload{},
		tickets:       map[int64]*ticket{},
		ticketByExtID: map[string][]int64{},
		trash:         map[int64]*ticket{},
		blocked:       map[string]bool{},
		fields:        map[string]map[int64]*Field{},
		objects:       map[string]*customObject{},
		jobs:          map[string]*job{},
		idem:          map[string]*idemEntry{},
	}
	owner := &User{
		ID: st.next("user"), Name: "Account Owner", Role: "admin", RoleType: ptr(4),
		Active: true, Verified: true, Locale: "en-US", TimeZone: "UTC",
		Tags: []string{}, UserFields: map[string]any{}, CreatedAt: now, UpdatedAt: now,
	}
	st.ownerID = owner.ID
	st.users[owner.ID] = owner
	st.userOrder.add(owner.ID)
	st.addIdentity(owner, "email", ownerEmail, true, now, "")
	return st
}

func (st *store) next(kind string) int64 {
	st.seq[kind]++
	return idBase[kind] + st.seq[kind]
}

// token returns a deterministic opaque string for the n-th thing of a kind.
func token(kind string, n int64, length int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", kind, n))
	return hex.EncodeToString(sum[:])[:length]
}

// addIdentity adds an identity and indexes email values account-wide.
func (st *store) addIdentity(u *User, typ, value string, primary bool, now time.Time, base string) *Identity {
	id := &Identity{
		ID: st.next("identity"), UserID: u.ID, Type: typ, Value: value,
		Verified: u.Verified, Primary: primary, CreatedAt: now, UpdatedAt: now,
	}
	id.URL = fmt.Sprintf("%s/api/v2/users/%d/identities/%d.json", base, u.ID, id.ID)
	st.identities[id.ID] = id
	if typ == "email" {
		st.userByEmail[strings.ToLower(value)] = u.ID
		if primary {
			v := value
			u.Email = &v
		}
	}
	return id
}

func (st *store) isAgent(id int64) bool {
	u := st.users[id]
	return u != nil && (u.Role == "agent" || u.Role == "admin")
}

func sortedValues[K comparable, V any](m map[K]*V, less func(a, b *V) int) []V {
	vs := slices.Collect(maps.Values(m))
	slices.SortFunc(vs, less)
	out := make([]V, len(vs))
	for i, v := range vs {
		out[i] = *v
	}
	return out
}

func byID[T interface{ getID() int64 }](a, b T) int { return cmpInt(a.getID(), b.getID()) }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (o *Organization) getID() int64    { return o.ID }
func (u *User) getID() int64            { return u.ID }
func (i *Identity) getID() int64        { return i.ID }
func (g *Group) getID() int64           { return g.ID }
func (m *GroupMembership) getID() int64 { return m.ID }

// dump copies the account. Slices and maps of the copies are cloned so
// the caller can keep them while the server goes on.
func (st *store) dump() State {
	var s State
	s.Organizations = sortedValues(st.orgs, byID[*Organization])
	for i := range s.Organizations {
		o := &s.Organizations[i]
		o.Tags, o.DomainNames, o.OrganizationFields = slices.Clone(o.Tags), slices.Clone(o.DomainNames), maps.Clone(o.OrganizationFields)
	}
	s.Users = sortedValues(st.users, byID[*User])
	for i := range s.Users {
		u := &s.Users[i]
		u.Tags, u.UserFields = slices.Clone(u.Tags), maps.Clone(u.UserFields)
	}
	s.Identities = sortedValues(st.identities, byID[*Identity])
	s.Groups = sortedValues(st.groups, byID[*Group])
	s.GroupMemberships = sortedValues(st.memberships, byID[*GroupMembership])
	ids := slices.Sorted(maps.Keys(st.tickets))
	for _, id := range ids {
		t := st.tickets[id]
		ts := TicketState{Ticket: t.render(), Comments: make([]Comment, len(t.comments)), Archived: t.archived}
		for i, c := range t.comments {
			ts.Comments[i] = c.comment().render()
		}
		s.Tickets = append(s.Tickets, ts)
	}
	for name, dst := range map[string]*[]Field{"ticket": &s.TicketFields, "user": &s.UserFields, "organization": &s.OrganizationFields} {
		for _, id := range slices.Sorted(maps.Keys(st.fields[name])) {
			*dst = append(*dst, st.fields[name][id].render())
		}
	}
	s.DeletedTicketIDs = slices.Sorted(maps.Keys(st.trash))
	s.PurgedTicketIDs = slices.Clone(st.purged)
	s.Flags = slices.Clone(st.flags)
	s.Emails = slices.Clone(st.emails)
	if st.flagsDropped > 0 {
		s.Flags = append(s.Flags, Flag{Rule: "more", Where: "account", Detail: fmt.Sprintf("%d more flags not kept", st.flagsDropped)})
	}
	for _, tok := range slices.Sorted(maps.Keys(st.uploads)) {
		u := *st.uploads[tok]
		u.Attachments = slices.Clone(u.Attachments)
		s.Uploads = append(s.Uploads, u)
	}
	for _, key := range slices.Sorted(maps.Keys(st.objects)) {
		o := st.objects[key]
		cs := CustomObjectState{CustomObject: o.CustomObject}
		for _, f := range o.fields {
			f := *f
			f.CustomFieldOptions = slices.Clone(f.CustomFieldOptions)
			cs.Fields = append(cs.Fields, f)
		}
		for _, id := range o.recordOrder {
			if r, ok := o.records[id]; ok {
				r := *r
				r.CustomObjectFields = maps.Clone(r.CustomObjectFields)
				cs.Records = append(cs.Records, r)
			}
		}
		s.CustomObjects = append(s.CustomObjects, cs)
	}
	jobs := slices.Collect(maps.Values(st.jobs))
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].seq < jobs[j].seq })
	for _, j := range jobs {
		s.Jobs = append(s.Jobs, j.render())
	}
	s.HelpCenter = st.hc.dump()
	return s
}

// render returns the ticket object with its slices cloned.
func (t *ticket) render() Ticket {
	out := t.Ticket
	out.Tags = slices.Clone(t.Tags)
	out.CustomFields = slices.Clone(t.CustomFields)
	out.CollaboratorIDs = slices.Clone(t.CollaboratorIDs)
	out.FollowerIDs = slices.Clone(t.FollowerIDs)
	out.EmailCCIDs = slices.Clone(t.EmailCCIDs)
	out.SharingAgreementIDs = slices.Clone(t.SharingAgreementIDs)
	out.Via = t.Via.render()
	return out
}

// render is a stored comment as the API shows it. A comment is stored
// without what is the same on every comment or follows from its body (a
// million tickets' ten million comments would otherwise hold some 700
// bytes each of empty maps and repeated text): its plain body is its body,
// its HTML the body wrapped and escaped unless it came as HTML, its
// metadata and via source empty objects.
// heldComment is a comment as the simulator keeps it. A million-ticket
// rehearsal holds ten million, so what an imported comment has is kept
// flat and the rest (another type or via, a plain body of its own,
// attachments, metadata) behind a pointer that is nil for most: 96 bytes
// a comment where a Comment takes 208, and fewer words for the
// collector to scan.
type heldComment struct {
	id, authorID, auditID int64
	createdAt             time.Time
	body, htmlBody        string
	more                  *commentMore
	public                bool
}

// commentMore is what few comments have (see heldComment).
type commentMore struct {
	typ, plainBody string
	attachments    []Attachment
	via            Via
	metadata       map[string]any
}

// hold keeps a comment; held.comment() gives it back as it was.
func hold(c Comment) heldComment {
	h := heldComment{id: c.ID, authorID: c.AuthorID, auditID: c.AuditID, createdAt: c.CreatedAt, body: c.Body, htmlBody: c.HTMLBody, public: c.Public}
	v := c.Via
	if c.Type != "Comment" || c.PlainBody != "" || c.Attachments != nil || c.Metadata != nil ||
		v.Channel != "api" || v.Source.From != nil || v.Source.To != nil || v.Source.Rel != nil {
		h.more = &commentMore{typ: c.Type, plainBody: c.PlainBody, attachments: c.Attachments, via: c.Via, metadata: c.Metadata}
	}
	return h
}

func (h heldComment) comment() Comment {
	c := Comment{ID: h.id, Type: "Comment", AuthorID: h.authorID, Body: h.body, HTMLBody: h.htmlBody, Public: h.public,
		AuditID: h.auditID, Via: Via{Channel: "api"}, CreatedAt: h.createdAt}
	if m := h.more; m != nil {
		c.Type, c.PlainBody, c.Attachments, c.Via, c.Metadata = m.typ, m.plainBody, m.attachments, m.via, m.metadata
	}
	return c
}

func (c Comment) render() Comment {
	if c.HTMLBody == "" {
		c.HTMLBody = `<div class="zd-comment" dir="auto"><p>` + html.EscapeString(c.Body) + "</p></div>"
	}
	if c.PlainBody == "" {
		c.PlainBody = c.Body
	}
	if c.Metadata == nil {
		c.Metadata = map[string]any{"system": map[string]any{}, "custom": map[string]any{}}
	}
	c.Attachments = slices.Clone(c.Attachments)
	if c.Attachments == nil {
		c.Attachments = []Attachment{}
	}
	c.Via = c.Via.render()
	return c
}

// render gives a via its empty from and to objects when it has none.
func (v Via) render() Via {
	if v.Source.From == nil {
		v.Source.From = map[string]any{}
	}
	if v.Source.To == nil {
		v.Source.To = map[string]any{}
	}
	return v
}

func ptr[T any](v T) *T { return &v }
