package zendesksim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Tickets: import (single and bulk), create with Idempotency-Key, update,
// read back, bulk delete.

// maxComments is the comment limit per ticket, public and private
// together [OAS]; [CMT-DOC].
const maxComments = 5000

// maxCommentChars is the most characters a comment's body or html_body
// may hold (inferred: Zendesk documents no figure; 65,535 is the limit
// migration guides give, and the simulator refuses more with a 422 so a
// client that sends more is caught).
const maxCommentChars = 65535

var (
	ticketStatuses   = map[string]bool{"new": true, "open": true, "pending": true, "hold": true, "solved": true, "closed": true}
	ticketPriorities = map[string]bool{"urgent": true, "high": true, "normal": true, "low": true}
	ticketTypes      = map[string]bool{"problem": true, "incident": true, "question": true, "task": true}
	epoch            = time.Unix(0, 0).UTC()
	tagRE            = regexp.MustCompile(`<[^>]*>`)
)

type commentInput struct {
	Value    *string `json:"value"`
	Body     *string `json:"body"`
	HTMLBody *string `json:"html_body"`
	AuthorID *int64  `json:"author_id"`
	Public   *bool   `json:"public"`
	// CreatedAt is a string so a bad timestamp is a RecordInvalid, not a
	// decoding error.
	CreatedAt *string  `json:"created_at"`
	Uploads   []string `json:"uploads"`
}

type customFieldInput struct {
	ID    json.Number `json:"id"`
	Value any         `json:"value"`
}

type ticketInput struct {
	ExternalID      *string            `json:"external_id"`
	Subject         *string            `json:"subject"`
	Description     *string            `json:"description"`
	Status          *string            `json:"status"`
	Priority        *string            `json:"priority"`
	Type            *string            `json:"type"`
	RequesterID     *int64             `json:"requester_id"`
	SubmitterID     *int64             `json:"submitter_id"`
	AssigneeID      *int64             `json:"assignee_id"`
	GroupID         *int64             `json:"group_id"`
	OrganizationID  *int64             `json:"organization_id"`
	CollaboratorIDs []int64            `json:"collaborator_ids"`
	FollowerIDs     []int64            `json:"follower_ids"`
	Tags            *[]string          `json:"tags"`
	AdditionalTags  []string           `json:"additional_tags"`
	RemoveTags      []string           `json:"remove_tags"`
	CustomFields    []customFieldInput `json:"custom_fields"`
	Comments        []*commentInput    `json:"comments"` // import
	Comment         *commentInput      `json:"comment"`  // create, update
	CreatedAt       *string            `json:"created_at"`
	UpdatedAt       *string            `json:"updated_at"`
	SolvedAt        *string            `json:"solved_at"`
	DueAt           *string            `json:"due_at"`
}

// parseTime reads a timestamp the way imports do: RFC 3339, and a time
// before 1970 "will be automatically rounded up to 1970" [IMPORT-DOC].
func parseTime(v invalid, field, label string, s *string) (time.Time, bool) {
	if s == nil || *s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		v.add(field, "InvalidValue", fmt.Sprintf("%s: %s is not a valid time (use ISO 8601, e.g. 2009-06-25T10:15:18Z)", label, *s))
		return time.Time{}, false
	}
	t = t.UTC().Truncate(time.Second)
	if t.Before(epoch) {
		t = epoch
	}
	return t, true
}

// checkPeople validates the people and group of a ticket: every id
// exists, the assignee is an agent and, when a group is given, a member of
// it (secondary: zenpy #628).
func (s *Server) checkPeople(v invalid, requester, submitter, assignee, group, org *int64) {
	st := s.st
	if requester != nil && st.users[*requester] == nil {
		v.add("requester", "InvalidValue", "Requester: is invalid")
	}
	if submitter != nil && st.users[*submitter] == nil {
		v.add("submitter", "InvalidValue", "Submitter: is invalid")
	}
	if group != nil && st.groups[*group] == nil {
		v.add("group", "InvalidValue", "Group: is invalid")
	}
	if org != nil && st.orgs[*org] == nil {
		v.add("organization", "InvalidValue", "Organization: is invalid")
	}
	if assignee != nil {
		switch {
		case st.users[*assignee] == nil:
			v.add("assignee", "InvalidValue", "Assignee: is invalid")
		case !st.isAgent(*assignee):
			v.add("assignee", "InvalidValue", "Assignee: is not an agent")
		case group != nil && st.groups[*group] != nil:
			if _, ok := st.member[[2]int64{*group, *assignee}]; !ok {
				v.add("assignee", "InvalidValue", "Assignee: is not a member of the group")
			}
		}
	}
}

