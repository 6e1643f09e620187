package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/zendesk"
)

// importTickets uploads the batch's attachments, then imports its tickets
// in one job. Uploads happen here, just before the import, because tokens
// live 60 minutes.
func (ex *executor) importTickets(ctx context.Context, b *batchState, items []item) ([]outcome, error) {
	return ex.ready(ctx, b, items, func(items []item) (*zendesk.Job, error) {
		tickets := make([]zendesk.TicketImport, len(items))
		for i, it := range items {
			files, err := ex.uploadAll(ctx, it.d.Comments)
			if err != nil {
				return nil, err
			}
			t, lost, warnings, err := render.Ticket(it.d, ex.refs, ex.importer, files)
			if err != nil {
				return nil, err
			}
			for _, w := range warnings {
				ex.warn("%s", w)
			}
			ex.count(kind.Ticket, "attachments_missing", len(lost))
			tickets[i] = t
		}
		return ex.opts.Client.ImportTickets(ctx, tickets, zendesk.ImportOptions{ArchiveImmediately: ex.archive})
	})
}

// ready sends, as one job, the items of a batch whose references all
// resolve; the others wait for their dependency as dead letters that name
// it (render.Missing). Outcomes are in the batch's order.
func (ex *executor) ready(ctx context.Context, b *batchState, items []item, send func([]item) (*zendesk.Job, error)) ([]outcome, error) {
	outs := make([]outcome, len(items))
	var ok []item
	var idx []int
	for i, it := range items {
		why, err := render.Missing(it.d, ex.refs)
		if err != nil {
			return nil, err
		}
		if why != "" {
			outs[i] = outcome{err: why}
			continue
		}
		ok = append(ok, it)
		idx = append(idx, i)
	}
	if len(ok) == 0 {
		return outs, nil
	}
	job, err := send(ok)
	if err != nil {
		return outs, err // outs says which items waited
	}
	sub, err := jobOutcomes(ctx, ex.opts.Store, b, job, len(ok))
	if err != nil {
		return nil, err
	}
	for j, o := range sub {
		outs[idx[j]] = o
	}
	return outs, nil
}

// uploadAll uploads every file the comments carry (render.CommentFiles)
// and says what became of each.
func (ex *executor) uploadAll(ctx context.Context, comments []engine.Comment) (render.Files, error) {
	files := render.Files{}
	for _, c := range comments {
		for _, id := range render.CommentFiles(c) {
			if _, done := files[id]; done {
				continue
			}
			if id == render.BodyFileKey(c.Key) {
				body := render.BodyFile(c)
				up, err := ex.opts.Client.Upload(ctx, zendesk.UploadFile{Name: render.BodyFileName, ContentType: "text/plain; charset=utf-8", Body: bytes.NewReader(body), Size: int64(len(body))})
				if err != nil {
					return nil, err
				}
				files[id] = render.Upload{Token: up.Token}
				continue
			}
			up, why, err := ex.upload(ctx, id)
			if err != nil {
				return nil, err
			}
			if why != "" {
				files[id] = render.Upload{Lost: why}
				continue
			}
			files[id] = render.Upload{Token: up.Token, ContentURL: up.Attachment.ContentURL}
		}
	}
	return files, nil
}

