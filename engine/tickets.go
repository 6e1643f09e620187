package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/record"
)

// tickets maps each conversation with its messages and notes: comments in
// source order, references checked against who exists, long bodies split,
// long conversations split into linked tickets, the marker tag added.
func (g *Generator) tickets(ctx context.Context, emit func(*Desired) error) error {
	var commentMaps = map[string][]*dsl.Mapping{}
	for _, m := range g.kind("comment") {
		commentMaps[m.From] = append(commentMaps[m.From], m)
	}
	for _, m := range g.kind("ticket") {
		splitAt, _ := m.Options["split_at"].(int)
		if splitAt <= 1 || splitAt > MaxCommentsPerTicket {
			splitAt = MaxCommentsPerTicket
		}
		err := g.snap.ForEach("conversation", func(id string, raw []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, _, outs := g.mapRecord("ticket", m, id, raw)
			if d.Unwritable != "" {
				return emit(d)
			}
			if len(outs) == 0 {
				return nil
			}
			d.Payload = outs[0]
			var comments []Comment
			for _, childType := range []string{"message", "note"} {
				for _, cm := range commentMaps[childType] {
					err := g.snap.ForEachChild("conversation", id, childType, func(cid string, craw []byte) error {
						crec, err := g.decode(childType, cid, craw)
						if err != nil {
							g.Hz.Add("comments_skipped", "error", "messages or notes that could not be read or mapped (the ticket is imported without them)", id+": "+childType+"/"+cid)
							return nil
						}
						if msg, ok := crec.(*record.Message); ok && msg.Truncated {
							g.Hz.Add("truncated_messages", "warning", "messages with only Kustomer's preview (first 200 characters): the full body was not available", childType+"/"+cid)
						}
						couts, err := g.evalOne(cm, childType, cid, crec)
						if err != nil {
							g.Hz.Add("comments_skipped", "error", "messages or notes that could not be read or mapped (the ticket is imported without them)", id+": "+err.Error())
							return nil
						}
						for _, p := range couts {
							if p["body"] == nil && p["html_body"] == nil {
								// Zendesk refuses a comment without text.
								p["body"] = "(This Kustomer message had no text.)"
								g.Hz.Add("comments_without_text", "info", "messages without text (an attachment alone, say) get a line saying so: Zendesk refuses an empty comment", childType+"/"+cid)
							}
							c := Comment{Key: childType + "/" + cid, Payload: p}
							g.noteRenamed(id, &c)
							g.checkAuthor(id, &c)
							comments = append(comments, c)
						}
						return nil
					})
					if err != nil {
						return err
					}
				}
			}
			sortComments(comments)
			for _, c := range comments {
				if a, ok := c.Payload["departed_author"].(string); ok {
					g.addTag(d, "kz_departed_author_"+a)
				}
			}
			g.nTickets++
			comments = g.longBodies(id, m, comments)
			g.checkTicketRefs(id, d)
			g.addTag(d, g.marker)
			if len(comments) == 0 {
				g.Hz.Add("empty_conversations", "info", "conversations without messages get one private comment saying so (Zendesk needs a description)", id)
				comments = []Comment{{Key: "conversation/" + id + "#empty", Payload: dsl.Payload{
					"body": "This Kustomer conversation had no messages.", "public": false, "created_at": d.Payload["created_at"]}}}
			}
			if status, _ := d.Payload["status"].(string); status == "closed" {
				g.Hz.Add("closed_tickets", "warning", "tickets imported as closed can never be changed again in Zendesk", id)
			}
			return g.emitParts(d, comments, splitAt, emit)
		})
		if err != nil {
			return err
		}
	}
	if g.nTickets > 0 {
		g.Hz.Note("no_sla", "info", "imported tickets carry no SLA metrics and run no triggers until updated (Zendesk's rule for imports)", g.nTickets)
		for _, m := range g.kind("ticket") {
			if ai, _ := m.Options["archive_immediately"].(bool); ai {
				g.Hz.Note("archive_immediately", "info", "closed tickets go straight to Zendesk's archive (archive_immediately): they are not in views, only in search", g.nTickets)
			}
		}
	}
	return nil
}

// checkAuthor drops an author who will not exist in Zendesk: the comment is
// then written by the importing admin, and the ticket records who it was.
func (g *Generator) checkAuthor(convID string, c *Comment) {
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
	g.Hz.Add("departed_authors", "warning", "comments by agents or customers that no longer exist: written by the importing admin, the ticket tagged kz_departed_author_<id>", convID+": "+c.Key+" by "+a)
}

