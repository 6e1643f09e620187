package zendesksim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Deleting a ticket is a soft delete: the ticket leaves every list, search
// and show, is listed by /deleted_tickets, can be restored, and stays in
// the incremental export with status "deleted" until it is deleted
// permanently (spec/zendesk.md, deleted tickets).

// deletedTicket is one entry of GET /api/v2/deleted_tickets.
type deletedTicket struct {
	ID            int64        `json:"id"`
	Subject       *string      `json:"subject"`
	Actor         deletedActor `json:"actor"`
	DeletedAt     time.Time    `json:"deleted_at"`
	PreviousState string       `json:"previous_state"`
}

type deletedActor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// deleteTicket soft-deletes a live ticket, by actor at now.
func (s *Server) deleteTicket(id int64, actor int64, now time.Time) {
	st := s.st
	t := st.tickets[id]
	if t.ExternalID != nil {
		k := strings.ToLower(*t.ExternalID)
		st.ticketByExtID[k] = slices.DeleteFunc(st.ticketByExtID[k], func(x int64) bool { return x == id })
	}
	delete(st.tickets, id)
	st.ticketOrder.remove(id)
	t.deletedAt, t.deletedBy = now, actor
	t.UpdatedAt = now
	t.GeneratedTimestamp = now.Unix()
	st.trash[id] = t
}

// restoreTicket brings a soft-deleted ticket back as it was.
func (s *Server) restoreTicket(id int64, now time.Time) {
	st := s.st
	t := st.trash[id]
	delete(st.trash, id)
	t.deletedAt, t.deletedBy = time.Time{}, 0
	t.UpdatedAt = now
	t.GeneratedTimestamp = now.Unix()
	st.tickets[id] = t
	st.ticketOrder.add(id)
	if t.ExternalID != nil {
		k := strings.ToLower(*t.ExternalID)
		st.ticketByExtID[k] = append(st.ticketByExtID[k], id)
	}
}

// listDeletedTickets is GET /api/v2/deleted_tickets: 10 requests a
// minute, 100 per page, oldest first [OAS ListDeletedTickets].
func (s *Server) listDeletedTickets(c *call) reply {
	if r := s.takeEndpoint(c, "deleted-tickets", "account", 10, time.Minute); r != nil {
		return *r
	}
	st := s.st
	var ids sortedIDs
	for id := range st.trash {
		ids.add(id)
	}
	p, r := paginateIDs(c, ids)
	if r != nil {
		return *r
	}
	out := make([]deletedTicket, 0, len(p.items))
	for _, id := range p.items {
		t := st.trash[id]
		name := ""
		if u := st.users[t.deletedBy]; u != nil {
			name = u.Name
		}
		out = append(out, deletedTicket{ID: id, Subject: t.Subject, Actor: deletedActor{ID: t.deletedBy, Name: name},
			DeletedAt: t.deletedAt, PreviousState: t.Status})
	}
	return listReply("deleted_tickets", out, p.extra)
}

// restoreDeleted is PUT /api/v2/deleted_tickets/{id}/restore.
func (s *Server) restoreDeleted(c *call) reply {
	id := pathID(c, "id")
	if s.st.trash[id] == nil {
		return notFound()
	}
	s.restoreTicket(id, c.now)
	return reply{status: http.StatusOK, v: ""}
}

// restoreManyDeleted is PUT /api/v2/deleted_tickets/restore_many?ids=.
func (s *Server) restoreManyDeleted(c *call) reply {
	ids, r := parseIDs(c.r.URL.Query().Get("ids"), "ids")
	if r != nil {
		return *r
	}
	for _, id := range ids {
		if s.st.trash[id] == nil {
			return notFound()
		}
	}
	for _, id := range ids {
		s.restoreTicket(id, c.now)
	}
	return reply{status: http.StatusOK, v: ""}
}

// purgeDeleted is DELETE /api/v2/deleted_tickets/{id}: a job that deletes
// a soft-deleted ticket for good [OAS DeleteTicketPermanently].
func (s *Server) purgeDeleted(c *call) reply {
	return s.purge(c, []int64{pathID(c, "id")})
}

// purgeManyDeleted is DELETE /api/v2/deleted_tickets/destroy_many?ids=.
func (s *Server) purgeManyDeleted(c *call) reply {
	ids, r := parseIDs(c.r.URL.Query().Get("ids"), "ids")
	if r != nil {
		return *r
	}
	if len(ids) == 0 {
		return badRequest("ids is required")
	}
	return s.purge(c, ids)
}

func (s *Server) purge(c *call, ids []int64) reply {
	return s.startJob(c, http.StatusOK, "TicketPermanentDeleteJob", "", len(ids), func(now time.Time) []JobResult {
		var out []JobResult
		for i, id := range ids {
			if s.st.trash[id] == nil {
				out = append(out, failed(i, "delete", id, "RecordNotFound", fmt.Sprintf("ticket %d is not among the deleted tickets", id)))
				continue
			}
			delete(s.st.trash, id)
			s.st.purged = append(s.st.purged, id)
			out = append(out, JobResult{ID: id, Index: i, Action: "delete", Status: "Deleted", Success: ptr(true)})
		}
		return out
	})
}
