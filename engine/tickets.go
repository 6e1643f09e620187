package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

// Conversations become tickets through the Ticket Import API (spec/rules.md,
// rules 8–12, 15): comments in source order, references checked against who
// exists, long bodies split, long conversations split into linked tickets,
// the marker tag added.

// tickets maps each conversation with its messages and notes.
func (g *Generator) tickets(ctx context.Context, emit func(*Desired) error) error {
	var reads []commentRead
	for _, childType := range []string{"message", "note"} {
		for _, m := range g.mappings(kind.Comment) {
			if m.From == childType {
				reads = append(reads, commentRead{childType, m})
			}
		}
	}
	childTypes := make([]string, len(reads))
	for i, r := range reads {
		childTypes[i] = r.childType
	}
	for _, m := range g.mappings(kind.Ticket) {
		splitAt := m.Options.Ticket.SplitAt
		if splitAt <= 1 || splitAt > zendesk.MaxCommentsPerTicket {
			splitAt = zendesk.MaxCommentsPerTicket
		}
		err := g.eachWith(ctx, kind.Ticket, m, childTypes, emit, func(m *dsl.Mapping, d *Desired, s *source, outs []dsl.Payload) error {
			if c, ok := s.rec.(*record.Conversation); ok && c.Deleted {
				return g.deleted(d, c, emit)
			}
			if len(outs) == 0 {
				return nil
			}
			d.Payload, d.Source = outs[0], s.rec
			return g.ticket(m, d, reads, s, splitAt, emit)
		})
		if err != nil {
			return err
		}
	}
	if g.nTickets > 0 {
		for _, m := range g.mappings(kind.Ticket) {
			g.Hz.Note("no_sla", m.DeclRange, g.nTickets)
			if m.Options.Ticket.ArchiveImmediately {
				g.Hz.Note("archive_immediately", m.DeclRange, g.nTickets)
			}
		}
	}
	return nil
}

// commentRead is one comment block and the children it maps: a
// conversation's children are read ahead once for each (readAhead).
type commentRead struct {
	childType string
	m         *dsl.Mapping
}

// ticket finishes one conversation's ticket (or linked tickets): its
// comments, tags, references, and the checks Zendesk would refuse it by.
func (g *Generator) ticket(m *dsl.Mapping, d *Desired, reads []commentRead, s *source, splitAt int, emit func(*Desired) error) error {
	id := s.id
	comments := g.comments(id, reads, s)
	for _, c := range comments {
		if a, ok := c.Payload["departed_author"].(string); ok {
			g.addTag(d, "kz_departed_author_"+a)
		}
	}
	g.nTickets++
	comments = g.longBodies(id, reads, comments)
	g.checkTicketRefs(m.DeclRange, id, d)
	g.addTag(d, g.marker)
	if len(comments) == 0 {
		g.Hz.Add("empty_conversations", m.DeclRange, id)
		comments = []Comment{{Key: "conversation/" + id + "#empty", Payload: dsl.Payload{
			"body": "This Kustomer conversation had no messages.", "public": false, "created_at": d.Payload["created_at"]}}}
	}
	if status, _ := d.Payload["status"].(string); status == "closed" {
		g.Hz.Add("closed_tickets", m.DeclRange, id)
	}
	return g.emitParts(m.DeclRange, d, comments, splitAt, emit)
}

// comments maps the messages and notes of one conversation, read ahead
// with it, in source order (created_at, then source key).
func (g *Generator) comments(convID string, reads []commentRead, s *source) []Comment {
	var comments []Comment
	for i, r := range reads {
		cm := r.m
		for _, k := range s.kids[i] {
			if k.err != nil {
				g.malformed(cm, r.childType, k.id, k.err)
				g.Hz.Add("comments_skipped", cm.DeclRange, convID+": "+r.childType+"/"+k.id)
				continue
			}
			if msg, ok := k.rec.(*record.Message); ok && msg.Truncated {
				g.Hz.Add("truncated_messages", cm.DeclRange, r.childType+"/"+k.id)
			}
			couts, err := g.evalOne(cm, k.rec)
			if err != nil {
				g.Hz.Add("comments_skipped", cm.DeclRange, convID+": "+err.Error())
				continue
			}
			for _, p := range couts {
				if p["body"] == nil && p["html_body"] == nil {
					// Zendesk refuses a comment without text.
					p["body"] = "(This Kustomer message had no text.)"
					g.Hz.Add("comments_without_text", cm.DeclRange, r.childType+"/"+k.id)
				}
				c := Comment{Key: r.childType + "/" + k.id, Payload: p}
				g.noteRenamed(convID, &c, cm.DeclRange)
				g.checkAuthor(cm.DeclRange, convID, &c)
				comments = append(comments, c)
			}
		}
	}
	sortComments(comments)
	return comments
}

