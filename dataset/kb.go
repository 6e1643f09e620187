package dataset

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// The knowledge base (formats/kustomer-export.md, "Knowledge base"): a
// hidden root category with a tree under it, articles holding one version
// per language, and the media their bodies embed. It is drawn from a
// stream of its own after the org's users (who author the articles), so
// it changes no other record. A knowledge base is small, so it is planned
// whole in memory before anything is written: bodies link to articles
// that come after them.
//
// Every profile plants each case of kbRole on an article of its own, one
// chain of categories down to depth 4, and one embedded media whose file
// is missing; the edge profile adds a category titled in emoji and CJK,
// and an article linking to a deleted article and to articles that do
// not exist.

// kbProfile is the size of a profile's knowledge base; categories counts
// the root.
type kbProfile struct {
	categories, articles int
	odd                  bool // the edge cases: unicode category title, dead links
}

// MaxKBArticles bounds the knowledge base of every profile.
const MaxKBArticles = 400

// LongKBArticleBytes is the size the one long article's body passes; it
// stays well under the 1 MB a line of the format is expected to fit in.
const LongKBArticleBytes = 200 << 10

// The languages of generated knowledge bases, Kustomer's codes.
var kbLangs = [...]string{"en_us", "es", "de"}

const (
	lEN = iota
	lES
	lDE
	numKBLangs
)

// kbText is one phrase in each language of kbLangs.
type kbText [numKBLangs]string

// kbRole is a case planted on an article of its own, in every profile
// (kbOddLinks only in the edge profile).
type kbRole uint8

const (
	kbPlain            kbRole = iota
	kbDraftTranslation        // published in en_us, its es version a draft
	kbAllDraft                // every version a draft
	kbSourceES                // written in es first, published (its slug is not ASCII)
	kbSourceDE                // only in de
	kbDeleted                 // deleted: true
	kbInRoot                  // placed directly in the root category
	kbTwoCategories           // in the deepest category and a top-level one
	kbInternal                // scope internal
	kbLong                    // a body over LongKBArticleBytes
	kbMissingMedia            // embeds the media whose file is missing
	kbLinks                   // links in every form: percent-encoded slug, #fragment, agent app
	kbOddLinks                // edge: links to a deleted article and to ones that do not exist
	numKBRoles
)

type kbCat struct {
	id        oid
	parent    int // index in kbPlan.cats; -1 for the root
	depth     int
	text      kbText
	langs     uint8 // a bit per language the category has
	disabled  uint8 // languages switched off
	published bool
	position  int
	created   int64
	updated   int64
}

type kbVersion struct {
	id                          oid
	lang                        int
	title, slug                 string
	draft                       bool
	created, updated, published int64
}

type kbArticle struct {
	id                          oid
	hash                        string
	role                        kbRole
	source                      int
	vers                        []kbVersion // the source language first
	internal, deleted, featured bool
	cats                        []int
	tags                        []string
	author                      oid
	media                       []int // indexes in kbPlan.media
	created, updated            int64
}

// version returns the article's version in language l, if it has one.
func (a *kbArticle) version(l int) *kbVersion {
	for i := range a.vers {
		if a.vers[i].lang == l {
			return &a.vers[i]
		}
	}
	return nil
}

type kbMedia struct {
	id          oid
	name, ctype string
	missing     bool
	created     int64
}

type kbPlan struct {
	kb     oid // the knowledge base the categories and articles belong to
	start  int64
	cats   []kbCat
	arts   []kbArticle
	media  []kbMedia
	logo   int // the media many articles share; -1 until first used
	hashes map[string]bool
	byRole [numKBRoles]int
	deep   int // the deepest category of the planted chain
}

const saltKB = 0x6b62

func (g *gen) writeKB() error {
	if g.p.kb.articles == 0 {
		return nil
	}
	g.reseed(0, saltKB)
	p := &kbPlan{logo: -1, hashes: map[string]bool{}}
	// The knowledge base opened two months after the import, at 10:00.
	p.start = floorDiv(g.importAt+60*day, day)*day + 10*3600_000
	p.kb = makeID(p.start, kindKB, 0, 0)
	g.kbCategories(p)
	g.kbArticles(p)
	for k := range p.cats {
		if err := g.writeKBCategory(p, k); err != nil {
			return err
		}
	}
	for k := range p.arts {
		if err := g.writeKBArticle(p, k); err != nil {
			return err
		}
	}
	for k := range p.media {
		if err := g.writeKBMedia(p, k); err != nil {
			return err
		}
	}
	return nil
}

