package dataset

import (
	"strconv"
	"unicode/utf8"
)

// Bodies at Zendesk's comment limit: a splitter that is off by one, counts
// bytes for characters, measures the body but not the HTML, or measures
// the HTML before its inline images are re-hosted, gets one of these
// wrong.

// boundaryCase is one message of the boundary conversation.
type boundaryCase struct {
	chars     int  // characters of the longest part: the body, or the htmlBody when html
	multibyte bool // accents, CJK, emoji (one character each, up to four bytes)
	html      bool
	// inline puts an inline image this many characters before the end of
	// the htmlBody (0: none). The export names the image by the Kustomer
	// host; the simulator serves it with its own, and apply re-hosts it on
	// Zendesk's, so the length that reaches Zendesk is none of these.
	inline int
}

// boundaryCases are the bodies of the boundary conversation, in order.
func boundaryCases() []boundaryCase {
	var out []boundaryCase
	for _, html := range []bool{false, true} {
		for _, mb := range []bool{false, true} {
			for _, n := range []int{LongBodyChars, LongBodyChars + 1, LongBodyChars + 2} {
				out = append(out, boundaryCase{chars: n, multibyte: mb, html: html})
			}
		}
	}
	// Inline images near the limit: under it as exported, at it, and
	// just over it with the image where a cut would fall.
	return append(out,
		boundaryCase{chars: LongBodyChars - 60, html: true, inline: 140},
		boundaryCase{chars: LongBodyChars, html: true, multibyte: true, inline: 100},
		boundaryCase{chars: LongBodyChars + 90, html: true, inline: 120},
	)
}

var boundaryWords = [...][]string{
	{"order", "refund", "parcel", "tracking", "invoice", "label", "courier", "warehouse", "return", "account", "Q&A", "a<b", "R&D"},
	{"Bestellung", "café", "naïve", "élève", "日本語", "配送", "🙂", "👍🏽", "🇩🇪", "مرحبا", "שלום", "👩‍💻"},
}

// boundaryConversation writes an email conversation whose messages are the
// boundary cases, one minute apart, each an inbound email with its exact
// length (and, for inline cases, its image as an attachment).
func (g *gen) boundaryConversation(c *cust) error {
	cases := boundaryCases()
	start := g.between(max(c.created+60_000, g.now-200*day), g.now-30*day)
	convID := c.next(kindConversation, start)
	sc := &g.sc
	for k, bc := range cases {
		t := start + int64(k)*60_000
		id := c.next(kindMessage, t)
		sc.atts = sc.atts[:0]
		if bc.inline > 0 {
			sc.atts = append(sc.atts, attachment{id: c.next(kindAttachment, t), name: "inline-screenshot.png", ctype: "image/png"})
		}
		sc.html = sc.html[:0]
		if bc.html {
			// The body is the HTML's text, as a mail client sends both.
			sc.body = sc.body[:0]
			sc.html = g.boundaryHTML(sc.html, bc)
		} else {
			sc.body = g.boundaryText(sc.body[:0], bc.chars, bc.multibyte)
		}
		e := &g.e
		e.reset()
		e.head("message", id)
		e.kstr("channel", "email")
		e.kstr("direction", "in")
		e.key("preview")
		e.strBytes(sc.body[:previewLen(sc.body, 200)])
		e.key("body")
		e.strBytes(sc.body)
		if bc.html {
			e.key("htmlBody")
			e.strBytes(sc.html)
		}
		e.kstr("subject", "Full export of my order history ("+strconv.Itoa(k+1)+")")
		e.kbool("auto", false)
		e.ktime("sentAt", t)
		e.ktime("createdAt", t)
		e.ktime("updatedAt", t)
		if err := g.attachmentList(nil); err != nil {
			return err
		}
		e.end()
		e.key("relationships")
		e.obj()
		e.rel("conversation", "conversation", convID)
		e.rel("customer", "customer", c.id)
		e.end()
		e.end()
		if err := g.w.writeLine(tMessage, e.b); err != nil {
			return err
		}
		if err := g.writeAttachments(id); err != nil {
			return err
		}
		if bc.inline > 0 {
			g.edge(EdgeInlineImage, 1)
		}
		g.edge(EdgeBoundaryBody, 1)
	}
	last := start + int64(len(cases)-1)*60_000
	e := &g.e
	e.reset()
	e.head("conversation", convID)
	e.kstr("name", "Full export of my order history")
	e.kstr("status", "done")
	e.kint("priority", 2)
	e.key("assignedUsers")
	e.arr()
	e.endArr()
	e.key("assignedTeams")
	e.arr()
	e.endArr()
	e.key("tags")
	e.arr()
	e.endArr()
	e.key("channels")
	e.arr()
	e.str("email")
	e.endArr()
	e.kstr("direction", "in")
	e.kint("messageCount", int64(len(cases)))
	e.kint("noteCount", 0)
	e.ktime("createdAt", start)
	e.ktime("updatedAt", last+3600_000)
	e.ktime("endedAt", last+3600_000)
	e.end()
	e.key("relationships")
	e.obj()
	e.rel("customer", "customer", c.id)
	e.end()
	e.end()
	return g.w.writeLine(tConversation, e.b)
}

