package engine

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/zendesk"
)

// Comment bodies over Zendesk's limit are split, never cut (spec/rules.md, rule 12). The
// limit is about what reaches Zendesk: apply re-hosts inline images, which
// changes the HTML's length, so the plan charges every inline image the
// most its re-hosted URL may take, and a part that fits here fits there.

// RehostReserve is the room the plan keeps for one inline image once apply
// has re-hosted it on Zendesk: its content URL carries the account's host,
// the upload's token and the file name (at most 200 bytes, escaped).
const RehostReserve = 1024

// inlineRef finds the Kustomer attachment URLs of inline images in HTML
// (the API host's, or a simulator's): apply uploads them and rewrites the
// src. Group 1 is the attachment id.
var inlineRef = regexp.MustCompile(`https?://[^"'\s<>]*/v1/attachments/([0-9a-f]{24})\b`)

// InlineRefs returns the attachment ids of the inline images in html, in
// order, each once.
func InlineRefs(html string) []string {
	var out []string
	for _, m := range inlineRef.FindAllStringSubmatch(html, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// RehostInline points every Kustomer URL of attachment id in html at to.
// The id comes from the data, so it is quoted, never read as a pattern,
// and it must end where the URL's id ends.
func RehostInline(html, id, to string) string {
	if !strings.Contains(html, "/v1/attachments/"+id) {
		return html
	}
	re := regexp.MustCompile(`https?://[^"'\s<>]*/v1/attachments/` + regexp.QuoteMeta(id) + `\b`)
	return re.ReplaceAllLiteralString(html, to)
}

// htmlCost is what HTML counts toward the limit once its inline images are
// re-hosted: its characters, each inline URL counted as RehostReserve.
func htmlCost(s string) int {
	n := utf8.RuneCountInString(s)
	for _, m := range inlineRef.FindAllStringIndex(s, -1) {
		n += RehostReserve - utf8.RuneCountInString(s[m[0]:m[1]])
	}
	return n
}

// htmlPart is one comment's share of a split HTML body: the start tags
// reopened from the parts before, the document's own bytes, and the end
// tags that close what it leaves open. The bodies join back to the whole.
type htmlPart struct {
	open, body, close string
}

func (p htmlPart) String() string { return p.open + p.body + p.close }

// voidElements never have content or an end tag.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

type openTag struct{ name, raw string }

// splitHTML cuts HTML into parts that each cost at most budget (htmlCost),
// between tokens (never inside a tag, a comment, a script or style, or an
// entity), preferring the end of an element. Each part closes the
// elements it leaves open and the next reopens them, so every part renders
// on its own. ok is false when some piece cannot fit a part at all (a tag
// longer than the budget, nesting deeper than half of it): the caller then
// splits the text instead.
func splitHTML(s string, budget int) (parts []htmlPart, ok bool) {
	sp := &splitter{s: s, budget: budget}
	builtin.HTMLTokens(s, func(t builtin.HTMLToken) {
		sp.toks = append(sp.toks, htmlToken{t.Start, t.End, t.Kind, t.Name, t.Kind == builtin.HTMLStartTag && strings.HasSuffix(s[t.Start:t.End], "/>")})
	})
	if !sp.run() {
		return nil, false
	}
	return sp.parts, true
}

type htmlToken struct {
	start, end int
	kind       builtin.HTMLTokenKind
	name       string
	selfClose  bool
}

// splitter is one splitHTML: the tokens, the parts made so far, and the
// part being filled (its body starts at partStart; pos is where it has
// reached; cost counts its reopened tags and body; stack is what is open).
type splitter struct {
	s              string
	budget         int
	toks           []htmlToken
	parts          []htmlPart
	stack          []openTag
	open           string
	partStart, pos int
	cost           int
	best           *boundary
}

// boundary is a place worth cutting at: after an end tag or a line break.
type boundary struct {
	tok   int
	stack []openTag
	cost  int
}

func (sp *splitter) run() bool {
	for i := 0; i < len(sp.toks); i++ {
		t := sp.toks[i]
		if t.start < sp.pos { // the rest of a text token cut before
			t.start = sp.pos
		}
		raw := sp.s[t.start:t.end]
		next := sp.apply(append([]openTag(nil), sp.stack...), t)
		c := htmlCost(raw)
		if sp.cost+c+closeCost(next) <= sp.budget {
			sp.stack, sp.cost, sp.pos = next, sp.cost+c, t.end
			if t.kind == builtin.HTMLEndTag || t.kind == builtin.HTMLStartTag && (t.name == "br" || t.name == "hr" || t.name == "img") {
				sp.best = &boundary{tok: i + 1, stack: append([]openTag(nil), sp.stack...), cost: sp.cost}
			}
			continue
		}
		// t does not fit. Cut at the last element boundary if the part is
		// at least half full there, else inside t when it is text, else
		// before t; then t again, in the next part.
		var ok bool
		switch {
		case sp.best != nil && sp.best.cost >= sp.budget/2:
			resume := sp.best.tok
			sp.stack = sp.best.stack
			if !sp.emit(sp.toks[resume-1].end) {
				return false
			}
			i = resume - 1
			continue
		case t.kind == builtin.HTMLText && textFits(raw, sp.budget-sp.cost-closeCost(sp.stack)) > 0:
			ok = sp.emit(t.start + textFits(raw, sp.budget-sp.cost-closeCost(sp.stack)))
		case sp.pos == sp.partStart:
			return false // not even one piece fits an empty part
		default:
			ok = sp.emit(sp.pos)
		}
		if !ok {
			return false
		}
		i--
	}
	if sp.pos > sp.partStart || len(sp.parts) == 0 {
		sp.parts = append(sp.parts, htmlPart{open: sp.open, body: sp.s[sp.partStart:]})
	}
	return true
}

// emit ends the part at byte end and starts the next, which reopens what
// is open; it is false when the reopened tags leave no room.
func (sp *splitter) emit(end int) bool {
	sp.parts = append(sp.parts, htmlPart{open: sp.open, body: sp.s[sp.partStart:end], close: closing(sp.stack)})
	sp.open = opening(sp.stack)
	sp.partStart, sp.pos = end, end
	sp.cost = htmlCost(sp.open)
	sp.best = nil
	return sp.cost+closeCost(sp.stack) <= sp.budget/2
}

// apply is the open elements after token t.
func (sp *splitter) apply(st []openTag, t htmlToken) []openTag {
	switch {
	case t.kind == builtin.HTMLStartTag && !voidElements[t.name] && !t.selfClose:
		return append(st, openTag{t.name, sp.s[t.start:t.end]})
	case t.kind == builtin.HTMLEndTag:
		for i := len(st) - 1; i >= 0; i-- {
			if st[i].name == t.name {
				return st[:i]
			}
		}
	}
	return st
}

func closeCost(st []openTag) int {
	n := 0
	for _, o := range st {
		n += len(o.name) + 3
	}
	return n
}

func closing(st []openTag) string {
	var b strings.Builder
	for i := len(st) - 1; i >= 0; i-- {
		b.WriteString("</" + st[i].name + ">")
	}
	return b.String()
}

func opening(st []openTag) string {
	var b strings.Builder
	for _, o := range st {
		b.WriteString(o.raw)
	}
	return b.String()
}

// splitVisible is splitHTML with no part that shows nothing: Zendesk
// refuses a comment without text or a file, and a cut just before the end
// can leave a last part of end tags only. Such a split is tried again with
// a little less room per part, which moves the cuts earlier.
func splitVisible(s string, budget int) ([]htmlPart, bool) {
	for try := 0; try < 4; try++ {
		parts, ok := splitHTML(s, budget-try*64)
		if !ok {
			return nil, false
		}
		blank := false
		for _, p := range parts {
			if strings.TrimSpace(HTMLText(p.String())) == "" && !strings.Contains(strings.ToLower(p.body), "<img") {
				blank = true
			}
		}
		if !blank {
			return parts, true
		}
	}
	return nil, false
}

// textFits returns how many bytes of HTML text fit in room characters,
// cut at a space when one is near, never inside an entity, a character or
// an inline image's URL (charged as re-hosted).
func textFits(raw string, room int) int {
	spans := inlineRef.FindAllStringIndex(raw, -1)
	cut, n, space := 0, 0, 0
	for i := 0; i < len(raw); {
		for len(spans) > 0 && spans[0][0] < i {
			spans = spans[1:]
		}
		size, cost := 1, 1
		switch {
		case len(spans) > 0 && i == spans[0][0]:
			size, cost = spans[0][1]-spans[0][0], RehostReserve
		case raw[i] == '&':
			size = entityLen(raw[i:])
			cost = size
		case raw[i] >= utf8.RuneSelf:
			_, size = utf8.DecodeRuneInString(raw[i:])
		}
		if n+cost > room {
			break
		}
		n += cost
		i += size
		cut = i
		if raw[i-1] == ' ' || raw[i-1] == '\n' {
			space = i
		}
	}
	if space > 0 && cut-space < 200 {
		return space
	}
	return cut
}

// entityLen is the length of the character reference at the start of s
// ("&amp;", "&#39;", "&#x1F600;"), or 1 for an '&' that starts none.
func entityLen(s string) int {
	for i := 1; i < len(s) && i < 40; i++ {
		c := s[i]
		switch {
		case c == ';':
			if i > 1 {
				return i + 1
			}
			return 1
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '#' && i == 1:
		default:
			return 1
		}
	}
	return 1
}

// splitText cuts plain text into parts of at most budget characters, at a
// line break or a space near the end of each part when there is one,
// never inside a character. The parts join back to the whole.
func splitText(s string, budget int) []string {
	var out []string
	for utf8.RuneCountInString(s) > budget {
		cut, n, brk, space := 0, 0, 0, 0
		for i := range s {
			if n == budget {
				cut = i
				break
			}
			n++
			if s[i] == '\n' {
				brk = i + 1
			} else if s[i] == ' ' {
				space = i + 1
			}
		}
		switch {
		case brk > 0 && cut-brk < 2000:
			cut = brk
		case space > 0 && cut-space < 500:
			cut = space
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// bodySplit says how a comment was made to fit.
type bodySplit int

const (
	bodyFits      bodySplit = iota // sent as it is
	bodySplitHTML                  // HTML parts, cut between elements
	bodySplitText                  // plain text parts (there was no HTML)
	bodyAsText                     // the HTML could not be cut: its text, in parts
)

// fitBody makes one comment fit Zendesk's limit: itself when its body and
// html_body fit (the body dropped when only the HTML does, since Zendesk
// shows the HTML), else consecutive comments keyed "#1", "#2"… in order.
// Every part keeps the comment's time, author and visibility; the files go
// with the first part, but an inline image goes with the part that shows
// it.
func fitBody(c Comment) ([]Comment, bodySplit) {
	body, _ := c.Payload["body"].(string)
	html, _ := c.Payload["html_body"].(string)
	bodyOK := utf8.RuneCountInString(body) <= zendesk.MaxCommentChars
	if html != "" && htmlCost(html) <= zendesk.MaxCommentChars {
		if !bodyOK {
			c.Payload = clonePayload(c.Payload)
			delete(c.Payload, "body")
		}
		return []Comment{c}, bodyFits
	}
	if html == "" && bodyOK {
		return []Comment{c}, bodyFits
	}
	mode := bodySplitText
	var texts, htmls []string
	if html != "" {
		if parts, ok := splitVisible(html, zendesk.MaxCommentChars); ok {
			mode = bodySplitHTML
			for _, p := range parts {
				htmls = append(htmls, p.String())
			}
		} else {
			mode = bodyAsText
			if body == "" {
				body = HTMLText(html)
			}
		}
	}
	if htmls == nil {
		texts = splitText(body, zendesk.MaxCommentChars)
	}
	n := max(len(texts), len(htmls))
	inlineIn := map[string]bool{}
	for _, h := range htmls {
		for _, id := range InlineRefs(h) {
			inlineIn[id] = true
		}
	}
	out := make([]Comment, n)
	for i := range n {
		p := dsl.Payload{}
		for k, v := range c.Payload {
			if k != "body" && k != "html_body" && k != "attachments" {
				p[k] = v
			}
		}
		if htmls != nil {
			p["html_body"] = htmls[i]
		} else {
			p["body"] = texts[i]
		}
		if i == 0 {
			var files []string
			for _, id := range dsl.Strings(c.Payload["attachments"]) {
				if !inlineIn[id] || slices.Contains(InlineRefs(htmls[0]), id) {
					files = append(files, id)
				}
			}
			if len(files) > 0 {
				p["attachments"] = files
			}
		}
		out[i] = Comment{Key: fmt.Sprintf("%s#%d", c.Key, i+1), Payload: p}
	}
	return out, mode
}

// HTMLText is the readable text of HTML, as html_to_text gives it.
func HTMLText(html string) string {
	f, _ := builtin.Lookup("html_to_text")
	v, _ := f.Call(html)
	s, _ := v.(string)
	return s
}

func clonePayload(p dsl.Payload) dsl.Payload {
	q := make(dsl.Payload, len(p))
	for k, v := range p {
		q[k] = v
	}
	return q
}