// sortComments orders comments by created_at, then by source key (spec/rules.md, rule 8).
// Payload times are whole seconds in one format, so they sort as text.
func sortComments(cs []Comment) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, _ := cs[i].Payload["created_at"].(string)
		b, _ := cs[j].Payload["created_at"].(string)
		if a != b {
			return a < b
		}
		return cs[i].Key < cs[j].Key
	})
}

// checkAuthor drops an author who will not exist in Zendesk: the comment is
// then written by the importing admin, and the ticket records who it was.
func (g *Generator) checkAuthor(at hcl.Range, convID string, c *Comment) {
	a, _ := c.Payload["author"].(string)
	if a == "" {
		return
	}
	if _, ok := g.agents[a]; ok {
		return
	}
	if g.customers.has(a) {
		return
	}
	delete(c.Payload, "author")
	c.Payload["departed_author"] = a
	g.Hz.Add("departed_authors", at, convID+": "+c.Key+" by "+a)
}

// checkTicketRefs keeps the assignee and group only when Zendesk will
// accept them (spec/rules.md, rule 7): the assignee must be an agent, and a member of the
// group when there is one. A ticket needs a requester that exists.
func (g *Generator) checkTicketRefs(at hcl.Range, id string, d *Desired) {
	p := d.Payload
	if a, ok := p["assignee"].(string); ok {
		if _, isAgent := g.agents[a]; !isAgent {
			delete(p, "assignee")
			g.addTag(d, "kz_departed_assignee_"+a)
			g.Hz.Add("departed_assignees", at, id+": "+a)
		}
	}
	if grp, ok := p["group"].(string); ok {
		switch {
		case !g.teams[grp]:
			delete(p, "group")
			g.addTag(d, "kz_team_"+grp)
			g.Hz.Add("unmapped_groups", at, id+": "+grp)
		case p["assignee"] != nil && !g.members[grp][p["assignee"].(string)]:
			delete(p, "group")
			g.addTag(d, "kz_team_"+grp)
			g.Hz.Add("assignee_not_in_group", at, id)
		}
	}
	if r, _ := p["requester"].(string); r == "" {
		d.Unwritable = "the conversation has no customer, and Zendesk needs a requester"
		g.Hz.Add("no_requester", at, id)
	} else if !g.customers.has(r) {
		d.Unwritable = fmt.Sprintf("the requester %s is not in the snapshot", r)
		g.Hz.Add("missing_requester", at, id+": "+r)
	}
}

func (g *Generator) addTag(d *Desired, tag string) {
	if tag == "" {
		return
	}
	tags := dsl.Strings(d.Payload["tags"])
	if !slices.Contains(tags, tag) {
		tags = append(tags, tag)
	}
	d.Payload["tags"] = tags
}

