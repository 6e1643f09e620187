package dataset

import (
	"math"
	"strconv"
	"strings"
)

const (
	contactEmail = iota
	contactPhone // phones only
	contactNone  // neither email nor phone
)

const (
	dupNone = iota
	dupExact
	dupCase
)

// identity is the part of a customer that others can depend on: its name
// and its own email. It is derived from the seed and the index alone.
type identity struct {
	name, first string
	email       string // the customer's own address, before copying another's
	domain      string
	contact     int
	dup         int // copy an earlier customer's email, exactly or case-mangled
	company     int // index into companies, or -1
	uni         feat
}

func (g *gen) identity(i int) identity {
	g.idSrc.Seed(g.seed^saltIdentity, mix(uint64(i)))
	r := g.idr
	planned := g.plan[i]
	var id identity
	var local string
	if want := planned & (fEmoji | fRTL | fCombining | fZeroWidth); want != 0 || r.Float64() < g.p.oddName {
		o := oddNames[r.IntN(len(oddNames))]
		for _, cand := range oddNames {
			if want != 0 && cand.cats&want != 0 {
				o = cand
				break
			}
		}
		id.name, id.first, local, id.uni = o.name, o.first, o.local, o.cats
	} else {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		id.name, id.first = first+" "+last, first
		sep := [...]string{".", "", "_", "."}[r.IntN(4)]
		local = emailLocal(first) + sep + emailLocal(last)
		if r.IntN(3) == 0 {
			local += strconv.Itoa(r.IntN(99) + 1)
		}
	}
	id.company = -1
	if r.Float64() < 0.35 {
		id.company = r.IntN(len(g.companies))
	}
	if id.company >= 0 && r.Float64() < 0.7 {
		id.domain = g.companies[id.company].domain
	} else {
		id.domain = freeMailDomains[r.IntN(len(freeMailDomains))]
	}
	id.email = local + "@" + id.domain

	u := r.Float64()
	switch {
	case planned&fNoContact != 0:
		id.contact = contactNone
	case planned&fPhoneOnly != 0:
		id.contact = contactPhone
	case planned&(fShared|fCase|fMultiEmail|fInline|fExternal|fBoundary|fSharedOther) != 0:
		id.contact = contactEmail
	case u < g.p.noContact:
		id.contact = contactNone
	case u < g.p.noContact+g.p.phoneOnly:
		id.contact = contactPhone
	}
	switch {
	case planned&fShared != 0:
		id.dup = dupExact
	case planned&fCase != 0:
		id.dup = dupCase
	case r.Float64() < g.p.dupEmail:
		id.dup = dupExact + r.IntN(2)
	}
	if id.contact != contactEmail {
		id.dup = dupNone
	}
	return id
}

// primaryEmail resolves a duplicate: the customer takes the address of an
// earlier customer that has its own, either as is or with its case
// changed. It returns the address and the kind of copy made.
func (g *gen) primaryEmail(i int, id identity) (string, int) {
	if id.dup == dupNone || i == 0 {
		return id.email, dupNone
	}
	for try := 0; try < 24; try++ {
		j := i - 1 - try + 16 // the last tries walk back one by one
		if try < 16 {
			j = i - 1 - int(mix(g.seed^uint64(i)<<5^uint64(try))%uint64(min(i, 500)))
		}
		if j < 0 {
			break
		}
		t := g.identity(j)
		if t.contact == contactEmail && t.dup == dupNone {
			if id.dup == dupCase {
				return caseVariant(t.email), dupCase
			}
			return t.email, dupExact
		}
	}
	return id.email, dupNone
}

// caseVariant capitalises each dot-separated word: bob.smith@gmail.example
// becomes Bob.Smith@Gmail.Example.
func caseVariant(s string) string {
	b := []byte(s)
	up := true
	for k, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[k] = c - ('a' - 'A')
		}
		up = c == '.' || c == '@'
	}
	return string(b)
}

// custCreated spreads customers from the import to two days ago, more of
// them recently (the business grew), in index order.
func (g *gen) custCreated(i int) int64 {
	if i < g.nImported {
		return g.importAt
	}
	start, end := g.importAt+day, g.now-2*day
	jitter := float64(mix(g.seed^uint64(i)^saltCustomer)>>11) / (1 << 53)
	f := (float64(i-g.nImported) + jitter) / float64(g.n-g.nImported)
	return start + int64(math.Sqrt(f)*float64(end-start))
}

func (g *gen) customerID(i int) oid {
	return makeID(g.custCreated(i), kindCustomer, uint32(i), 0)
}

