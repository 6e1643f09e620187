// Package kustomer is the client of the Kustomer /v1 REST API that kzmap
// extracts from. It sends the bearer key, pages lists and searches, keeps
// every resource byte for byte as the API returned it (and decodes it into
// the record model on request), and downloads attachment bytes from the
// API host and configured CDN hosts only.
//
// The budget is shared with the customer's live team: every request waits
// on a throttle.Limiter paced at a share of the org limit (searches also on
// a second one for the search limit), driven by x-ratelimit-* headers and
// 429s; 5xx answers, resets and timeouts are retried with backoff and
// jitter. The key is never logged, stored or put in an error.
//
// The client knows nothing of snapshots or plans; engine/extract decides
// what to ask for.
package kustomer
