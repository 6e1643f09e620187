package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/zendesk"
)

const testRef = "https://acme.api.kustomerapp.com/v1/attachments/0123456789abcdef01234567"

// randomHTML makes a document of about n characters: nested blocks,
// inline markup, entities, line breaks, comments, a style, inline images.
func randomHTML(r *rand.Rand, n int, multibyte bool) string {
	words := []string{"order", "refund", "Q&amp;A", "a&lt;b", "parcel", "&#39;quoted&#39;", "tracking"}
	if multibyte {
		words = append(words, "café", "日本語", "🙂", "👩‍💻", "&#x1F600;", "مرحبا")
	}
	var b strings.Builder
	b.WriteString(`<div dir="auto">`)
	depth := 1
	var open []string
	for utf8.RuneCountInString(b.String()) < n {
		switch u := r.IntN(40); {
		case u < 3 && depth < 8:
			tag := []string{"div", "blockquote", "span", "b"}[r.IntN(4)]
			b.WriteString("<" + tag + ` class="x">`)
			open = append(open, tag)
			depth++
		case u < 6 && len(open) > 0:
			b.WriteString("</" + open[len(open)-1] + ">")
			open = open[:len(open)-1]
			depth--
		case u < 9:
			b.WriteString("<p>")
			for k := r.IntN(30); k >= 0; k-- {
				b.WriteString(words[r.IntN(len(words))] + " ")
			}
			b.WriteString("</p>")
		case u < 10:
			b.WriteString("<br>")
		case u < 11:
			b.WriteString(`<p><img src="` + testRef[:len(testRef)-2] + fmt.Sprintf("%02x", r.IntN(256)) + `" alt="x"></p>`)
		case u < 12:
			b.WriteString("<!-- a comment > with a bracket -->")
		case u < 13:
			b.WriteString("<style>p { color: red } a > b { }</style>")
		default:
			b.WriteString(words[r.IntN(len(words))] + " ")
		}
	}
	for len(open) > 0 {
		b.WriteString("</" + open[len(open)-1] + ">")
		open = open[:len(open)-1]
	}
	b.WriteString("</div>")
	return b.String()
}

// cutsAllowed marks the byte offsets of s where a part may end: not inside
// a tag, comment, raw text, entity, character or inline URL.
func cutsAllowed(s string) []bool {
	ok := make([]bool, len(s)+1)
	builtin.HTMLTokens(s, func(t builtin.HTMLToken) {
		ok[t.Start] = true
		if t.Kind != builtin.HTMLText {
			return
		}
		for i := t.Start; i < t.End; {
			size := 1
			if s[i] == '&' {
				size = entityLen(s[i:])
			} else if s[i] >= utf8.RuneSelf {
				_, size = utf8.DecodeRuneInString(s[i:])
			}
			ok[i] = true
			i += size
		}
	})
	for _, m := range inlineRef.FindAllStringIndex(s, -1) {
		for i := m[0] + 1; i < m[1]; i++ {
			ok[i] = false
		}
	}
	ok[len(s)] = true
	return ok
}

func TestSplitHTML(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		budget := 1200 + r.IntN(2000)
		doc := randomHTML(r, budget*(1+r.IntN(5))+r.IntN(300), seed%2 == 0)
		parts, ok := splitHTML(doc, budget)
		if !ok {
			t.Fatalf("seed %d: could not split", seed)
		}
		allowed := cutsAllowed(doc)
		var joined strings.Builder
		for i, p := range parts {
			if c := htmlCost(p.String()); c > budget {
				t.Errorf("seed %d part %d: cost %d over %d", seed, i+1, c, budget)
			}
			if p.body == "" {
				t.Errorf("seed %d part %d: empty", seed, i+1)
			}
			joined.WriteString(p.body)
			if at := joined.Len(); !allowed[at] {
				t.Errorf("seed %d part %d: cut at byte %d, inside a tag, entity or URL: …%s|%s…", seed, i+1, at, doc[max(0, at-20):at], doc[at:min(len(doc), at+20)])
			}
			if i > 0 && p.open != openingAt(doc, joined.Len()-len(p.body)) {
				t.Errorf("seed %d part %d: reopens %q", seed, i+1, p.open)
			}
			if i < len(parts)-1 && !balanced(p.String()) {
				t.Errorf("seed %d part %d: unbalanced: %.200s … %.200s", seed, i+1, p.String(), p.String()[max(0, len(p.String())-200):])
			}
		}
		if joined.String() != doc {
			t.Errorf("seed %d: the parts do not join back to the document", seed)
		}
	}
}

