package dataset

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kzmap/kzmap/filetype"
)

// scratch holds buffers reused from one conversation to the next.
type scratch struct {
	body, html, text []byte
	times            []int64
	note             []bool
	assignees        []agent
	atts             []attachment
	file             []byte
}

type attachment struct {
	id          oid
	name, ctype string
	size        int
}

var channelWeights = []struct {
	name   string
	weight int
}{
	{"email", 52}, {"chat", 30}, {"sms", 6}, {"voice", 3}, {"whatsapp", 3},
	{"facebook", 2}, {"instagram", 2}, {"twitter-dm", 1}, {"twitter-tweet", 1},
}

// Planted cases that live on a conversation, and the message of that
// conversation that carries each message-level one.
const (
	convFeats = fMultiAssignee | fDeletedAgent | fHuge | fArchive | fTags | msgFeats
	msgFeats  = fLongBody | fEmptyBody | fPreviewOnly | fInline | fExternal | fAttach | fMissing
)

func (g *gen) conversations(c *cust, planned feat) error {
	n := g.convCount()
	f := planned & convFeats
	if f != 0 && n == 0 {
		n = 1
	}
	for k := 0; k < n; k++ {
		var kf feat
		if k == 0 {
			kf = f
		}
		if err := g.conversation(c, kf); err != nil {
			return err
		}
	}
	if planned&fEmptyConv != 0 {
		if err := g.conversation(c, fEmptyConv); err != nil {
			return err
		}
	}
	if planned&fBoundary != 0 {
		return g.boundaryConversation(c)
	}
	return nil
}

// convCount: a tenth of customers never wrote in, half wrote once, a few
// dozens of times.
func (g *gen) convCount() int {
	u := g.r.Float64()
	switch {
	case u < 0.12:
		return 0
	case u < 0.62:
		return 1
	case u < 0.80:
		return 2
	case u < 0.89:
		return 3
	}
	n := 4
	for n < 40 && g.r.IntN(10) < 7 {
		n++
	}
	return n
}

// msgCount: most conversations are a question and an answer or two; the
// tail is long (a Pareto tail up to the profile's cap).
func (g *gen) msgCount(ch string) int {
	u := g.r.Float64()
	var n int
	switch {
	case u < 0.22:
		n = 1
	case u < 0.47:
		n = 2
	case u < 0.62:
		n = 3
	case u < 0.72:
		n = 4
	case u < 0.90:
		n = 5 + g.r.IntN(6)
	case u < 0.98:
		n = 11 + g.r.IntN(30)
	default:
		n = 41 + int(40*(1/pow12(1-g.r.Float64())-1))
	}
	if ch == "chat" || ch == "sms" || ch == "whatsapp" {
		n *= 2 // short lines, many of them
	}
	return min(n, g.p.maxMessages)
}

// pow12 is x^(1/1.2), the Pareto shape of the tail.
func pow12(x float64) float64 {
	if x <= 0 {
		return 1e-9
	}
	return math.Pow(x, 1/1.2)
}

func (g *gen) pickChannel(c *cust, f feat) string {
	if f&(fInline|fExternal) != 0 && c.email {
		return "email"
	}
	for {
		w := g.r.IntN(100)
		ch := channelWeights[len(channelWeights)-1].name
		for _, cw := range channelWeights {
			if w < cw.weight {
				ch = cw.name
				break
			}
			w -= cw.weight
		}
		switch ch {
		case "email":
			if !c.email {
				continue
			}
		case "sms", "voice", "whatsapp":
			if !c.phone {
				continue
			}
		}
		return ch
	}
}

