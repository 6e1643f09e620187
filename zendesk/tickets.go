package zendesk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// ImportOptions tune a ticket import.
type ImportOptions struct {
	// ArchiveImmediately sends tickets imported as closed straight to the
	// archive, as Zendesk advises for large imports.
	ArchiveImmediately bool
}

func (o ImportOptions) query() url.Values {
	if !o.ArchiveImmediately {
		return nil
	}
	return url.Values{"archive_immediately": {"true"}}
}

// ImportTickets imports up to 100 tickets, with their comments and
// original timestamps, in one job.
func (c *Client) ImportTickets(ctx context.Context, tickets []TicketImport, opts ImportOptions) (*Job, error) {
	if err := checkBatch("imports/tickets/create_many", len(tickets)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodPost, path: "/api/v2/imports/tickets/create_many",
		query: opts.query(), body: map[string]any{"tickets": tickets}}, len(tickets))
}

// ImportTicket imports one ticket and returns it. Zendesk offers no
// idempotency key here: after a broken connection the error is a
// MaybeSentError, to be resolved by looking the ticket up.
func (c *Client) ImportTicket(ctx context.Context, t TicketImport, opts ImportOptions) (*Ticket, error) {
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/api/v2/imports/tickets",
		query: opts.query(), body: map[string]any{"ticket": t}}, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// CreateTicket creates a ticket through the Tickets API (not an import).
// A non-empty idempotencyKey (up to 255 characters) makes it safe to
// repeat for two hours: Zendesk answers a repeat with the first answer.
func (c *Client) CreateTicket(ctx context.Context, t NewTicket, idempotencyKey string) (*Ticket, error) {
	if len(idempotencyKey) > 255 {
		return nil, fmt.Errorf("zendesk: an idempotency key has at most 255 characters, got %d", len(idempotencyKey))
	}
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPost, path: "/api/v2/tickets",
		body: map[string]any{"ticket": t}, idempotencyKey: idempotencyKey}, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// UpdateTicket changes a ticket, for instance adding a comment. It spends
// from the tickets-update endpoint limit (100 a minute per account). An
// update without a comment is safe to repeat and is retried; one with a
// comment is not.
func (c *Client) UpdateTicket(ctx context.Context, id int64, u TicketUpdate) (*Ticket, error) {
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodPut, path: "/api/v2/tickets/" + strconv.FormatInt(id, 10),
		body: map[string]any{"ticket": u}, safe: u.Comment == nil, endpoint: "tickets-update"}, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// ShowTicket returns one ticket.
