package kustomersim

import (
	"strings"
)

// route is one endpoint. Paths are matched segment by segment after /v1/;
// "*" matches any one non-empty segment and the first matching route wins,
// so literal routes are listed before wildcard ones.
type route struct {
	method string
	segs   []string
	name   string // for statistics, e.g. "GET /v1/customers/{id}"
	search bool   // spends from the search window too
	h      func(*request) *apiError
}

var routes []*route

func init() {
	add := func(method, pattern string, h func(*request) *apiError) *route {
		rt := &route{method: method, name: method + " /v1/" + pattern, h: h}
		for seg := range strings.SplitSeq(pattern, "/") {
			if strings.HasPrefix(seg, "{") {
				seg = "*"
			}
			rt.segs = append(rt.segs, seg)
		}
		routes = append(routes, rt)
		return rt
	}
	add("POST", "customers/search", func(rq *request) *apiError { return rq.search(false) }).search = true
	add("POST", "customers/archive/search", func(rq *request) *apiError { return rq.search(true) }).search = true

	add("GET", "customers", (*request).listCustomers)
	add("GET", "customers/{id}", (*request).getCustomer)
	add("GET", "customers/{id}/conversations", func(rq *request) *apiError { return rq.listKids(kCustomer, kConversation, listOpts{fromDate: true}) })
	add("GET", "customers/{id}/messages", func(rq *request) *apiError { return rq.listKids(kCustomer, kMessage, listOpts{include: true}) })
	add("GET", "customers/{id}/notes", func(rq *request) *apiError { return rq.listKids(kCustomer, kNote, listOpts{}) })
	add("GET", "customers/{id}/klasses/{name}", func(rq *request) *apiError { return rq.listOwnedKObjects(kCustomer) })

	add("GET", "companies", (*request).listCompanies)
	add("GET", "companies/{id}", func(rq *request) *apiError { return rq.getOne(kCompany, rq.args[0]) })
	add("GET", "companies/{id}/klasses/{name}", func(rq *request) *apiError { return rq.listOwnedKObjects(kCompany) })

	add("GET", "users", (*request).listUsers)
	add("GET", "users/current", (*request).currentUser)
	add("GET", "users/{id}", func(rq *request) *apiError { return rq.getMany(kUser, rq.args[0]) })
	add("GET", "users/{id}/teams", (*request).userTeams)

	add("GET", "teams", func(rq *request) *apiError { return rq.listAll(kTeam, listOpts{maxSize: 500}) })
	add("GET", "teams/{id}", func(rq *request) *apiError { return rq.getOne(kTeam, rq.args[0]) })

	add("GET", "conversations", func(rq *request) *apiError { return rq.listAll(kConversation, listOpts{idSort: true}) })
	add("GET", "conversations/{id}", (*request).getConversation)
	add("GET", "conversations/{id}/messages", func(rq *request) *apiError { return rq.listKids(kConversation, kMessage, listOpts{include: true}) })
	add("GET", "conversations/{id}/notes", func(rq *request) *apiError { return rq.listKids(kConversation, kNote, listOpts{}) })
	add("GET", "conversations/{id}/attachments", (*request).conversationAttachments)

	add("GET", "messages", func(rq *request) *apiError { return rq.listAll(kMessage, listOpts{idSort: true, include: true}) })
	add("GET", "messages/{id}", (*request).getMessage)
	add("GET", "messages/{id}/attachments/{aid}", (*request).getMessageAttachment)

	add("GET", "notes", func(rq *request) *apiError { return rq.listAll(kNote, listOpts{}) })
	add("GET", "notes/{id}", func(rq *request) *apiError { return rq.getOne(kNote, rq.args[0]) })

	add("GET", "klasses", (*request).listKlasses)
	add("GET", "klasses/{idOrName}", (*request).klassOrKObjects)
	add("GET", "klasses/{name}/{id}", (*request).getKObject)

	add("GET", "attachments/{id}", (*request).download)

	add("GET", "kb/categories", func(rq *request) *apiError { return rq.listAll(kKBCategory, listOpts{}) })
	add("GET", "kb/categories/{id}", func(rq *request) *apiError { return rq.getOne(kKBCategory, rq.args[0]) })
	add("GET", "kb/articles", (*request).listKBArticles)
	add("GET", "kb/articles/{id}", (*request).getKBArticle)
	add("GET", "media/{id}", func(rq *request) *apiError { return rq.getOne(kMedia, rq.args[0]) })
	add("GET", "media/{id}/download", (*request).downloadMedia)

	add("GET", "auth/tokens/current", (*request).currentToken)
	add("GET", "metadata/{resource}", (*request).metadata)
}

// match finds the route for a method and a path under /v1/.
func match(method, path string) (*route, []string) {
	rest := strings.TrimPrefix(path, "/v1/")
	n := strings.Count(rest, "/") + 1
	var segs [6]string
	if n > len(segs) {
		return nil, nil
	}
	for i := range n {
		seg, tail, _ := strings.Cut(rest, "/")
		if seg == "" {
			return nil, nil
		}
		segs[i], rest = seg, tail
	}
	for _, rt := range routes {
		if rt.method != method || len(rt.segs) != n {
			continue
		}
		var args []string
		ok := true
		for i, want := range rt.segs {
			switch {
			case want == "*":
				args = append(args, segs[i])
			case want != segs[i]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return rt, args
		}
	}
	return nil, nil
}