// openingAt is the start tags open at byte offset at of doc, as written.
func openingAt(doc string, at int) string {
	var st []openTag
	builtin.HTMLTokens(doc[:at], func(t builtin.HTMLToken) {
		raw := doc[t.Start:t.End]
		switch {
		case t.Kind == builtin.HTMLStartTag && !voidElements[t.Name] && !strings.HasSuffix(raw, "/>"):
			st = append(st, openTag{t.Name, raw})
		case t.Kind == builtin.HTMLEndTag:
			for i := len(st) - 1; i >= 0; i-- {
				if st[i].name == t.Name {
					st = st[:i]
					break
				}
			}
		}
	})
	var b strings.Builder
	for _, o := range st {
		b.WriteString(o.raw)
	}
	return b.String()
}

// balanced: every element a part opens, it closes, innermost first.
func balanced(s string) bool {
	var st []string
	good := true
	builtin.HTMLTokens(s, func(t builtin.HTMLToken) {
		switch {
		case t.Kind == builtin.HTMLStartTag && !voidElements[t.Name] && !strings.HasSuffix(s[t.Start:t.End], "/>"):
			st = append(st, t.Name)
		case t.Kind == builtin.HTMLEndTag:
			if len(st) == 0 || st[len(st)-1] != t.Name {
				good = false
				return
			}
			st = st[:len(st)-1]
		}
	})
	return good && len(st) == 0
}

func TestSplitHTMLCannot(t *testing.T) {
	long := `<p title="` + strings.Repeat("x", 300) + `">a</p>`
	if _, ok := splitHTML(long, 200); ok {
		t.Error("a tag longer than the budget was split")
	}
	deep := strings.Repeat(`<div class="wrapper-of-many-words">`, 20) + strings.Repeat("word ", 200) + strings.Repeat("</div>", 20)
	if _, ok := splitHTML(deep, 600); ok {
		t.Error("nesting deeper than half the budget was split")
	}
}

func TestSplitText(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		budget := 50 + r.IntN(3000)
		var b strings.Builder
		alphabet := []string{"a", "b", " ", "\n", "é", "🙂", "日", "x"}
		for b.Len() < budget*(1+r.IntN(4))+r.IntN(10) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		parts := splitText(s, budget)
		if strings.Join(parts, "") != s {
			t.Fatalf("seed %d: parts do not join back", seed)
		}
		for i, p := range parts {
			if n := utf8.RuneCountInString(p); n > budget || n == 0 || !utf8.ValidString(p) {
				t.Errorf("seed %d part %d: %d characters (budget %d), valid %v", seed, i+1, n, budget, utf8.ValidString(p))
			}
		}
	}
}