func checkEnums(v invalid, in *ticketInput) {
	if in.Status != nil && !ticketStatuses[*in.Status] {
		v.add("status", "InvalidValue", fmt.Sprintf("Status: %s is not valid", *in.Status))
	}
	if in.Priority != nil && *in.Priority != "" && !ticketPriorities[*in.Priority] {
		v.add("priority", "InvalidValue", fmt.Sprintf("Priority: %s is not valid", *in.Priority))
	}
	if in.Type != nil && *in.Type != "" && !ticketTypes[*in.Type] {
		v.add("type", "InvalidValue", fmt.Sprintf("Type: %s is not valid", *in.Type))
	}
	for _, f := range in.CustomFields {
		if _, err := f.ID.Int64(); err != nil {
			v.add("custom_fields", "InvalidValue", fmt.Sprintf("Custom field id %q is not an integer", f.ID))
		}
	}
}

// buildComment validates one comment and returns it with the upload
// tokens it consumes. used holds tokens already claimed by the same
// request, so a token cannot serve twice even within one ticket.
func (s *Server) buildComment(c *call, v invalid, field string, in *commentInput, defaultAuthor int64, defaultPublic bool, used map[string]bool) (Comment, []string) {
	st := s.st
	// Stored compact (Comment.render fills in what every comment reads
	// the same): a million-ticket rehearsal keeps ten million of these.
	cm := Comment{Type: "Comment", AuthorID: defaultAuthor, Public: defaultPublic, Via: Via{Channel: "api"}, CreatedAt: c.now}
	if in == nil {
		v.add(field, "InvalidValue", "Comment: is not an object")
		return cm, nil
	}
	if in.AuthorID != nil {
		// "If null or omitted on create, defaults to the authenticated
		// user" [CMT-DOC].
		if st.users[*in.AuthorID] == nil {
			v.add(field, "InvalidValue", fmt.Sprintf("Author: %d is invalid", *in.AuthorID))
		}
		cm.AuthorID = *in.AuthorID
	}
	set(&cm.Public, in.Public)
	for _, b := range []struct {
		name string
		v    *string
	}{{"Body", in.Body}, {"Html body", in.HTMLBody}, {"Value", in.Value}} {
		if b.v != nil && utf8.RuneCountInString(*b.v) > maxCommentChars {
			v.add(field, "TooLong", fmt.Sprintf("%s: is too long (%d characters; the maximum is %d)", b.name, utf8.RuneCountInString(*b.v), maxCommentChars))
		}
	}
	switch {
	case in.HTMLBody != nil && *in.HTMLBody != "":
		cm.HTMLBody = *in.HTMLBody
		cm.Body = html.UnescapeString(tagRE.ReplaceAllString(cm.HTMLBody, ""))
	case in.Body != nil:
		cm.Body = *in.Body
	case in.Value != nil:
		cm.Body = *in.Value
	}
	if strings.TrimSpace(cm.Body) == "" && len(in.Uploads) == 0 {
		v.add(field, "BlankValue", "Comment: cannot be blank")
	}
	if t, ok := parseTime(v, field, "Comment created at", in.CreatedAt); ok {
		// Not before 1970 (rounded up) and not in the future [IMPORT-DOC].
		if t.After(c.now) {
			v.add(field, "InvalidValue", fmt.Sprintf("Comment created at: %s is in the future", *in.CreatedAt))
		}
		cm.CreatedAt = t
	}
	var tokens []string
	for _, tok := range in.Uploads {
		up := st.uploads[tok]
		switch {
		case up == nil:
			v.add(field, "InvalidValue", fmt.Sprintf("Uploads: token %s is invalid", tok))
		case up.Used || used[tok]:
			v.add(field, "InvalidValue", fmt.Sprintf("Uploads: token %s has already been used", tok))
		case !c.now.Before(up.ExpiresAt):
			v.add(field, "InvalidValue", fmt.Sprintf("Uploads: token %s has expired", tok))
		default:
			used[tok] = true
			tokens = append(tokens, tok)
			cm.Attachments = append(cm.Attachments, up.Attachments...)
		}
	}
	return cm, tokens
}

