package zendesksim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// By hand: what an agent does in Zendesk's own interface while a
// migration runs, for tests that check kzmap notices it. Each change moves
// the ticket's updated_at and generated_timestamp, as Zendesk does.

// FindTicket returns the id of the one live ticket ref names: an external
// id, or "@N" for the N-th ticket in id order (1 is the first).
func (s *Server) FindTicket(ref string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.findTicket(ref)
}

func (s *Server) findTicket(ref string) (int64, error) {
	st := s.st
	if n, ok := strings.CutPrefix(ref, "@"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || i > len(st.ticketOrder) {
			return 0, fmt.Errorf("zendesksim: no ticket %s (the account holds %d)", ref, len(st.ticketOrder))
		}
		return st.ticketOrder[i-1], nil
	}
	ids := st.ticketByExtID[strings.ToLower(ref)]
	switch len(ids) {
	case 0:
		return 0, fmt.Errorf("zendesksim: no live ticket has external_id %q", ref)
	case 1:
		return ids[0], nil
	}
	return 0, fmt.Errorf("zendesksim: %d tickets have external_id %q", len(ids), ref)
}

// EditTicket changes a live ticket as an agent would: status, priority,
// subject, tag (added) or note (a private comment by the account owner).
func (s *Server) EditTicket(ref string, changes map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.findTicket(ref)
	if err != nil {
		return err
	}
	t, now := s.st.tickets[id], s.now()
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		v := changes[k]
		switch k {
		case "status":
			if !ticketStatuses[v] {
				return fmt.Errorf("zendesksim: status %q is not valid", v)
			}
			t.Status = v
		case "priority":
			if !ticketPriorities[v] {
				return fmt.Errorf("zendesksim: priority %q is not valid", v)
			}
			t.Priority = ptr(v)
		case "subject":
			t.Subject, t.RawSubject = ptr(v), ptr(v)
		case "tag":
			t.Tags = normalizeTags(append(slices.Clone(t.Tags), v))
		case "note":
			t.comments = append(t.comments, hold(Comment{ID: s.st.next("comment"), Type: "Comment", Body: v, HTMLBody: "<p>" + v + "</p>",
				PlainBody: v, Public: false, AuthorID: s.st.ownerID, CreatedAt: now, AuditID: s.st.next("audit")}))
		default:
			return fmt.Errorf("zendesksim: cannot edit %q (status, priority, subject, tag, note)", k)
		}
	}
	t.UpdatedAt = now
	t.GeneratedTimestamp = now.Unix()
	return nil
}

// DeleteTicket soft-deletes a live ticket as an agent would.
func (s *Server) DeleteTicket(ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.findTicket(ref)
	if err != nil {
		return err
	}
	s.deleteTicket(id, s.st.ownerID, s.now())
	return nil
}

// Block makes Zendesk refuse users with these emails, as an admin's
// blocklist does, until Unblock: the way a test makes one user a dead
// letter.
func (s *Server) Block(emails ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range emails {
		s.st.blocked[strings.ToLower(e)] = true
	}
}

// Unblock lifts Block.
func (s *Server) Unblock(emails ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range emails {
		delete(s.st.blocked, strings.ToLower(e))
	}
}

// SetJobFailures changes the share of job items that fail (the fault
// switch's jobfail), for a test that needs a run to fail and the next to
// succeed.
func (s *Server) SetJobFailures(p float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.JobFailP = p
}

// AddField makes a field by hand, as an admin would in Zendesk's admin
// center: resource is ticket, user or organization; options are the
// dropdown's values (each its own name).
func (s *Server) AddField(resource, typ, key, title string, options ...string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fr := fieldResources[resource]
	if fr == nil {
		return 0, fmt.Errorf("zendesksim: no %q fields (ticket, user, organization)", resource)
	}
	in := &fieldInput{Type: &typ, Title: &title}
	if key != "" {
		in.Key = &key
	}
	if len(options) > 0 {
		var opts []fieldOptInput
		for _, o := range options {
			opts = append(opts, fieldOptInput{Name: o, Value: o})
		}
		in.CustomFieldOptions = &opts
	}
	now := s.now()
	c := &call{now: now, base: s.opts.BaseURL}
	v := invalid{}
	f := &Field{Active: true, CreatedAt: now, UpdatedAt: now, Type: typ}
	s.setOptions(v, fr, f, in, true)
	if !v.ok() {
		code, details := v.summary()
		return 0, fmt.Errorf("zendesksim: %s: %s", code, details)
	}
	f.ID = s.st.next("field")
	f.URL = fmt.Sprintf("%s/api/v2/%s/%d.json", c.base, fr.path, f.ID)
	f.Key = key
	s.applyField(f, in)
	s.fieldsOf(fr)[f.ID] = f
	return f.ID, nil
}

// Census counts what the account holds, for checking a migration landed
// exactly once without dumping the state: live tickets and their
// comments, users, organizations, and the external ids that more than one
// live ticket carries (a ticket imported twice, which Zendesk allows).
type Census struct {
	Tickets, Comments, Users, Organizations int
	DuplicateExternalIDs                    int
}

// Census takes the account's census.
func (s *Server) Census() Census {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	c := Census{Tickets: len(st.tickets), Users: len(st.users), Organizations: len(st.orgs)}
	for _, t := range st.tickets {
		c.Comments += len(t.comments)
	}
	for _, ids := range st.ticketByExtID {
		if len(ids) > 1 {
			c.DuplicateExternalIDs++
		}
	}
	return c
}
