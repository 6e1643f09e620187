package record

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The knowledge base (spec/export.md, "Knowledge base"): categories in a
// tree under a hidden root, articles as containers with one version per
// language, and the media their bodies embed.

// KBLang is what a category says in one language.
type KBLang struct {
	Lang        string `expr:"lang"`
	Title       string `expr:"title"`
	Slug        string `expr:"slug"`
	Description string `expr:"description"`
	Disabled    bool   `expr:"disabled"`
}

// KBCategory is a knowledge base category; the hidden root of a knowledge
// base is one too (Root). Depth, Path and Articles are not Kustomer's:
// the engine fills them from the whole tree (KBTree) before a mapping
// reads the record.
type KBCategory struct {
	ID            string    `expr:"id"`
	Langs         []KBLang  `expr:"langs"` // by language code
	Title         string    `expr:"title"` // in the first language that has one (en_us first)
	Slug          string    `expr:"slug"`
	Description   string    `expr:"description"`
	Published     bool      `expr:"published"`
	Root          bool      `expr:"root"`
	KnowledgeBase string    `expr:"knowledgeBase"`
	Position      int       `expr:"position"`
	ParentID      string    `expr:"parent"`
	CreatedAt     time.Time `expr:"createdAt"`
	UpdatedAt     time.Time `expr:"updatedAt"`
	// Depth is 0 for a root, 1 for its children and so on.
	Depth int `expr:"depth"`
	// Path lists the ancestors' ids from the top-level category down,
	// without the root and without the category itself.
	Path []string `expr:"path"`
	// Articles counts the articles (not deleted) its Help Center section
	// would hold: those placed in it, and those folded into it from
	// deeper categories (KBTree.SectionOf).
	Articles int            `expr:"articles"`
	Extra    map[string]any `expr:"attributes"`
}

// KBVersion is one language version of an article.
type KBVersion struct {
	ID          string    `expr:"id"`
	Lang        string    `expr:"lang"`
	Title       string    `expr:"title"`
	Slug        string    `expr:"slug"`
	Body        string    `expr:"body"` // htmlBody
	Status      string    `expr:"status"`
	Scope       string    `expr:"scope"`
	CreatedAt   time.Time `expr:"createdAt"`
	UpdatedAt   time.Time `expr:"updatedAt"`
	PublishedAt time.Time `expr:"publishedAt"`
	// Source is true for the version in the article's source language.
	Source bool `expr:"source"`
	// Populated is false when the API gave only the version's id (no
	// includeLang): its title and body are then unknown.
	Populated bool `expr:"populated"`
}

// KBArticle is a knowledge base article. Section is not Kustomer's: the
// engine fills it with the category whose Help Center section holds the
// article (KBTree.SectionOf).
type KBArticle struct {
	ID              string         `expr:"id"`
	Title           string         `expr:"title"`
	Status          string         `expr:"status"`
	Scope           string         `expr:"scope"`
	Source          string         `expr:"source"` // the source language
	Hash            string         `expr:"hash"`
	MetaDescription string         `expr:"metaDescription"`
	Tags            []string       `expr:"tags"`
	Categories      []string       `expr:"categories"` // category ids, in the order given
	Deleted         bool           `expr:"deleted"`
	Versions        []KBVersion    `expr:"versions"` // the source language first, then by code
	AuthorID        string         `expr:"authorId"`
	CreatedAt       time.Time      `expr:"createdAt"`
	UpdatedAt       time.Time      `expr:"updatedAt"`
	Section         string         `expr:"section"`
	Extra           map[string]any `expr:"attributes"`
}

// Version returns the article's version in a language.
func (a *KBArticle) Version(lang string) (KBVersion, bool) {
	for _, v := range a.Versions {
		if v.Lang == lang {
			return v, true
		}
	}
	return KBVersion{}, false
}

// Media is an image or file a knowledge base article embeds.
type Media struct {
	ID            string         `expr:"id"`
	Name          string         `expr:"name"`
	ContentType   string         `expr:"contentType"`
	ContentLength int64          `expr:"contentLength"`
	URL           string         `expr:"url"`
	CreatedAt     time.Time      `expr:"createdAt"`
	UpdatedAt     time.Time      `expr:"updatedAt"`
	Extra         map[string]any `expr:"attributes"`
}

