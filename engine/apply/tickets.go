package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/zendesk"
)

// maxAttachment is Zendesk's upload limit.
const maxAttachment = 50 << 20

// inlineRef finds Kustomer attachment URLs in HTML, to re-host them.
var inlineRef = regexp.MustCompile(`https?://[^"'\s<>]*/v1/attachments/([0-9a-f]{24})`)

// rehost points every Kustomer URL of attachment id in html at to. The id
// comes from the mapping, so it is quoted, never read as a pattern.
func rehost(html, id, to string) string {
	if !strings.Contains(html, "/v1/attachments/"+id) {
		return html
	}
	re := regexp.MustCompile(`https?://[^"'\s<>]*/v1/attachments/` + regexp.QuoteMeta(id) + `\b`)
	return re.ReplaceAllLiteralString(html, to)
}

// importTickets uploads the batch's attachments, then imports its tickets
// in one job. Uploads happen here, just before the import, because tokens
// live 60 minutes.
func (ex *executor) importTickets(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	tickets := make([]zendesk.TicketImport, len(items))
	for i, it := range items {
		t, err := ex.ticketFrom(ctx, it.d)
		if err != nil {
			return nil, err
		}
		tickets[i] = t
	}
	job, err := ex.opts.Client.ImportTickets(ctx, tickets, zendesk.ImportOptions{ArchiveImmediately: ex.archive})
	if err != nil {
		return nil, err
	}
	return jobOutcomes(ctx, ex.opts.Store, b, job, len(items))
}

// ticketFrom builds an import: references resolved, comments with their
// uploads, inline images re-hosted, files that could not be moved stated
// on the ticket.
func (ex *executor) ticketFrom(ctx context.Context, d *engine.Desired) (zendesk.TicketImport, error) {
	p := d.Payload
	t := zendesk.TicketImport{ExternalID: str(p, "external_id"), Subject: str(p, "subject"), Status: str(p, "status"),
		Priority: str(p, "priority"), Type: str(p, "type"), Tags: dsl.Strings(p["tags"]),
		CreatedAt: parseTime(str(p, "created_at")), UpdatedAt: parseTime(str(p, "updated_at")), SolvedAt: parseTime(str(p, "solved_at"))}
	var err error
	if t.RequesterID, err = ex.refs.id("customer", str(p, "requester")); err != nil {
		return t, err
	}
	if t.AssigneeID, err = ex.refs.id("user", str(p, "assignee")); err != nil {
		return t, err
	}
	if t.GroupID, err = ex.refs.id("team", str(p, "group")); err != nil {
		return t, err
	}
	for k, v := range mapOf(p["custom_fields"]) {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			ex.warn("ticket custom field %q: Zendesk needs the numeric ticket field id as key; the value was not sent", k)
			continue
		}
		t.CustomFields = append(t.CustomFields, zendesk.CustomField{ID: id, Value: v})
	}
	var lost []string
	for _, c := range d.Comments {
		zc, missing, err := ex.commentFrom(ctx, c)
		if err != nil {
			return t, err
		}
		lost = append(lost, missing...)
		t.Comments = append(t.Comments, zc)
	}
	if len(lost) > 0 {
		f := false
		last := t.Comments[len(t.Comments)-1].CreatedAt
		t.Comments = append(t.Comments, zendesk.Comment{Public: &f, CreatedAt: last,
			Body: "Attachments that could not be migrated from Kustomer:\n- " + strings.Join(lost, "\n- ")})
		t.Tags = append(t.Tags, "kz_attachment_missing")
		ex.count("ticket", "attachments_missing", len(lost))
	}
	return t, nil
}