// cust is what a customer's conversations and KObjects need to know.
type cust struct {
	i       int
	id      oid
	created int64
	first   string
	company int
	email   bool // has an email address
	phone   bool
	seq     [numKinds]uint32
}

const numKinds = kindAttachment + 1

func (c *cust) next(kind byte, t int64) oid {
	s := c.seq[kind]
	c.seq[kind]++
	return makeID(t, kind, uint32(c.i), s)
}

func (g *gen) customer(i int) error {
	planned := g.plan[i]
	id := g.identity(i)
	email, dup := g.primaryEmail(i, id)
	g.reseed(i, saltCustomer)
	created := g.custCreated(i)
	c := &cust{i: i, id: g.customerID(i), created: created, first: id.first, company: id.company}
	c.seq[kindCustomer] = 1

	e := &g.e
	e.reset()
	e.head("customer", c.id)
	e.kstr("name", id.name)
	e.kstr("displayName", id.name)
	if g.chance(0.5) {
		e.kstr("externalId", "shop-"+strconv.Itoa(1_000_000+i*13+g.r.IntN(13)))
	}

	e.key("emails")
	e.arr()
	if id.contact == contactEmail {
		c.email = true
		typ := "home"
		if id.company >= 0 && strings.HasSuffix(email, "@"+g.companies[id.company].domain) {
			typ = "work"
		}
		g.contact(e, "email", email, typ)
		emails := 1
		if planned&fMultiEmail != 0 || g.chance(g.p.multiEmail) {
			for k := 1 + g.r.IntN(3); k > 0; k-- {
				alt := emailLocal(firstNames[g.r.IntN(len(firstNames))]) + strconv.Itoa(g.r.IntN(9000)+100) + "@" + g.pick(freeMailDomains)
				g.contact(e, "email", alt, "other")
				emails++
			}
		}
		if planned&fSharedOther != 0 {
			if other, d := g.primaryEmail(i, identity{contact: contactEmail, dup: dupExact}); d == dupExact && !strings.EqualFold(other, email) {
				g.contact(e, "email", other, "other")
				emails++
				g.edge(EdgeSharedOther, 1)
			}
		}
		if emails > 1 {
			g.edge(EdgeMultiEmail, 1)
		}
		switch dup {
		case dupExact:
			g.edge(EdgeSharedEmail, 1)
		case dupCase:
			g.edge(EdgeCaseEmail, 1)
		}
	}
	e.endArr()

	e.key("phones")
	e.arr()
	phones := 0
	if id.contact == contactPhone || id.contact == contactEmail && g.chance(0.4) {
		phones = 1
		if planned&fMultiPhone != 0 || g.chance(g.p.multiPhone) {
			phones += 1 + g.r.IntN(2)
		}
	}
	for k := 0; k < phones; k++ {
		g.contact(e, "phone", g.phone(), [...]string{"mobile", "home", "work"}[min(k, 2)])
	}
	c.phone = phones > 0
	e.endArr()
	switch {
	case phones > 1:
		g.edge(EdgeMultiPhone, 1)
	}
	switch id.contact {
	case contactPhone:
		g.edge(EdgePhoneOnly, 1)
	case contactNone:
		g.edge(EdgeNoContact, 1)
	}
	g.unicode(id.uni)

	e.kstr("locale", g.pick(locales))
	e.kstr("timeZone", g.pick(timeZones))
	e.key("tags")
	e.arr()
	if g.chance(0.2) {
		e.str(g.pick(customerTags))
	}
	e.endArr()
	e.key("custom")
	e.obj()
	if g.chance(0.5) {
		e.kstr("loyaltyTierStr", [...]string{"bronze", "silver", "gold", "platinum"}[g.r.IntN(4)])
		e.key("lifetimeValueNum")
		ltv := cents(g.logUniform(500, 2_000_000))
		if g.unfit(c.id.String(), "lifetimeValueNum") {
			e.str(unfitValues["Num"])
		} else {
			e.num(ltv)
		}
		optIn := g.chance(0.6)
		if g.unfit(c.id.String(), "marketingOptInBool") {
			e.kstr("marketingOptInBool", unfitValues["Bool"])
		} else {
			e.kbool("marketingOptInBool", optIn)
		}
	}
	if g.chance(0.3) {
		e.ktime("lastOrderAt", g.between(created, g.now))
		e.kstr("accountUrl", "https://admin."+g.org+".example/customers/"+c.id.String())
	}
	if i > 0 && g.chance(0.05) {
		e.kid("referredById", g.customerID(g.r.IntN(i)))
	}
	if g.chance(0.05) {
		e.kstr("notesTxt", "Prefers email.\nDo not call before 10am.")
	}
	e.end()
	updated := created
	if i >= SameUpdatedAtRecords+2 && g.chance(0.6) {
		// Imported customers nobody touched since keep the import's
		// timestamp: many records, one updatedAt.
		updated = g.between(created, g.now)
	}
	if updated == g.importAt {
		g.sameCustomers++
	}
	e.ktime("createdAt", created)
	e.ktime("updatedAt", updated)
	e.end()
	if id.company >= 0 {
		e.key("relationships")
		e.obj()
		e.rel("company", "company", g.companies[id.company].id)
		e.end()
	}
	e.end()
	if err := g.w.writeLine(tCustomer, e.b); err != nil {
		return err
	}

	if err := g.conversations(c, planned); err != nil {
		return err
	}
	return g.kobjects(c, planned)
}

