package dataset

import (
	"bytes"
	"image"
	"image/png"
	"strconv"
	"strings"
)

// vars are the values templates are filled with, set per conversation
// (and per message for the agent).
type vars struct {
	order, first, agent, carrier string
}

// appendTemplate fills {order}, {first}, {agent}, {org} and {carrier}.
func (g *gen) appendTemplate(dst []byte, tmpl string) []byte {
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			return append(dst, tmpl...)
		}
		dst = append(dst, tmpl[:i]...)
		tmpl = tmpl[i:]
		j := strings.IndexByte(tmpl, '}')
		switch tmpl[1:j] {
		case "order":
			dst = append(dst, g.v.order...)
		case "first":
			dst = append(dst, g.v.first...)
		case "agent":
			dst = append(dst, g.v.agent...)
		case "org":
			dst = append(dst, g.orgTitle...)
		case "carrier":
			dst = append(dst, g.v.carrier...)
		default:
			dst = append(dst, tmpl[:j+1]...)
		}
		tmpl = tmpl[j+1:]
	}
}

// sentences appends n sentences drawn from lines, space separated, none
// of them already used in this message (g.used, reset per message).
func (g *gen) sentences(dst []byte, lines []string, n int) []byte {
	for k := 0; k < n; k++ {
		i := g.r.IntN(len(lines))
		used := g.usedMask(lines)
		for tries := 0; tries < len(lines) && *used&(1<<i) != 0; tries++ {
			i = (i + 1) % len(lines)
		}
		*used |= 1 << i
		if k > 0 {
			dst = append(dst, ' ')
		}
		dst = g.appendTemplate(dst, lines[i])
	}
	return dst
}

// usedLines remembers which lines of one list a message already used.
type usedLines struct {
	list *string
	mask uint64
}

func (g *gen) usedMask(lines []string) *uint64 {
	for k := range g.used {
		u := &g.used[k]
		if u.list == &lines[0] || u.list == nil {
			u.list = &lines[0]
			return &u.mask
		}
	}
	panic("dataset: too many line lists in one message")
}

// writeBody writes a message's plain text into g.sc.body.
func (g *gen) writeBody(m *msg) {
	r := g.r
	b := g.sc.body[:0]
	tp := m.tp
	g.used = [len(g.used)]usedLines{}
	switch {
	case m.auto:
		b = g.appendTemplate(b, autoReplies[r.IntN(len(autoReplies))])
	case m.ch == "email" && m.dir == "in":
		nl := "\n"
		if r.IntN(5) == 0 {
			nl = "\r\n" // Outlook
		}
		if greet := greetingsIn[r.IntN(len(greetingsIn))]; greet != "" && (!m.reply || r.IntN(2) == 0) {
			b = g.appendTemplate(b, greet)
			b = append(b, nl+nl...)
		}
		paras := 1
		if !m.reply {
			paras += r.IntN(3)
		}
		for k := 0; k < paras; k++ {
			b = g.sentences(b, tp.customer, 1+r.IntN(3))
			if r.IntN(3) == 0 {
				b = append(b, ' ')
				b = g.appendTemplate(b, genericIn[r.IntN(len(genericIn))])
			}
			b = append(b, nl+nl...)
		}
		b = append(b, strings.ReplaceAll(g.closing(), "\n", nl)...)
	case m.ch == "email":
		b = append(b, "Hi "...)
		b = append(b, g.v.first...)
		b = append(b, ",\n\n"...)
		for k := 1 + r.IntN(2); k > 0; k-- {
			b = g.sentences(b, tp.agent, 1+r.IntN(3))
			b = append(b, "\n\n"...)
		}
		b = append(b, "Best,\n"...)
		b = append(b, g.v.agent...)
		b = append(b, '\n')
		b = append(b, g.orgTitle...)
		b = append(b, " Support"...)
	case m.ch == "voice" && m.dir == "in":
		b = append(b, "Voicemail (0:"...)
		b = strconv.AppendInt(b, int64(10+r.IntN(50)), 10)
		b = append(b, "): "...)
		b = g.sentences(b, tp.customer, 1+r.IntN(2))
	case m.ch == "voice":
		b = append(b, "Call summary: "...)
		b = g.sentences(b, tp.agent, 1+r.IntN(2))
	case m.dir == "in":
		if m.ch == "twitter-tweet" {
			b = append(b, '@')
			b = append(b, g.org...)
			b = append(b, ' ')
		}
		b = g.appendTemplate(b, tp.chat[r.IntN(len(tp.chat))])
	default:
		b = g.sentences(b, tp.agent, 1+r.IntN(2))
	}
	g.sc.body = b
}

