// Package verify checks a migration after apply (spec/rules.md, rule 24): it counts every
// kind three ways (what the mapping makes of the snapshot, what the
// checkpoint says was written, what Zendesk returns when read back), then
// compares a seeded random sample and the ugliest records field by field,
// comment by comment, and says in plain words what differs. A mapping
// with Help Center blocks has the Help Center read back too, its articles
// counted per locale, and sampled article bodies checked: their text,
// images and links (helpcenter.go).
//
// It only reads: the snapshot, the checkpoint (read-only) and Zendesk. The
// Report it returns is data; commands render it as text or JSON, and
// WriteHTML renders the self-contained HTML page.
package verify