// longBodies makes every comment fit Zendesk's limit (spec/rules.md, rule 12): split
// into consecutive comments (HTML cut between elements, or text), or,
// with long_body = "attach", sent as a file with the start of the text.
func (g *Generator) longBodies(convID string, reads []commentRead, cs []Comment) []Comment {
	var out []Comment
	for _, c := range cs {
		parts, how := fitBody(c)
		if how == bodyFits {
			out = append(out, parts...)
			continue
		}
		typ := c.Key[:strings.IndexByte(c.Key, '/')]
		at, mode := hcl.Range{}, ""
		if i := slices.IndexFunc(reads, func(r commentRead) bool { return r.childType == typ }); i >= 0 {
			at, mode = reads[i].m.DeclRange, reads[i].m.Options.Comment.LongBody
		}
		if mode == "attach" {
			c.Payload["attach_body"] = true
			g.Hz.Add("bodies_attached", at, convID+": "+c.Key)
			out = append(out, c)
			continue
		}
		example := fmt.Sprintf("%s: %s → %d comments", convID, c.Key, len(parts))
		if how == bodyAsText {
			g.Hz.Add("bodies_split_as_text", at, example)
		} else {
			g.Hz.Add("bodies_split", at, example)
		}
		out = append(out, parts...)
	}
	return out
}

// emitParts writes a ticket, or several linked tickets when it has more
// comments than split_at (spec/rules.md, rule 11). Every part carries the tag
// kz_conversation_<id>; parts after the first open with a private note
// that says which part they are, the first ends with it.
func (g *Generator) emitParts(at hcl.Range, d *Desired, comments []Comment, splitAt int, emit func(*Desired) error) error {
	if len(comments) <= splitAt {
		d.Comments = comments
		return emit(d)
	}
	convID := strings.TrimPrefix(d.Sources[0], "conversation/")
	per := splitAt - 1 // room for the "continued" note
	parts := (len(comments) + per - 1) / per
	g.Hz.Add("conversations_split", at, fmt.Sprintf("%s: %d comments → %d tickets of at most %d", convID, len(comments), parts, splitAt))
	for i := 0; i < parts; i++ {
		part := &Desired{Kind: d.Kind, Key: d.Key, Mapping: d.Mapping, Pos: d.Pos, Sources: d.Sources, Unwritable: d.Unwritable, Payload: clonePayload(d.Payload)}
		part.Payload["tags"] = append(dsl.Strings(d.Payload["tags"]), "kz_conversation_"+convID)
		chunk := comments[i*per : min((i+1)*per, len(comments))]
		// The note's time is that of its neighbour, so the thread never
		// goes back in time.
		noteAt := chunk[0].Payload["created_at"]
		if i == 0 {
			noteAt = chunk[len(chunk)-1].Payload["created_at"]
		}
		note := Comment{Key: fmt.Sprintf("conversation/%s#part%d", convID, i+1), Payload: dsl.Payload{
			"body":   fmt.Sprintf("Part %d of %d of Kustomer conversation %s. All parts carry the tag kz_conversation_%s.", i+1, parts, convID, convID),
			"public": false, "created_at": noteAt}}
		if i > 0 {
			part.Key = fmt.Sprintf("%s#%d", d.Key, i+1)
			if ext, ok := d.Payload["external_id"].(string); ok {
				part.Payload["external_id"] = fmt.Sprintf("%s#%d", ext, i+1)
			}
			if subj, ok := d.Payload["subject"].(string); ok {
				part.Payload["subject"] = fmt.Sprintf("%s (part %d of %d)", subj, i+1, parts)
			}
			part.Comments = append([]Comment{note}, chunk...)
		} else {
			part.Comments = append(append([]Comment{}, chunk...), note)
		}
		if err := emit(part); err != nil {
			return err
		}
	}
	return nil
}

// deleted emits, for a conversation deleted in Kustomer, a deletion of
// each ticket the checkpoint holds for it (the ticket, and the linked
// tickets of a split one). Without a checkpoint there is nothing to delete.
func (g *Generator) deleted(d *Desired, c *record.Conversation, emit func(*Desired) error) error {
	why := "deleted in Kustomer"
	if !c.UpdatedAt.IsZero() {
		why += " (updated " + c.UpdatedAt.UTC().Format(time.RFC3339) + ")"
	}
	for i := 1; ; i++ {
		part := &Desired{Kind: d.Kind, Key: d.Key, Mapping: d.Mapping, Pos: d.Pos, Sources: d.Sources, Deleted: why}
		if i > 1 {
			part.Key = fmt.Sprintf("%s#%d", d.Key, i)
		}
		if !g.holds(part) {
			return nil
		}
		if err := emit(part); err != nil {
			return err
		}
	}
}