// buildTicket validates a ticket for import (comments[]) or create
// (comment) and returns it unsaved, with the upload tokens it will consume.
func (s *Server) buildTicket(c *call, in *ticketInput, importing bool) (*ticket, []string, invalid) {
	v := invalid{}
	if in == nil {
		v.add("base", "InvalidValue", "Ticket: is not an object")
		return nil, nil, v
	}
	ownerID := c.me.ID
	requester := ownerID
	if in.RequesterID != nil {
		requester = *in.RequesterID
	}
	submitter := ownerID
	if in.SubmitterID != nil {
		submitter = *in.SubmitterID
	}
	s.checkPeople(v, &requester, &submitter, in.AssigneeID, in.GroupID, in.OrganizationID)
	checkEnums(v, in)

	t := &ticket{Ticket: Ticket{
		ExternalID: in.ExternalID, Subject: in.Subject, RawSubject: in.Subject,
		Priority: in.Priority, Type: in.Type, RequesterID: requester, SubmitterID: submitter,
		AssigneeID: in.AssigneeID, GroupID: in.GroupID, OrganizationID: in.OrganizationID,
		CollaboratorIDs: nonNil(in.CollaboratorIDs), FollowerIDs: nonNil(in.FollowerIDs), EmailCCIDs: []int64{},
		SharingAgreementIDs: []int64{}, Tags: []string{}, CustomFields: []CustomField{},
		IsPublic: true, AllowAttachments: true,
		Via: Via{Channel: "api"},
	}}
	if in.OrganizationID == nil {
		if u := s.st.users[requester]; u != nil {
			t.OrganizationID = u.OrganizationID
		}
	}
	var inputs []*commentInput
	if importing {
		inputs = in.Comments
		if in.Comment != nil {
			inputs = append([]*commentInput{in.Comment}, inputs...)
		}
	} else if in.Comment != nil {
		inputs = []*commentInput{in.Comment}
	}
	if len(inputs) > maxComments {
		v.add("comments", "InvalidValue", fmt.Sprintf("Comments: %d comments is over the limit of %d per ticket", len(inputs), maxComments))
		return nil, nil, v
	}
	if !importing && len(inputs) == 0 && (in.Description == nil || *in.Description == "") {
		v.add("description", "BlankValue", "Description: cannot be blank")
	}
	used := map[string]bool{}
	var tokens []string
	t.comments = make([]heldComment, 0, max(len(inputs), 1))
	for i, ci := range inputs {
		cm, toks := s.buildComment(c, v, "comments", ci, requester, true, used)
		if !importing && i == 0 && ci != nil && ci.AuthorID == nil {
			cm.AuthorID = submitter
		}
		tokens = append(tokens, toks...)
		t.comments = append(t.comments, hold(cm))
	}
	if created, ok := parseTime(v, "created_at", "Created at", in.CreatedAt); ok {
		t.CreatedAt = created
	} else {
		t.CreatedAt = c.now
	}
	if updated, ok := parseTime(v, "updated_at", "Updated at", in.UpdatedAt); ok {
		t.UpdatedAt = updated
	} else {
		t.UpdatedAt = c.now
	}
	if solved, ok := parseTime(v, "solved_at", "Solved at", in.SolvedAt); ok {
		t.solvedAt = solved
	}
	if due, ok := parseTime(v, "due_at", "Due at", in.DueAt); ok {
		t.DueAt = &due
	}
	if !v.ok() {
		return nil, nil, v
	}
	switch {
	case in.Description != nil && *in.Description != "":
		t.Description = *in.Description
	case len(t.comments) > 0:
		t.Description = t.comments[0].body
	}
	if !importing && len(t.comments) == 0 {
		// A ticket created with only a description gets it as its first
		// comment.
		cm, _ := s.buildComment(c, v, "comment", &commentInput{Body: in.Description}, submitter, true, used)
		t.comments = append(t.comments, hold(cm))
	}
	switch {
	case in.Status != nil:
		t.Status = *in.Status
	case t.AssigneeID != nil:
		t.Status = "open"
	default:
		t.Status = "new"
	}
	if in.Tags != nil {
		t.Tags = normalizeTags(*in.Tags)
	}
	kept, dropped := s.ticketFieldValues(v, in.CustomFields)
	t.CustomFields = append(t.CustomFields, kept...)
	t.dropped = dropped
	s.tagFieldValues(t)
	return t, tokens, v
}