var (
	kbRootText = kbText{"Knowledge base", "Base de conocimientos", "Wissensdatenbank"}
	kbTopCats  = []kbText{
		{"Orders & Shipping", "Pedidos y envíos", "Bestellungen & Versand"},
		{"Returns & Refunds", "Devoluciones y reembolsos", "Rücksendungen & Erstattungen"},
		{"Account & Billing", "Cuenta y facturación", "Konto & Abrechnung"},
		{"Products", "Productos", "Produkte"},
		{"Troubleshooting", "Solución de problemas", "Fehlerbehebung"},
		{"Policies", "Políticas", "Richtlinien"},
		{"Getting Started", "Primeros pasos", "Erste Schritte"},
		{"Integrations", "Integraciones", "Integrationen"},
	}
	// kbDeepChain nests from depth 2 down; the first three always exist.
	kbDeepChain = []kbText{
		{"Kitchen appliances", "Electrodomésticos de cocina", "Küchengeräte"},
		{"Kettles & coffee makers", "Hervidores y cafeteras", "Wasserkocher & Kaffeemaschinen"},
		{"Legacy models", "Modelos antiguos", "Ältere Modelle"},
		{"Discontinued before 2020", "Descatalogados antes de 2020", "Vor 2020 eingestellt"},
	}
	kbSubCats = []kbText{
		{"Delivery times", "Plazos de entrega", "Lieferzeiten"},
		{"Exchanges", "Cambios", "Umtausch"},
		{"Payment methods", "Métodos de pago", "Zahlungsmethoden"},
		{"International orders", "Pedidos internacionales", "Internationale Bestellungen"},
		{"Invoices", "Facturas", "Rechnungen"},
		{"Subscriptions", "Suscripciones", "Abonnements"},
		{"Audio", "Audio", "Audio"},
		{"Smart home", "Hogar inteligente", "Smart Home"},
		{"Outdoor", "Exterior", "Outdoor"},
		{"Accessories", "Accesorios", "Zubehör"},
		{"Warranty", "Garantía", "Garantie"},
		{"Privacy", "Privacidad", "Datenschutz"},
		{"Mobile app", "Aplicación móvil", "Mobile App"},
		{"Login problems", "Problemas de inicio de sesión", "Anmeldeprobleme"},
		{"Gift cards", "Tarjetas regalo", "Geschenkkarten"},
		{"Loyalty program", "Programa de fidelidad", "Treueprogramm"},
	}
	// kbOddCat is the edge profile's category title beyond Latin script.
	kbOddCat = kbText{"Ofertas 🎉 & Café — 日本語サポート", "Ofertas 🎉 y café — 日本語サポート", "Angebote 🎉 & Café — 日本語サポート"}

	kbProductPrefixes = []string{"Aurora", "Nimbus", "Cirrus", "Halo", "Tundra", "Ember", "Lumen", "Vela", "Pico", "Orbit"}
	kbProductNouns    = []string{"Kettle", "Blender", "Speaker", "Lamp", "Cooler", "Grill", "Doorbell", "Thermostat", "Earbuds", "Scale"}
)

// kbProduct names product i (< 100): brand names, the same in every
// language.
func kbProduct(i int) string {
	return kbProductPrefixes[i%len(kbProductPrefixes)] + " " + kbProductNouns[i/len(kbProductPrefixes)%len(kbProductNouns)]
}

const allKBLangs = 1<<numKBLangs - 1

// kbProductsCat is the top-level category (in kbTopCats) the deep chain
// hangs from.
const kbProductsCat = 3

