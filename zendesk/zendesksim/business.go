package zendesksim

import (
	"fmt"
	"time"
)

// The business rules every new Zendesk account has (spec/zendesk.md §12):
// the standard triggers that email people when a ticket is updated, and
// the standard automation that closes solved tickets. Imports run neither
// trigger [IMPORT-DOC]; an update through the Tickets API runs them.

// Email is a notification the account's triggers would have sent.
type Email struct {
	To       int64     `json:"to"` // the user emailed
	TicketID int64     `json:"ticket_id"`
	Trigger  string    `json:"trigger"`
	At       time.Time `json:"at"`
}

// The standard triggers the simulator runs.
const (
	TriggerNotifyRequester = "Notify requester and CCs of comment update"
	TriggerNotifyAssignee  = "Notify assignee of comment update"
)

// FlagCustomerEmailed: an update made a trigger email a customer (the
// requester) about a comment, as a migration must never do.
const FlagCustomerEmailed = "customer_emailed"

// maxEmails bounds the emails kept, as maxFlags bounds flags.
const maxEmails = 10_000

// runTriggers runs the standard triggers for an update of t that added
// comment cm (nil: no comment), made by the current user me.
func (s *Server) runTriggers(t *ticket, cm *Comment, me int64, now time.Time) {
	if cm == nil || s.opts.NoStandardTriggers {
		return
	}
	st := s.st
	send := func(to int64, trigger string) {
		if len(st.emails) < maxEmails {
			st.emails = append(st.emails, Email{To: to, TicketID: t.ID, Trigger: trigger, At: now})
		}
	}
	if cm.Public && t.RequesterID != 0 && t.RequesterID != me {
		send(t.RequesterID, TriggerNotifyRequester)
		st.flag(FlagCustomerEmailed, ticketWhere(&t.Ticket), fmt.Sprintf("comment %d: %q emailed requester %d", cm.ID, TriggerNotifyRequester, t.RequesterID))
	}
	if t.AssigneeID != nil && *t.AssigneeID != me {
		send(*t.AssigneeID, TriggerNotifyAssignee)
	}
}

// closeSolved is the standard automation "Close ticket 4 days after status
// is set to solved" (CloseSolvedAfter): automations run once an hour, and
// a solved ticket whose solve is that old is closed, imported ones too.
func (s *Server) closeSolved(now time.Time) {
	after := s.opts.CloseSolvedAfter
	if after < 0 {
		return
	}
	if after == 0 {
		after = 4 * 24 * time.Hour
	}
	st := s.st
	if !st.automation.IsZero() && now.Sub(st.automation) < time.Hour {
		return
	}
	if st.automation.IsZero() {
		st.automation = now
		return
	}
	st.automation = now
	for _, t := range st.tickets {
		if t.Status != "solved" {
			continue
		}
		solved := t.solvedAt
		if solved.IsZero() {
			solved = t.UpdatedAt
		}
		if now.Sub(solved) >= after {
			t.Status = "closed"
			t.UpdatedAt = now
			t.GeneratedTimestamp = now.Unix()
		}
	}
}
