package dataset

import (
	"strconv"
	"strings"
)

// The org-wide records: users, teams, companies and klasses. They are few
// (a few hundred users, one company per 25 customers) and stay in memory
// so customers can point at them.

type agent struct {
	id          oid
	first, name string
}

type company struct {
	id     oid
	domain string
}

type klassDef struct {
	id            oid
	name, display string
	status        string
	props         []string // attribute names; the suffix gives the type
}

type orgData struct {
	agents     []agent // in users.ndjson
	former     []agent // agents who left: still referenced, never written
	machines   []agent // machine users: integrations and workflows
	teams      []oid   // teams with members, for assignment
	companies  []company
	kOrder     klassDef
	kSub       klassDef
	kLoyalty   klassDef
	kTelemetry klassDef
}

var teamNames = []string{"Tier 1 Support", "Billing", "Returns & Exchanges", "VIP Care", "Night Shift 🌙", "الدعم العربي", "Escalations (unused)"}

// propTypes maps a custom attribute suffix to the metadata type Kustomer
// derives from it.
var propTypes = [...]struct{ suffix, typ string }{
	{"Bool", "boolean"}, {"Str", "string"}, {"Txt", "text"}, {"Num", "number"},
	{"Url", "url"}, {"At", "date"}, {"Id", "id"},
}

func propType(name string) string {
	for _, p := range propTypes {
		if strings.HasSuffix(name, p.suffix) {
			return p.typ
		}
	}
	return "string"
}