func (g *gen) kbCategories(p *kbPlan) {
	n := max(g.p.kb.categories, 1+kbProductsCat+1+3)
	add := func(parent int, text kbText, langs uint8) int {
		c := kbCat{parent: parent, text: text, langs: langs | 1<<lEN, published: true}
		if parent < 0 {
			c.created = p.start
		} else {
			c.depth = p.cats[parent].depth + 1
			c.created = g.between(p.cats[parent].created, p.start+180*day)
			for _, s := range p.cats {
				if s.parent == parent {
					c.position++
				}
			}
		}
		c.id = makeID(c.created, kindKBCategory, 0, uint32(len(p.cats)))
		c.updated = g.between(c.created, g.now-day)
		if c.langs&(1<<lDE) != 0 && parent >= 0 && g.chance(0.15) {
			c.disabled |= 1 << lDE
		}
		p.cats = append(p.cats, c)
		return len(p.cats) - 1
	}
	add(-1, kbRootText, allKBLangs)
	nTop := min(len(kbTopCats), max(kbProductsCat+1, (n-1)/5))
	for k := 0; k < nTop; k++ {
		add(0, kbTopCats[k], allKBLangs)
	}
	chain := 3
	if n >= 20 {
		chain = len(kbDeepChain)
	}
	p.deep = 1 + kbProductsCat
	for k := 0; k < chain; k++ {
		p.deep = add(p.deep, kbDeepChain[k], 1<<lEN|1<<lES)
	}
	if g.p.kb.odd {
		add(0, kbOddCat, 1<<lEN|1<<lES)
	}
	for sub := 0; len(p.cats) < n; sub++ {
		var text kbText
		if sub < len(kbSubCats) {
			text = kbSubCats[sub]
		} else {
			name := kbProduct(sub - len(kbSubCats))
			text = kbText{name, name, name}
		}
		// Under a top-level category or one of its children: most trees
		// are shallow, the planted chain is the deep one.
		var parents []int
		for k, c := range p.cats {
			if c.depth == 1 || c.depth == 2 && g.r.IntN(3) == 0 {
				parents = append(parents, k)
			}
		}
		var langs uint8
		if g.chance(0.6) {
			langs |= 1 << lES
		}
		if g.chance(0.4) {
			langs |= 1 << lDE
		}
		add(parents[g.r.IntN(len(parents))], text, langs)
	}
	// One category nobody published yet: the last one made.
	p.cats[len(p.cats)-1].published = false
}

var (
	// kbGeneralTopics come first, so the planted roles get the ones their
	// cases need: a role's article has topic role-1.
	kbGeneralTopics = []kbText{
		{"Returning an item", "Devolución de un artículo", "Rücksendung eines Artikels"},
		{"Setting up two-factor authentication", "Configurar la autenticación en dos pasos", "Zwei-Faktor-Authentifizierung einrichten"},
		{"When will I get my refund?", "¿Cuándo recibiré mi reembolso?", "Wann erhalte ich meine Erstattung?"},
		{"Exchanging for a different size", "Cambiar por otra talla", "Umtausch in eine andere Größe"},
		{"Using a discontinued promo code", "Usar un código promocional retirado", "Einen abgelaufenen Gutscheincode verwenden"},
		{"Contacting support", "Cómo contactar con soporte", "Den Support kontaktieren"},
		{"Damaged or missing items", "Artículos dañados o que faltan", "Beschädigte oder fehlende Artikel"},
		{"Escalation playbook for agents", "Guía de escalado para agentes", "Eskalationsleitfaden für Agenten"},
		{"Complete owner's manual", "Manual completo del propietario", "Vollständiges Benutzerhandbuch"},
		{"Assembling your order", "Montar tu pedido", "Ihre Bestellung aufbauen"},
		{"Where to find answers", "Dónde encontrar respuestas", "Wo Sie Antworten finden"},
		{"Old links and moved pages", "Enlaces antiguos y páginas movidas", "Alte Links und verschobene Seiten"},
		{"How to track your order", "Cómo rastrear tu pedido", "So verfolgen Sie Ihre Bestellung"},
		{"Changing your shipping address", "Cambiar la dirección de envío", "Lieferadresse ändern"},
		{"Resetting your password", "Restablecer la contraseña", "Passwort zurücksetzen"},
		{"Updating your payment method", "Actualizar el método de pago", "Zahlungsmethode aktualisieren"},
		{"Understanding your invoice", "Cómo leer tu factura", "Ihre Rechnung verstehen"},
		{"Cancelling a subscription", "Cancelar una suscripción", "Abonnement kündigen"},
		{"Shipping to another country", "Envíos a otro país", "Versand ins Ausland"},
		{"Using a gift card", "Cómo usar una tarjeta regalo", "Geschenkkarte einlösen"},
		{"Earning loyalty points", "Cómo ganar puntos de fidelidad", "Treuepunkte sammeln"},
		{"Our privacy policy in brief", "Nuestra política de privacidad en resumen", "Unsere Datenschutzerklärung in Kürze"},
		{"Connecting the mobile app", "Conectar la aplicación móvil", "Die mobile App verbinden"},
		{"Delivery times and cut-offs", "Plazos de entrega y horarios límite", "Lieferzeiten und Bestellschluss"},
		{"Warranty claims", "Reclamaciones de garantía", "Garantieansprüche"},
		{"Deleting your account", "Eliminar tu cuenta", "Ihr Konto löschen"},
	}
	kbProductTopics = []kbText{
		{"Getting started", "Primeros pasos", "Erste Schritte"},
		{"Cleaning and care", "Limpieza y cuidado", "Reinigung und Pflege"},
		{"Troubleshooting", "Solución de problemas", "Fehlerbehebung"},
		{"Replacement parts", "Piezas de repuesto", "Ersatzteile"},
		{"Firmware updates", "Actualizaciones de firmware", "Firmware-Updates"},
		{"Safety information", "Información de seguridad", "Sicherheitshinweise"},
		{"Technical specifications", "Especificaciones técnicas", "Technische Daten"},
		{"Assembly instructions", "Instrucciones de montaje", "Montageanleitung"},
		{"Frequently asked questions", "Preguntas frecuentes", "Häufig gestellte Fragen"},
		{"Warranty coverage", "Cobertura de la garantía", "Garantieumfang"},
	}
	kbTags = []string{"how-to", "faq", "shipping", "Returns", "billing", "new", "Known Issue"}
)