// commentFrom converts one comment and uploads its files. It returns what
// could not be uploaded, in words.
func (ex *executor) commentFrom(ctx context.Context, c engine.Comment) (zendesk.Comment, []string, error) {
	p := c.Payload
	pub, _ := p["public"].(bool)
	zc := zendesk.Comment{Body: str(p, "body"), HTMLBody: str(p, "html_body"), Public: &pub, CreatedAt: parseTime(str(p, "created_at"))}
	if a := str(p, "author"); a != "" {
		id, err := ex.refs.person(a)
		if err != nil {
			return zc, nil, err
		}
		zc.AuthorID = id
	}
	var lost []string
	ids := dsl.Strings(p["attachments"])
	for _, m := range inlineRef.FindAllStringSubmatch(zc.HTMLBody, -1) {
		if !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	for _, id := range ids {
		up, why, err := ex.upload(ctx, id)
		if err != nil {
			return zc, nil, err
		}
		if why != "" {
			lost = append(lost, why)
			// An inline image whose file could not be moved must not keep
			// pointing at Kustomer, which goes dark after the cutover.
			if zc.HTMLBody != "" {
				zc.HTMLBody = rehost(zc.HTMLBody, id, "#kz-attachment-not-migrated-"+id)
			}
			continue
		}
		zc.Uploads = append(zc.Uploads, up.Token)
		if up.Attachment.ContentURL != "" && zc.HTMLBody != "" {
			zc.HTMLBody = rehost(zc.HTMLBody, id, up.Attachment.ContentURL)
		}
	}
	if attach, _ := p["attach_body"].(bool); attach {
		body := zc.Body
		if body == "" {
			body = zc.HTMLBody
		}
		up, err := ex.opts.Client.Upload(ctx, zendesk.UploadFile{Name: "message.txt", ContentType: "text/plain; charset=utf-8", Body: bytes.NewReader([]byte(body)), Size: int64(len(body))})
		if err != nil {
			return zc, nil, err
		}
		zc.Uploads = append(zc.Uploads, up.Token)
		zc.Body = fmt.Sprintf("%s\n\n[The full text, %d characters, is attached as message.txt.]", prefix(body, 2000), utf8.RuneCountInString(body))
		zc.HTMLBody = ""
	}
	return zc, lost, nil
}

func prefix(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// upload sends one Kustomer attachment. A file that is missing, too large
// or refused is not an error of the run: it is said on the ticket.
func (ex *executor) upload(ctx context.Context, id string) (*zendesk.Upload, string, error) {
	if ex.opts.Files == nil {
		return nil, fmt.Sprintf("attachment %s: no attachment files were given to apply", id), nil
	}
	rc, info, err := ex.opts.Files.Open(id)
	if errors.Is(err, ErrMissingFile) {
		return nil, fmt.Sprintf("%s (attachment %s): the file is missing in Kustomer's export", orName(info.Name, id), id), nil
	}
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	if info.Size > maxAttachment {
		return nil, fmt.Sprintf("%s (attachment %s): %d bytes, over Zendesk's 50 MB limit", orName(info.Name, id), id, info.Size), nil
	}
	up, err := ex.opts.Client.Upload(ctx, zendesk.UploadFile{Name: orName(info.Name, id), ContentType: info.ContentType, Body: rc, Size: info.Size})
	if err != nil {
		var api *zendesk.APIError
		if errors.As(err, &api) && api.Status >= 400 && api.Status < 500 && api.Status != 429 {
			return nil, fmt.Sprintf("%s (attachment %s): Zendesk refused it: %s", orName(info.Name, id), id, api.Error()), nil
		}
		return nil, "", err
	}
	ex.count("ticket", "attachments", 1)
	return up, "", nil
}

// orName is the file name sent to Zendesk: Kustomer's name without any
// directory part or control characters, at most 200 bytes, or one made
// from the id.
func orName(name, id string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.TrimLeft(name, "."))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		return "attachment-" + id
	}
	return name
}

// updateTicket appends new comments to an imported ticket, or updates its
// fields. Comments added after import carry the time they are added:
// Zendesk does not let an update set a comment's created_at.
func (ex *executor) updateTicket(ctx context.Context, it item) ([]outcome, error) {
	id, err := strconv.ParseInt(it.op.ZendeskID, 10, 64)
	if err != nil {
		return []outcome{{err: fmt.Sprintf("the checkpoint's id %q for this ticket is not a number", it.op.ZendeskID)}}, nil
	}
	c := ex.opts.Client
	if it.op.Action == "append_comments" {
		want := map[string]bool{}
		for _, k := range it.op.NewComments {
			want[k] = true
		}
		for _, cm := range it.d.Comments {
			if !want[cm.Key] {
				continue
			}
			zc, lost, err := ex.commentFrom(ctx, cm)
			if err != nil {
				return nil, err
			}
			if len(lost) > 0 {
				zc.Body += "\n\n[Attachments that could not be migrated: " + strings.Join(lost, "; ") + "]"
			}
			zc.CreatedAt = zc.CreatedAt.UTC()
			_, err = c.UpdateTicket(ctx, id, zendesk.TicketUpdate{Comment: &zc})
			if o := singleOutcome(&id, err, func() string { return "" }); o.err != "" {
				return []outcome{o}, nil
			}
		}
		return []outcome{{id: it.op.ZendeskID, sent: true}}, nil
	}
	p := it.d.Payload
	_, err = c.UpdateTicket(ctx, id, zendesk.TicketUpdate{Status: str(p, "status"), Priority: str(p, "priority"), Type: str(p, "type"),
		Subject: str(p, "subject"), Tags: dsl.Strings(p["tags"])})
	o := singleOutcome(&id, err, func() string { return it.op.ZendeskID })
	return []outcome{o}, nil
}