// displayName turns "orderNumberStr" into "Order Number", as Kustomer
// does by default.
func displayName(name string) string {
	for _, p := range propTypes {
		if strings.HasSuffix(name, p.suffix) {
			name = name[:len(name)-len(p.suffix)]
			break
		}
	}
	var b strings.Builder
	for i, c := range name {
		switch {
		case i == 0 && c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z':
			b.WriteByte(' ')
		case c >= '0' && c <= '9' && i > 0 && !(name[i-1] >= '0' && name[i-1] <= '9'):
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (g *gen) writeOrg() error {
	g.reseed(0, saltOrg)
	if err := g.writeUsers(); err != nil {
		return err
	}
	if err := g.writeTeams(); err != nil {
		return err
	}
	if err := g.writeCompanies(); err != nil {
		return err
	}
	return g.writeKlasses()
}

func (g *gen) writeUsers() error {
	nAgents := min(max(g.n/250, 6), 400)
	nFormer := max(2, nAgents/4)
	seq := uint32(0)
	used := map[string]bool{} // Kustomer keeps a user's email unique in the org
	for k := 0; k < nAgents+nFormer; k++ {
		first, last := g.pick(firstNames), g.pick(lastNames)
		created := g.between(g.importAt-30*day, g.now-60*day)
		a := agent{id: makeID(created, kindUser, 0, seq), first: first, name: first + " " + last}
		seq++
		if k >= nAgents {
			// Their records were deleted with their accounts.
			g.former = append(g.former, a)
			continue
		}
		g.agents = append(g.agents, a)
		userType, roles := "user", []string{"org.user"}
		switch {
		case k < 2:
			roles = []string{"org.admin", "org.user"}
		case k == nAgents-1:
			userType, roles = "limited", []string{"org.user.limited"}
		}
		local := emailLocal(first) + "." + emailLocal(last)
		email := local + "@" + g.org + ".example"
		for n := 2; used[email]; n++ {
			email = local + strconv.Itoa(n) + "@" + g.org + ".example"
		}
		used[email] = true
		if err := g.writeUser(a, first, email, userType, roles, created); err != nil {
			return err
		}
	}
	machines := []struct{ name, slug string }{{"Shopify Integration", "shopify"}, {"Workflow Automation", "workflows"}}
	for _, m := range machines {
		created := g.between(g.importAt, g.importAt+90*day)
		a := agent{id: makeID(created, kindUser, 0, seq), first: m.name, name: m.name}
		seq++
		g.machines = append(g.machines, a)
		roles := []string{"org.permission.customer.read", "org.permission.conversation.update", "org.permission.message.create"}
		if err := g.writeUser(a, m.name, m.slug+"@machine."+g.org+".example", "machine", roles, created); err != nil {
			return err
		}
		g.edge(EdgeMachineUser, 1)
	}
	return nil
}

func (g *gen) writeUser(a agent, display, email, userType string, roles []string, created int64) error {
	e := &g.e
	e.reset()
	e.head("user", a.id)
	e.kstr("name", a.name)
	e.kstr("displayName", display)
	e.kstr("email", email)
	e.kstr("userType", userType)
	e.kstrs("roles", roles)
	e.ktime("createdAt", created)
	e.ktime("updatedAt", g.between(created, g.now))
	e.end()
	e.end()
	return g.w.writeLine(tUser, e.b)
}

func (g *gen) writeTeams() error {
	members := make([][]oid, len(teamNames))
	staffed := len(teamNames) - 1 // the last team never got anyone
	for k, a := range g.agents {
		t := k % staffed
		if k >= staffed {
			t = g.r.IntN(staffed)
		}
		members[t] = append(members[t], a.id)
		if g.chance(0.3) {
			if u := g.r.IntN(staffed); u != t {
				members[u] = append(members[u], a.id)
			}
		}
	}
	for k, name := range teamNames {
		created := g.between(g.importAt, g.now-30*day)
		id := makeID(created, kindTeam, 0, uint32(k))
		e := &g.e
		e.reset()
		e.head("team", id)
		e.kstr("name", name)
		e.kstr("displayName", name)
		e.kids("members", members[k])
		e.ktime("createdAt", created)
		e.ktime("updatedAt", g.between(created, g.now))
		e.end()
		e.end()
		if err := g.w.writeLine(tTeam, e.b); err != nil {
			return err
		}
		if len(members[k]) > 0 {
			g.teams = append(g.teams, id)
			g.edge(EdgeTeamMembers, 1)
		}
	}
	return nil
}

var companyTags = []string{"enterprise", "smb", "Key Account", "partner"}

func (g *gen) writeCompanies() error {
	n := max(3, g.n/25)
	combos := len(companyWords1) * len(companyWords2)
	var names []string
	for k := 0; k < n; k++ {
		w1 := companyWords1[k%len(companyWords1)]
		w2 := companyWords2[(k/len(companyWords1))%len(companyWords2)]
		name, domain := w1+" "+w2, slug(w1+" "+w2)
		if r := k / combos; r > 0 {
			// Keep names unique: Zendesk organization names must be.
			name += " " + strconv.Itoa(r+1)
			domain += strconv.Itoa(r + 1)
		}
		names = append(names, name)
		if err := g.writeCompany(k, name, domain+".example"); err != nil {
			return err
		}
	}
	// Duplicates Kustomer lets in and Zendesk holds as one organization:
	// the same name in capitals, with a trailing space, in lower case
	// between spaces.
	variants := []func(string) string{
		strings.ToUpper,
		func(s string) string { return s + " " },
		func(s string) string { return "  " + strings.ToLower(s) + " " },
	}
	for k, vary := range variants {
		base := g.r.IntN(n)
		if err := g.writeCompany(n+k, vary(names[base]), g.companies[base].domain); err != nil {
			return err
		}
		g.edge(EdgeCompanyNameVariant, 1)
	}
	return nil
}

func (g *gen) writeCompany(k int, name, domain string) error {
	created := g.between(g.importAt, g.now-10*day)
	c := company{id: makeID(created, kindCompany, 0, uint32(k)), domain: domain}
	g.companies = append(g.companies, c)

	e := &g.e
	e.reset()
	e.head("company", c.id)
	e.kstr("name", name)
	e.kstr("externalId", "crm-"+pad(k+1, 5))
	e.kstrs("domains", []string{domain})
	e.key("tags")
	e.arr()
	for t := g.r.IntN(3); t > 0; t-- {
		e.str(g.pick(companyTags))
	}
	e.endArr()
	e.key("custom")
	e.obj()
	e.kstr("industryStr", g.pick(industries))
	e.key("employeeCountNum")
	e.int(int64(g.logUniform(2, 20000)))
	renewal := g.between(g.now-30*day, g.now+365*day)
	if g.unfit(c.id.String(), "contractRenewalAt") {
		e.kstr("contractRenewalAt", unfitValues["At"])
	} else {
		e.ktime("contractRenewalAt", renewal)
	}
	e.kbool("enterpriseBool", g.chance(0.2))
	e.kstr("websiteUrl", "https://www."+domain+"/")
	e.kid("accountManagerId", g.agents[g.r.IntN(len(g.agents))].id)
	if g.chance(0.3) {
		e.kstr("notesTxt", "Renewal call booked.\nPrefers invoices by email; PO number required on every invoice.")
	}
	e.end()
	e.ktime("createdAt", created)
	e.ktime("updatedAt", g.between(created, g.now))
	e.end()
	e.end()
	if err := g.w.writeLine(tCompany, e.b); err != nil {
		return err
	}
	g.edge(EdgeCompanyCustom, 1)
	return nil
}

func (g *gen) writeKlasses() error {
	g.kOrder = klassDef{name: "ecomm-order", display: "Order", status: "enabled", props: []string{
		"orderNumberStr", "statusStr", "totalNum", "currencyStr", "placedAt", "shippedAt",
		"giftBool", "trackingUrl", "placedById", "itemsTxt", "notesTxt",
	}}
	g.kSub = klassDef{name: "subscription", display: "Subscription", status: "enabled", props: []string{
		"planStr", "mrrNum", "startedAt", "renewsAt", "activeBool", "portalUrl", "ownerId", "cancellationReasonTxt",
	}}
	g.kLoyalty = klassDef{name: "loyalty-card", display: "Loyalty Card (retired)", status: "disabled", props: []string{
		"cardNumberStr", "pointsNum", "issuedAt", "activeBool",
	}}
	g.kTelemetry = klassDef{name: "device-telemetry", display: "Device Telemetry", status: "enabled", props: telemetryProps()}
	for k, kd := range []*klassDef{&g.kOrder, &g.kSub, &g.kLoyalty, &g.kTelemetry} {
		created := g.between(g.importAt, g.importAt+365*day)
		kd.id = makeID(created, kindKlass, 0, uint32(k))
		e := &g.e
		e.reset()
		e.head("klass", kd.id)
		e.kstr("name", kd.name)
		e.kstr("displayName", kd.display)
		e.kstr("status", kd.status)
		e.key("metadata")
		e.obj()
		e.key("properties")
		e.obj()
		for _, p := range kd.props {
			e.key(p)
			e.obj()
			e.kstr("type", propType(p))
			e.kstr("displayName", displayName(p))
			e.end()
		}
		e.end()
		e.end()
		e.ktime("createdAt", created)
		e.ktime("updatedAt", g.between(created, g.now-30*day))
		e.end()
		e.end()
		if err := g.w.writeLine(tKlass, e.b); err != nil {
			return err
		}
	}
	g.edge(EdgeKlassAllSuffixes, 1)
	g.edge(EdgeDisabledKlass, 1)
	g.edge(EdgeWideKlass, 1)
	return nil
}

// telemetryProps names the 120 attributes of the wide klass: ten of each
// of twelve readings, covering every suffix.
func telemetryProps() []string {
	bases := []string{"batteryNum", "signalNum", "temperatureNum", "firmwareStr", "uptimeNum", "errorCountNum",
		"lastSyncAt", "rebootedBool", "configUrl", "logTxt", "gatewayId", "latencyNum"}
	var out []string
	for slot := 1; slot <= 10; slot++ {
		for _, b := range bases {
			for _, p := range propTypes {
				if strings.HasSuffix(b, p.suffix) {
					stem := b[:len(b)-len(p.suffix)]
					out = append(out, "sensor"+pad(slot, 2)+strings.ToUpper(stem[:1])+stem[1:]+p.suffix)
					break
				}
			}
		}
	}
	return out
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// slug makes a domain label out of a company name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range s {
		switch c {
		case 'é', 'è', 'ë', 'É':
			c = 'e'
		case 'å', 'Å', 'á', 'à':
			c = 'a'
		case 'ö', 'ø', 'ó':
			c = 'o'
		case 'ü':
			c = 'u'
		}
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
			continue
		}
		b.WriteRune(c)
		dash = false
	}
	return strings.TrimSuffix(b.String(), "-")
}

// emailLocal folds a name to the ASCII an email address would use.
func emailLocal(name string) string {
	if a, ok := asciiFirst[name]; ok {
		return a
	}
	if a, ok := asciiLast[name]; ok {
		return a
	}
	return strings.ToLower(name)
}