func (g *gen) kbArticles(p *kbPlan) {
	n := min(max(g.p.kb.articles, int(numKBRoles)), MaxKBArticles)
	products := g.r.Perm(100 * len(kbProductTopics))
	var cats []int // where articles go: any category but the root
	for k := 1; k < len(p.cats); k++ {
		cats = append(cats, k)
	}
	for k := 0; k < n; k++ {
		a := kbArticle{role: kbPlain, source: lEN}
		if k+1 < int(numKBRoles) && (kbRole(k+1) != kbOddLinks || g.p.kb.odd) {
			a.role = kbRole(k + 1)
			p.byRole[a.role] = k
		}
		var text kbText
		if k < len(kbGeneralTopics) {
			text = kbGeneralTopics[k]
		} else {
			pi := products[(k-len(kbGeneralTopics))%len(products)]
			prod, topic := kbProduct(pi/len(kbProductTopics)), kbProductTopics[pi%len(kbProductTopics)]
			for l := range text {
				text[l] = prod + ": " + topic[l]
			}
		}
		a.created = g.between(p.start+30*day, g.now-20*day)
		a.id = makeID(a.created, kindKBArticle, 0, uint32(k))
		a.hash = g.kbHash(p)
		a.author = g.agents[g.r.IntN(len(g.agents))].id

		// Languages and what is published in each.
		langs := uint8(1 << lEN)
		switch u := g.r.IntN(100); {
		case a.role != kbPlain:
		case u < 4:
			a.source = lES
		case u < 6:
			a.source = lDE
		}
		if g.chance(0.4) {
			langs |= 1 << lES
		}
		if g.chance(0.25) {
			langs |= 1 << lDE
		}
		sourceDraft := a.role == kbPlain && g.chance(0.12)
		switch a.role {
		case kbDraftTranslation:
			langs = 1<<lEN | 1<<lES
		case kbAllDraft:
			langs |= 1 << lES
			sourceDraft = true
		case kbSourceES:
			a.source, langs = lES, 1<<lES|1<<lEN
		case kbSourceDE:
			a.source, langs = lDE, 1<<lDE
		case kbLong:
			langs = 1 << lEN
		case kbLinks, kbOddLinks:
			langs |= 1 << lEN
		}
		langs |= 1 << a.source
		for _, l := range append([]int{a.source}, lEN, lES, lDE) {
			if langs&(1<<l) == 0 || a.version(l) != nil {
				continue
			}
			v := kbVersion{lang: l, title: text[l], slug: kbSlug(text[l])}
			v.id = makeID(a.created, kindKBVersion, uint32(k), uint32(l))
			v.created = a.created
			if l != a.source {
				v.created = g.between(a.created, g.now-10*day)
				v.draft = sourceDraft || g.chance(0.3)
			} else {
				v.draft = sourceDraft
			}
			if a.role == kbDraftTranslation {
				v.draft = l == lES
			}
			v.updated = g.between(v.created, g.now-day)
			if !v.draft {
				v.published = g.between(v.created, v.updated+1)
			}
			a.updated = max(a.updated, v.updated)
			a.vers = append(a.vers, v)
		}

		a.internal = a.role == kbInternal || a.role == kbPlain && g.chance(0.1)
		a.deleted = a.role == kbDeleted || a.role == kbPlain && g.chance(0.03)
		a.featured = g.chance(0.08)
		for t := g.r.IntN(3); t > 0; t-- {
			a.tags = append(a.tags, g.pick(kbTags))
		}
		switch a.role {
		case kbInRoot:
			a.cats = []int{0}
		case kbTwoCategories:
			a.cats = []int{p.deep, 1 + g.r.IntN(kbProductsCat)}
		default:
			a.cats = []int{cats[g.r.IntN(len(cats))]}
			if a.role == kbPlain && g.chance(0.06) {
				if c := cats[g.r.IntN(len(cats))]; c != a.cats[0] {
					a.cats = append(a.cats, c)
				}
			}
		}

		// Images: screenshots of its own, and the org's logo on some.
		images := 0
		switch {
		case a.role == kbLong:
			images = 3
		case a.role == kbMissingMedia:
			images = 1
		case g.chance(0.35):
			images = 1 + g.r.IntN(2)
		}
		for ; images > 0; images-- {
			a.media = append(a.media, g.kbNewMedia(p, a.created, false))
		}
		if a.role == kbMissingMedia {
			a.media = append(a.media, g.kbNewMedia(p, a.created, true))
		}
		if g.chance(0.15) {
			if p.logo < 0 {
				p.logo = len(p.media)
				p.media = append(p.media, kbMedia{id: makeID(p.start, kindMedia, 0, uint32(len(p.media))), name: "logo.png", ctype: "image/png", created: p.start})
			}
			a.media = append(a.media, p.logo)
		}
		p.arts = append(p.arts, a)
	}
}

