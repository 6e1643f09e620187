package kustomer

import "time"

// What the Kustomer API allows, in one place (spec/kustomer.md has each
// fact with its source). The simulator enforces the same rules with
// constants of its own, on purpose: a client and a server that shared one
// wrong constant would pass every test.
const (
	// A search query is served at most 100 pages and about 10,000 hits
	// deep, at most 500 per page.
	MaxSearchPages    = 100
	MaxSearchHits     = 10000
	MaxSearchPageSize = 500
	// Lists are paged at most 100 per page; users and teams 500.
	MaxListPageSize = 100
	MaxUserPageSize = 500
	// SearchWindow is how far back standard search sees (by updatedAt);
	// older records come from archive search.
	SearchWindow = 730 * 24 * time.Hour
	// DefaultLimit is an Enterprise org's requests per minute, shared by
	// every API key and user; DefaultSearchLimit an API key's searches.
	DefaultLimit       = 1000
	DefaultSearchLimit = 100
)
