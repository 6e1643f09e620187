// Package kustomersim serves a Kustomer export directory as the Kustomer /v1
// REST API. It enforces the caps, limits, headers and error shapes in
// spec/kustomer.md rather than smoothing them over. Load reads a
// directory (spec/export.md) into compact indexes over the
// raw JSON lines. New wraps the resulting Dataset in an http.Handler that
// users rehearse extractions against and that tests run the Kustomer client
// against.
//
// The simulator is read-only. Every endpoint is listed in the route table in
// routes.go; in short:
//
//	GET  /v1/{customers,companies,users,teams,conversations,messages,notes,klasses}
//	GET  /v1/<type>/{id}; customers by email=, phone=, externalId=; several ids
//	     comma-separated; conversations and messages by externalId=
//	GET  /v1/customers/{id}/{conversations,messages,notes,klasses/{name}}
//	GET  /v1/conversations/{id}/{messages,notes,attachments}
//	GET  /v1/companies/{id}/klasses/{name}, /v1/users/{id}/teams, /v1/users/current
//	GET  /v1/klasses/{name} (its kobjects), /v1/klasses/{name}/{id|externalId=}
//	GET  /v1/messages/{id}/attachments/{id}, /v1/attachments/{id} (the bytes)
//	GET  /v1/kb/categories[/{id}], /v1/kb/articles[/{id}] with includeLang=
//	     and includeBody=true, /v1/media/{id}, /v1/media/{id}/download
//	POST /v1/customers/search, /v1/customers/archive/search
//
// Faithful, not friendly:
//   - Lists are paged with page and pageSize. pageSize is clamped to 100, or
//     500 for users, teams and search. Links are relative, and prev and next
//     are null at the edges.
//   - Search refuses page 101. It also refuses any page that starts past hit
//     10,000. Standard search sees only records updated in the 730 days
//     before "now"; archive search sees only the older ones.
//   - One org-wide window counts every authorised request. Searches also
//     count against a separate, smaller window. Every authorised response
//     carries x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset
//     (Unix seconds, rounded up). On searches these headers describe the
//     search window, and on everything else the org window. A request over a
//     limit gets a 429 in Kustomer's error shape.
//
// Knowledge base articles are stored with every language version whole
// and served as the live API answers: a version is populated only for the
// languages includeLang names, with htmlBody only when includeBody=true,
// and is its id alone otherwise (kb.go, spec/kustomer-kb.md).
//
// Where the API notes say [GUESS] or [NOT FOUND], the simulator picks one
// reading and says so where it does it.
//
// Memory: each record keeps its line's bytes (in shared arenas), its id as 12
// bytes, createdAt and updatedAt as Unix milliseconds, and up to three parent
// references as table indexes. Nothing else is decoded until a search filter
// or sort asks for an attribute that is not indexed.
package kustomersim