var kbMediaKinds = []struct{ name, ctype string }{
	{"step-1.png", "image/png"},
	{"settings-screen.png", "image/png"},
	{"product-photo.jpg", "image/jpeg"},
	{"loading.gif", "image/gif"},
	{"Schritt 2 – Übersicht.png", "image/png"},
	{"diagram.png", "image/png"},
}

func (g *gen) kbNewMedia(p *kbPlan, at int64, missing bool) int {
	m := kbMedia{missing: missing, created: g.between(at, at+day)}
	m.id = makeID(m.created, kindMedia, 0, uint32(len(p.media)))
	if missing {
		m.name, m.ctype = "old-wiring-diagram.png", "image/png"
	} else {
		k := kbMediaKinds[g.r.IntN(len(kbMediaKinds))]
		m.name, m.ctype = k.name, k.ctype
	}
	p.media = append(p.media, m)
	return len(p.media) - 1
}

const kbHashChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// kbHash draws an article's short URL id, unique in the knowledge base.
// [GUESS] Kustomer's look alphanumeric; 9 characters here.
func (g *gen) kbHash(p *kbPlan) string {
	for {
		var b [9]byte
		for i := range b {
			b[i] = kbHashChars[g.r.IntN(len(kbHashChars))]
		}
		if h := string(b[:]); !p.hashes[h] {
			p.hashes[h] = true
			return h
		}
	}
}

