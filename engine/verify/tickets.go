package verify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/render"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

// lookahead is how far the comment alignment looks for a comment that
// went missing or was added, before it calls two comments changed.
const lookahead = 20

type expComment struct {
	n     int // position among the expected comments, from 1
	key   string
	p     map[string]any
	z     zendesk.Comment // as apply rendered it
	texts []string        // squashed texts Zendesk may hold
	at    time.Time
	hasAt bool
}

type actComment struct {
	n     int // position in Zendesk, from 1
	c     zendesk.Comment
	texts []string
}

func (e *expComment) text() string {
	if e.z.Body != "" {
		return e.z.Body
	}
	return htmlText(e.z.HTMLBody)
}

func matches(e *expComment, a *actComment) bool {
	if len(e.texts) == 0 {
		return len(a.texts) == 0 // an image and no text, say
	}
	for _, t := range a.texts {
		for _, w := range e.texts {
			if t == w {
				return true
			}
		}
	}
	return false
}

func (k *check) ticket(ctx context.Context, t zendesk.Ticket) error {
	p := k.payload()
	k.text("subject", t.Subject)
	if want := str(p, "status"); !apply.SameStatus(t.Status, want) {
		k.text("status", t.Status)
	}
	k.text("priority", t.Priority)
	k.text("type", t.Type)
	k.text("external_id", t.ExternalID)
	if err := k.ref("requester", t.RequesterID, "customer", true); err != nil {
		return err
	}
	if err := k.ref("assignee", t.AssigneeID, "user", true); err != nil {
		return err
	}
	if err := k.ref("group", t.GroupID, "team", true); err != nil {
		return err
	}
	if want, err := time.Parse(time.RFC3339, str(p, "created_at")); err == nil {
		if got := t.CreatedAt.UTC().Truncate(time.Second); !got.Equal(want.UTC().Truncate(time.Second)) {
			k.diff("field", "created_at", got.Format(time.RFC3339), want.UTC().Format(time.RFC3339), "created_at is %s, expected %s", got.Format(time.RFC3339), want.UTC().Format(time.RFC3339))
		}
	}
	lost, err := k.comments(ctx, t)
	if err != nil {
		return err
	}
	var allowed []string
	if lost != "" {
		allowed = append(allowed, render.LostTag)
	}
	// Zendesk tags a ticket with the value of its dropdown fields.
	got := map[string]any{}
	for _, cf := range t.CustomFields {
		got[strconv.FormatInt(cf.ID, 10)] = cf.Value
		if s, ok := cf.Value.(string); ok {
			allowed = append(allowed, s)
		}
		for _, x := range dsl.Strings(cf.Value) {
			allowed = append(allowed, x)
		}
	}
	k.set("tags", t.Tags, allowed...)
	return k.ticketFields(got)
}

// ticketFields compares the ticket field values the plan set, by the
// field ids the checkpoint recorded for their keys.
func (k *check) ticketFields(got map[string]any) error {
	want, _ := k.payload()["custom_fields"].(map[string]any)
	for _, key := range slices.Sorted(maps.Keys(want)) {
		id, err := k.r.refs.ID(kind.FieldSource("conversation"), key)
		if err != nil {
			return err
		}
		if v := got[strconv.FormatInt(id, 10)]; id == 0 || !sameValue(want[key], v) {
			k.diff("field", "custom_fields."+key, valueText(v), valueText(want[key]), "custom_fields.%s is %s, expected %s", key, valueText(v), valueText(want[key]))
		}
	}
	return nil
}

