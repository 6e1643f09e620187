package zendesksim

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Organizations, users, identities, groups and group memberships.

type orgInput struct {
	ID                 *int64         `json:"id"`
	Name               *string        `json:"name"`
	ExternalID         *string        `json:"external_id"`
	DomainNames        []string       `json:"domain_names"`
	Details            *string        `json:"details"`
	Notes              *string        `json:"notes"`
	GroupID            *int64         `json:"group_id"`
	SharedTickets      *bool          `json:"shared_tickets"`
	SharedComments     *bool          `json:"shared_comments"`
	Tags               *[]string      `json:"tags"`
	OrganizationFields map[string]any `json:"organization_fields"`

	fields  map[string]any // as userInput's
	dropped []string
}

// checkOrg validates in against the account; existing is the organization
// being updated, or nil on create. Caller holds s.mu.
func (s *Server) checkOrg(in *orgInput, existing *Organization) invalid {
	v := invalid{}
	if in.OrganizationFields != nil {
		in.fields, in.dropped = s.keyedFieldValues(v, "organization", in.OrganizationFields)
	}
	st := s.st
	if existing == nil && (in.Name == nil || strings.TrimSpace(*in.Name) == "") {
		v.add("name", "BlankValue", "Name: cannot be blank")
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
		// "You must provide a unique name" [OAS].
		if id, ok := st.orgByName[orgNameKey(*in.Name)]; ok && (existing == nil || id != existing.ID) {
			v.add("name", "DuplicateValue", "Name: has already been taken")
		}
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		if id, ok := st.orgByExtID[strings.ToLower(*in.ExternalID)]; ok && (existing == nil || id != existing.ID) {
			v.add("external_id", "DuplicateValue", "External: has already been taken")
		}
	}
	if in.GroupID != nil && st.groups[*in.GroupID] == nil {
		v.add("group_id", "InvalidValue", "Group: is invalid")
	}
	return v
}

// orgNameKey is how organization names are told apart: Zendesk strips the
// spaces around a name and holds names unique ignoring case (inferred:
// "ACME CORP" after "Acme Corp" is "Name: has already been taken"; name
// search is an exact match ignoring case [OAS]).
func orgNameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// applyOrg writes in onto o (new when o.ID is 0) and keeps the indexes.
func (s *Server) applyOrg(c *call, in *orgInput, o *Organization) *Organization {
	st := s.st
	if o == nil {
		o = &Organization{
			ID: st.next("org"), DomainNames: []string{}, Tags: []string{},
			OrganizationFields: map[string]any{}, CreatedAt: c.now,
		}
		o.URL = fmt.Sprintf("%s/api/v2/organizations/%d.json", c.base, o.ID)
		st.orgs[o.ID] = o
		st.orgOrder.add(o.ID)
	}
	if in.Name != nil {
		delete(st.orgByName, orgNameKey(o.Name))
		o.Name = strings.TrimSpace(*in.Name)
		st.orgByName[orgNameKey(o.Name)] = o.ID
	}
	if in.ExternalID != nil {
		setExternalID(&o.ExternalID, *in.ExternalID, st.orgByExtID, o.ID)
	}
	if in.DomainNames != nil {
		o.DomainNames = in.DomainNames
	}
	setPtr(&o.Details, in.Details)
	setPtr(&o.Notes, in.Notes)
	setPtr(&o.GroupID, in.GroupID)
	set(&o.SharedTickets, in.SharedTickets)
	set(&o.SharedComments, in.SharedComments)
	if in.Tags != nil {
		o.Tags = normalizeTags(*in.Tags)
	}
	if in.OrganizationFields != nil {
		o.OrganizationFields = mergeFields(o.OrganizationFields, in.fields)
		s.st.flagDropped(fmt.Sprintf("organization %d", o.ID), in.dropped)
	}
	o.UpdatedAt = c.now
	return o
}