func (g *gen) conversation(c *cust, f feat) error {
	r := g.r
	sc := &g.sc
	ch := g.pickChannel(c, f)
	tp := &topics[r.IntN(len(topics))]

	nMsg, nNotes := 0, 0
	switch {
	case f&fEmptyConv != 0 || g.chance(g.p.emptyConv):
		g.edge(EdgeEmptyConv, 1)
	case f&fHuge != 0:
		ch = "chat"
		nMsg, nNotes = HugeConversationMessages+13, 37
	default:
		nMsg = g.msgCount(ch)
		if f&msgFeats != 0 {
			nMsg = max(nMsg, 4)
		}
		if u := r.IntN(10); u >= 7 {
			nNotes = 1
			if u == 9 {
				nNotes += 1 + r.IntN(4)
			}
		}
	}

	// The timeline: one time per message or note, strictly increasing.
	total := nMsg + nNotes
	sc.times = sc.times[:0]
	sc.note = sc.note[:0]
	notesLeft := nNotes
	var span int64
	for k := 0; k < total; k++ {
		isNote := k > 0 && notesLeft > 0 && r.IntN(total-k) < notesLeft
		if isNote {
			notesLeft--
		}
		var gap int64
		switch {
		case k == 0:
		case isNote:
			gap = g.logUniform(60_000, day)
		case f&fHuge != 0 && k%60 == 0:
			gap = g.logUniform(day, 5*day) // the customer comes back days later
		default:
			gap = g.gap(ch)
		}
		span += gap
		sc.times = append(sc.times, span)
		sc.note = append(sc.note, isNote)
	}
	lo := c.created + 60_000
	limit := g.now - 2*3600_000
	if f&fArchive != 0 {
		limit = g.archive - 3*day
	}
	if lo+span >= limit {
		// Squeeze the timeline into the room there is, 1 ms apart at least.
		room := limit - lo - int64(total) - 1
		if room < 0 {
			room = 0
		}
		for k := range sc.times {
			sc.times[k] = int64(k) + int64(float64(sc.times[k])*float64(room)/float64(span+1))
		}
		span = sc.times[max(total-1, 0)]
	}
	start := g.between(lo, limit-span)
	for k := range sc.times {
		sc.times[k] += start
	}
	last := start
	if total > 0 {
		last = sc.times[total-1]
	}

	// Status, by age: recent conversations are still open.
	age := g.now - last
	status := "done"
	u := r.Float64()
	switch {
	case nMsg == 0:
		if u < 0.3 {
			status = "open"
		}
	case age < 3*day:
		if u < 0.45 {
			status = "open"
		} else if u < 0.6 {
			status = "snoozed"
		}
	case age < 30*day:
		if u < 0.10 {
			status = "open"
		} else if u < 0.15 {
			status = "snoozed"
		}
	default:
		if u < 0.015 {
			status = "open"
		} else if u < 0.02 {
			status = "snoozed"
		}
	}

	// Assignment: usually one agent, sometimes none or several (oldest
	// first); old conversations often went to agents who have since left.
	sc.assignees = sc.assignees[:0]
	nAssign := 1
	switch {
	case f&fMultiAssignee != 0 || g.chance(g.p.multiAssignee):
		nAssign = 2 + r.IntN(2)
	case status != "done" && r.IntN(4) == 0:
		nAssign = 0
	}
	pFormer := 0.02 + 0.3*float64(age)/float64(7*365*day)
	deleted := 0
	for k := 0; k < nAssign; k++ {
		var a agent
		if k == 0 && f&fDeletedAgent != 0 || g.chance(pFormer) {
			a = g.former[r.IntN(len(g.former))]
			deleted++
		} else {
			a = g.agents[r.IntN(len(g.agents))]
		}
		if !containsAgent(sc.assignees, a.id) {
			sc.assignees = append(sc.assignees, a)
		}
	}
	if len(sc.assignees) > 1 {
		g.edge(EdgeMultiAssignee, 1)
	}

	convID := c.next(kindConversation, start)
	orderNum := "#" + strconv.Itoa(100000+c.i*10+r.IntN(10))
	g.v = vars{order: orderNum, first: c.first, carrier: g.pick(carriers)}
	subject := string(g.appendTemplate(nil, tp.subjects[r.IntN(len(tp.subjects))]))
	if g.chance(g.p.oddText) {
		var uni feat
		subject, uni = g.sprinkleString(subject)
		g.unicode(uni)
	}
	dir0 := "in"
	if r.IntN(100) < 12 {
		dir0 = "out"
	}
	// A few conversations move from chat or SMS to email halfway.
	switchAt := -1
	if ch != "email" && c.email && nMsg >= 3 && f&fHuge == 0 && g.chance(0.05) {
		switchAt = 1 + r.IntN(nMsg-1)
	}

	var createdBy oid
	hasCreatedBy := false
	prevDir := ""
	msgIdx := 0
	for k := 0; k < total; k++ {
		t := sc.times[k]
		if sc.note[k] {
			author := g.noteAuthor()
			if err := g.note(c, convID, t, author); err != nil {
				return err
			}
			if g.isFormer(author.id) {
				deleted++
			}
			continue
		}
		m := msg{conv: convID, t: t, ch: ch, subject: subject, tp: tp}
		if switchAt >= 0 && msgIdx >= switchAt {
			m.ch = "email"
		}
		switch {
		case msgIdx == 0:
			m.dir = dir0
		case r.IntN(4) > 0:
			m.dir = flip(prevDir)
		default:
			m.dir = prevDir
		}
		if msgIdx == 1 && m.ch == "email" && dir0 == "in" && g.chance(0.2) {
			m.dir, m.auto = "out", true
			m.author = g.machines[1]
		} else if m.dir == "out" {
			m.author = g.outboundAuthor(msgIdx, nMsg)
			if g.isFormer(m.author.id) {
				deleted++
			}
		}
		m.reply = msgIdx > 0
		switch msgIdx {
		case 0:
			m.f = f & (fInline | fExternal | fAttach | fMissing)
		case 1:
			m.f = f & fLongBody
		case 2:
			m.f = f & fEmptyBody
		case 3:
			m.f = f & fPreviewOnly
		}
		if msgIdx == 0 && m.dir == "out" {
			createdBy, hasCreatedBy = m.author.id, true
		}
		if err := g.message(c, &m); err != nil {
			return err
		}
		prevDir = m.dir
		msgIdx++
	}
	if nMsg > HugeConversationMessages {
		g.edge(EdgeHugeConv, 1)
	}

	// Closing and the last update.
	updated := last
	var endedAt int64
	if status == "done" {
		endedAt = min(g.now, last+g.logUniform(60_000, 2*day))
		updated = endedAt
		// A bulk edit touched many closed, not yet archived conversations
		// at the same millisecond.
		if updated > g.archive && updated < g.bulkAt && g.chance(0.3) {
			updated = g.bulkAt
			g.bulkConversations++
		}
	}
	if updated < g.archive {
		g.edge(EdgeArchiveOnly, 1)
	}

	e := &g.e
	e.reset()
	e.head("conversation", convID)
	e.kstr("name", subject)
	e.kstr("status", status)
	e.kint("priority", int64([...]int{1, 2, 2, 3, 3, 3, 3, 3, 4, 5}[r.IntN(10)]))
	e.key("assignedUsers")
	e.arr()
	for _, a := range sc.assignees {
		e.id(a.id)
	}
	e.endArr()
	e.key("assignedTeams")
	e.arr()
	if len(g.teams) > 0 && r.IntN(100) < 65 {
		e.id(g.teams[r.IntN(len(g.teams))])
	}
	e.endArr()
	e.key("tags")
	e.arr()
	g.tags(e, f)
	e.endArr()
	e.key("channels")
	e.arr()
	e.str(ch)
	if switchAt >= 0 {
		e.str("email")
	}
	e.endArr()
	e.kstr("direction", dir0)
	e.kint("messageCount", int64(nMsg))
	e.kint("noteCount", int64(nNotes))
	switch {
	case status == "snoozed":
		e.key("snooze")
		e.obj()
		e.ktime("time", g.now+g.logUniform(3600_000, 7*day))
		e.kstr("status", "scheduled")
		e.end()
	case status == "done" && total > 1 && r.IntN(25) == 0:
		e.key("snooze")
		e.obj()
		e.ktime("time", g.between(start, last))
		e.kstr("status", "elapsed")
		e.end()
	}
	e.key("custom")
	e.obj()
	e.kstr("contactReasonStr", tp.reason)
	if r.IntN(3) == 0 {
		e.kstr("orderNumberStr", orderNum)
	}
	if status == "done" && r.IntN(5) == 0 {
		csat := int64(1 + r.IntN(5))
		if g.unfit(convID.String(), "csatNum") {
			e.kstr("csatNum", unfitValues["Num"])
		} else {
			e.kint("csatNum", csat)
		}
	}
	e.kbool("escalatedBool", r.IntN(10) == 0)
	g.moreConversationCustom(convID.String(), last, c.id)
	e.end()
	e.ktime("createdAt", start)
	e.ktime("updatedAt", updated)
	if status == "done" {
		e.ktime("endedAt", endedAt)
	}
	e.end()
	e.key("relationships")
	e.obj()
	e.rel("customer", "customer", c.id)
	if hasCreatedBy {
		e.rel("createdBy", "user", createdBy)
	}
	e.end()
	e.end()
	if deleted > 0 {
		g.edge(EdgeDeletedAgent, 1)
	}
	return g.w.writeLine(tConversation, e.b)
}