// TestFitBodyAtTheLimit: one character either side of 65,535, plain and
// multibyte, with and without HTML, with inline images near the end.
func TestFitBodyAtTheLimit(t *testing.T) {
	text := func(n int, mb bool) string {
		unit := "abcdefghi "
		if mb {
			unit = "é日🙂abcdé "
		}
		s := strings.Repeat(unit, n/utf8.RuneCountInString(unit)+1)
		return string([]rune(s)[:n])
	}
	html := func(n int, mb bool, image bool) string {
		head, tail := "<div><p>", "</p></div>"
		img := ""
		if image {
			img = `</p><p><img src="` + testRef + `"></p><p>`
		}
		body := text(n-len(head)-len(tail)-len(img)-40, mb)
		return head + body + img + text(40, mb) + tail
	}
	for _, tc := range []struct {
		name  string
		body  string
		html  string
		parts int
		mode  bodySplit
	}{
		{"ascii 65535", text(65535, false), "", 1, bodyFits},
		{"ascii 65536", text(65536, false), "", 2, bodySplitText},
		{"ascii 65537", text(65537, false), "", 2, bodySplitText},
		{"multibyte 65535", text(65535, true), "", 1, bodyFits},
		{"multibyte 65536", text(65536, true), "", 2, bodySplitText},
		{"html 65535", text(65000, false), html(65535, false, false), 1, bodyFits},
		{"html 65536", text(65000, false), html(65536, false, false), 2, bodySplitHTML},
		{"html 65537 multibyte", text(65000, true), html(65537, true, false), 2, bodySplitHTML},
		{"body over, html fits", text(65536, false), html(65535, false, false), 1, bodyFits},
		{"inline image near the limit", "", html(65535-600, false, true), 2, bodySplitHTML},
		{"inline image well under", "", html(60000, true, true), 1, bodyFits},
	} {
		p := dsl.Payload{"public": true, "created_at": "2024-05-01T10:00:00Z", "author": "u1", "attachments": []string{"0123456789abcdef01234567", "ffffffffffffffffffffffff"}}
		if tc.body != "" {
			p["body"] = tc.body
		}
		if tc.html != "" {
			p["html_body"] = tc.html
		}
		parts, mode := fitBody(Comment{Key: "message/m1", Payload: p})
		if len(parts) != tc.parts || mode != tc.mode {
			t.Errorf("%s: %d parts (mode %d), want %d (mode %d)", tc.name, len(parts), mode, tc.parts, tc.mode)
			continue
		}
		var joined, joinedHTML strings.Builder
		for i, c := range parts {
			b, _ := c.Payload["body"].(string)
			h, _ := c.Payload["html_body"].(string)
			if utf8.RuneCountInString(b) > zendesk.MaxCommentChars || htmlCost(h) > zendesk.MaxCommentChars {
				t.Errorf("%s part %d: body %d, html %d (re-hosted) characters", tc.name, i+1, utf8.RuneCountInString(b), htmlCost(h))
			}
			if c.Payload["created_at"] != p["created_at"] || c.Payload["author"] != "u1" || c.Payload["public"] != true {
				t.Errorf("%s part %d: lost the comment's time, author or visibility: %v", tc.name, i+1, c.Payload)
			}
			joined.WriteString(b)
			joinedHTML.WriteString(h)
			if len(parts) > 1 && c.Key != fmt.Sprintf("message/m1#%d", i+1) {
				t.Errorf("%s part %d: key %s", tc.name, i+1, c.Key)
			}
		}
		if tc.mode == bodySplitText && joined.String() != tc.body {
			t.Errorf("%s: the text parts do not join back", tc.name)
		}
		if tc.mode == bodySplitHTML {
			if _, ok := parts[0].Payload["body"]; ok {
				t.Errorf("%s: an HTML part also carries the body", tc.name)
			}
		}
		if got := dsl.Strings(parts[0].Payload["attachments"]); len(got) == 0 {
			t.Errorf("%s: the first part lost the files", tc.name)
		}
		for _, c := range parts[1:] {
			if c.Payload["attachments"] != nil {
				t.Errorf("%s: %s carries files too", tc.name, c.Key)
			}
		}
	}
}

// TestFitBodyLeavesNoBlankPart: HTML whose last character over the limit
// is a newline after the last end tag must not end in a comment that shows
// nothing, which Zendesk refuses.
func TestFitBodyLeavesNoBlankPart(t *testing.T) {
	doc := "<div><p>" + strings.Repeat("word ", (65535-18)/5) + "</p></div>"
	doc = doc[:len(doc)-len("</p></div>")] + strings.Repeat("x", 65535-len(doc)) + "</p></div>\n"
	if n := utf8.RuneCountInString(doc); n != 65536 {
		t.Fatalf("document of %d characters", n)
	}
	parts, mode := fitBody(Comment{Key: "message/m3", Payload: dsl.Payload{"html_body": doc, "public": true}})
	if mode != bodySplitHTML || len(parts) != 2 {
		t.Fatalf("mode %d, %d parts", mode, len(parts))
	}
	for i, c := range parts {
		if h, _ := c.Payload["html_body"].(string); strings.TrimSpace(HTMLText(h)) == "" {
			t.Errorf("part %d shows nothing: %q", i+1, h)
		}
	}
}

// TestFitBodyFallsBackToText: HTML that cannot be cut between elements is
// sent as its text, in parts, when the mapping gave no body.
func TestFitBodyFallsBackToText(t *testing.T) {
	html := `<p title="` + strings.Repeat("t", 70000) + `">short text</p>`
	parts, mode := fitBody(Comment{Key: "message/m2", Payload: dsl.Payload{"html_body": html, "public": true}})
	if mode != bodyAsText || len(parts) != 1 || parts[0].Payload["body"] != "short text" || parts[0].Payload["html_body"] != nil {
		t.Errorf("mode %d, %d parts: %v", mode, len(parts), parts[0].Payload)
	}
}