func (c *Client) ShowTicket(ctx context.Context, id int64) (*Ticket, error) {
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	if err := c.get(ctx, "/api/v2/tickets/"+strconv.FormatInt(id, 10), nil, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// ShowManyTickets returns the tickets among up to 100 ids that exist.
func (c *Client) ShowManyTickets(ctx context.Context, ids []int64) ([]Ticket, error) {
	return showMany[Ticket](ctx, c, "/api/v2/tickets/show_many", "ids", joinIDs(ids), len(ids), "tickets")
}

// TicketsByExternalID returns every ticket with this external id (several
// tickets may share one).
func (c *Client) TicketsByExternalID(ctx context.Context, externalID string) ([]Ticket, error) {
	return collect(cursorList[Ticket](ctx, c, "/api/v2/tickets", url.Values{"external_id": {externalID}}, "tickets"))
}

// ListTickets yields every ticket.
func (c *Client) ListTickets(ctx context.Context) iter.Seq2[Ticket, error] {
	return cursorList[Ticket](ctx, c, "/api/v2/tickets", nil, "tickets")
}

// SearchTickets yields the tickets a search query matches; "type:ticket"
// is added. Search reaches at most 10,000 results.
func (c *Client) SearchTickets(ctx context.Context, query string) iter.Seq2[Ticket, error] {
	return offsetList[Ticket](ctx, c, "/api/v2/search", url.Values{"query": {"type:ticket " + query}}, "results")
}

// SearchTicketsByTag yields the tickets carrying a tag, such as a batch
// tag written on import.
func (c *Client) SearchTicketsByTag(ctx context.Context, tag string) iter.Seq2[Ticket, error] {
	return c.SearchTickets(ctx, "tags:"+tag)
}

// ListComments yields a ticket's comments, oldest first.
func (c *Client) ListComments(ctx context.Context, ticketID int64) iter.Seq2[Comment, error] {
	return cursorList[Comment](ctx, c, "/api/v2/tickets/"+strconv.FormatInt(ticketID, 10)+"/comments", nil, "comments")
}

// DestroyManyTickets deletes up to 100 tickets in one job. Repeating it
// deletes nothing more, so it is retried.
func (c *Client) DestroyManyTickets(ctx context.Context, ids []int64) (*Job, error) {
	if err := checkBatch("tickets/destroy_many", len(ids)); err != nil {
		return nil, err
	}
	return c.submit(ctx, &request{method: http.MethodDelete, path: "/api/v2/tickets/destroy_many",
		query: url.Values{"ids": {joinIDs(ids)}}, safe: true}, len(ids))
}

// UploadFile is a file to upload.
type UploadFile struct {
	Name        string // file name; its extension should match the content
	ContentType string // the file's MIME type (default application/octet-stream)
	// Body is the file's content, streamed. If it is an io.Seeker (an
	// *os.File, a *bytes.Reader) a failed attempt is repeated.
	Body io.Reader
	// Size is the length of Body, or -1 if unknown. A file over the limit
	// is refused before anything is sent; one of unknown size stops being
	// sent when it passes the limit.
	Size int64
	// Token adds the file to an earlier upload instead of starting one.
	Token string
}

// Upload sends one file and returns the upload, whose token a comment's
// Uploads field takes. The token is valid for 60 minutes: upload just
// before the import that uses it. Repeating an upload only leaves an
// unused copy that Zendesk discards, so failed attempts are retried.
func (c *Client) Upload(ctx context.Context, f UploadFile) (*Upload, error) {
	limit := c.cfg.MaxUploadSize
	if f.Name == "" {
		return nil, errors.New("zendesk: upload: the file has no name")
	}
	if f.Size > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrUploadTooLarge, f.Name, f.Size, limit)
	}
	if f.ContentType == "" {
		f.ContentType = "application/octet-stream"
	}
	q := url.Values{"filename": {f.Name}}
	if f.Token != "" {
		q.Set("token", f.Token)
	}
	var start int64
	seeker, canSeek := f.Body.(io.Seeker)
	if canSeek {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canSeek = false
		}
	}
	wrap := func(r io.Reader) io.Reader {
		if f.Size >= 0 {
			return io.LimitReader(r, f.Size)
		}
		return &capReader{r: r, left: limit, name: f.Name, limit: limit}
	}
	req := &request{method: http.MethodPost, path: "/api/v2/uploads", query: q,
		raw: wrap(f.Body), rawLen: f.Size, contentType: f.ContentType, safe: true}
	if canSeek {
		req.reopen = func() (io.Reader, error) {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, err
			}
			return wrap(f.Body), nil
		}
	}
	var out struct {
		Upload Upload `json:"upload"`
	}
	if _, err := c.do(ctx, req, &out); err != nil {
		if errors.Is(err, ErrUploadTooLarge) {
			return nil, fmt.Errorf("%w: %s passed %d bytes while being sent", ErrUploadTooLarge, f.Name, limit)
		}
		return nil, err
	}
	return &out.Upload, nil
}

// capReader fails once more than limit bytes have been read.
type capReader struct {
	r           io.Reader
	left, limit int64
	name        string
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, ErrUploadTooLarge
	}
	return n, err
}

// DeleteUpload discards an upload that no comment used.
func (c *Client) DeleteUpload(ctx context.Context, token string) error {
	_, err := c.do(ctx, &request{method: http.MethodDelete, path: "/api/v2/uploads/" + url.PathEscape(token), safe: true}, nil)
	return err
}
