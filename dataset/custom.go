package dataset

import "hash/fnv"

// Custom attributes beyond the ordinary ones (edge profile): every suffix
// on conversations, and values that do not fit their suffix. Their draws
// are hashed from the record's id, not taken from the generator's stream,
// so adding them leaves every other record of a seed as it was.

const saltCustom = 0x637573746f6d

// draw is a number in [0, 1) fixed by the record's id and a salt.
func (g *gen) draw(id string, salt uint64) float64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return float64(mix(g.seed^h.Sum64()^salt)>>11) / (1 << 53)
}

// unfit says whether the record's attribute gets a value that does not
// fit its suffix, and counts it.
func (g *gen) unfit(id, attr string) bool {
	if g.p.unfitCustom <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(attr))
	if g.draw(id, saltCustom^h.Sum64()) >= g.p.unfitCustom {
		return false
	}
	g.edge(EdgeUnfitCustom, 1)
	return true
}

// unfitValues are values that do not fit a suffix, as people type them.
var unfitValues = map[string]string{"Num": "about 40", "At": "next spring", "Bool": "yes"}

// moreConversationCustom adds the suffixes conversations lack otherwise
// (Txt, At, Url, Id) on some conversations.
func (g *gen) moreConversationCustom(id string, at int64, customer oid) {
	if !g.p.allSuffixes || g.draw(id, saltCustom) >= 0.3 {
		return
	}
	e := &g.e
	e.kstr("handoffNotesTxt", "Customer prefers a call back.\nDo not offer a refund twice.")
	if g.unfit(id, "followUpAt") {
		e.kstr("followUpAt", unfitValues["At"])
	} else {
		e.ktime("followUpAt", at)
	}
	e.kstr("crmRecordUrl", "https://crm.example/records/"+id)
	e.kid("linkedCustomerId", customer)
	g.edge(EdgeCustomAllSuffixes, 1)
}
