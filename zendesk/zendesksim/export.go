package zendesksim

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Counts and the incremental ticket export (spec/zendesk.md, counts and
// incremental export).

// countReply is {"count":{"value":n,"refreshed_at":now}}. Zendesk caches
// counts above 100,000 for a day [OAS CountTickets]; the simulator's are
// exact.
func countReply(n int, now time.Time) reply {
	return reply{http.StatusOK, map[string]any{"count": map[string]any{"value": n, "refreshed_at": now}}}
}

func (s *Server) countTickets(c *call) reply { return countReply(len(s.st.tickets), c.now) }
func (s *Server) countUsers(c *call) reply   { return countReply(len(s.st.users), c.now) }
func (s *Server) countOrgs(c *call) reply    { return countReply(len(s.st.orgs), c.now) }

// exportPage is the most tickets one export page holds, and the default.
const exportPage = 1000

// exportLag is how recent a change may be and still be left out: "items
// that were created or changed within the minute prior to your request
// are excluded" [INCR-DOC].
const exportLag = time.Minute

// exportCursor is a position in the export's order: after the ticket id
// at generated_timestamp ts.
type exportCursor struct {
	ts int64
	id int64
}

func (k exportCursor) String() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", k.ts, k.id))
}

func parseExportCursor(s string) (exportCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return exportCursor{}, false
	}
	a, z, ok := strings.Cut(string(b), ".")
	ts, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(z, 10, 64)
	return exportCursor{ts, id}, ok && err1 == nil && err2 == nil
}

// incrementalTickets is GET /api/v2/incremental/tickets/cursor: every
// ticket changed at or after start_time (or after cursor), live, archived
// and soft-deleted (status "deleted", unless exclude_deleted=true), in the
// order of generated_timestamp, up to per_page (at most 1000) a page.
// 10 requests a minute, 30 with High Volume [RL-DOC]; start_time must be
// at least a minute in the past [OAS].
func (s *Server) incrementalTickets(c *call) reply {
	limit := 10
	if s.opts.HighVolume {
		limit = 30
	}
	if r := s.takeEndpoint(c, "incremental-exports", "account", limit, time.Minute); r != nil {
		return *r
	}
	q := c.r.URL.Query()
	var from exportCursor
	switch {
	case q.Get("cursor") != "":
		k, ok := parseExportCursor(q.Get("cursor"))
		if !ok {
			return badRequest("cursor is not valid")
		}
		from = k
	case q.Get("start_time") != "":
		t, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
		if err != nil {
			return badRequest("start_time must be a Unix time in seconds")
		}
		if t > c.now.Add(-exportLag).Unix() {
			return badRequest("start_time is too recent: it must be at least one minute in the past")
		}
		from = exportCursor{ts: t, id: -1}
	default:
		return badRequest("start_time or cursor is required")
	}
	size := exportPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequest("per_page must be a positive integer")
		}
		size = min(n, exportPage)
	}
	excludeDeleted := q.Get("exclude_deleted") == "true"
	withCount := slices.Contains(splitList(q.Get("include")), "comment_count")
	horizon := c.now.Add(-exportLag).Unix()

	var all []*ticket
	for _, t := range s.st.tickets {
		all = append(all, t)
	}
	if !excludeDeleted {
		for _, t := range s.st.trash {
			all = append(all, t)
		}
	}
	all = slices.DeleteFunc(all, func(t *ticket) bool {
		k := exportCursor{t.GeneratedTimestamp, t.ID}
		return t.GeneratedTimestamp > horizon || k.ts < from.ts || k.ts == from.ts && k.id <= from.id
	})
	slices.SortFunc(all, func(a, b *ticket) int {
		return cmp.Or(cmp.Compare(a.GeneratedTimestamp, b.GeneratedTimestamp), cmp.Compare(a.ID, b.ID))
	})
	end := len(all) <= size
	page := all[:min(size, len(all))]
	out := make([]exportedTicket, 0, len(page))
	last := from
	for _, t := range page {
		out = append(out, s.exported(t, withCount))
		last = exportCursor{t.GeneratedTimestamp, t.ID}
	}
	next := last.String()
	after := c.base + "/api/v2/incremental/tickets/cursor?" + url.Values{"cursor": {next}}.Encode()
	return reply{http.StatusOK, map[string]any{
		"tickets": out, "after_cursor": next, "after_url": after,
		"before_cursor": nil, "before_url": nil, "end_of_stream": end,
	}}
}

// exportedTicket is a ticket as the export shows it: status "deleted" for
// a soft-deleted one, and comment_count when asked to include it.
type exportedTicket struct {
	Ticket
	CommentCount *int `json:"comment_count,omitempty"`
}

func (s *Server) exported(t *ticket, withCount bool) exportedTicket {
	out := exportedTicket{Ticket: t.render()}
	if !t.deletedAt.IsZero() {
		out.Status = "deleted"
	}
	if withCount {
		out.CommentCount = ptr(len(t.comments))
	}
	return out
}
