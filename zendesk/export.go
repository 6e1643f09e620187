package zendesk

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Count is what a count endpoint answers. Above ExactCount Zendesk
// refreshes it once a day: Exact says whether it can be trusted as is.
type Count struct {
	Value       int       `json:"value"`
	RefreshedAt time.Time `json:"refreshed_at"`
}

// Exact says whether Zendesk keeps this count current.
func (n Count) Exact() bool { return n.Value < ExactCount }

func (c *Client) count(ctx context.Context, path string) (Count, error) {
	var out struct {
		Count Count `json:"count"`
	}
	err := c.get(ctx, path, nil, &out)
	return out.Count, err
}

// CountTickets counts the account's live tickets.
func (c *Client) CountTickets(ctx context.Context) (Count, error) {
	return c.count(ctx, "/api/v2/tickets/count")
}

// CountUsers counts the account's users, agents and admins included.
func (c *Client) CountUsers(ctx context.Context) (Count, error) {
	return c.count(ctx, "/api/v2/users/count")
}

// CountOrganizations counts the account's organizations.
func (c *Client) CountOrganizations(ctx context.Context) (Count, error) {
	return c.count(ctx, "/api/v2/organizations/count")
}

// ExportedTicket is a ticket as the incremental export gives it: Status
// "deleted" for a ticket in the deleted tickets, and CommentCount when the
// export was asked for it.
type ExportedTicket struct {
	Ticket
	CommentCount       int   `json:"comment_count"`
	GeneratedTimestamp int64 `json:"generated_timestamp"`
}

// Deleted says whether the ticket is among the deleted tickets.
func (t ExportedTicket) Deleted() bool { return t.Status == "deleted" }

// ExportFrom is where an incremental export starts: a cursor saved from
// an earlier export, or else a time at least a minute in the past.
type ExportFrom struct {
	Cursor string
	Start  time.Time
}

// ExportTickets reads the incremental ticket export from from to its end,
// calling fn for each ticket, and returns the cursor to continue from
// next time. Changes of the last minute are not in it yet (spec/zendesk.md
// §10). It is paced at the export's own limit.
func (c *Client) ExportTickets(ctx context.Context, from ExportFrom, commentCounts bool, fn func(ExportedTicket) error) (string, error) {
	q := url.Values{}
	if from.Cursor != "" {
		q.Set("cursor", from.Cursor)
	} else {
		q.Set("start_time", strconv.FormatInt(from.Start.Unix(), 10))
	}
	if commentCounts {
		q.Set("include", "comment_count")
	}
	cursor := from.Cursor
	for {
		var page struct {
			Tickets     []ExportedTicket `json:"tickets"`
			AfterCursor string           `json:"after_cursor"`
			EndOfStream bool             `json:"end_of_stream"`
		}
		req := &request{method: http.MethodGet, path: "/api/v2/incremental/tickets/cursor", query: q, safe: true, endpoint: "incremental-exports"}
		if _, err := c.do(ctx, req, &page); err != nil {
			return cursor, err
		}
		for _, t := range page.Tickets {
			if err := fn(t); err != nil {
				return cursor, err
			}
		}
		if page.AfterCursor != "" {
			cursor = page.AfterCursor
		}
		if page.EndOfStream || page.AfterCursor == "" {
			return cursor, nil
		}
		if len(page.Tickets) == 0 {
			return cursor, fmt.Errorf("zendesk: the incremental export gave an empty page that is not its end")
		}
		q = url.Values{"cursor": {page.AfterCursor}}
		if commentCounts {
			q.Set("include", "comment_count")
		}
	}
}

// DeletedTicket is one of the deleted tickets, restorable until Zendesk
// deletes it permanently.
type DeletedTicket struct {
	ID            int64     `json:"id"`
	Subject       string    `json:"subject"`
	DeletedAt     time.Time `json:"deleted_at"`
	PreviousState string    `json:"previous_state"`
}

// ListDeletedTickets yields the deleted tickets, oldest first.
func (c *Client) ListDeletedTickets(ctx context.Context) iter.Seq2[DeletedTicket, error] {
	return cursorList[DeletedTicket](ctx, c, "/api/v2/deleted_tickets", nil, "deleted_tickets")
}

// RestoreTicket brings a deleted ticket back. Restoring twice is a 404,
// so it is not retried blindly.
func (c *Client) RestoreTicket(ctx context.Context, id int64) error {
	_, err := c.do(ctx, &request{method: http.MethodPut, path: "/api/v2/deleted_tickets/" + strconv.FormatInt(id, 10) + "/restore"}, nil)
	return err
}

// PurgeTickets deletes up to 100 deleted tickets permanently, in one job.
func (c *Client) PurgeTickets(ctx context.Context, ids []int64) (*Job, error) {
	if err := checkBatch("deleted_tickets/destroy_many", len(ids)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodDelete, path: "/api/v2/deleted_tickets/destroy_many",
		query: url.Values{"ids": {joinIDs(ids)}}, safe: true}, len(ids))
}

// TicketsByExternalIDCounted is TicketsByExternalID with comment counts.
func (c *Client) TicketsByExternalIDCounted(ctx context.Context, externalID string) ([]ExportedTicket, error) {
	return collect(cursorList[ExportedTicket](ctx, c, "/api/v2/tickets", url.Values{"external_id": {externalID}, "include": {"comment_count"}}, "tickets"))
}

// NewestTickets yields the live tickets newest first, with comment counts.
func (c *Client) NewestTickets(ctx context.Context) iter.Seq2[ExportedTicket, error] {
	return cursorList[ExportedTicket](ctx, c, "/api/v2/tickets", url.Values{"sort": {"-id"}, "include": {"comment_count"}}, "tickets")
}

// ShowManyTicketsCounted is ShowManyTickets with comment counts.
func (c *Client) ShowManyTicketsCounted(ctx context.Context, ids []int64) ([]ExportedTicket, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > MaxBatch {
		return nil, fmt.Errorf("zendesk: show_many takes at most %d ids, got %d", MaxBatch, len(ids))
	}
	var out struct {
		Tickets []ExportedTicket `json:"tickets"`
	}
	err := c.get(ctx, "/api/v2/tickets/show_many", url.Values{"ids": {joinIDs(ids)}, "include": {"comment_count"}}, &out)
	return out.Tickets, err
}