// kbSlug makes a URL slug of a title the way a help center does:
// lower case, letters and digits of any script kept, the rest a dash.
func kbSlug(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range title {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(unicode.ToLower(c))
			dash = false
		} else if b.Len() > 0 && !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (g *gen) writeKBCategory(p *kbPlan, k int) error {
	c := &p.cats[k]
	e := &g.e
	e.reset()
	e.head("kb_category", c.id)
	e.key("langs")
	e.obj()
	for l := range numKBLangs {
		if c.langs&(1<<l) == 0 {
			continue
		}
		e.key(kbLangs[l])
		e.obj()
		e.kstr("title", c.text[l])
		e.kstr("slug", kbSlug(c.text[l]))
		if c.parent >= 0 {
			e.kstr("description", kbCatDescription[l]+c.text[l])
		} else {
			e.kstr("description", "")
		}
		e.kbool("disabled", c.disabled&(1<<l) != 0)
		e.end()
	}
	e.end()
	e.kbool("published", c.published)
	e.kbool("root", c.parent < 0)
	e.kid("knowledgeBase", p.kb)
	e.kint("position", int64(c.position))
	e.ktime("createdAt", c.created)
	e.ktime("updatedAt", c.updated)
	e.end()
	if c.parent >= 0 {
		e.key("relationships")
		e.obj()
		e.rel("parent", "kb_category", p.cats[c.parent].id)
		e.end()
	}
	e.end()
	return g.w.writeLine(tKBCategory, e.b)
}

var kbCatDescription = kbText{"Articles about ", "Artículos sobre ", "Artikel zum Thema "}

func (g *gen) writeKBArticle(p *kbPlan, k int) error {
	a := &p.arts[k]
	src := &a.vers[0]
	scope := "public"
	if a.internal {
		scope = "internal"
	}
	e := &g.e
	e.reset()
	e.head("kb_article", a.id)
	e.kstr("title", src.title)
	e.kstr("status", kbStatus(src.draft))
	e.kstr("scope", scope)
	e.kstr("source", kbLangs[a.source])
	e.kstr("hash", a.hash)
	e.kstr("metaDescription", kbMeta[a.source]+src.title)
	e.kstrs("tags", a.tags)
	e.key("categories")
	e.arr()
	for _, c := range a.cats {
		e.obj()
		e.kid("id", p.cats[c].id)
		e.kid("knowledgeBase", p.kb)
		e.end()
	}
	e.endArr()
	e.key("knowledgeBases")
	e.arr()
	e.obj()
	e.kid("id", p.kb)
	e.kbool("featured", a.featured)
	e.end()
	e.endArr()
	e.kbool("deleted", a.deleted)
	e.key("langVersions")
	e.obj()
	for i := range a.vers {
		v := &a.vers[i]
		e.key(kbLangs[v.lang])
		e.obj()
		e.key("currentVersion")
		e.obj()
		e.key("id")
		e.obj()
		e.kid("_id", v.id)
		e.kstr("lang", kbLangs[v.lang])
		e.kstr("title", v.title)
		e.kstr("slug", v.slug)
		g.sc.html = g.kbBody(g.sc.html[:0], p, a, v)
		e.key("htmlBody")
		e.strBytes(g.sc.html)
		e.kstr("status", kbStatus(v.draft))
		e.kstr("scope", scope)
		e.ktime("createdAt", v.created)
		e.ktime("updatedAt", v.updated)
		if !v.draft {
			e.ktime("publishedAt", v.published)
		}
		e.end()
		e.end()
		e.end()
	}
	e.end()
	e.ktime("createdAt", a.created)
	e.ktime("updatedAt", a.updated)
	e.end()
	e.key("relationships")
	e.obj()
	e.rel("createdBy", "user", a.author)
	e.end()
	e.end()
	return g.w.writeLine(tKBArticle, e.b)
}

var kbMeta = kbText{"Help article: ", "Artículo de ayuda: ", "Hilfeartikel: "}

func kbStatus(draft bool) string {
	if draft {
		return "draft"
	}
	return "published"
}

var (
	kbSentences = [numKBLangs][]string{
		{
			"Sign in to your account and open Orders.",
			"Select the order you want to change.",
			"Follow the steps on the screen to finish.",
			"Changes can take up to 24 hours to appear.",
			"If the button is greyed out, the order has already shipped.",
			"Keep your receipt until the return has been processed.",
			"You will get a confirmation email once we are done.",
			"Contact our support team if anything looks wrong.",
			"This option is available on the website and in the mobile app.",
			"Refunds go back to the original payment method.",
		},
		{
			"Inicia sesión en tu cuenta y abre Pedidos.",
			"Selecciona el pedido que quieres cambiar.",
			"Sigue los pasos que aparecen en la pantalla.",
			"Los cambios pueden tardar hasta 24 horas en aparecer.",
			"Si el botón está desactivado, el pedido ya se ha enviado.",
			"Guarda el recibo hasta que se procese la devolución.",
			"Recibirás un correo de confirmación cuando terminemos.",
			"Ponte en contacto con soporte si algo no es correcto.",
		},
		{
			"Melden Sie sich an und öffnen Sie „Bestellungen“.",
			"Wählen Sie die Bestellung aus, die Sie ändern möchten.",
			"Folgen Sie den Schritten auf dem Bildschirm.",
			"Änderungen können bis zu 24 Stunden dauern.",
			"Ist die Schaltfläche ausgegraut, wurde die Bestellung bereits versendet.",
			"Bewahren Sie den Beleg auf, bis die Rücksendung bearbeitet ist.",
			"Sie erhalten eine Bestätigung per E-Mail.",
			"Wenden Sie sich an unseren Support, wenn etwas nicht stimmt.",
		},
	}
	// kbStep names a body's headings; their ids are the link fragments.
	kbStep     = kbText{"Step", "Paso", "Schritt"}
	kbStepID   = kbText{"step-", "paso-", "schritt-"}
	kbSeeAlso  = kbText{"See also: ", "Véase también: ", "Siehe auch: "}
	kbEditLink = kbText{"(agents: edit this article)", "(agentes: editar este artículo)", "(Agenten: Artikel bearbeiten)"}
)

// kbSentence appends n different sentences in language l.
func (g *gen) kbSentence(dst []byte, l, n int) []byte {
	lines := kbSentences[l]
	var order [16]uint8
	for i := range lines {
		order[i] = uint8(i)
	}
	for k := 0; k < n && k < len(lines); k++ {
		j := k + g.r.IntN(len(lines)-k)
		order[k], order[j] = order[j], order[k]
		if k > 0 {
			dst = append(dst, ' ')
		}
		dst = appendHTMLText(dst, []byte(lines[order[k]]))
	}
	return dst
}

// kbBody writes the htmlBody of one version: steps with headings, the
// article's images, links to other articles.
func (g *gen) kbBody(dst []byte, p *kbPlan, a *kbArticle, v *kbVersion) []byte {
	l := v.lang
	dst = append(dst, "<p>"...)
	dst = g.kbSentence(dst, l, 2)
	dst = append(dst, "</p>"...)
	steps := 2 + g.r.IntN(3)
	if a.role == kbLong {
		steps = 1 << 20 // until the body is long enough
	}
	images := a.media
	for s := 1; s <= steps; s++ {
		if a.role == kbLong && len(dst) > LongKBArticleBytes+LongKBArticleBytes/4 {
			break
		}
		dst = append(dst, `<h2 id="`...)
		dst = append(dst, kbStepID[l]...)
		dst = strconv.AppendInt(dst, int64(s), 10)
		dst = append(dst, `">`...)
		dst = append(dst, kbStep[l]...)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(s), 10)
		dst = append(dst, "</h2><p>"...)
		dst = g.kbSentence(dst, l, 2+g.r.IntN(4))
		dst = append(dst, "</p>"...)
		if a.role == kbLong && s%40 == 0 {
			dst = append(dst, "<ul><li>"...)
			dst = g.kbSentence(dst, l, 1)
			dst = append(dst, "</li><li>"...)
			dst = g.kbSentence(dst, l, 1)
			dst = append(dst, "</li></ul>"...)
		}
		if len(images) > 0 && (a.role != kbLong || s%100 == 1) {
			dst = g.kbImage(dst, p, images[0])
			images = images[1:]
		}
	}
	for _, m := range images {
		dst = g.kbImage(dst, p, m)
	}

	// Links to other articles: the planted forms, then some at random.
	switch {
	case a.role == kbLinks && l == lEN:
		es := &p.arts[p.byRole[kbSourceES]]
		dst = g.kbHelpLink(dst, es, es.version(lES), "")
		long := &p.arts[p.byRole[kbLong]]
		dst = g.kbHelpLink(dst, long, &long.vers[0], kbStepID[lEN]+"3")
		dst = g.kbAppLink(dst, p.arts[p.byRole[kbDraftTranslation]].id, l)
	case a.role == kbOddLinks && l == lEN:
		gone := &p.arts[p.byRole[kbDeleted]]
		dst = g.kbHelpLink(dst, gone, &gone.vers[0], "")
		dst = g.kbAppLink(dst, gone.id, l)
		nowhere := &kbArticle{hash: "noSuchArt1"}
		dst = g.kbHelpLink(dst, nowhere, &kbVersion{lang: lEN, title: "A page that was never written", slug: "a-page-that-was-never-written"}, "")
		dst = g.kbAppLink(dst, makeID(p.start, kindKBArticle, 1, 0), l)
	case g.chance(0.45):
		for n := 1 + g.r.IntN(2); n > 0; n-- {
			t := &p.arts[g.r.IntN(len(p.arts))]
			if t == a || t.deleted {
				continue
			}
			if g.r.IntN(5) < 2 {
				dst = g.kbAppLink(dst, t.id, l)
				continue
			}
			tv := t.version(l)
			if tv == nil {
				tv = &t.vers[0]
			}
			frag := ""
			if g.r.IntN(3) == 0 {
				frag = kbStepID[tv.lang] + "2"
			}
			dst = g.kbHelpLink(dst, t, tv, frag)
		}
	}
	return dst
}

