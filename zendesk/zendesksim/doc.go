// Package zendesksim is an in-memory Zendesk Support API server, with the
// Help Center's knowledge base and its public pages, for tests and
// migration rehearsals. It is faithful rather than friendly: the caps,
// rate limits, headers, error shapes and asynchronous job statuses written
// down in spec/zendesk.md are enforced, and faults from simkit can be
// switched on.
//
// A Server is an http.Handler; serve it with net/http or httptest. Dump
// returns the whole account as plain data so tests and verify rehearsals
// can compare it with what they meant to write.
//
// Time comes from Options.Now. Background work (bulk imports, create_many,
// custom object jobs, bulk deletes) is queued and advanced by that clock
// whenever the server is observed (any request, Dump or Stats): a job stays
// queued for JobDelay, works for JobDelay, then completes and its effects
// appear. With a frozen clock a test can watch every state; with JobDelay 0
// a job completes at the next request.
//
// Where the documentation is silent the simulator chooses, and says so in
// a comment marked "(inferred)".
package zendesksim