func flip(dir string) string {
	if dir == "in" {
		return "out"
	}
	return "in"
}

func containsAgent(as []agent, id oid) bool {
	for _, x := range as {
		if x.id == id {
			return true
		}
	}
	return false
}

func (g *gen) isFormer(id oid) bool {
	for _, a := range g.former {
		if a.id == id {
			return true
		}
	}
	return false
}

// gap is the time between two messages on a channel: seconds on chat,
// hours on email.
func (g *gen) gap(ch string) int64 {
	switch ch {
	case "email":
		return g.logUniform(10*60_000, 3*day)
	case "voice":
		return g.logUniform(60_000, day)
	case "sms", "whatsapp", "facebook", "instagram", "twitter-dm", "twitter-tweet":
		return g.logUniform(20_000, 3*3600_000)
	default:
		return g.logUniform(5_000, 10*60_000)
	}
}

// outboundAuthor is the assignee working the conversation at that point:
// the first assignees answered first.
func (g *gen) outboundAuthor(msgIdx, nMsg int) agent {
	a := g.sc.assignees
	if len(a) == 0 {
		return g.agents[g.r.IntN(len(g.agents))]
	}
	return a[msgIdx*len(a)/max(nMsg, 1)]
}

func (g *gen) noteAuthor() agent {
	a := g.sc.assignees
	if len(a) > 0 && g.r.IntN(3) > 0 {
		return a[g.r.IntN(len(a))]
	}
	return g.agents[g.r.IntN(len(g.agents))]
}

var (
	cleanTags = []string{"billing", "refund", "shipping", "returns", "damaged-item", "wrong_size", "feedback", "priority:high"}
	oddTags   = []string{"Shipping Delay", "Refund Request", "needs follow up", "VIP", "vip", "Ünïcödé", "🔥 urgent", "Bug Report"}
)

// tags writes a conversation's tags: mostly clean, sometimes the ones
// Zendesk will mangle (spaces, mixed case, case duplicates).
func (g *gen) tags(e *enc, f feat) {
	var spaces, mixed bool
	var seen [8]string
	n := 0
	add := func(t string) {
		for _, s := range seen[:n] {
			if s == t {
				return
			}
		}
		seen[n] = t
		n++
		e.str(t)
		spaces = spaces || strings.Contains(t, " ")
		mixed = mixed || t != strings.ToLower(t) && t != strings.ToUpper(t)
	}
	if f&fTags != 0 {
		add("Shipping Delay")
		add("VIP")
		add("vip")
	}
	for k := [...]int{0, 0, 0, 0, 1, 1, 1, 2, 2, 3}[g.r.IntN(10)]; k > 0; k-- {
		if g.chance(g.p.oddTag) {
			add(g.pick(oddTags))
		} else {
			add(g.pick(cleanTags))
		}
	}
	if spaces {
		g.edge(EdgeTagSpaces, 1)
	}
	if mixed {
		g.edge(EdgeTagMixedCase, 1)
	}
}

func (g *gen) note(c *cust, conv oid, t int64, author agent) error {
	sc := &g.sc
	g.v.agent = g.agents[g.r.IntN(len(g.agents))].first // the one being asked
	sc.body = g.appendTemplate(sc.body[:0], noteLines[g.r.IntN(len(noteLines))])
	if g.chance(g.p.oddText) {
		var uni feat
		sc.body, uni = g.sprinkle(sc.body)
		g.unicode(uni)
	}
	e := &g.e
	e.reset()
	e.head("note", c.next(kindNote, t))
	e.key("body")
	e.strBytes(sc.body)
	e.ktime("createdAt", t)
	e.ktime("updatedAt", t)
	e.end()
	e.key("relationships")
	e.obj()
	e.rel("conversation", "conversation", conv)
	e.rel("customer", "customer", c.id)
	e.rel("createdBy", "user", author.id)
	e.end()
	e.end()
	return g.w.writeLine(tNote, e.b)
}

// msg is one message being written.
type msg struct {
	conv        oid
	t           int64
	ch, dir     string
	subject     string
	tp          *topic
	auto, reply bool
	author      agent // for outbound
	f           feat
}

func (g *gen) message(c *cust, m *msg) error {
	sc := &g.sc
	r := g.r
	id := c.next(kindMessage, m.t)
	email := m.ch == "email"

	// Attachments first: the body may show one inline.
	sc.atts = sc.atts[:0]
	attach := m.f&(fAttach|fInline|fMissing) != 0
	if !attach && !m.auto {
		p := g.p.attach
		if email {
			p *= 1.5
		} else if m.ch != "chat" {
			p /= 4
		}
		attach = g.chance(p)
	}
	// Natural ugly cases stay off messages that carry a planted one, and
	// off each other, so no case hides another (a preview-only message
	// would hide a long body or an inline image).
	natural := m.f == 0 && !m.auto
	long := m.f&fLongBody != 0 || natural && g.chance(g.p.longBody)
	emptyBody := m.f&fEmptyBody != 0 || natural && !long && attach && g.chance(g.p.emptyBody)
	previewOnly := m.f&fPreviewOnly != 0 || natural && !long && !emptyBody && g.chance(g.p.previewOnly)
	if emptyBody {
		attach = true
	}
	if attach {
		n := 1
		if m.f&fMissing != 0 {
			n = 2
		} else if u := r.IntN(20); u >= 15 {
			n += 1 + u/19
		}
		for k := 0; k < n; k++ {
			kind := attachmentKinds[r.IntN(len(attachmentKinds))]
			switch {
			case k == 0 && m.f&fInline != 0:
				kind = attachmentKinds[0]
			case k == 0 && m.f&fAttach != 0:
				kind = attachmentKinds[len(attachmentKinds)-2+r.IntN(2)]
			}
			if !filetype.Matches(kind.name, kind.contentType) {
				g.edge(EdgeOddFileName, 1)
			}
			sc.atts = append(sc.atts, attachment{id: c.next(kindAttachment, m.t), name: kind.name, ctype: kind.contentType})
		}
	}

	// Body, and for email an HTML version.
	html := email && !previewOnly && !emptyBody && (m.dir == "out" || m.f&(fInline|fExternal) != 0 || r.IntN(100) < 85)
	sc.body, sc.html = sc.body[:0], sc.html[:0]
	switch {
	case emptyBody:
		g.edge(EdgeEmptyBody, 1)
	case long:
		const intro = "Here is everything from the app log, sorry it's long:\n\n"
		sc.body = append(sc.body, intro...)
		sc.body = g.logText(sc.body, 66_000+r.IntN(20_000))
		if html {
			sc.html = append(sc.html, "<div><p>Here is everything from the app log, sorry it&#39;s long:</p><pre>"...)
			sc.html = appendHTMLText(sc.html, sc.body[len(intro):])
			sc.html = append(sc.html, "</pre>"...)
		}
		if utf8.RuneCount(sc.body) > LongBodyChars {
			g.edge(EdgeLongBody, 1)
		}
	default:
		g.v.agent = m.author.first
		g.writeBody(m)
		// The end of a body may not make it into a preview.
		if !previewOnly && g.chance(g.p.oddText) {
			var uni feat
			sc.body, uni = g.sprinkle(sc.body)
			g.unicode(uni)
		}
		if html {
			sc.html = appendHTMLBody(sc.html, sc.body)
		}
	}
	if html {
		inline := -1
		if m.f&fInline != 0 || r.IntN(2) == 0 {
			for k, a := range sc.atts {
				if strings.HasPrefix(a.ctype, "image/") {
					inline = k
					break
				}
			}
		}
		if inline >= 0 {
			sc.html = append(sc.html, `<p><img src="https://`...)
			sc.html = append(sc.html, g.org...)
			sc.html = append(sc.html, `.api.kustomerapp.com/v1/attachments/`...)
			sc.html = sc.atts[inline].id.appendHex(sc.html)
			sc.html = append(sc.html, `" alt="`...)
			sc.html = appendHTMLText(sc.html, []byte(sc.atts[inline].name))
			sc.html = append(sc.html, `" width="600"></p>`...)
			g.edge(EdgeInlineImage, 1)
		}
		if m.f&fExternal != 0 || m.dir == "out" && r.IntN(100) < 15 {
			sc.html = append(sc.html, `<p><img src="https://images.example.net/email/signature-logo.png" alt="logo" width="120" height="40"></p>`...)
			g.edge(EdgeExternalImage, 1)
		}
		sc.html = append(sc.html, "</div>"...)
	}
	if previewOnly {
		g.edge(EdgePreviewOnly, 1)
	}

	e := &g.e
	e.reset()
	e.head("message", id)
	e.kstr("channel", m.ch)
	e.kstr("direction", m.dir)
	e.key("preview")
	e.strBytes(sc.body[:previewLen(sc.body, 200)])
	if !previewOnly {
		e.key("body")
		e.strBytes(sc.body)
		if html {
			e.key("htmlBody")
			e.strBytes(sc.html)
		}
	}
	if email {
		if m.reply {
			e.kstr("subject", "Re: "+m.subject)
		} else {
			e.kstr("subject", m.subject)
		}
	}
	e.kbool("auto", m.auto)
	e.ktime("sentAt", m.t)
	e.ktime("createdAt", m.t)
	e.ktime("updatedAt", m.t)
	if err := g.attachmentList(func(k int) bool {
		return m.f&fMissing != 0 && k == len(sc.atts)-1 || g.chance(g.p.missingFile)
	}); err != nil {
		return err
	}
	e.end()
	e.key("relationships")
	e.obj()
	e.rel("conversation", "conversation", m.conv)
	e.rel("customer", "customer", c.id)
	if m.dir == "out" {
		e.rel("createdBy", "user", m.author.id)
	}
	e.end()
	e.end()
	if err := g.w.writeLine(tMessage, e.b); err != nil {
		return err
	}
	return g.writeAttachments(id)
}