// saveTicket stores a built ticket, numbers its comments and consumes its
// upload tokens.
func (s *Server) saveTicket(c *call, t *ticket, tokens []string, archive bool) *Ticket {
	st := s.st
	t.ID = st.next("ticket")
	t.URL = fmt.Sprintf("%s/api/v2/tickets/%d.json", c.base, t.ID)
	audit := st.next("audit")
	for i := range t.comments {
		t.comments[i].id = st.next("comment")
		t.comments[i].auditID = audit
	}
	for _, tok := range tokens {
		st.uploads[tok].Used = true
	}
	// archive_immediately sends closed tickets straight to the archive
	// [IMPORT-DOC].
	t.archived = archive && t.Status == "closed"
	t.GeneratedTimestamp = c.now.Unix()
	// Zendesk keeps comments in the order they were given, whatever their
	// created_at says: a thread given out of order reads out of order.
	for i := 1; i < len(t.comments); i++ {
		if prev, cur := t.comments[i-1].createdAt, t.comments[i].createdAt; cur.Before(prev) {
			st.flag(FlagCommentOrder, ticketWhere(&t.Ticket), fmt.Sprintf("comment %d (%s) is older than comment %d (%s)",
				i+1, cur.Format(time.RFC3339), i, prev.Format(time.RFC3339)))
		}
	}
	st.flagDropped(ticketWhere(&t.Ticket), t.dropped)
	t.dropped = nil
	st.tickets[t.ID] = t
	st.ticketOrder.add(t.ID)
	if t.ExternalID != nil {
		k := strings.ToLower(*t.ExternalID)
		st.ticketByExtID[k] = append(st.ticketByExtID[k], t.ID)
	}
	return &t.Ticket
}

// ticketWhere names a ticket in a flag.
func ticketWhere(t *Ticket) string {
	if t.ExternalID != nil && *t.ExternalID != "" {
		return fmt.Sprintf("ticket %d (external_id %s)", t.ID, *t.ExternalID)
	}
	return fmt.Sprintf("ticket %d", t.ID)
}

func archiveImmediately(c *call) bool {
	v, _ := strconv.ParseBool(c.r.URL.Query().Get("archive_immediately"))
	return v
}