func (g *gen) contact(e *enc, key, value, typ string) {
	e.obj()
	e.kstr(key, value)
	e.kstr("type", typ)
	e.kbool("verified", g.chance(0.6))
	e.end()
}

// phone returns a fictional number, mostly E.164, sometimes as typed.
func (g *gen) phone() string {
	n := 100 + g.r.IntN(100)
	switch g.r.IntN(10) {
	case 0:
		return "(" + strconv.Itoa(200+g.r.IntN(700)) + ") 555-0" + strconv.Itoa(n)
	case 1:
		return "+44 7700 900" + strconv.Itoa(n+g.r.IntN(800))
	default:
		return "+1" + strconv.Itoa(200+g.r.IntN(700)) + "5550" + strconv.Itoa(n)
	}
}

func (g *gen) unicode(f feat) {
	for _, u := range unicodeEdges {
		if f&u.f != 0 {
			g.edge(u.e, 1)
		}
	}
}

func cents(v int64) float64 { return float64(v) / 100 }

func (g *gen) kobjects(c *cust, planned feat) error {
	if g.chance(0.4) {
		for k := 1 + g.r.IntN(3); k > 0; k-- {
			if err := g.order(c); err != nil {
				return err
			}
		}
	}
	if g.chance(0.08) {
		if err := g.subscription(c); err != nil {
			return err
		}
	}
	if c.i < g.nImported && g.chance(0.3) {
		if err := g.loyaltyCard(c); err != nil {
			return err
		}
	}
	large := planned&fLargeKObject != 0 || g.chance(g.p.largeKObject)
	if large || g.chance(0.02) {
		return g.telemetryObject(c, large)
	}
	return nil
}

func (g *gen) kobjectHead(c *cust, created int64, title, desc, ext string) oid {
	id := c.next(kindKObject, created)
	e := &g.e
	e.reset()
	e.head("kobject", id)
	e.kstr("title", title)
	e.kstr("description", desc)
	e.kstr("externalId", ext)
	return id
}

func (g *gen) kobjectTail(c *cust, k *klassDef, created, updated int64, withCompany bool, tags ...string) error {
	e := &g.e
	e.key("tags")
	e.arr()
	for _, t := range tags {
		e.str(t)
	}
	e.endArr()
	e.ktime("createdAt", created)
	e.ktime("updatedAt", updated)
	e.end()
	e.key("relationships")
	e.obj()
	e.key("klass")
	e.obj()
	e.key("data")
	e.obj()
	e.kstr("type", "klass")
	e.kid("id", k.id)
	e.end()
	e.key("link")
	e.obj()
	e.kstr("self", "/v1/klasses/"+k.name)
	e.end()
	e.end()
	e.rel("customer", "customer", c.id)
	if withCompany && c.company >= 0 {
		e.rel("company", "company", g.companies[c.company].id)
	}
	e.end()
	e.end()
	if len(e.b) > LargeKObjectBytes {
		g.edge(EdgeLargeKObject, 1)
	}
	return g.w.writeLine(tKObject, e.b)
}

var orderItems = []string{"Blue T-shirt (M)", "Wool socks", "Running shoes (42)", "Gift card", "Water bottle", "Rain jacket (L)", "Yoga mat"}