// checkTicketRefs keeps the assignee and group only when Zendesk will
// accept them (rule 7): the assignee must be an agent, and a member of the
// group when there is one.
func (g *Generator) checkTicketRefs(id string, d *Desired) {
	p := d.Payload
	if a, ok := p["assignee"].(string); ok {
		if _, isAgent := g.agents[a]; !isAgent {
			delete(p, "assignee")
			g.addTag(d, "kz_departed_assignee_"+a)
			g.Hz.Add("departed_assignees", "warning", "conversations assigned to an agent who no longer exists: no assignee, the id kept as tag kz_departed_assignee_<id>", id+": "+a)
		}
	}
	if grp, ok := p["group"].(string); ok {
		switch {
		case !g.teams[grp]:
			delete(p, "group")
			g.addTag(d, "kz_team_"+grp)
			g.Hz.Add("unmapped_groups", "warning", "conversations of a team that is not mapped to a group: no group, the id kept as tag kz_team_<id>", id+": "+grp)
		case p["assignee"] != nil && !g.members[grp][p["assignee"].(string)]:
			delete(p, "group")
			g.addTag(d, "kz_team_"+grp)
			g.Hz.Add("assignee_not_in_group", "warning", "assignees who are not members of the conversation's team: Zendesk would refuse the pair, so the group is dropped and kept as tag kz_team_<id>", id)
		}
	}
	if r, _ := p["requester"].(string); r == "" {
		d.Unwritable = "the conversation has no customer, and Zendesk needs a requester"
		g.Hz.Add("no_requester", "error", "conversations without a requester cannot be imported", id)
	} else if !g.customers.has(r) {
		d.Unwritable = fmt.Sprintf("the requester %s is not in the snapshot", r)
		g.Hz.Add("missing_requester", "error", "conversations whose customer is missing from the snapshot cannot be imported (extract customers again)", id+": "+r)
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

// longBodies makes every comment fit Zendesk's limit (rule 12): split
// into consecutive comments (HTML cut between elements, or text), or,
// with long_body = "attach", sent as a file with the start of the text.
func (g *Generator) longBodies(convID string, m *dsl.Mapping, cs []Comment) []Comment {
	mode := map[string]string{}
	for _, cm := range g.kind("comment") {
		mode[cm.From], _ = cm.Options["long_body"].(string)
	}
	var out []Comment
	for _, c := range cs {
		typ := c.Key[:strings.IndexByte(c.Key, '/')]
		parts, how := fitBody(c)
		if how == bodyFits {
			out = append(out, parts...)
			continue
		}
		if mode[typ] == "attach" {
			c.Payload["attach_body"] = true
			g.Hz.Add("bodies_attached", "info", "bodies over 65,535 characters are attached as a file, with the start of the text in the comment", convID+": "+c.Key)
			out = append(out, c)
			continue
		}
		example := fmt.Sprintf("%s: %s → %d comments", convID, c.Key, len(parts))
		if how == bodyAsText {
			g.Hz.Add("bodies_split_as_text", "warning", "HTML bodies over 65,535 characters that cannot be cut between elements are split as plain text (the text survives, the formatting does not)", example)
		} else {
			g.Hz.Add("bodies_split", "info", "bodies over 65,535 characters (inline images counted as re-hosted) are split into consecutive comments, HTML cut between elements (the full text survives)", example)
		}
		out = append(out, parts...)
	}
	return out
}

// emitParts writes a ticket, or several linked tickets when it has more
// comments than split_at (rule 11). Every part carries the tag
// kz_conversation_<id>; parts after the first open with a private note
// that says which part they are.
func (g *Generator) emitParts(d *Desired, comments []Comment, splitAt int, emit func(*Desired) error) error {
	if len(comments) <= splitAt {
		d.Comments = comments
		return emit(d)
	}
	convID := strings.TrimPrefix(d.Sources[0], "conversation/")
	per := splitAt - 1 // room for the "continued" note
	parts := (len(comments) + per - 1) / per
	g.Hz.Add("conversations_split", "info", fmt.Sprintf("conversations over %d comments become linked tickets (tag kz_conversation_<id>)", splitAt),
		fmt.Sprintf("%s: %d comments → %d tickets", convID, len(comments), parts))
	for i := 0; i < parts; i++ {
		part := &Desired{Kind: d.Kind, Key: d.Key, Mapping: d.Mapping, Pos: d.Pos, Sources: d.Sources, Unwritable: d.Unwritable, Payload: dsl.Payload{}}
		for k, v := range d.Payload {
			part.Payload[k] = v
		}
		part.Payload["tags"] = append(dsl.Strings(d.Payload["tags"]), "kz_conversation_"+convID)
		chunk := comments[i*per : min((i+1)*per, len(comments))]
		// The note opens every part but the first, which it ends (the
		// first comment is the ticket's description): its time is that of
		// its neighbour, so the thread never goes back in time.
		at := chunk[0].Payload["created_at"]
		if i == 0 {
			at = chunk[len(chunk)-1].Payload["created_at"]
		}
		note := Comment{Key: fmt.Sprintf("conversation/%s#part%d", convID, i+1), Payload: dsl.Payload{
			"body":   fmt.Sprintf("Part %d of %d of Kustomer conversation %s. All parts carry the tag kz_conversation_%s.", i+1, parts, convID, convID),
			"public": false, "created_at": at}}
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