// importTicket is POST /api/v2/imports/tickets. Idempotency-Key is not
// honoured here: it is documented for ticket creation only [INTRO-DOC].
func (s *Server) importTicket(c *call) reply {
	var body struct {
		Ticket *ticketInput `json:"ticket"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if body.Ticket == nil {
		return badRequest("ticket is required")
	}
	t, tokens, v := s.buildTicket(c, body.Ticket, true)
	if !v.ok() {
		return recordInvalid(v)
	}
	out := s.saveTicket(c, t, tokens, archiveImmediately(c))
	c.hdr.Set("Location", out.URL)
	return reply{http.StatusCreated, map[string]any{"ticket": t.render()}}
}

// importTickets is POST /api/v2/imports/tickets/create_many. Each ticket
// is validated when the job runs, in order; a failing ticket does not stop
// the others.
func (s *Server) importTickets(c *call) reply {
	var body struct {
		Tickets []*ticketInput `json:"tickets"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if r := checkBatch(len(body.Tickets), "tickets"); r != nil {
		return *r
	}
	items, archive, me := body.Tickets, archiveImmediately(c), c.me
	return s.startJob(c, http.StatusOK, "TicketBulkImportJob", "", len(items), func(now time.Time) []JobResult {
		jc := &call{now: now, base: c.base, me: me}
		var out []JobResult
		for i, in := range items {
			if f, ok := s.itemFault(i, "import"); ok {
				out = append(out, f)
				continue
			}
			t, tokens, v := s.buildTicket(jc, in, true)
			if !v.ok() {
				code, details := v.summary()
				out = append(out, failed(i, "import", nil, code, details))
				continue
			}
			saved := s.saveTicket(jc, t, tokens, archive)
			out = append(out, JobResult{ID: saved.ID, Index: i})
		}
		return out
	})
}

// createTicket is POST /api/v2/tickets, the one endpoint that honours
// Idempotency-Key [INTRO-DOC]: a replay with the same body gets the cached
// response and x-idempotency-lookup: hit; the same key with another body
// is 400 IdempotentRequestError; keys expire after IdempotencyTTL.
func (s *Server) createTicket(c *call) reply {
	key := c.r.Header.Get("Idempotency-Key")
	var bodyHash string
	if key != "" {
		if len(key) > 255 {
			return badRequest("Idempotency-Key is longer than 255 characters")
		}
		sum := sha256.Sum256(c.body)
		bodyHash = hex.EncodeToString(sum[:])
		if e, ok := s.st.idem[key]; ok && c.now.Before(e.at.Add(s.opts.IdempotencyTTL)) {
			if e.bodyHash != bodyHash {
				return reply{http.StatusBadRequest, apiError("IdempotentRequestError", "Request parameters don't match the given idempotency key")}
			}
			c.hdr.Set("x-idempotency-lookup", "hit")
			return reply{e.status, e.v}
		}
	}
	var body struct {
		Ticket *ticketInput `json:"ticket"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	if body.Ticket == nil {
		return badRequest("ticket is required")
	}
	t, tokens, v := s.buildTicket(c, body.Ticket, false)
	if !v.ok() {
		return recordInvalid(v)
	}
	out := s.saveTicket(c, t, tokens, false)
	c.hdr.Set("Location", out.URL)
	rep := reply{http.StatusCreated, map[string]any{"ticket": t.render()}}
	if key != "" {
		c.hdr.Set("x-idempotency-lookup", "miss")
		s.st.idem[key] = &idemEntry{bodyHash: bodyHash, status: rep.status, v: rep.v, at: c.now}
	}
	return rep
}

// updateTicket is PUT /api/v2/tickets/{id}. Update Ticket allows 30
// updates per 10 minutes per user per ticket and 100 per minute per
// account (300 with High Volume) [RL-DOC].
func (s *Server) updateTicket(c *call) reply {
	id := pathID(c, "id")
	t := s.st.tickets[id]
	if t == nil {
		return notFound()
	}
	accountLimit := 100
	if s.opts.HighVolume {
		accountLimit = 300
	}
	if r := s.takeEndpoint(c, "tickets-update", "account", accountLimit, time.Minute); r != nil {
		return *r
	}
	if r := s.takeEndpoint(c, "tickets-update-per-ticket", fmt.Sprintf("%d/%d", c.me.ID, id), 30, 10*time.Minute); r != nil {
		return *r
	}
	var body struct {
		Ticket *ticketInput `json:"ticket"`
	}
	if r := decode(c, &body); r != nil {
		return *r
	}
	in := body.Ticket
	if in == nil {
		return badRequest("ticket is required")
	}
	v := invalid{}
	if t.Status == "closed" || t.archived {
		v.add("status", "InvalidValue", "Status: closed prevents ticket update")
		return recordInvalid(v)
	}
	assignee, group := t.AssigneeID, t.GroupID
	if in.AssigneeID != nil {
		assignee = in.AssigneeID
	}
	if in.GroupID != nil {
		group = in.GroupID
	}
	s.checkPeople(v, in.RequesterID, nil, assignee, group, in.OrganizationID)
	checkEnums(v, in)
	var cm Comment
	var tokens []string
	if in.Comment != nil {
		if len(t.comments) >= maxComments {
			// "More comments give 422; other updates still work" [CMT-DOC].
			v.add("comment", "InvalidValue", fmt.Sprintf("Comment: this ticket has reached the limit of %d comments", maxComments))
		} else {
			cm, tokens = s.buildComment(c, v, "comment", in.Comment, c.me.ID, true, map[string]bool{})
			if in.Comment.CreatedAt != nil {
				cm.CreatedAt = c.now // only imports may set a comment's time
			}
		}
	}
	fields, dropped := s.ticketFieldValues(v, in.CustomFields)
	if !v.ok() {
		return recordInvalid(v)
	}
	s.st.flagDropped(ticketWhere(&t.Ticket), dropped)
	if in.Subject != nil {
		t.Subject, t.RawSubject = in.Subject, in.Subject
	}
	if in.Status != nil && *in.Status == "solved" && t.Status != "solved" {
		t.solvedAt = c.now
	}
	set(&t.Status, in.Status)
	setPtr(&t.Priority, in.Priority)
	setPtr(&t.Type, in.Type)
	set(&t.RequesterID, in.RequesterID)
	setPtr(&t.OrganizationID, in.OrganizationID)
	t.AssigneeID, t.GroupID = assignee, group
	if in.ExternalID != nil {
		s.reindexTicketExt(t, in.ExternalID)
	}
	if in.Tags != nil {
		t.Tags = normalizeTags(*in.Tags)
	}
	if len(in.AdditionalTags) > 0 {
		t.Tags = normalizeTags(append(slices.Clone(t.Tags), in.AdditionalTags...))
	}
	if len(in.RemoveTags) > 0 {
		t.Tags = slices.DeleteFunc(slices.Clone(t.Tags), func(tag string) bool { return slices.Contains(in.RemoveTags, tag) })
	}
	for _, f := range fields {
		i := slices.IndexFunc(t.CustomFields, func(x CustomField) bool { return x.ID == f.ID })
		if i >= 0 {
			t.CustomFields[i].Value = f.Value
		} else {
			t.CustomFields = append(t.CustomFields, f)
		}
	}
	s.tagFieldValues(t)
	audit := map[string]any{"id": s.st.next("audit"), "ticket_id": t.ID, "created_at": c.now, "author_id": c.me.ID, "events": []any{}}
	if in.Comment != nil {
		cm.ID = s.st.next("comment")
		cm.AuditID = audit["id"].(int64)
		for _, tok := range tokens {
			s.st.uploads[tok].Used = true
		}
		t.comments = append(t.comments, hold(cm))
		audit["events"] = []any{map[string]any{"id": cm.ID, "type": "Comment", "author_id": cm.AuthorID, "body": cm.Body, "public": cm.Public}}
	}
	t.UpdatedAt = c.now
	t.GeneratedTimestamp = c.now.Unix()
	if in.Comment != nil {
		s.runTriggers(t, &cm, c.me.ID, c.now)
	}
	return reply{http.StatusOK, map[string]any{"ticket": t.render(), "audit": audit}}
}

func (s *Server) reindexTicketExt(t *ticket, ext *string) {
	st := s.st
	if t.ExternalID != nil {
		k := strings.ToLower(*t.ExternalID)
		st.ticketByExtID[k] = slices.DeleteFunc(st.ticketByExtID[k], func(id int64) bool { return id == t.ID })
	}
	t.ExternalID = nil
	if ext != nil && *ext != "" {
		t.ExternalID = ptr(*ext)
		k := strings.ToLower(*ext)
		st.ticketByExtID[k] = append(st.ticketByExtID[k], t.ID)
	}
}

func (s *Server) showTicket(c *call) reply {
	t := s.st.tickets[pathID(c, "id")]
	if t == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"ticket": t.render()}}
}

// listTickets is GET /api/v2/tickets: cursor or offset pagination, in id
// order or newest first (sort=-id), or ?external_id=, which may match
// several tickets [OAS]. include=comment_count adds each ticket's count.
func (s *Server) listTickets(c *call) reply {
	st := s.st
	q := c.r.URL.Query()
	ids := []int64(st.ticketOrder)
	if ext := q.Get("external_id"); ext != "" {
		ids = slices.Sorted(slices.Values(st.ticketByExtID[strings.ToLower(ext)]))
	}
	var p page[int64]
	var r *reply
	switch q.Get("sort") {
	case "", "id":
		p, r = paginateIDs(c, ids)
	case "-id":
		desc := slices.Clone(ids)
		slices.Reverse(desc)
		p, r = paginate(c, desc, func(a, b int64) int { return cmpInt(b, a) }, func(id int64) string { return strconv.FormatInt(id, 10) },
			func(s string) (int64, bool) { n, err := strconv.ParseInt(s, 10, 64); return n, err == nil })
	default:
		return badRequest("sort must be id or -id")
	}
	if r != nil {
		return *r
	}
	withCount := slices.Contains(splitList(q.Get("include")), "comment_count")
	out := make([]exportedTicket, 0, len(p.items))
	for _, id := range p.items {
		out = append(out, s.exported(st.tickets[id], withCount))
	}
	return listReply("tickets", out, p.extra)
}

func (s *Server) showManyTickets(c *call) reply {
	ids, r := parseIDs(c.r.URL.Query().Get("ids"), "ids")
	if r != nil {
		return *r
	}
	withCount := slices.Contains(splitList(c.r.URL.Query().Get("include")), "comment_count")
	out := []exportedTicket{}
	for _, id := range ids {
		if t := s.st.tickets[id]; t != nil {
			out = append(out, s.exported(t, withCount))
		}
	}
	return reply{http.StatusOK, map[string]any{"tickets": out}}
}

// listComments is GET /api/v2/tickets/{id}/comments, oldest first unless
// sort_order=desc; pagination by position.
func (s *Server) listComments(c *call) reply {
	t := s.st.tickets[pathID(c, "id")]
	if t == nil {
		return notFound()
	}
	pos := make([]int64, len(t.comments))
	for i := range pos {
		pos[i] = int64(i)
	}
	desc := c.r.URL.Query().Get("sort_order") == "desc"
	if desc {
		slices.Reverse(pos)
	}
	cmp := cmpInt
	if desc {
		cmp = func(a, b int64) int { return cmpInt(b, a) }
	}
	p, r := paginate(c, pos, cmp, func(i int64) string { return strconv.FormatInt(i, 10) },
		func(s string) (int64, bool) { n, err := strconv.ParseInt(s, 10, 64); return n, err == nil })
	if r != nil {
		return *r
	}
	out := make([]Comment, 0, len(p.items))
	for _, i := range p.items {
		out = append(out, t.comments[i].comment().render())
	}
	return listReply("comments", out, p.extra)
}

// destroyTickets is DELETE /api/v2/tickets/destroy_many?ids=, a job.
func (s *Server) destroyTickets(c *call) reply {
	ids, r := parseIDs(c.r.URL.Query().Get("ids"), "ids")
	if r != nil {
		return *r
	}
	if len(ids) == 0 {
		return badRequest("ids is required")
	}
	me := c.me.ID
	return s.startJob(c, http.StatusOK, "TicketBulkDestroyJob", "", len(ids), func(now time.Time) []JobResult {
		var out []JobResult
		for i, id := range ids {
			if f, ok := s.itemFault(i, "delete"); ok {
				out = append(out, f)
				continue
			}
			if s.st.tickets[id] == nil {
				out = append(out, failed(i, "delete", id, "RecordNotFound", "Not found"))
				continue
			}
			s.deleteTicket(id, me, now)
			out = append(out, JobResult{ID: id, Index: i, Action: "delete", Status: "Deleted", Success: ptr(true)})
		}
		return out
	})
}

// destroyTicket is DELETE /api/v2/tickets/{id}: 400 per minute [RL-DOC].
func (s *Server) destroyTicket(c *call) reply {
	id := pathID(c, "id")
	if r := s.takeEndpoint(c, "tickets-delete", "account", 400, time.Minute); r != nil {
		return *r
	}
	if s.st.tickets[id] == nil {
		return notFound()
	}
	s.deleteTicket(id, c.me.ID, c.now)
	return reply{status: http.StatusNoContent}
}

// normalizeTags trims, drops blanks and duplicates, keeping order. Zendesk's
// character rules for tags were not found, so case is kept.
func normalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		for f := range strings.FieldsSeq(t) {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