// comments compares a ticket's comments with the desired ones: count,
// order, text, author, public flag, time, attachments. It returns what
// the ticket says could not be migrated.
func (k *check) comments(ctx context.Context, t zendesk.Ticket) (string, error) {
	var act []*actComment
	var lost strings.Builder
	n := 0
	var prev time.Time
	for c, err := range k.r.opts.Client.ListComments(ctx, t.ID) {
		if err != nil {
			return "", err
		}
		n++
		at := c.CreatedAt.UTC().Truncate(time.Second)
		if n > 1 && at.Before(prev) {
			k.diff("comment", fmt.Sprintf("comment %d created_at", n), at.Format(time.RFC3339), prev.Format(time.RFC3339),
				"comment %d (%s) is older than comment %d (%s): Zendesk shows the thread out of order", n, at.Format(time.RFC3339), n-1, prev.Format(time.RFC3339))
		}
		prev = at
		if isLostNote(c.Body) || isLostNote(c.PlainBody) {
			lost.WriteString(c.Body + "\n")
			continue
		}
		a := &actComment{n: n, c: c}
		for _, b := range []string{c.Body, c.PlainBody, htmlText(c.HTMLBody)} {
			if s := squash(b); s != "" && !slices.Contains(a.texts, s) {
				a.texts = append(a.texts, s)
			}
		}
		act = append(act, a)
	}
	if _, tagged := k.r.losses[k.key]; tagged || lost.Len() > 0 {
		k.r.lostRead(k.key, k.zid, t.Subject, lost.String())
	}
	exp, err := k.expected(lost.String())
	if err != nil {
		return "", err
	}
	if len(act) != len(exp) {
		k.diff("comment", "comments", fmt.Sprint(len(act)), fmt.Sprint(len(exp)), "has %d comments, expected %d from Kustomer", len(act), len(exp))
	}
	pairs, missing, extra := align(exp, act)
	for _, e := range missing {
		k.diff("comment", "comment "+e.key, "", e.key, "%s (%s, %s) is missing", e.key, e.p["created_at"], shown(e.text()))
	}
	for _, a := range extra {
		k.diff("comment", fmt.Sprintf("comment %d", a.n), a.c.Body, "", "comment %d (%s) is not from Kustomer: %s", a.n, a.c.CreatedAt.UTC().Format(time.RFC3339), shown(a.c.Body))
	}
	appended, err := k.r.appendedLater(k.c.e.Batch)
	if err != nil {
		return "", err
	}
	for _, pr := range pairs {
		if pr.moved {
			k.diff("comment", fmt.Sprintf("comment %d order", pr.a.n), fmt.Sprint(pr.a.n), fmt.Sprint(pr.e.n),
				"comment %d is %s, which comes %s in Kustomer: the thread is out of order", pr.a.n, pr.e.key, ordinal(pr.e.n))
		}
		if err := k.comment(pr, appended, lost.String()); err != nil {
			return "", err
		}
	}
	return lost.String(), nil
}

// expected returns the desired comments as apply rendered them, in the
// order Zendesk keeps them: by time to the second, ties in the mapping's
// order. lost is what the ticket says could not be migrated: those files
// were rendered as lost.
func (k *check) expected(lost string) ([]*expComment, error) {
	importer := k.r.me
	var exp []*expComment
	for _, c := range k.c.d.Comments {
		files := render.Files{}
		for _, id := range render.CommentFiles(c) {
			if strings.Contains(lost, "attachment "+id) {
				files[id] = render.Upload{Lost: id}
			} else {
				files[id] = render.Upload{Token: "verify"}
			}
		}
		z, _, err := render.Comment(c, k.r.refs, importer, files)
		if err != nil {
			return nil, err
		}
		e := &expComment{key: c.Key, p: c.Payload, z: z}
		for _, s := range []string{squash(z.Body), squash(htmlText(z.HTMLBody))} {
			if s != "" && !slices.Contains(e.texts, s) {
				e.texts = append(e.texts, s)
			}
		}
		if !z.CreatedAt.IsZero() {
			e.at, e.hasAt = z.CreatedAt.UTC().Truncate(time.Second), true
		}
		exp = append(exp, e)
	}
	sort.SliceStable(exp, func(i, j int) bool { return exp[i].at.Before(exp[j].at) })
	for i, e := range exp {
		e.n = i + 1
	}
	return exp, nil
}

type pair struct {
	e       *expComment
	a       *actComment
	matched bool // same text
	moved   bool // found elsewhere in the thread than its place
}