// upload sends one Kustomer attachment. A file that is missing, too large
// or refused is not an error of the run: it is said on the ticket.
func (ex *executor) upload(ctx context.Context, id string) (*zendesk.Upload, string, error) {
	if ex.opts.Files == nil {
		return nil, fmt.Sprintf("attachment %s: no attachment files were given to apply", id), nil
	}
	rc, info, err := ex.opts.Files.Open(id)
	if errors.Is(err, ErrMissingFile) {
		return nil, fmt.Sprintf("%s (attachment %s): the file is missing in Kustomer's export", engine.UploadName(info.Name, info.ContentType, id), id), nil
	}
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	if info.Size > zendesk.MaxUploadBytes {
		return nil, fmt.Sprintf("%s (attachment %s): %d bytes, over Zendesk's 50 MB limit", engine.UploadName(info.Name, info.ContentType, id), id, info.Size), nil
	}
	up, err := ex.opts.Client.Upload(ctx, zendesk.UploadFile{Name: engine.UploadName(info.Name, info.ContentType, id), ContentType: info.ContentType, Body: rc, Size: info.Size})
	if err != nil {
		var api *zendesk.APIError
		if errors.As(err, &api) && api.Status >= 400 && api.Status < 500 && api.Status != 429 {
			return nil, fmt.Sprintf("%s (attachment %s): Zendesk refused it: %s", engine.UploadName(info.Name, info.ContentType, id), id, api.Error()), nil
		}
		return nil, "", err
	}
	ex.count(kind.Ticket, "attachments", 1)
	return up, "", nil
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
	if it.op.Action == kind.AppendComments {
		want := map[string]bool{}
		for _, k := range it.op.NewComments {
			want[k] = true
		}
		var add []engine.Comment
		for _, cm := range it.d.Comments {
			if want[cm.Key] {
				add = append(add, cm)
			}
		}
		if why, err := render.Missing(it.d, ex.refs, add...); err != nil || why != "" {
			return []outcome{{err: why}}, err
		}
		files, err := ex.uploadAll(ctx, add)
		if err != nil {
			return nil, err
		}
		var lost []string
		var last zendesk.Comment
		for _, cm := range add {
			zc, l, err := render.Comment(cm, ex.refs, ex.importer, files)
			if err != nil {
				return nil, err
			}
			lost = append(lost, l...)
			zc.CreatedAt = zc.CreatedAt.UTC()
			if it.op.Private {
				asNote(&zc, cm, ex.importer)
			}
			_, err = c.UpdateTicket(ctx, id, zendesk.TicketUpdate{Comment: &zc})
			if o := singleOutcome(&id, err, func() string { return "" }); o.err != "" {
				return []outcome{o}, nil
			}
			last = zc
		}
		if note := render.LostNote(lost, last.CreatedAt); note != nil {
			ex.count(kind.Ticket, "attachments_missing", len(lost))
			_, err = c.UpdateTicket(ctx, id, zendesk.TicketUpdate{Comment: note, AdditionalTags: []string{render.LostTag}})
			if o := singleOutcome(&id, err, func() string { return "" }); o.err != "" {
				return []outcome{o}, nil
			}
		}
		return []outcome{{id: it.op.ZendeskID}}, nil
	}
	p := it.d.Payload
	_, err = c.UpdateTicket(ctx, id, zendesk.TicketUpdate{Status: str(p, "status"), Priority: str(p, "priority"), Type: str(p, "type"),
		Subject: str(p, "subject"), Tags: dsl.Strings(p["tags"])})
	o := singleOutcome(&id, err, func() string { return it.op.ZendeskID })
	return []outcome{o}, nil
}

// asNote makes an appended comment a private note by the importing admin
// that says who wrote it and when: an update can set neither, and a
// private note runs no trigger that emails the customer.
func asNote(zc *zendesk.Comment, cm engine.Comment, importer int64) {
	who := str(cm.Payload, "author")
	if who == "" {
		who = "a departed agent"
	}
	pub := "public"
	if zc.Public != nil && !*zc.Public {
		pub = "private"
	}
	head := fmt.Sprintf("[From Kustomer: %s comment by %s, %s]\n\n", pub, who, zc.CreatedAt.UTC().Format(time.RFC3339))
	zc.Body = head + zc.Body
	if zc.HTMLBody != "" {
		zc.HTMLBody = "<p>" + html.EscapeString(strings.TrimSpace(head)) + "</p>" + zc.HTMLBody
	}
	f := false
	zc.Public, zc.AuthorID = &f, importer
}
