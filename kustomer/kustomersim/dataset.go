package kustomersim

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"slices"
	"sync"
	"time"
)

// kind is a resource type of the export. The constants are in load order: a
// kind's parents load before it, so parent references resolve while reading.
type kind uint8

const (
	kCompany kind = iota
	kCustomer
	kUser
	kTeam
	kConversation
	kMessage
	kNote
	kKlass
	kKObject
	kAttachment
	kKBCategory
	kKBArticle
	kMedia
	numKinds
)

// parentRel is a relationship a record of some kind holds to its parent; its
// index in kindSpec.parents is the slot in rec.parent.
type parentRel struct {
	rel  string // relationships key, also the JSON:API type of the parent
	kind kind
}

type kindSpec struct {
	name    string // JSON:API type
	file    string
	parents []parentRel
}

var kinds = [numKinds]kindSpec{
	kCompany:      {name: "company", file: "companies.ndjson"},
	kCustomer:     {name: "customer", file: "customers.ndjson", parents: []parentRel{{"company", kCompany}}},
	kUser:         {name: "user", file: "users.ndjson"},
	kTeam:         {name: "team", file: "teams.ndjson"},
	kConversation: {name: "conversation", file: "conversations.ndjson", parents: []parentRel{{"customer", kCustomer}}},
	kMessage:      {name: "message", file: "messages.ndjson", parents: []parentRel{{"conversation", kConversation}, {"customer", kCustomer}}},
	kNote:         {name: "note", file: "notes.ndjson", parents: []parentRel{{"conversation", kConversation}, {"customer", kCustomer}}},
	kKlass:        {name: "klass", file: "klasses.ndjson"},
	kKObject:      {name: "kobject", file: "kobjects.ndjson", parents: []parentRel{{"klass", kKlass}, {"customer", kCustomer}, {"company", kCompany}}},
	kAttachment:   {name: "attachment", file: "attachments.ndjson", parents: []parentRel{{"message", kMessage}}},
	// The knowledge base: a category's parent is another category, which
	// may come later in its file, so the tree is not indexed here.
	kKBCategory: {name: "kb_category", file: "kb_categories.ndjson"},
	kKBArticle:  {name: "kb_article", file: "kb_articles.ndjson"},
	kMedia:      {name: "media", file: "kb_media.ndjson"},
}

func kindByName(name string) (kind, bool) {
	for k := range numKinds {
		if kinds[k].name == name {
			return k, true
		}
	}
	return 0, false
}

// slot returns the parent slot of kind k that points at kind p.
func (k kind) slot(p kind) (int, bool) {
	for i, pr := range kinds[k].parents {
		if pr.kind == p {
			return i, true
		}
	}
	return 0, false
}

const (
	noParent = -1 // the relationship is absent
	dangling = -2 // the relationship names an id the dataset does not hold
)

const (
	flagDeleted  uint8 = 1 << iota // attributes.deleted is true
	flagOrgURL                     // the line mentions https://<org>.api.kustomerapp.com/v1/attachments/
	flagMediaURL                   // the line mentions https://<org>.api.kustomerapp.com/v1/media/
)

// rec is one resource: its line as read plus the fields the server indexes.
type rec struct {
	raw     []byte
	created int64 // Unix ms, 0 when absent
	updated int64 // Unix ms; createdAt when updatedAt is absent
	parent  [3]int32
	id      [12]byte
	flags   uint8
}

// order names a presorted permutation of a table.
type order uint8

const (
	byCreated order = iota // (createdAt, id): the order of every list
	byUpdated              // (updatedAt, id): search on updated_at
	byID
	numOrders
)

type table struct {
	kind  kind
	recs  []rec
	byID  map[[12]byte]int32
	byExt map[string]int32 // first record with each externalId
	// kids[c][i] lists the records of kind c whose parent is record i, in
	// list order; nil when kind c has no parent of this table's kind.
	kids     [numKinds][][]int32
	dangling map[danglingKey]string

	once   [numOrders]sync.Once
	orders [numOrders][]int32
}

type danglingKey struct {
	rec  int32
	slot uint8
}

// sorted returns the table's records in order o, computing it on first use.
func (t *table) sorted(o order) []int32 {
	t.once[o].Do(func() {
		idx := make([]int32, len(t.recs))
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortFunc(idx, func(a, b int32) int { return t.compare(o, a, b) })
		t.orders[o] = idx
	})
	return t.orders[o]
}

func (t *table) compare(o order, a, b int32) int {
	ra, rb := &t.recs[a], &t.recs[b]
	switch o {
	case byCreated:
		if c := cmp.Compare(ra.created, rb.created); c != 0 {
			return c
		}
	case byUpdated:
		if c := cmp.Compare(ra.updated, rb.updated); c != 0 {
			return c
		}
	}
	return bytes.Compare(ra.id[:], rb.id[:])
}

func (t *table) lookup(id string) (int32, bool) {
	var key [12]byte
	if !parseID(id, &key) {
		return 0, false
	}
	i, ok := t.byID[key]
	return i, ok
}

// parentID returns the id of record i's parent in slot s, or "".
func (d *Dataset) parentID(t *table, i int32, s int) string {
	switch p := t.recs[i].parent[s]; p {
	case noParent:
		return ""
	case dangling:
		return t.dangling[danglingKey{i, uint8(s)}]
	default:
		pk := kinds[t.kind].parents[s].kind
		return idString(d.tables[pk].recs[p].id)
	}
}

// Dataset is a loaded export directory. It is immutable and safe for
// concurrent use by any number of servers.
type Dataset struct {
	dir    string
	org    string
	now    time.Time // manifest "now"; zero when absent
	tables [numKinds]*table

	klassName   []string // per klass record
	klassStatus []string
	klassByName map[string]int32
	userType    []string // per user record
	userEmail   []string
	userTeams   [][]int32 // teams whose members include the user
	attType     []string  // contentType per attachment record
	mediaType   []string  // contentType per media record
	kbArticles  []*kbArticle
	custByEmail map[string][]int32
	custByPhone map[string][]int32
}

// Org returns the organisation name from the manifest.
func (d *Dataset) Org() string { return d.org }

// Now returns the manifest's "now" and whether the manifest sets one.
func (d *Dataset) Now() (time.Time, bool) { return d.now, !d.now.IsZero() }

// Dir returns the directory the dataset was loaded from.
func (d *Dataset) Dir() string { return d.dir }

// Counts returns the number of records of each JSON:API type.
func (d *Dataset) Counts() map[string]int {
	m := make(map[string]int, numKinds)
	for k := range numKinds {
		m[kinds[k].name] = len(d.tables[k].recs)
	}
	return m
}

func parseID(s string, out *[12]byte) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	_, err := hex.Decode(out[:], []byte(s))
	return err == nil
}

func idString(id [12]byte) string { return hex.EncodeToString(id[:]) }

// arena hands out copies of lines from large shared blocks, so a dataset of
// millions of records is a few hundred allocations rather than millions.
type arena struct{ block []byte }

const arenaBlock = 1 << 20

func (a *arena) copy(b []byte) []byte {
	if len(b) > cap(a.block)-len(a.block) {
		a.block = make([]byte, 0, max(arenaBlock, len(b)))
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return a.block[start:len(a.block):len(a.block)]
}