// align pairs expected and actual comments in order. Where they stop
// matching it looks ahead for the nearest match on either side: comments
// skipped on the expected side are missing, on the actual side extra. A
// comment found among those skipped on the other side is out of place;
// otherwise the two comments are paired as changed.
func align(exp []*expComment, act []*actComment) (pairs []pair, missing []*expComment, extra []*actComment) {
	takeExtra := func(e *expComment) *actComment {
		for i, a := range extra {
			if matches(e, a) {
				extra = append(extra[:i], extra[i+1:]...)
				return a
			}
		}
		return nil
	}
	takeMissing := func(a *actComment) *expComment {
		for i, e := range missing {
			if matches(e, a) {
				missing = append(missing[:i], missing[i+1:]...)
				return e
			}
		}
		return nil
	}
	i, j := 0, 0
	for i < len(exp) && j < len(act) {
		if matches(exp[i], act[j]) {
			pairs = append(pairs, pair{e: exp[i], a: act[j], matched: true})
			i, j = i+1, j+1
			continue
		}
		resynced := false
		for d := 1; d <= lookahead && !resynced; d++ {
			switch {
			case j+d < len(act) && matches(exp[i], act[j+d]):
				extra = append(extra, act[j:j+d]...)
				j += d
				resynced = true
			case i+d < len(exp) && matches(exp[i+d], act[j]):
				missing = append(missing, exp[i:i+d]...)
				i += d
				resynced = true
			}
		}
		if resynced {
			continue
		}
		if a := takeExtra(exp[i]); a != nil {
			pairs = append(pairs, pair{e: exp[i], a: a, matched: true, moved: true})
			i++
			continue
		}
		if e := takeMissing(act[j]); e != nil {
			pairs = append(pairs, pair{e: e, a: act[j], matched: true, moved: true})
			j++
			continue
		}
		pairs = append(pairs, pair{e: exp[i], a: act[j]})
		i, j = i+1, j+1
	}
	missing = append(missing, exp[i:]...)
	extra = append(extra, act[j:]...)
	// What is left on both sides and matches is out of place.
	var stillMissing []*expComment
	for _, e := range missing {
		if a := takeExtra(e); a != nil {
			pairs = append(pairs, pair{e: e, a: a, matched: true, moved: true})
		} else {
			stillMissing = append(stillMissing, e)
		}
	}
	sort.SliceStable(pairs, func(x, y int) bool { return pairs[x].a.n < pairs[y].a.n })
	return pairs, stillMissing, extra
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// comment compares one comment with the one it should be.
func (k *check) comment(pr pair, appended bool, lost string) error {
	e, a := pr.e, pr.a
	where := fmt.Sprintf("comment %d", a.n)
	if !pr.matched {
		k.diff("comment", where+" body", a.c.Body, e.text(), "%s text is %s, expected %s (%s)", where, shown(a.c.Body), shown(e.text()), e.key)
	}
	if want := e.z.AuthorID; a.c.AuthorID != want || want == 0 {
		author := str(e.p, "author")
		typ := "user"
		if author != "" {
			var err error
			if _, typ, err = k.r.refs.person(author); err != nil {
				return err
			}
		}
		wanted := k.r.refs.want(want, typ, author)
		if author == "" {
			wanted = fmt.Sprintf("%s (the importing admin: the author no longer exists)", idText(want))
		}
		k.diff("comment", where+" author", idText(a.c.AuthorID), idText(want), "%s author is %s, expected %s", where, idText(a.c.AuthorID), wanted)
	}
	wantPublic, _ := e.p["public"].(bool)
	if gotPublic := a.c.Public != nil && *a.c.Public; gotPublic != wantPublic {
		k.diff("comment", where+" public", visibility(gotPublic), visibility(wantPublic), "%s is %s, expected %s (%s)", where, visibility(gotPublic), visibility(wantPublic), e.key)
	}
	if e.hasAt {
		got := a.c.CreatedAt.UTC().Truncate(time.Second)
		// Comments added by a later apply carry the time they were added:
		// Zendesk lets only imports set a comment's time.
		if !got.Equal(e.at) && !(appended && got.After(e.at)) {
			k.diff("comment", where+" created_at", got.Format(time.RFC3339), e.at.Format(time.RFC3339), "%s created_at is %s, expected %s (%s)", where, got.Format(time.RFC3339), e.at.Format(time.RFC3339), e.key)
		}
	}
	return k.attachments(where, e, a, lost)
}

func visibility(public bool) string {
	if public {
		return "public"
	}
	return "private"
}

// attachments checks that a comment carries the files of its source
// message, with their sizes when known. A file the ticket says could not
// be migrated is not a difference: knownLosses lists it.
func (k *check) attachments(where string, e *expComment, a *actComment, lost string) error {
	var ids []string
	for _, id := range render.CommentFiles(engine.Comment{Key: e.key, Payload: e.p}) {
		if id != render.BodyFileKey(e.key) {
			ids = append(ids, id)
		}
	}
	type want struct {
		id, name string
		size     int64 // -1: unknown
	}
	var wants []want
	for _, id := range ids {
		if strings.Contains(lost, "attachment "+id) {
			continue
		}
		name, size, err := k.r.attachment(id)
		if err != nil {
			return err
		}
		wants = append(wants, want{id, name, size})
	}
	if attach, _ := e.p["attach_body"].(bool); attach {
		body := str(e.p, "body")
		if body == "" {
			body = str(e.p, "html_body")
		}
		wants = append(wants, want{"", render.BodyFileName, int64(len(body))})
	}
	used := make([]bool, len(a.c.Attachments))
	// By name, as sent or without a directory part (apply drops it), then
	// by size.
	base := func(s string) string { return strings.TrimSpace(s[strings.LastIndexAny(s, `/\`)+1:]) }
	find := func(w want) int {
		for i, att := range a.c.Attachments {
			if !used[i] && (att.FileName == w.name || att.FileName == base(w.name)) {
				return i
			}
		}
		for i, att := range a.c.Attachments {
			if !used[i] && w.size >= 0 && att.Size == w.size {
				return i
			}
		}
		return -1
	}
	for _, w := range wants {
		what := w.name
		if w.id != "" {
			what = fmt.Sprintf("%s (Kustomer attachment %s)", w.name, w.id)
		}
		i := find(w)
		if i < 0 {
			k.diff("attachment", where+" attachment", "", w.name, "%s attachment %s is missing (%s)", where, what, e.key)
			continue
		}
		used[i] = true
		if got := a.c.Attachments[i]; w.size >= 0 && got.Size != w.size {
			k.diff("attachment", where+" attachment size", fmt.Sprint(got.Size), fmt.Sprint(w.size), "%s attachment %s is %d bytes, expected %d", where, what, got.Size, w.size)
		}
	}
	for i, att := range a.c.Attachments {
		if !used[i] && !att.Inline {
			k.diff("attachment", where+" attachment", att.FileName, "", "%s carries attachment %s (%d bytes), which its Kustomer message does not have", where, shown(att.FileName), att.Size)
		}
	}
	return nil
}

// attachment returns the name and size Zendesk should show for a
// Kustomer attachment: the name apply uploads it under (engine.UploadName)
// and the size of the file apply uploaded when the files are at hand,
// else the snapshot's record of it; size -1 when unknown.
func (r *runner) attachment(id string) (string, int64, error) {
	name, ctype, size := "", "", int64(-1)
	if r.snap != nil {
		if raw, ok, err := r.snap.Get("attachment", id); err == nil && ok {
			if rec, err := record.DecodeJSON(raw); err == nil {
				a := rec.(*record.Attachment)
				name, ctype = a.Name, a.ContentType
				if a.ContentLength > 0 {
					size = a.ContentLength
				}
			}
		}
	}
	if r.opts.Files != nil {
		rc, info, err := r.opts.Files.Open(id)
		switch {
		case err == nil:
			rc.Close()
			if info.Name != "" {
				name, ctype = info.Name, info.ContentType
			}
			size = info.Size
		case errors.Is(err, apply.ErrMissingFile):
		default:
			return "", 0, err
		}
	}
	return engine.UploadName(name, ctype, id), size, nil
}

// appendedLater reports whether the batch that last wrote a ticket
// appended comments to it, so that some comments carry the time they were
// added rather than their source time.
func (r *runner) appendedLater(batchID string) (bool, error) {
	if batchID == "" {
		return false, nil
	}
	if v, ok := r.batchOps[batchID]; ok {
		return v == "append_comments", nil
	}
	b, ok, err := r.opts.Store.Batch(batchID)
	if err != nil {
		return false, err
	}
	if ok {
		r.batchOps[batchID] = b.Op
	}
	return ok && b.Op == "append_comments", nil
}
