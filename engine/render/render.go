// Package render turns a planned record into exactly what Zendesk
// receives: references resolved to Zendesk ids, uploads linked, inline
// images re-hosted, the notes about files that could not be moved, the
// importing admin named where the plan left a comment without an author.
// apply sends what it returns and verify compares Zendesk with it, so a
// sentence reworded here changes both at once.
//
// Rendering is pure: whatever talks to Zendesk (uploading files, asking
// who the importing admin is) happens before, and its results come in.
package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

// Refs resolves Kustomer ids to the Zendesk ids they became (0: none).
type Refs interface {
	// ID resolves a source record: ("customer", id), ("user", id),
	// ("team", id), ("company", id).
	ID(sourceType, sourceID string) (int64, error)
	// Person resolves the author of a comment: a customer, else an agent.
	Person(sourceID string) (int64, error)
}

// Upload is what became of one file a comment carries: its upload, or
// why it could not be moved.
type Upload struct {
	Token      string
	ContentURL string
	Lost       string // in words, for the ticket's note; "" when uploaded
}

// Files are the uploads of a ticket's files, keyed by Kustomer attachment
// id (and BodyFileKey for a body sent as a file).
type Files map[string]Upload

// What render adds besides the mapping's comments. verify recognises the
// note by its first line; the tag marks tickets to look at.
const (
	LostNotePrefix = "Attachments that could not be migrated from Kustomer:"
	LostTag        = "kz_attachment_missing"
	// BodyFileName is the file a body over the limit is attached as
	// (long_body = "attach").
	BodyFileName = "message.txt"
	// lostNoteMax bounds the note's length (far under Zendesk's limit).
	lostNoteMax = 30_000
	// attachedPrefix is how much of a body sent as a file the comment
	// keeps, in characters.
	attachedPrefix = 2000
)

// notMigratedAnchor is where an inline image whose file could not be
// moved points: not at Kustomer, which goes dark after the cutover.
func notMigratedAnchor(id string) string { return "#kz-attachment-not-migrated-" + id }

// BodyFileKey is the Files key of a comment's body sent as a file.
func BodyFileKey(commentKey string) string { return "body:" + commentKey }

// CommentFiles lists what a comment uploads, in order: its files, then the
// inline images its HTML shows, each once; and the body itself when it
// is sent as a file (BodyFileKey).
func CommentFiles(c engine.Comment) []string {
	ids := append([]string(nil), dsl.Strings(c.Payload["attachments"])...)
	for _, id := range engine.InlineRefs(str(c.Payload, "html_body")) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if attachBody(c) {
		ids = append(ids, BodyFileKey(c.Key))
	}
	return ids
}

// BodyFile is the content of a comment's body sent as a file.
func BodyFile(c engine.Comment) []byte {
	body := str(c.Payload, "body")
	if body == "" {
		body = str(c.Payload, "html_body")
	}
	return []byte(body)
}

func attachBody(c engine.Comment) bool { b, _ := c.Payload["attach_body"].(bool); return b }

// Comment renders one comment. importer is the importing admin, who
// writes the comments the plan left without an author (a departed agent).
// It returns the files it could not link, in words, for the ticket's note.
func Comment(c engine.Comment, refs Refs, importer int64, files Files) (zendesk.Comment, []string, error) {
	p := c.Payload
	pub, _ := p["public"].(bool)
	zc := zendesk.Comment{Body: str(p, "body"), HTMLBody: str(p, "html_body"), Public: &pub, CreatedAt: Time(str(p, "created_at")), AuthorID: importer}
	if a := str(p, "author"); a != "" {
		id, err := refs.Person(a)
		if err != nil {
			return zc, nil, err
		}
		zc.AuthorID = id
	}
	var lost []string
	for _, id := range CommentFiles(c) {
		up, ok := files[id]
		if !ok {
			return zc, nil, fmt.Errorf("%s: file %s was not uploaded before rendering", c.Key, id)
		}
		if up.Lost != "" {
			lost = append(lost, up.Lost)
			if zc.HTMLBody != "" {
				zc.HTMLBody = engine.RehostInline(zc.HTMLBody, id, notMigratedAnchor(id))
			}
			continue
		}
		zc.Uploads = append(zc.Uploads, up.Token)
		if up.ContentURL != "" && zc.HTMLBody != "" {
			zc.HTMLBody = engine.RehostInline(zc.HTMLBody, id, up.ContentURL)
		}
	}
	if attachBody(c) {
		body := string(BodyFile(c))
		zc.Body = fmt.Sprintf("%s\n\n[The full text, %d characters, is attached as %s.]", Prefix(body, attachedPrefix), utf8.RuneCountInString(body), BodyFileName)
		zc.HTMLBody = ""
	}
	fit(&zc)
	return zc, lost, nil
}

