// Package dataset writes Kustomer export directories (the format of
// spec/export.md) and generates synthetic ones. Writer
// streams resources to one ndjson file per type plus files/<attachment id>
// and writes manifest.json last, so a directory with a manifest is
// complete. Generate fills a directory with a deterministic, realistic org
// (most conversations short, a long tail; most customers one email) salted
// with every ugly case a migration must survive, listed by Edges.
//
// A generated directory looks like this:
//
//	DIR/
//	  manifest.json         {"format":"kustomer-export","version":1,"org":…,"now":…}
//	  companies.ndjson      one company per 25 customers, custom attributes on each
//	  customers.ndjson      the first tenth imported at once, the rest growing to now
//	  users.ndjson          agents, one limited user, two machine users (not the
//	                        agents who left, whose ids conversations still name)
//	  teams.ndjson          seven teams, one of them empty
//	  conversations.ndjson  written after their messages, with their counts
//	  messages.ndjson       in time order within each conversation
//	  notes.ndjson
//	  klasses.ndjson        an order klass with every suffix, a subscription,
//	                        a disabled klass and a 120-attribute one
//	  kobjects.ndjson
//	  attachments.ndjson
//	  kb_categories.ndjson  a hidden root and a tree under it, four deep or more
//	  kb_articles.ndjson    en_us, es and de versions, drafts, deleted, internal;
//	                        links between articles, one body over 200 KB
//	  kb_media.ndjson       the images article bodies embed, one without its file
//	  files/<id>            real PNGs, PDF- and CSV-shaped bytes, logs; the
//	                        media's PNG, JPEG and GIF bytes
//
// Generation is a function of Options alone: each customer draws from its
// own PCG stream seeded by (Seed, index), ids are built from timestamps and
// counters rather than drawn, and nothing reads the clock or iterates a
// map into the output. Memory holds the org-wide records and one
// conversation at a time, so a million customers stream to disk.
package dataset