func (g *gen) order(c *cust) error {
	placed := g.between(c.created, g.now)
	num := strconv.Itoa(100000 + c.i*10 + int(c.seq[kindKObject]))
	g.kobjectHead(c, placed, "Order #"+num, strconv.Itoa(1+g.r.IntN(4))+" items", "shopify-"+num)
	e := &g.e
	e.key("custom")
	e.obj()
	e.kstr("orderNumberStr", "#"+num)
	status := [...]string{"delivered", "delivered", "delivered", "shipped", "refunded", "cancelled"}[g.r.IntN(6)]
	e.kstr("statusStr", status)
	e.key("totalNum")
	e.num(cents(g.logUniform(499, 50000)))
	e.kstr("currencyStr", [...]string{"USD", "USD", "EUR", "GBP"}[g.r.IntN(4)])
	e.ktime("placedAt", placed)
	updated := placed
	if status != "cancelled" {
		updated = min(g.now, placed+g.logUniform(3600_000, 5*day))
		e.ktime("shippedAt", updated)
		carrier := g.pick(carriers)
		e.kstr("trackingUrl", "https://track.example/"+strings.ToLower(strings.ReplaceAll(carrier, " ", ""))+"/"+num)
	}
	e.kbool("giftBool", g.chance(0.1))
	e.kid("placedById", c.id)
	var items strings.Builder
	for k := 1 + g.r.IntN(3); k > 0; k-- {
		items.WriteString(strconv.Itoa(1+g.r.IntN(3)) + " × " + g.pick(orderItems) + "\n")
	}
	e.kstr("itemsTxt", items.String())
	e.end()
	return g.kobjectTail(c, &g.kOrder, placed, updated, false)
}

func (g *gen) subscription(c *cust) error {
	started := g.between(c.created, g.now)
	active := g.chance(0.7)
	g.kobjectHead(c, started, "Subscription", "Monthly plan", "sub_"+c.id.String()[12:])
	e := &g.e
	e.key("custom")
	e.obj()
	e.kstr("planStr", [...]string{"Basic", "Plus", "Premium"}[g.r.IntN(3)])
	e.key("mrrNum")
	e.num(cents(int64(999 + 1000*g.r.IntN(5))))
	e.ktime("startedAt", started)
	e.ktime("renewsAt", started+30*day)
	e.kbool("activeBool", active)
	e.kstr("portalUrl", "https://billing."+g.org+".example/s/"+c.id.String())
	e.kid("ownerId", c.id)
	if !active {
		e.kstr("cancellationReasonTxt", "Too expensive.\nMight come back next year.")
	}
	e.end()
	return g.kobjectTail(c, &g.kSub, started, g.between(started, g.now), true, "subscription")
}

func (g *gen) loyaltyCard(c *cust) error {
	issued := c.created
	g.kobjectHead(c, issued, "Loyalty card", "Retired programme", "card-"+strconv.Itoa(500000+c.i))
	e := &g.e
	e.key("custom")
	e.obj()
	e.kstr("cardNumberStr", "LC-"+strconv.Itoa(500000+c.i))
	e.kint("pointsNum", int64(g.r.IntN(5000)))
	e.ktime("issuedAt", issued)
	e.kbool("activeBool", false)
	e.end()
	return g.kobjectTail(c, &g.kLoyalty, issued, issued+g.logUniform(day, 365*day), false)
}

// telemetryObject fills every one of the wide klass's 120 attributes; a
// large one carries enough log text to pass Zendesk's 32 KB record cap.
func (g *gen) telemetryObject(c *cust, large bool) error {
	created := g.between(c.created, g.now)
	g.kobjectHead(c, created, "Thermostat "+strconv.Itoa(1000+g.r.IntN(9000)), "Smart thermostat", "dev-"+c.id.String()[8:])
	e := &g.e
	e.key("custom")
	e.obj()
	for _, p := range g.kTelemetry.props {
		e.key(p)
		switch propType(p) {
		case "number":
			e.num(float64(g.r.IntN(10000)) / 10)
		case "string":
			e.str("v" + strconv.Itoa(1+g.r.IntN(4)) + "." + strconv.Itoa(g.r.IntN(20)))
		case "date":
			e.time(g.between(created, g.now))
		case "boolean":
			e.bool(g.chance(0.5))
		case "url":
			e.str("https://devices." + g.org + ".example/config/" + strconv.Itoa(g.r.IntN(1e6)))
		case "id":
			e.id(c.id)
		default: // text
			if large {
				g.sc.text = g.logText(g.sc.text[:0], 3500)
				e.strBytes(g.sc.text)
			} else {
				e.str("ok")
			}
		}
	}
	e.end()
	return g.kobjectTail(c, &g.kTelemetry, created, g.between(created, g.now), false, "iot")
}