func (g *gen) kbImage(dst []byte, p *kbPlan, m int) []byte {
	dst = append(dst, `<p><img src="`...)
	dst = append(dst, g.kbMediaURL(p.media[m].id)...)
	dst = append(dst, `" alt="`...)
	dst = appendHTMLText(dst, []byte(p.media[m].name))
	return append(dst, `"></p>`...)
}

// kbMediaURL is where a media's bytes are, as bodies embed it.
func (g *gen) kbMediaURL(id oid) string {
	return "https://" + g.org + ".api.kustomerapp.com/v1/media/" + id.String() + "/download"
}

// kbHelpLink links to version v of article t on the help center:
// https://<org>.kustomer.help/<lang>/<slug>-<hash>, the slug
// percent-encoded as a browser copies it.
func (g *gen) kbHelpLink(dst []byte, t *kbArticle, v *kbVersion, frag string) []byte {
	dst = append(dst, "<p>"...)
	dst = append(dst, kbSeeAlso[v.lang]...)
	dst = append(dst, `<a href="https://`...)
	dst = append(dst, g.org...)
	dst = append(dst, ".kustomer.help/"...)
	dst = append(dst, kbLangs[v.lang]...)
	dst = append(dst, '/')
	dst = append(dst, url.PathEscape(v.slug)...)
	dst = append(dst, '-')
	dst = append(dst, t.hash...)
	if frag != "" {
		dst = append(dst, '#')
		dst = append(dst, frag...)
	}
	dst = append(dst, `">`...)
	dst = appendHTMLText(dst, []byte(v.title))
	return append(dst, "</a></p>"...)
}