func (g *gen) closing() string {
	return string(g.appendTemplate(nil, closingsIn[g.r.IntN(len(closingsIn))]))
}

// sprinkle appends a piece of difficult Unicode and says which kind.
func (g *gen) sprinkle(b []byte) ([]byte, feat) {
	u := unicodeEdges[g.r.IntN(len(unicodeEdges))]
	var sample string
	switch u.f {
	case fEmoji:
		sample = g.pick(emojiSamples)
	case fRTL:
		sample = g.pick(rtlSamples)
	case fCombining:
		sample = g.pick(combiningSamples)
	default:
		sample = g.pick(zeroWidthSamples)
	}
	if len(b) > 0 {
		b = append(b, ' ')
	}
	return append(b, sample...), u.f
}

func (g *gen) sprinkleString(s string) (string, feat) {
	b, f := g.sprinkle([]byte(s))
	return string(b), f
}

// logText appends log lines until b has grown by at least n bytes.
func (g *gen) logText(b []byte, n int) []byte {
	end := len(b) + n
	t := g.now - g.logUniform(3600_000, 300*day)
	for len(b) < end {
		t += int64(1 + g.r.IntN(2000))
		ts := appendTime(nil, t)
		b = append(b, ts[1:len(ts)-1]...)
		b = append(b, ' ')
		line := logLines[g.r.IntN(len(logLines))]
		k := strings.Index(line, "%d")
		b = append(b, line[:k]...)
		b = strconv.AppendInt(b, int64(g.r.IntN(100000)), 10)
		b = append(b, line[k+2:]...)
		b = append(b, '\n')
	}
	return b
}

// appendHTMLBody renders plain text as the HTML an email client sends:
// paragraphs at blank lines, <br> at line breaks. It leaves the <div>
// open for images to follow.
func appendHTMLBody(dst, text []byte) []byte {
	text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	dst = append(dst, `<div dir="auto">`...)
	for _, p := range bytes.Split(bytes.TrimRight(text, "\n"), []byte("\n\n")) {
		dst = append(dst, "<p>"...)
		for k, line := range bytes.Split(p, []byte("\n")) {
			if k > 0 {
				dst = append(dst, "<br>"...)
			}
			dst = appendHTMLText(dst, line)
		}
		dst = append(dst, "</p>"...)
	}
	return dst
}

func appendHTMLText(dst, text []byte) []byte {
	for _, c := range text {
		switch c {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// fileBytes makes the content of an attachment: a real PNG for images,
// something shaped like the type for the rest.
func (g *gen) fileBytes(dst []byte, ctype string) []byte {
	r := g.r
	switch ctype {
	case "image/png":
		// A photo-like noise image: it does not compress, so its size is
		// about its pixel count (a few KB to 12 KB).
		w, h := 16+r.IntN(49), 16+r.IntN(49)
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for p := 0; p < len(img.Pix); p += 4 {
			v := r.Uint64()
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = byte(v), byte(v>>8), byte(v>>16), 255
		}
		buf := bytes.NewBuffer(dst)
		if err := g.png.Encode(buf, img); err != nil {
			panic(err) // writing to memory cannot fail
		}
		return buf.Bytes()
	case "application/pdf":
		dst = append(dst, "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"...)
		for n := 500 + r.IntN(8000); n > 0; n -= 60 {
			dst = append(dst, "% "...)
			dst = g.sentences(dst, genericIn, 1)
			dst = append(dst, '\n')
		}
		return append(dst, "%%EOF\n"...)
	case "text/csv":
		dst = append(dst, "order,sku,quantity,price\n"...)
		for n := 5 + r.IntN(200); n > 0; n-- {
			dst = strconv.AppendInt(dst, int64(100000+r.IntN(900000)), 10)
			dst = append(dst, ",SKU-"...)
			dst = strconv.AppendInt(dst, int64(r.IntN(10000)), 10)
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(1+r.IntN(5)), 10)
			dst = append(dst, ',')
			dst = strconv.AppendFloat(dst, cents(int64(99+r.IntN(20000))), 'f', 2, 64)
			dst = append(dst, '\n')
		}
		return dst
	default:
		return g.logText(dst, 500+r.IntN(8000))
	}
}

// pngPool reuses the encoder's buffers across images.
type pngPool struct{ b *png.EncoderBuffer }

func (p *pngPool) Get() *png.EncoderBuffer  { return p.b }
func (p *pngPool) Put(b *png.EncoderBuffer) { p.b = b }