func decodeKBCategory(r *Resource, d *decoder) *KBCategory {
	c := &KBCategory{ID: r.ID, Published: d.boolean("published"), Root: d.boolean("root"),
		KnowledgeBase: d.str("knowledgeBase"), Position: d.integer("position"), ParentID: d.rel("parent"),
		CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
	var langs map[string]struct {
		Title       string `json:"title"`
		Slug        string `json:"slug"`
		Description string `json:"description"`
		Disabled    bool   `json:"disabled"`
	}
	d.into("langs", &langs)
	for _, code := range langOrder(SortedKeys(langs), "en_us") {
		l := langs[code]
		c.Langs = append(c.Langs, KBLang{Lang: code, Title: l.Title, Slug: l.Slug, Description: l.Description, Disabled: l.Disabled})
		if c.Title == "" && l.Title != "" {
			c.Title, c.Slug, c.Description = l.Title, l.Slug, l.Description
		}
	}
	c.Extra = d.extra()
	return c
}

// langOrder puts first before the other codes, which stay sorted.
func langOrder(codes []string, first string) []string {
	sort.SliceStable(codes, func(i, j int) bool { return codes[i] == first && codes[j] != first })
	return codes
}

func decodeKBArticle(r *Resource, d *decoder) *KBArticle {
	a := &KBArticle{ID: r.ID, Title: d.str("title"), Status: d.str("status"), Scope: d.str("scope"),
		Source: d.str("source"), Hash: d.str("hash"), MetaDescription: d.str("metaDescription"),
		Tags: d.strs("tags"), Deleted: d.boolean("deleted"), AuthorID: d.rel("createdBy"),
		CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
	var cats []struct {
		ID string `json:"id"`
	}
	d.into("categories", &cats)
	for _, c := range cats {
		if c.ID != "" {
			a.Categories = append(a.Categories, c.ID)
		}
	}
	var langs map[string]struct {
		CurrentVersion struct {
			ID json.RawMessage `json:"id"`
		} `json:"currentVersion"`
	}
	d.into("langVersions", &langs)
	for _, code := range langOrder(SortedKeys(langs), a.Source) {
		v, err := decodeVersion(code, langs[code].CurrentVersion.ID)
		if err != nil {
			d.fail("langVersions."+code, err)
			continue
		}
		v.Source = code == a.Source
		a.Versions = append(a.Versions, v)
	}
	a.Extra = d.extra()
	return a
}

// decodeVersion reads a language version: the populated object, or only
// its id when the API was not asked to include it.
func decodeVersion(lang string, raw json.RawMessage) (KBVersion, error) {
	v := KBVersion{Lang: lang}
	if len(raw) == 0 || string(raw) == "null" {
		return v, nil
	}
	if raw[0] == '"' {
		err := json.Unmarshal(raw, &v.ID)
		return v, err
	}
	var o struct {
		ID          string `json:"_id"`
		Lang        string `json:"lang"`
		Title       string `json:"title"`
		Slug        string `json:"slug"`
		HTMLBody    string `json:"htmlBody"`
		Status      string `json:"status"`
		Scope       string `json:"scope"`
		CreatedAt   string `json:"createdAt"`
		UpdatedAt   string `json:"updatedAt"`
		PublishedAt string `json:"publishedAt"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return v, typeError(err)
	}
	v.ID, v.Title, v.Slug, v.Body, v.Status, v.Scope, v.Populated = o.ID, o.Title, o.Slug, o.HTMLBody, o.Status, o.Scope, true
	if o.Lang != "" && o.Lang != lang {
		return v, fmt.Errorf("version of language %q under %q", o.Lang, lang)
	}
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{o.CreatedAt, &v.CreatedAt}, {o.UpdatedAt, &v.UpdatedAt}, {o.PublishedAt, &v.PublishedAt}} {
		if t.s == "" {
			continue
		}
		at, err := ParseTime(t.s)
		if err != nil {
			return v, err
		}
		*t.dst = at
	}
	return v, nil
}

func decodeMedia(r *Resource, d *decoder) *Media {
	m := &Media{ID: r.ID, Name: d.str("name"), ContentType: d.str("contentType"), URL: d.str("url"),
		CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
	m.ContentLength = int64(d.integer("contentLength"))
	m.Extra = d.extra()
	return m
}

// KBTree is the category tree of a knowledge base snapshot, for what a
// category record cannot say alone: how deep it sits, and which section
// holds an article.
type KBTree struct {
	cats     map[string]*KBCategory
	articles map[string]int
}

// NewKBTree indexes categories; articles counts, by category id, the
// articles its section holds (nil: none counted yet).
func NewKBTree(cats []*KBCategory, articles map[string]int) *KBTree {
	t := &KBTree{cats: map[string]*KBCategory{}, articles: articles}
	for _, c := range cats {
		t.cats[c.ID] = c
	}
	return t
}

// Fill sets a category's Depth, Path and Articles. A parent missing from
// the snapshot, or a cycle, ends the path there: the category is then
// treated as top-level.
func (t *KBTree) Fill(c *KBCategory) {
	c.Articles = t.articles[c.ID]
	c.Depth, c.Path = 0, nil
	if c.Root {
		return
	}
	seen := map[string]bool{c.ID: true}
	var up []string
	for p := t.cats[c.ParentID]; p != nil && !p.Root && !seen[p.ID]; p = t.cats[p.ParentID] {
		seen[p.ID] = true
		up = append(up, p.ID)
	}
	for i, j := 0, len(up)-1; i < j; i, j = i+1, j-1 {
		up[i], up[j] = up[j], up[i]
	}
	c.Depth, c.Path = len(up)+1, up
}

// SectionOf is the category whose Help Center section holds the articles
// of category id: itself down to depth 2, its depth-2 ancestor below
// that (Help Center has categories → sections, so deeper trees fold into
// their second level). "" when the category is not in the snapshot.
func (t *KBTree) SectionOf(id string) string {
	c, ok := t.cats[id]
	if !ok {
		return ""
	}
	probe := *c
	t.Fill(&probe)
	if probe.Depth <= 2 {
		return id
	}
	return probe.Path[1]
}

// Section is the category whose section holds an article: that of its
// first category the snapshot has, or the root of its knowledge base
// when it is placed in none.
func (t *KBTree) Section(a *KBArticle) string {
	for _, id := range a.Categories {
		if s := t.SectionOf(id); s != "" {
			return s
		}
	}
	return ""
}

// The source types the Help Center objects made from a category are
// aliased under: its category, and its section (a top-level category
// can become both).
const (
	KBCategoryAlias = "kb_category"
	KBSectionAlias  = "kb_section"
)

// Lang is a Kustomer language code as a Help Center locale: en_us → en-us.
func Lang(code string) string { return strings.ReplaceAll(strings.ToLower(code), "_", "-") }
