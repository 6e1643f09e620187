// Package kustomersim serves a Kustomer export directory as the Kustomer /v1
// REST API, with the caps, limits, headers and error shapes of
// shared/api/kustomer.md enforced rather than smoothed over. Load reads the
// directory (shared/formats/kustomer-export.md) into compact indexes over the
// raw JSON lines, and New wraps a Dataset in an http.Handler that users
// rehearse extractions against and tests run the Kustomer client against.
//
// The dataset is read-only: the simulator answers reads, lists and searches;
// it does not accept writes.
//
// Memory layout: each record keeps its line's bytes (in shared arenas), its id
// as 12 bytes, createdAt/updatedAt as Unix milliseconds and up to three parent
// references as table indexes. Nothing else is decoded until a search filter
// or sort asks for an attribute that is not indexed.
//
// Rate limiting follows Kustomer: one org-wide window for every request and a
// separate, smaller window for searches (a search spends from both). Every
// authorised response carries x-ratelimit-limit, x-ratelimit-remaining and
// x-ratelimit-reset (Unix seconds, rounded up); a request over a limit gets
// 429 in Kustomer's error shape.
package kustomersim