// kbAppLink links to an article in the agent app, the form agents paste.
func (g *gen) kbAppLink(dst []byte, id oid, l int) []byte {
	dst = append(dst, `<p><a href="https://`...)
	dst = append(dst, g.org...)
	dst = append(dst, ".kustomerapp.com/app/settings/kb/articles/"...)
	dst = id.appendHex(dst)
	dst = append(dst, `/edit">`...)
	dst = append(dst, kbEditLink[l]...)
	return append(dst, "</a></p>"...)
}

func (g *gen) writeKBMedia(p *kbPlan, k int) error {
	m := &p.media[k]
	var data []byte
	if m.missing {
		// The record keeps the size the file had; the file is gone.
		data = nil
	} else {
		data = g.kbImageBytes(g.sc.file[:0], m.ctype)
		g.sc.file = data
	}
	size := len(data)
	if m.missing {
		size = 20_000 + g.r.IntN(40_000)
	}
	e := &g.e
	e.reset()
	e.head("media", m.id)
	e.kstr("name", m.name)
	e.kstr("contentType", m.ctype)
	e.kint("contentLength", int64(size))
	e.kstr("url", g.kbMediaURL(m.id))
	e.ktime("createdAt", m.created)
	e.ktime("updatedAt", m.created)
	e.end()
	e.end()
	if err := g.w.writeLine(tMedia, e.b); err != nil {
		return err
	}
	if m.missing {
		return nil
	}
	return g.w.WriteFile(m.id.String(), data)
}

// kbImageBytes makes a small real image of the type: the noise PNG of
// attachments, a gradient JPEG, a two-colour GIF.
func (g *gen) kbImageBytes(dst []byte, ctype string) []byte {
	switch ctype {
	case "image/jpeg":
		w, h := 24+g.r.IntN(40), 16+g.r.IntN(32)
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		base := uint8(g.r.IntN(256))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.RGBA{base + uint8(x*4), uint8(y * 6), 128, 255})
			}
		}
		buf := bytes.NewBuffer(dst)
		if err := jpeg.Encode(buf, img, &jpeg.Options{Quality: 70}); err != nil {
			panic(err) // writing to memory cannot fail
		}
		return buf.Bytes()
	case "image/gif":
		pal := color.Palette{color.White, color.RGBA{uint8(g.r.IntN(256)), 90, 200, 255}}
		img := image.NewPaletted(image.Rect(0, 0, 16, 16), pal)
		for i := range img.Pix {
			img.Pix[i] = uint8(g.r.IntN(2))
		}
		buf := bytes.NewBuffer(dst)
		if err := gif.Encode(buf, img, nil); err != nil {
			panic(err)
		}
		return buf.Bytes()
	}
	return g.fileBytes(dst, "image/png")
}