// fit keeps a comment within Zendesk's limit as sent. The plan charged
// every inline image the most a re-hosted URL takes, so this only acts if
// Zendesk's URLs grew past that: the HTML is then sent as its text, which
// is shorter than the HTML and within the limit.
func fit(zc *zendesk.Comment) {
	if utf8.RuneCountInString(zc.HTMLBody) > zendesk.MaxCommentChars {
		if zc.Body == "" || utf8.RuneCountInString(zc.Body) > zendesk.MaxCommentChars {
			zc.Body = engine.HTMLText(zc.HTMLBody)
		}
		zc.HTMLBody = ""
	}
	if zc.HTMLBody != "" && utf8.RuneCountInString(zc.Body) > zendesk.MaxCommentChars {
		zc.Body = "" // Zendesk shows the HTML
	}
}

// LostNote is the private note that ends a ticket whose files could not
// all be moved, listing them; at is the last comment's time, so the
// thread stays in time order. It is nil when nothing was lost.
func LostNote(lost []string, at time.Time) *zendesk.Comment {
	if len(lost) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(LostNotePrefix)
	for i, l := range lost {
		line := "\n- " + l
		if b.Len()+len(line) > lostNoteMax {
			fmt.Fprintf(&b, "\n- and %d more", len(lost)-i)
			break
		}
		b.WriteString(line)
	}
	f := false
	return &zendesk.Comment{Public: &f, CreatedAt: at, Body: b.String()}
}

// Ticket renders an import: the ticket's fields with references resolved,
// its comments, and the note about files that could not be moved (with
// the tag LostTag). It returns the lost files, in words.
func Ticket(d *engine.Desired, refs Refs, importer int64, files Files) (zendesk.TicketImport, []string, []string, error) {
	p := d.Payload
	t := zendesk.TicketImport{ExternalID: str(p, "external_id"), Subject: str(p, "subject"), Status: str(p, "status"),
		Priority: str(p, "priority"), Type: str(p, "type"), Tags: dsl.Strings(p["tags"]),
		CreatedAt: Time(str(p, "created_at")), UpdatedAt: Time(str(p, "updated_at")), SolvedAt: Time(str(p, "solved_at"))}
	var err error
	if t.RequesterID, err = refs.ID("customer", str(p, "requester")); err != nil {
		return t, nil, nil, err
	}
	if t.AssigneeID, err = refs.ID("user", str(p, "assignee")); err != nil {
		return t, nil, nil, err
	}
	if t.GroupID, err = refs.ID("team", str(p, "group")); err != nil {
		return t, nil, nil, err
	}
	var warnings []string
	fields := mapOf(p["custom_fields"])
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		// Keys are ticket_field keys (engine.fieldValues); Missing holds
		// back a ticket whose field did not land.
		id, err := refs.ID(kind.FieldSource("conversation"), k)
		if err != nil {
			return t, nil, nil, err
		}
		if id == 0 {
			return t, nil, nil, fmt.Errorf("%s: its ticket field %s is not in Zendesk", d.Key, k)
		}
		t.CustomFields = append(t.CustomFields, zendesk.CustomField{ID: id, Value: fields[k]})
	}
	var lost []string
	for _, c := range d.Comments {
		zc, l, err := Comment(c, refs, importer, files)
		if err != nil {
			return t, nil, nil, err
		}
		lost = append(lost, l...)
		t.Comments = append(t.Comments, zc)
	}
	if n := len(t.Comments); n > 0 {
		if note := LostNote(lost, t.Comments[n-1].CreatedAt); note != nil {
			t.Comments = append(t.Comments, *note)
			t.Tags = append(t.Tags, LostTag)
		}
	}
	return t, lost, warnings, nil
}

// Time reads a payload timestamp (the zero time when absent or unreadable).
func Time(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// Prefix is the first n characters of s.
func Prefix(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func str(p map[string]any, k string) string { s, _ := p[k].(string); return s }

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }
