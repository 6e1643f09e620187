package zendesksim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// search is GET /api/v2/search?query=. The simulator understands the
// subset of the query language a migration uses: type:ticket|user|
// organization, tags:x (or tag:x), external_id:x, status:x, email:x,
// requester_id:n, and bare words matched against subject/description or
// names. Terms with the same keyword are ORed, different keywords ANDed
// (inferred). Results are in id order; pagination is offset only [OAS].
func (s *Server) search(c *call) reply {
	query := strings.TrimSpace(c.r.URL.Query().Get("query"))
	if query == "" {
		return reply{http.StatusBadRequest, apiError("invalid", "The query parameter is required")}
	}
	terms := map[string][]string{}
	for _, tok := range strings.Fields(query) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok {
			k, v = "", tok
		}
		k = strings.ToLower(k)
		if k == "tag" {
			k = "tags"
		}
		terms[k] = append(terms[k], strings.ToLower(strings.Trim(v, `"`)))
	}
	typ := "ticket"
	if t := terms["type"]; len(t) > 0 {
		typ = t[0]
	}
	st := s.st
	var results []any
	switch typ {
	case "ticket":
		for _, id := range st.ticketOrder {
			t := st.tickets[id]
			if ticketMatches(t, terms) {
				results = append(results, struct {
					Ticket
					ResultType string `json:"result_type"`
				}{t.render(), "ticket"})
			}
		}
	case "user":
		for _, id := range st.userOrder {
			u := st.users[id]
			if s.userMatches(u, terms) {
				results = append(results, struct {
					*User
					ResultType string `json:"result_type"`
				}{u, "user"})
			}
		}
	case "organization":
		for _, id := range st.orgOrder {
			o := st.orgs[id]
			if orgMatches(o, terms) {
				results = append(results, struct {
					*Organization
					ResultType string `json:"result_type"`
				}{o, "organization"})
			}
		}
	default:
		return reply{http.StatusBadRequest, apiError("invalid", "Unsupported type: "+typ)}
	}
	keys := make([]int64, len(results))
	for i := range keys {
		keys[i] = int64(i)
	}
	p, r := paginateIDs(withoutCursor(c), keys)
	if r != nil {
		return *r
	}
	page := make([]any, 0, len(p.items))
	for _, i := range p.items {
		page = append(page, results[i])
	}
	rep := listReply("results", page, p.extra)
	rep.v.(map[string]any)["facets"] = nil
	return rep
}

// withoutCursor hides cursor parameters: search has offset pagination only.
func withoutCursor(c *call) *call {
	q := c.r.URL.Query()
	for k := range q {
		if strings.HasPrefix(k, "page[") {
			q.Del(k)
		}
	}
	r2 := *c.r
	u := *c.r.URL
	u.RawQuery = q.Encode()
	r2.URL = &u
	c2 := *c
	c2.r = &r2
	return &c2
}

func anyEqual(want []string, have string) bool {
	return slices.Contains(want, strings.ToLower(have))
}

func ticketMatches(t *ticket, terms map[string][]string) bool {
	for k, vals := range terms {
		switch k {
		case "type":
		case "tags":
			if !slices.ContainsFunc(t.Tags, func(tag string) bool { return anyEqual(vals, tag) }) {
				return false
			}
		case "external_id":
			if t.ExternalID == nil || !anyEqual(vals, *t.ExternalID) {
				return false
			}
		case "status":
			if !anyEqual(vals, t.Status) {
				return false
			}
		case "requester_id", "requester":
			if !anyEqual(vals, itoa(t.RequesterID)) {
				return false
			}
		case "":
			text := strings.ToLower(deref(t.Subject) + " " + t.Description)
			for _, w := range vals {
				if !strings.Contains(text, w) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

func (s *Server) userMatches(u *User, terms map[string][]string) bool {
	for k, vals := range terms {
		switch k {
		case "type":
		case "email":
			if !slices.ContainsFunc(vals, func(e string) bool { return s.st.userByEmail[e] == u.ID }) {
				return false
			}
		case "external_id":
			if u.ExternalID == nil || !anyEqual(vals, *u.ExternalID) {
				return false
			}
		case "role":
			if !anyEqual(vals, u.Role) {
				return false
			}
		case "tags":
			if !slices.ContainsFunc(u.Tags, func(tag string) bool { return anyEqual(vals, tag) }) {
				return false
			}
		case "":
			for _, w := range vals {
				if !strings.Contains(strings.ToLower(u.Name+" "+deref(u.Email)), w) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

func orgMatches(o *Organization, terms map[string][]string) bool {
	for k, vals := range terms {
		switch k {
		case "type":
		case "external_id":
			if o.ExternalID == nil || !anyEqual(vals, *o.ExternalID) {
				return false
			}
		case "name":
			if !anyEqual(vals, o.Name) {
				return false
			}
		case "tags":
			if !slices.ContainsFunc(o.Tags, func(tag string) bool { return anyEqual(vals, tag) }) {
				return false
			}
		case "":
			for _, w := range vals {
				if !strings.Contains(strings.ToLower(o.Name), w) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