func (s *Server) createOrg(c *call) reply {
	var body struct {
		Organization *orgInput `json:"organization"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if body.Organization == nil {
		return badRequest("organization is required")
	}
	if v := s.checkOrg(body.Organization, nil); !v.ok() {
		return recordInvalid(v)
	}
	o := s.applyOrg(c, body.Organization, nil)
	c.hdr.Set("Location", o.URL)
	return reply{http.StatusCreated, map[string]any{"organization": o}}
}

// findOrg matches an organization by id or external id; name is not a
// matching criterion [OAS create_or_update].
func (s *Server) findOrg(in *orgInput) *Organization {
	if in.ID != nil {
		return s.st.orgs[*in.ID]
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		if id, ok := s.st.orgByExtID[strings.ToLower(*in.ExternalID)]; ok {
			return s.st.orgs[id]
		}
	}
	return nil
}

func (s *Server) createOrUpdateOrg(c *call) reply {
	var body struct {
		Organization *orgInput `json:"organization"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.Organization
	if in == nil {
		return badRequest("organization is required")
	}
	existing := s.findOrg(in)
	if v := s.checkOrg(in, existing); !v.ok() {
		return recordInvalid(v)
	}
	status := http.StatusOK
	if existing == nil {
		status = http.StatusCreated
	}
	o := s.applyOrg(c, in, existing)
	return reply{status, map[string]any{"organization": o}}
}

func (s *Server) createManyOrgs(c *call) reply {
	// (inferred) the OAS has no body for this endpoint; {"organizations"}
	// follows {"users"}.
	var body struct {
		Organizations []*orgInput `json:"organizations"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if r := checkBatch(len(body.Organizations), "organizations"); r != nil {
		return *r
	}
	return bulkCreate(s, c, "OrganizationBulkCreateJob", body.Organizations,
		func(in *orgInput) invalid { return s.checkOrg(in, nil) },
		func(jc *call, in *orgInput) int64 { return s.applyOrg(jc, in, nil).ID })
}

// bulkCreate runs a create_many job: each item is checked and created on
// its own, so one bad item fails alone with its index.
func bulkCreate[T any](s *Server, c *call, jobType string, items []*T, check func(*T) invalid, create func(*call, *T) int64) reply {
	return s.startJob(c, http.StatusOK, jobType, "", len(items), func(now time.Time) []JobResult {
		jc := &call{now: now, base: c.base}
		var out []JobResult
		for i, in := range items {
			if f, ok := s.itemFault(i, "create"); ok {
				out = append(out, f)
				continue
			}
			if in == nil {
				out = append(out, failed(i, "create", nil, "InvalidValue", "Item is not an object."))
				continue
			}
			if v := check(in); !v.ok() {
				code, details := v.summary()
				out = append(out, failed(i, "create", nil, code, details))
				continue
			}
			out = append(out, JobResult{ID: create(jc, in), Index: i})
		}
		return out
	})
}

// checkBatch enforces the 100-item limit of bulk endpoints [OAS].
func checkBatch(n int, key string) *reply {
	if n == 0 {
		r := badRequest(key + " is required and must not be empty")
		return &r
	}
	if n > 100 {
		r := badRequest(fmt.Sprintf("%s accepts at most 100 items, got %d", key, n))
		return &r
	}
	return nil
}

func (s *Server) showOrg(c *call) reply {
	o := s.st.orgs[pathID(c, "id")]
	if o == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"organization": o}}
}

func (s *Server) listOrgs(c *call) reply {
	return listOf(c, s.st.orgOrder, s.st.orgs, "organizations")
}

func (s *Server) showManyOrgs(c *call) reply {
	return showManyOf(c, s.st.orgs, s.st.orgByExtID, "organizations")
}

// listOf answers a paginated list of a collection, in id order.
func listOf[T any](c *call, order []int64, byID map[int64]*T, key string) reply {
	p, r := paginateIDs(c, order)
	if r != nil {
		return *r
	}
	out := make([]*T, 0, len(p.items))
	for _, id := range p.items {
		out = append(out, byID[id])
	}
	return listReply(key, out, p.extra)
}

// showManyOf answers show_many by ?ids= or ?external_ids= (at most 100,
// external ids matched without regard to case).
func showManyOf[T any](c *call, byID map[int64]*T, byExtID map[string]int64, key string) reply {
	q := c.r.URL.Query()
	out := []*T{}
	if raw := q.Get("external_ids"); raw != "" {
		ext := splitList(raw)
		if len(ext) > 100 {
			return badRequest("external_ids accepts at most 100 values")
		}
		for _, e := range ext {
			if id, ok := byExtID[strings.ToLower(e)]; ok {
				out = append(out, byID[id])
			}
		}
		return reply{http.StatusOK, map[string]any{key: out}}
	}
	ids, r := parseIDs(q.Get("ids"), "ids")
	if r != nil {
		return *r
	}
	for _, id := range ids {
		if v := byID[id]; v != nil {
			out = append(out, v)
		}
	}
	return reply{http.StatusOK, map[string]any{key: out}}
}

func (s *Server) searchOrgs(c *call) reply {
	q := c.r.URL.Query()
	ext, name := q.Get("external_id"), q.Get("name")
	if (ext == "") == (name == "") {
		return badRequest("Give either external_id or name")
	}
	out := []*Organization{}
	idx, key := s.st.orgByExtID, strings.ToLower(ext)
	if name != "" {
		idx, key = s.st.orgByName, orgNameKey(name)
	}
	if id, ok := idx[key]; ok {
		out = append(out, s.st.orgs[id])
	}
	return reply{http.StatusOK, map[string]any{"organizations": out, "count": len(out), "next_page": nil, "previous_page": nil}}
}

// Users.

type identityInput struct {
	Type     string `json:"type"`
	Value    string `json:"value"`
	Verified *bool  `json:"verified"`
	Primary  *bool  `json:"primary"`
}

type userInput struct {
	ID              *int64          `json:"id"`
	Name            *string         `json:"name"`
	Email           *string         `json:"email"`
	ExternalID      *string         `json:"external_id"`
	Role            *string         `json:"role"`
	OrganizationID  *int64          `json:"organization_id"`
	Phone           *string         `json:"phone"`
	Details         *string         `json:"details"`
	Notes           *string         `json:"notes"`
	Locale          *string         `json:"locale"`
	TimeZone        *string         `json:"time_zone"`
	Tags            *[]string       `json:"tags"`
	UserFields      map[string]any  `json:"user_fields"`
	Verified        *bool           `json:"verified"`
	Suspended       *bool           `json:"suspended"`
	Identities      []identityInput `json:"identities"`
	SkipVerifyEmail bool            `json:"skip_verify_email"`

	// fields are the user_fields checkUser accepted; dropped those for
	// fields the account does not have.
	fields  map[string]any
	dropped []string
}

var (
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	e164RE  = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	// identityTypes are the identity types a client may create [IDENT-DOC].
	identityTypes = map[string]bool{"email": true, "twitter": true, "facebook": true, "google": true, "agent_forwarding": true, "phone_number": true}
)

// checkUser validates in; existing is the user being updated or nil.
// Caller holds s.mu.
func (s *Server) checkUser(in *userInput, existing *User) invalid {
	v := invalid{}
	st := s.st
	if in.UserFields != nil {
		in.fields, in.dropped = s.keyedFieldValues(v, "user", in.UserFields)
	}
	if existing == nil && (in.Name == nil || strings.TrimSpace(*in.Name) == "") {
		v.add("name", "BlankValue", "Name: cannot be blank")
	}
	emails := map[string]bool{}
	checkEmail := func(field, email string) {
		switch low := strings.ToLower(email); {
		case !emailRE.MatchString(email):
			v.add(field, "InvalidFormat", fmt.Sprintf("Email: %s is not properly formatted", email))
		case emails[low]:
			v.add(field, "DuplicateValue", fmt.Sprintf("Email: %s is given twice", email))
		case st.blocked[low]:
			v.add(field, "InvalidValue", fmt.Sprintf("Email: %s is on the account's blocklist", email))
		default:
			emails[low] = true
			// (inferred) one email belongs to one user account-wide.
			if id, ok := st.userByEmail[low]; ok && (existing == nil || id != existing.ID) {
				v.add(field, "DuplicateValue", fmt.Sprintf("Email: %s is already being used by another user", email))
			}
		}
	}
	if in.Email != nil && *in.Email != "" {
		checkEmail("email", *in.Email)
	}
	for _, id := range in.Identities {
		switch {
		case !identityTypes[id.Type]:
			v.add("identities", "InvalidValue", fmt.Sprintf("Type: %s is not a valid identity type", id.Type))
		case id.Type == "email":
			checkEmail("identities", id.Value)
		case id.Type == "phone_number" && !e164RE.MatchString(id.Value):
			v.add("identities", "InvalidFormat", fmt.Sprintf("Phone number: %s is not in E.164 format", id.Value))
		}
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		// "The API treats the id as case insensitive" [USERS-DOC].
		if id, ok := st.userByExtID[strings.ToLower(*in.ExternalID)]; ok && (existing == nil || id != existing.ID) {
			v.add("external_id", "DuplicateValue", "External: has already been taken")
		}
	}
	if in.Role != nil {
		switch *in.Role {
		case "end-user", "agent", "admin":
		default:
			v.add("role", "InvalidValue", fmt.Sprintf("Role: %s is not a valid role (end-user, agent or admin)", *in.Role))
		}
	}
	if in.OrganizationID != nil && st.orgs[*in.OrganizationID] == nil {
		v.add("organization_id", "InvalidValue", "Organization: is invalid")
	}
	return v
}

// applyUser writes in onto u (a new user when u is nil).
func (s *Server) applyUser(c *call, in *userInput, u *User) *User {
	st := s.st
	if u == nil {
		u = &User{
			ID: st.next("user"), Role: "end-user", Active: true, Locale: "en-US", TimeZone: "UTC",
			Tags: []string{}, UserFields: map[string]any{}, CreatedAt: c.now,
		}
		u.URL = fmt.Sprintf("%s/api/v2/users/%d.json", c.base, u.ID)
		st.users[u.ID] = u
		st.userOrder.add(u.ID)
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
		u.Name = *in.Name
	}
	set(&u.Role, in.Role)
	u.RoleType = nil
	if u.Role == "admin" {
		u.RoleType = ptr(4)
	}
	if in.ExternalID != nil {
		setExternalID(&u.ExternalID, *in.ExternalID, st.userByExtID, u.ID)
	}
	setPtr(&u.OrganizationID, in.OrganizationID)
	setPtr(&u.Phone, in.Phone)
	setPtr(&u.Details, in.Details)
	setPtr(&u.Notes, in.Notes)
	set(&u.Locale, in.Locale)
	set(&u.TimeZone, in.TimeZone)
	if in.Tags != nil {
		u.Tags = normalizeTags(*in.Tags)
	}
	if in.UserFields != nil {
		u.UserFields = mergeFields(u.UserFields, in.fields)
		st.flagDropped(fmt.Sprintf("user %d", u.ID), in.dropped)
	}
	set(&u.Verified, in.Verified)
	set(&u.Suspended, in.Suspended)
	// The email is writable on create; on update it becomes a secondary
	// identity [USERS-DOC].
	if in.Email != nil && *in.Email != "" {
		if _, ok := st.userByEmail[strings.ToLower(*in.Email)]; !ok {
			st.addIdentity(u, "email", *in.Email, u.Email == nil, c.now, c.base)
		}
	}
	for _, id := range in.Identities {
		if id.Type == "email" {
			if _, ok := st.userByEmail[strings.ToLower(id.Value)]; ok {
				continue
			}
		}
		primary := id.Type == "email" && u.Email == nil
		st.addIdentity(u, id.Type, id.Value, primary, c.now, c.base)
	}
	u.UpdatedAt = c.now
	return u
}

// findUser matches an existing user by email or external id, as
// create_or_update does [USERS-DOC].
func (s *Server) findUser(in *userInput) *User {
	if in.ID != nil {
		return s.st.users[*in.ID]
	}
	if in.Email != nil && *in.Email != "" {
		if id, ok := s.st.userByEmail[strings.ToLower(*in.Email)]; ok {
			return s.st.users[id]
		}
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		if id, ok := s.st.userByExtID[strings.ToLower(*in.ExternalID)]; ok {
			return s.st.users[id]
		}
	}
	return nil
}

func (s *Server) createUser(c *call) reply {
	var body struct {
		User *userInput `json:"user"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if body.User == nil {
		return badRequest("user is required")
	}
	if v := s.checkUser(body.User, nil); !v.ok() {
		return recordInvalid(v)
	}
	u := s.applyUser(c, body.User, nil)
	c.hdr.Set("Location", u.URL)
	return reply{http.StatusCreated, map[string]any{"user": u}}
}

func (s *Server) createOrUpdateUser(c *call) reply {
	var body struct {
		User *userInput `json:"user"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.User
	if in == nil {
		return badRequest("user is required")
	}
	// Create-or-Update User: 5 per minute per user, 1 per second per
	// account [RL-DOC]; both scale with the window.
	if r := s.takeEndpoint(c, "create-update-user", "account", 1, time.Second); r != nil {
		return *r
	}
	if r := s.takeEndpoint(c, "create-update-user-per-user", userKey(in), 5, time.Minute); r != nil {
		return *r
	}
	existing := s.findUser(in)
	if v := s.checkUser(in, existing); !v.ok() {
		return recordInvalid(v)
	}
	status := http.StatusOK
	if existing == nil {
		status = http.StatusCreated
	}
	u := s.applyUser(c, in, existing)
	if status == http.StatusCreated {
		c.hdr.Set("Location", u.URL)
	}
	return reply{status, map[string]any{"user": u}}
}

func userKey(in *userInput) string {
	switch {
	case in.Email != nil:
		return "email:" + strings.ToLower(*in.Email)
	case in.ExternalID != nil:
		return "ext:" + strings.ToLower(*in.ExternalID)
	}
	return "none"
}

// bulkUsers serves create_many (update false) and create_or_update_many.
func (s *Server) bulkUsers(update bool) handlerFunc {
	return func(c *call) reply {
		if !s.opts.BulkImportEnabled {
			// "A 403 Forbidden error is returned if data imports are not
			// enabled" [USERS-DOC].
			return forbidden()
		}
		var body struct {
			Users []*userInput `json:"users"`
		}
		if r := decode(c, &body); r != nil {
			return *r
		}
		if r := checkBatch(len(body.Users), "users"); r != nil {
			return *r
		}
		items := body.Users
		jobType := "UserBulkCreateJobV2"
		if update {
			jobType = "UserBulkCreateOrUpdateJobV2"
		}
		return s.startJob(c, http.StatusOK, jobType, "", len(items), func(now time.Time) []JobResult {
			jc := &call{now: now, base: c.base}
			var out []JobResult
			for i, in := range items {
				action := "create"
				var existing *User
				if update && in != nil {
					if existing = s.findUser(in); existing != nil {
						action = "update"
					}
				}
				if f, ok := s.itemFault(i, action); ok {
					out = append(out, f)
					continue
				}
				if in == nil {
					out = append(out, failed(i, action, nil, "InvalidValue", "Item is not an object."))
					continue
				}
				if v := s.checkUser(in, existing); !v.ok() {
					code, details := v.summary()
					var id any
					if existing != nil {
						id = existing.ID
					}
					out = append(out, failed(i, action, id, code, details))
					continue
				}
				u := s.applyUser(jc, in, existing)
				switch {
				case !update:
					out = append(out, JobResult{ID: u.ID, Index: i})
				case existing == nil:
					out = append(out, JobResult{ID: u.ID, Index: i, Action: "create", Status: "Created", Success: ptr(true)})
				default:
					out = append(out, JobResult{ID: u.ID, Index: i, Action: "update", Status: "Updated", Success: ptr(true)})
				}
			}
			return out
		})
	}
}

func (s *Server) showUser(c *call) reply {
	u := s.st.users[pathID(c, "id")]
	if u == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"user": u}}
}

func (s *Server) me(c *call) reply { return reply{http.StatusOK, map[string]any{"user": c.me}} }

func (s *Server) listUsers(c *call) reply {
	return listOf(c, s.st.userOrder, s.st.users, "users")
}

func (s *Server) showManyUsers(c *call) reply {
	return showManyOf(c, s.st.users, s.st.userByExtID, "users")
}

// searchUsers answers ?external_id= (ids only, no search syntax) and
// ?query=, where the simulator understands an email, "email:x",
// "external_id:x", "role:x" and otherwise matches names by substring.
func (s *Server) searchUsers(c *call) reply {
	q := c.r.URL.Query()
	var match []int64
	st := s.st
	if ext := q.Get("external_id"); ext != "" {
		if id, ok := st.userByExtID[strings.ToLower(ext)]; ok {
			match = append(match, id)
		}
	} else {
		query := strings.TrimSpace(q.Get("query"))
		if query == "" {
			return badRequest("query or external_id is required")
		}
		key, val, hasKey := strings.Cut(query, ":")
		if !hasKey {
			key, val = "", query
		}
		val = strings.Trim(val, `"`)
		switch {
		case key == "email" || (key == "" && strings.Contains(val, "@")):
			if id, ok := st.userByEmail[strings.ToLower(val)]; ok {
				match = append(match, id)
			}
		case key == "external_id":
			if id, ok := st.userByExtID[strings.ToLower(val)]; ok {
				match = append(match, id)
			}
		default:
			for _, id := range st.userOrder {
				u := st.users[id]
				if (key == "role" && u.Role == val) || (key != "role" && strings.Contains(strings.ToLower(u.Name), strings.ToLower(val))) {
					match = append(match, id)
				}
			}
		}
	}
	p, r := paginateIDs(c, match)
	if r != nil {
		return *r
	}
	out := make([]*User, 0, len(p.items))
	for _, id := range p.items {
		out = append(out, st.users[id])
	}
	return listReply("users", out, p.extra)
}

func (s *Server) listIdentities(c *call) reply {
	u := s.st.users[pathID(c, "id")]
	if u == nil {
		return notFound()
	}
	out := []*Identity{}
	for _, id := range sortedValues(s.st.identities, byID[*Identity]) {
		if id.UserID == u.ID {
			out = append(out, s.st.identities[id.ID])
		}
	}
	return reply{http.StatusOK, map[string]any{"identities": out, "count": len(out), "next_page": nil, "previous_page": nil}}
}

func (s *Server) createIdentity(c *call) reply {
	u := s.st.users[pathID(c, "id")]
	if u == nil {
		return notFound()
	}
	var body struct {
		Identity *identityInput `json:"identity"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.Identity
	if in == nil {
		return badRequest("identity is required")
	}
	v := invalid{}
	switch {
	case !identityTypes[in.Type]:
		v.add("type", "InvalidValue", fmt.Sprintf("Type: %s is not a valid identity type", in.Type))
	case in.Value == "":
		v.add("value", "BlankValue", "Value: cannot be blank")
	case in.Type == "email" && !emailRE.MatchString(in.Value):
		v.add("value", "InvalidFormat", fmt.Sprintf("Value: %s is not properly formatted", in.Value))
	case in.Type == "email":
		if _, taken := s.st.userByEmail[strings.ToLower(in.Value)]; taken {
			v.add("value", "DuplicateValue", fmt.Sprintf("Value: %s is already being used by another user", in.Value))
		}
	case in.Type == "phone_number" && !e164RE.MatchString(in.Value):
		v.add("value", "InvalidFormat", fmt.Sprintf("Value: %s is not in E.164 format", in.Value))
	}
	if !v.ok() {
		return recordInvalid(v)
	}
	primary := in.Primary != nil && *in.Primary
	if primary {
		for _, id := range s.st.identities {
			if id.UserID == u.ID && id.Type == in.Type {
				id.Primary = false
			}
		}
	}
	id := s.st.addIdentity(u, in.Type, in.Value, primary || (in.Type == "email" && u.Email == nil), c.now, c.base)
	set(&id.Verified, in.Verified)
	if primary && in.Type == "email" {
		u.Email = ptr(in.Value)
	}
	c.hdr.Set("Location", id.URL)
	return reply{http.StatusCreated, map[string]any{"identity": id}}
}

// Groups and memberships.

func (s *Server) createGroup(c *call) reply {
	var body struct {
		Group *struct {
			Name        *string `json:"name"`
			Description string  `json:"description"`
			IsPublic    *bool   `json:"is_public"`
		} `json:"group"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.Group
	if in == nil {
		return badRequest("group is required")
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		v := invalid{}
		v.add("name", "BlankValue", "Name: cannot be blank")
		return recordInvalid(v)
	}
	g := &Group{
		ID: s.st.next("group"), Name: *in.Name, Description: in.Description,
		IsPublic: in.IsPublic == nil || *in.IsPublic, CreatedAt: c.now, UpdatedAt: c.now,
	}
	g.URL = fmt.Sprintf("%s/api/v2/groups/%d.json", c.base, g.ID)
	s.st.groups[g.ID] = g
	c.hdr.Set("Location", g.URL)
	return reply{http.StatusCreated, map[string]any{"group": g}}
}

// updateGroup is PUT /api/v2/groups/{id}: name and description change;
// a private group cannot become public [OAS].
func (s *Server) updateGroup(c *call) reply {
	g := s.st.groups[pathID(c, "id")]
	if g == nil {
		return notFound()
	}
	var body struct {
		Group *struct {
			Name        *string `json:"name"`
			Description *string `json:"description"`
			IsPublic    *bool   `json:"is_public"`
		} `json:"group"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.Group
	if in == nil {
		return badRequest("group is required")
	}
	v := invalid{}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		v.add("name", "BlankValue", "Name: cannot be blank")
	}
	if in.IsPublic != nil && *in.IsPublic && !g.IsPublic {
		v.add("is_public", "InvalidValue", "Is public: a private group cannot be made public")
	}
	if !v.ok() {
		return recordInvalid(v)
	}
	set(&g.Name, in.Name)
	set(&g.Description, in.Description)
	set(&g.IsPublic, in.IsPublic)
	g.UpdatedAt = c.now
	return reply{http.StatusOK, map[string]any{"group": g}}
}

func (s *Server) listGroups(c *call) reply {
	out := sortedValues(s.st.groups, byID[*Group])
	return reply{http.StatusOK, map[string]any{"groups": out, "count": len(out), "next_page": nil, "previous_page": nil}}
}

func (s *Server) showGroup(c *call) reply {
	g := s.st.groups[pathID(c, "id")]
	if g == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"group": g}}
}

type membershipInput struct {
	UserID  *int64 `json:"user_id"`
	GroupID *int64 `json:"group_id"`
	Default *bool  `json:"default"`
}

// checkMembership: the user must be an agent ("The id of an agent" [OAS])
// and the group must exist.
func (s *Server) checkMembership(in *membershipInput) invalid {
	v := invalid{}
	switch {
	case in.UserID == nil:
		v.add("user_id", "BlankValue", "User: cannot be blank")
	case s.st.users[*in.UserID] == nil:
		v.add("user_id", "InvalidValue", "User: is invalid")
	case !s.st.isAgent(*in.UserID):
		v.add("user_id", "InvalidValue", "User: is not an agent")
	}
	switch {
	case in.GroupID == nil:
		v.add("group_id", "BlankValue", "Group: cannot be blank")
	case s.st.groups[*in.GroupID] == nil:
		v.add("group_id", "InvalidValue", "Group: is invalid")
	}
	if v.ok() {
		if _, dup := s.st.member[[2]int64{*in.GroupID, *in.UserID}]; dup {
			v.add("user_id", "DuplicateValue", "User: is already a member of this group")
		}
	}
	return v
}

func (s *Server) applyMembership(c *call, in *membershipInput) *GroupMembership {
	m := &GroupMembership{
		ID: s.st.next("membership"), UserID: *in.UserID, GroupID: *in.GroupID,
		Default: in.Default != nil && *in.Default, CreatedAt: c.now, UpdatedAt: c.now,
	}
	m.URL = fmt.Sprintf("%s/api/v2/group_memberships/%d.json", c.base, m.ID)
	s.st.memberships[m.ID] = m
	s.st.member[[2]int64{m.GroupID, m.UserID}] = m.ID
	return m
}

func (s *Server) createMembership(c *call) reply {
	var body struct {
		GroupMembership *membershipInput `json:"group_membership"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if body.GroupMembership == nil {
		return badRequest("group_membership is required")
	}
	if v := s.checkMembership(body.GroupMembership); !v.ok() {
		return recordInvalid(v)
	}
	m := s.applyMembership(c, body.GroupMembership)
	return reply{http.StatusCreated, map[string]any{"group_membership": m}}
}

func (s *Server) createManyMemberships(c *call) reply {
	// (inferred) the OAS has no body; {"group_memberships"} is what
	// clients send.
	var body struct {
		GroupMemberships []*membershipInput `json:"group_memberships"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if r := checkBatch(len(body.GroupMemberships), "group_memberships"); r != nil {
		return *r
	}
	return bulkCreate(s, c, "GroupMembershipBulkCreateJob", body.GroupMemberships, s.checkMembership,
		func(jc *call, in *membershipInput) int64 { return s.applyMembership(jc, in).ID })
}

func (s *Server) listMemberships(c *call) reply {
	out := sortedValues(s.st.memberships, byID[*GroupMembership])
	if g := c.r.PathValue("id"); g != "" {
		gid := pathID(c, "id")
		filtered := out[:0]
		for _, m := range out {
			if m.GroupID == gid {
				filtered = append(filtered, m)
			}
		}
		out = filtered
	}
	return reply{http.StatusOK, map[string]any{"group_memberships": out, "count": len(out), "next_page": nil, "previous_page": nil}}
}

// setExternalID replaces a record's external id and its entry in the
// case-insensitive index; "" clears it. The stored case follows the latest
// request [USERS-DOC].
func setExternalID(cur **string, ext string, index map[string]int64, id int64) {
	if *cur != nil {
		delete(index, strings.ToLower(**cur))
	}
	*cur = nil
	if ext != "" {
		*cur = ptr(ext)
		index[strings.ToLower(ext)] = id
	}
}

// mergeFields sets the given field values on a record's (nil clears one),
// keeping the others, as Zendesk updates user and organization fields.
func mergeFields(have, set map[string]any) map[string]any {
	out := maps.Clone(have)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range set {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}