// attachmentList writes a message's attachments and the bytes of each
// file, but for those missing(k) says are absent from files/ (nil: none).
func (g *gen) attachmentList(missing func(k int) bool) error {
	sc, e := &g.sc, &g.e
	e.key("attachments")
	e.arr()
	for k := range sc.atts {
		a := &sc.atts[k]
		sc.file = g.fileBytes(sc.file[:0], a.ctype)
		a.size = len(sc.file)
		e.obj()
		e.kid("id", a.id)
		e.kstr("name", a.name)
		e.kstr("contentType", a.ctype)
		e.kint("contentLength", int64(a.size))
		e.end()
		if missing != nil && missing(k) {
			g.edge(EdgeMissingFile, 1)
			continue
		}
		if err := g.w.WriteFile(a.id.String(), sc.file); err != nil {
			return err
		}
		g.edge(EdgeAttachment, 1)
	}
	e.endArr()
	return nil
}

func (g *gen) writeAttachments(msgID oid) error {
	for _, a := range g.sc.atts {
		e := &g.e
		e.reset()
		e.head("attachment", a.id)
		e.kstr("name", a.name)
		e.kstr("contentType", a.ctype)
		e.kint("contentLength", int64(a.size))
		e.end()
		e.key("relationships")
		e.obj()
		e.rel("message", "message", msgID)
		e.end()
		e.end()
		if err := g.w.writeLine(tAttachment, e.b); err != nil {
			return err
		}
	}
	return nil
}

// previewLen is the byte length of the first n characters of b.
func previewLen(b []byte, n int) int {
	i := 0
	for k := 0; k < n && i < len(b); k++ {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRune(b[i:])
		i += size
	}
	return i
}