// boundaryText appends exactly n characters of text: lines of words, the
// last one padded to the count.
func (g *gen) boundaryText(dst []byte, n int, multibyte bool) []byte {
	words := boundaryWords[0]
	left := n
	for left > 0 {
		w := words[g.r.IntN(len(words))]
		if multibyte && g.r.IntN(3) > 0 {
			w = boundaryWords[1][g.r.IntN(len(boundaryWords[1]))]
		}
		wn := utf8.RuneCountInString(w)
		switch {
		case wn+1 <= left:
			dst = append(dst, w...)
			if g.r.IntN(12) == 0 {
				dst = append(dst, '\n')
			} else {
				dst = append(dst, ' ')
			}
			left -= wn + 1
		default:
			for ; left > 0; left-- {
				dst = append(dst, 'x')
			}
		}
	}
	return dst
}

// boundaryHTML appends an htmlBody of exactly bc.chars characters:
// paragraphs of escaped text (entities count as their characters), and
// the inline image bc.inline characters before the end.
func (g *gen) boundaryHTML(dst []byte, bc boundaryCase) []byte {
	const open, closing = `<div dir="auto">`, `</div>`
	var img []byte
	if bc.inline > 0 {
		img = append(img, `<p><img src="https://`...)
		img = append(img, g.org...)
		img = append(img, `.api.kustomerapp.com/v1/attachments/`...)
		img = g.sc.atts[0].id.appendHex(img)
		img = append(img, `" alt="screenshot" width="600"></p>`...)
	}
	// Text before the image, the image, text after it, each in
	// paragraphs of about 400 characters.
	after := 0
	if bc.inline > 0 {
		after = max(bc.inline-len(img)-len(closing), 0)
	}
	before := bc.chars - len(open) - len(closing) - len(img) - after
	dst = append(dst, open...)
	dst = g.paragraphs(dst, before, bc.multibyte)
	dst = append(dst, img...)
	dst = g.paragraphs(dst, after, bc.multibyte)
	return append(dst, closing...)
}

// paragraphs appends exactly n characters of <p>…</p> paragraphs (fewer
// than 8 characters left over become plain letters, so the count holds),
// and their text to the message's body.
func (g *gen) paragraphs(dst []byte, n int, multibyte bool) []byte {
	sc := &g.sc
	for n >= 8 {
		size := min(n-7, 200+g.r.IntN(400))
		dst = append(dst, "<p>"...)
		if len(sc.body) > 0 {
			sc.body = append(sc.body, "\n\n"...)
		}
		text := g.boundaryText(sc.text[:0], size, multibyte)
		sc.text = text
		// Escaping adds characters: write what fits, then pad.
		written := 0
		for _, r := range string(text) {
			var s string
			switch r {
			case '&':
				s = "&amp;"
			case '<':
				s = "&lt;"
			case '\n':
				s = "<br>"
			default:
				s = string(r)
			}
			if written+utf8.RuneCountInString(s) > size {
				break
			}
			dst = append(dst, s...)
			sc.body = utf8.AppendRune(sc.body, r)
			written += utf8.RuneCountInString(s)
		}
		for ; written < size; written++ {
			dst = append(dst, 'y')
			sc.body = append(sc.body, 'y')
		}
		dst = append(dst, "</p>"...)
		n -= size + 7
	}
	for ; n > 0; n-- {
		dst = append(dst, 'z')
		sc.body = append(sc.body, 'z')
	}
	return dst
}
