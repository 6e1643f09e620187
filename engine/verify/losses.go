package verify

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
)

// Known losses. apply says on the ticket itself what it could not move: a
// private note that starts with render.LostNotePrefix, one line per file,
// and the tag render.LostTag. The checkpoint keeps no list of those files
// (its runs only count them), so verify takes the list from Zendesk: every
// ticket read back with the tag has its note read, sampled or not, and
// each line of it becomes a note of the report. A sampled ticket's note is
// read with its comments, and counts even when the tag was taken off.

// lossTicket is a ticket whose note lists lost files, or whose tag says it
// has one.
type lossTicket struct {
	key, zid, subject string
	id                int64
	note              string // the lost notes' text; read says whether it was looked for
	read              bool
}

// lostID finds the Kustomer attachment id in a line of the note.
var lostID = regexp.MustCompile(`attachment ([0-9A-Za-z_-]+)`)

// tagged remembers a ticket read back with the lost tag.
func (r *runner) tagged(key string, id int64, subject string) {
	k := r.lossTicket(key)
	k.id, k.zid, k.subject = id, strconv.FormatInt(id, 10), subject
}

// lostRead records the lost notes found among a sampled ticket's comments.
func (r *runner) lostRead(key, zid, subject, note string) {
	k := r.lossTicket(key)
	if k.zid == "" {
		k.zid, k.subject = zid, subject
	}
	k.note, k.read = note, true
}

func (r *runner) lossTicket(key string) *lossTicket {
	if r.losses == nil {
		r.losses = map[string]*lossTicket{}
	}
	if r.losses[key] == nil {
		r.losses[key] = &lossTicket{key: key}
	}
	return r.losses[key]
}

// knownLosses reads the note of every tagged ticket not read with the
// sample, and lists each lost file as a note. Once the notes are full
// (Report.Notes holds at most ten times MaxListed), the remaining
// tickets are counted, not read.
func (r *runner) knownLosses(ctx context.Context) error {
	unread := 0
	for _, key := range slices.Sorted(maps.Keys(r.losses)) {
		t := r.losses[key]
		if !t.read {
			if len(r.notes) >= r.maxNotes() {
				unread++
				continue
			}
			var lost strings.Builder
			for c, err := range r.opts.Client.ListComments(ctx, t.id) {
				if err != nil {
					return fmt.Errorf("reading the comments of ticket %d, tagged %s: %w", t.id, render.LostTag, err)
				}
				if isLostNote(c.Body) || isLostNote(c.PlainBody) {
					lost.WriteString(c.Body + "\n")
				}
			}
			t.note, t.read = lost.String(), true
		}
		r.listLosses(t)
	}
	if unread > 0 {
		r.seq++
		r.notes = append(r.notes, Difference{Kind: kind.Ticket, What: "attachment_missing", seq: r.seq,
			Message: fmt.Sprintf("%d more tickets are tagged %s: their notes were not read, as the report lists at most %d notes", unread, render.LostTag, r.maxNotes())})
	}
	return nil
}

func isLostNote(body string) bool {
	return strings.HasPrefix(strings.TrimSpace(body), render.LostNotePrefix)
}

// listLosses turns the lines of a ticket's lost notes into notes.
func (r *runner) listLosses(t *lossTicket) {
	label := r.label(kind.Ticket, t.key, t.zid)
	base := Difference{Kind: kind.Ticket, Key: t.key, ZendeskID: t.zid, Name: t.subject, What: "attachment_missing", URL: r.url(kind.Ticket, t.zid, nil)}
	seen := map[string]bool{}
	for _, line := range strings.Split(t.note, "\n") {
		item, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok || seen[item] {
			continue
		}
		seen[item] = true
		d := base
		var more int
		if n, _ := fmt.Sscanf(item, "and %d more", &more); n == 1 {
			d.Message = fmt.Sprintf("%s: %d more files could not be migrated (the ticket's note stops naming them)", label, more)
		} else {
			d.Message = label + ": could not migrate " + item
			if m := lostID.FindStringSubmatch(item); m != nil {
				d.Field = "attachment " + m[1]
			}
		}
		r.note(d)
	}
	if len(seen) == 0 {
		d := base
		d.Message = fmt.Sprintf("%s: tagged %s, but no comment of it names a file that could not be migrated", label, render.LostTag)
		r.note(d)
	}
}
