// Package audit is the migration guide's data audit, taken from a
// snapshot: counts and the records only archive search sees, shared
// emails and the users they make, agents and teams, Klasses against
// Zendesk's custom object limits, tags, conversations and bodies over
// Zendesk's limits, attachment volume. It only reads; `kzmap audit`
// renders what it finds.
package audit
