// Package extract pulls a Kustomer organisation into a snapshot: every
// company, customer, user, team, Klass (enabled and disabled), KObject,
// conversation, message, note and attachment, within Kustomer's limits and
// without silent loss. It chooses the endpoints that need the fewest
// requests for the data, splits searches by time until each window fits
// the search caps, takes records older than two years from archive search,
// reconciles what it extracted against the counts the API reports, and
// downloads attachment bytes from the API host and configured CDN hosts
// only.
//
// Every page is written with the cursor that follows it in one snapshot
// transaction, so a run killed at any moment resumes where it stopped; a
// later run fetches only what changed since the last cursors, with a small
// overlap. The engine reports progress through the Progress interface and
// knows no terminal.
package extract
