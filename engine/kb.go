package engine

import (
	"context"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// The knowledge base becomes the Help Center (spec/rules.md, "Knowledge
// base"): categories and sections from Kustomer's category tree, one
// article per Kustomer article with a translation per language version,
// the images they embed re-hosted as article attachments. Bodies are
// canonical at plan time: an image names its media (MediaPlaceholder), a
// link to another article names the article and locale
// (ArticlePlaceholder); apply turns both into Zendesk's URLs once the
// attachments and every article exist, so the plan's hash does not
// depend on ids Zendesk has not given yet.

// Placeholders in planned bodies.
const (
	MediaPlaceholder   = "kzmap:media/"   // + media id
	ArticlePlaceholder = "kzmap:article/" // + article id + "/" + locale, then the link's #fragment
)

// ArticleLabel is the label every migrated article carries: the source id
// where a reader of the Help Center (and a recovering apply) can find it.
func ArticleLabel(articleID string) string { return "kz-" + articleID }

// kbIndex is what the Help Center blocks need of the whole knowledge
// base, read once before the first of them: a KB is hundreds of records,
// not millions.
type kbIndex struct {
	tree   *record.KBTree
	byHash map[string]string // article hash → id
	arts   map[string]*kbArticle
	media  map[string]kbMedia
	// Filled as the blocks run, in kind order: what became a category, a
	// section, an article (by id, its hc_article key).
	cats, secs map[string]bool
	mapped     map[string]string
}

type kbArticle struct {
	deleted bool
	source  string   // Help Center locale of the source version
	locales []string // Help Center locales of its versions
}

type kbMedia struct {
	name, contentType string
	size              int64
	held              bool // its file is in the snapshot
}

// fileStater is a snapshot that knows which files it holds.
type fileStater interface {
	File(id string) (snapshot.File, bool, error)
}

// helpCenter says whether the mapping writes the Help Center at all.
func (g *Generator) helpCenter() bool {
	for _, m := range g.cfg.Mappings {
		if k, ok := kind.Parse(m.Kind); ok && k.HelpCenter() {
			return true
		}
	}
	return false
}

// loadKB reads the knowledge base into g.kb.
func (g *Generator) loadKB() error {
	if g.kb != nil {
		return nil
	}
	kb := &kbIndex{byHash: map[string]string{}, arts: map[string]*kbArticle{}, media: map[string]kbMedia{},
		cats: map[string]bool{}, secs: map[string]bool{}, mapped: map[string]string{}}
	var cats []*record.KBCategory
	if err := g.snap.ForEach("kb_category", func(id string, raw []byte) error {
		if rec, err := record.DecodeJSON(raw); err == nil {
			cats = append(cats, rec.(*record.KBCategory))
		}
		return nil
	}); err != nil {
		return err
	}
	tree := record.NewKBTree(cats, nil)
	counts := map[string]int{}
	if err := g.snap.ForEach("kb_article", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil
		}
		a := rec.(*record.KBArticle)
		info := &kbArticle{deleted: a.Deleted, source: record.Lang(a.Source)}
		for _, v := range a.Versions {
			info.locales = append(info.locales, record.Lang(v.Lang))
		}
		kb.arts[id] = info
		if a.Hash != "" {
			kb.byHash[a.Hash] = id
		}
		if !a.Deleted {
			counts[tree.Section(a)]++
		}
		return nil
	}); err != nil {
		return err
	}
	kb.tree = record.NewKBTree(cats, counts)
	files, _ := g.snap.(fileStater)
	if err := g.snap.ForEach("media", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil
		}
		m := rec.(*record.Media)
		held := true
		if files != nil {
			f, ok, err := files.File(id)
			if err != nil {
				return err
			}
			held = ok && (f.State == snapshot.FileOK || f.State == snapshot.FileSizeMismatch)
		}
		kb.media[id] = kbMedia{name: m.Name, contentType: m.ContentType, size: m.ContentLength, held: held}
		return nil
	}); err != nil {
		return err
	}
	g.kb = kb
	return nil
}

// kbStep wraps a Help Center step: nothing is read when the mapping has
// no Help Center block.
func (g *Generator) kbStep(step func(context.Context, func(*Desired) error) error) func(context.Context, func(*Desired) error) error {
	return func(ctx context.Context, emit func(*Desired) error) error {
		if !g.helpCenter() {
			return nil
		}
		if err := g.loadKB(); err != nil {
			return err
		}
		return step(ctx, emit)
	}
}

// fillKB completes a knowledge base record with what only the whole tree
// says: a category's depth, path and articles; an article's section.
func (g *Generator) fillKB(rec any) {
	switch r := rec.(type) {
	case *record.KBCategory:
		g.kb.tree.Fill(r)
	case *record.KBArticle:
		r.Section = g.kb.tree.Section(r)
	}
}

// hcTree emits categories (alias kb_category/<id>) or sections (alias
// kb_section/<id>) from the categories, noting which became what.
func (g *Generator) hcTree(k kind.Kind) func(context.Context, func(*Desired) error) error {
	return func(ctx context.Context, emit func(*Desired) error) error {
		alias, made := record.KBCategoryAlias, g.kb.cats
		if k == kind.HCSection {
			alias, made = record.KBSectionAlias, g.kb.secs
		}
		for _, m := range g.mappings(k) {
			err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				d, outs := g.mapKB(k, m, id, raw)
				if d.Unwritable == "" && len(outs) == 0 {
					return nil
				}
				d.Sources = []string{alias + "/" + id}
				if len(outs) > 0 {
					d.Payload = outs[0]
					if k == kind.HCSection {
						if parent := str(d.Payload, "category"); !g.kb.cats[parent] {
							g.Hz.Add("hc_sections_without_category", m.DeclRange, id+" → "+parent)
							d.Unwritable = "its category " + parent + " is not mapped to a Help Center category"
						}
					}
				}
				if d.Unwritable == "" {
					made[id] = true
				}
				return emit(d)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// mapKB decodes and fills a knowledge base record and evaluates m on it.
func (g *Generator) mapKB(k kind.Kind, m *dsl.Mapping, id string, raw []byte) (*Desired, []dsl.Payload) {
	d := &Desired{Kind: k, Key: m.Address() + ":" + id, Mapping: m.Address(), Pos: pos(m), Sources: []string{m.From + "/" + id}}
	rec, err := g.decode(m, m.From, id, raw)
	if err != nil {
		d.Unwritable = err.Error()
		return d, nil
	}
	g.fillKB(rec)
	if a, ok := rec.(*record.KBArticle); ok && a.Deleted {
		d.Deleted = "deleted in Kustomer"
		return d, nil
	}
	outs, err := g.evalOne(m, rec)
	if err != nil {
		d.Unwritable = err.Error()
		return d, nil
	}
	return d, outs
}

// hcArticles emits the articles (alias kb_article/<id>), each labelled
// with its source id; a deleted one is removed if Zendesk holds it.
func (g *Generator) hcArticles(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.mappings(kind.HCArticle) {
		err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, outs := g.mapKB(kind.HCArticle, m, id, raw)
			switch {
			case d.Deleted != "":
				if g.holds(d) {
					g.Hz.Add("hc_articles_archived", m.DeclRange, id)
					return emit(d)
				}
				return nil
			case d.Unwritable != "":
				return emit(d)
			case len(outs) == 0:
				return nil
			}
			d.Payload = outs[0]
			if sec := str(d.Payload, "section"); !g.kb.secs[sec] {
				g.Hz.Add("hc_articles_without_section", m.DeclRange, id+" → "+sec)
				d.Unwritable = "its section " + sec + " is not mapped to a Help Center section"
				return emit(d)
			}
			labels := dsl.Strings(d.Payload["label_names"])
			if l := ArticleLabel(id); !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
			d.Payload["label_names"] = labels
			g.Hz.Add("hc_dates_not_kept", m.DeclRange, id)
			g.kb.mapped[id] = d.Key
			return emit(d)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// hcAttachments emits an attachment for each held media an article's
// versions embed, keyed under the article: <article key>/<media id>.
func (g *Generator) hcAttachments(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.mappings(kind.HCArticle) {
		err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
			key, ok := g.kb.mapped[id]
			if !ok || !strings.HasPrefix(key, m.Address()+":") {
				return ctx.Err()
			}
			rec, err := record.DecodeJSON(raw)
			if err != nil {
				return nil
			}
			var ids []string
			for _, v := range rec.(*record.KBArticle).Versions {
				for _, mid := range record.MediaIDs(v.Body) {
					if !slices.Contains(ids, mid) {
						ids = append(ids, mid)
					}
				}
			}
			for _, mid := range ids {
				med, ok := g.kb.media[mid]
				if !ok || !med.held {
					continue // the translations drop the image and say so
				}
				d := &Desired{Kind: kind.HCAttachment, Key: key + "/" + mid, Mapping: m.Address(), Pos: pos(m),
					Sources: []string{"kb_article/" + id, "media/" + mid},
					Payload: dsl.Payload{"article": id, "media": mid, "file_name": UploadName(med.name, med.contentType, mid),
						"content_type": med.contentType, "inline": true}}
				if med.size > 0 {
					d.Payload["size"] = float64(med.size)
				}
				if err := emit(d); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// hcTranslations emits a translation per element of each block's
// for_each, keyed <article key>/<locale>, with its body made canonical.
func (g *Generator) hcTranslations(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.mappings(kind.HCTranslation) {
		err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, outs := g.mapKB(kind.HCTranslation, m, id, raw)
			switch {
			case d.Deleted != "":
				return nil // archiving the article archives its translations
			case d.Unwritable != "":
				return emit(d)
			}
			key, ok := g.kb.mapped[id]
			if !ok && len(outs) > 0 {
				g.Hz.Add("hc_translations_without_article", m.DeclRange, id)
				return nil
			}
			seen := map[string]bool{}
			for _, p := range outs {
				loc := str(p, "locale")
				if seen[loc] {
					g.Hz.Add("hc_translations_twice", m.DeclRange, id+"/"+loc)
					continue
				}
				seen[loc] = true
				p["article"] = id
				p["body"] = g.kbBody(m.DeclRange, id, loc, str(p, "body"))
				t := &Desired{Kind: kind.HCTranslation, Key: key + "/" + loc, Mapping: m.Address(), Pos: pos(m),
					Sources: []string{"kb_article/" + id}, Payload: p}
				if err := emit(t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	anchorTag = regexp.MustCompile(`(?is)<a\b([^>]*)>(.*?)</a\s*>`)
	imgTag    = regexp.MustCompile(`(?is)<img\b[^>]*>`)
	srcAttr   = regexp.MustCompile(`(?is)(\b(?:src|href)\s*=\s*)("[^"]*"|'[^']*')`)
)

// kbBody makes a translation's body canonical: images and files name
// their media, links to articles the migration moves name the article and
// locale. An image whose file is gone is removed, a link to an article
// that is not moved (deleted, or not in the knowledge base) keeps its
// text without the link; the plan lists both.
func (g *Generator) kbBody(at hcl.Range, articleID, locale, body string) string {
	where := articleID + "/" + locale
	body = imgTag.ReplaceAllStringFunc(body, func(tag string) string {
		ids := record.MediaIDs(tag)
		if len(ids) == 0 {
			return tag
		}
		if med, ok := g.kb.media[ids[0]]; !ok || !med.held {
			g.Hz.Add("kb_missing_media", at, where+": "+ids[0])
			return ""
		}
		return g.mediaURLs(tag)
	})
	return anchorTag.ReplaceAllStringFunc(body, func(a string) string {
		parts := anchorTag.FindStringSubmatch(a)
		attrs, text := parts[1], parts[2]
		href := srcAttr.FindStringSubmatch(attrs)
		if href == nil {
			return a
		}
		u := html.UnescapeString(strings.Trim(href[2], `"'`))
		if ids := record.MediaIDs(u); len(ids) > 0 {
			if med, ok := g.kb.media[ids[0]]; !ok || !med.held {
				g.Hz.Add("kb_missing_media", at, where+": "+ids[0])
				return text
			}
			return g.mediaURLs(a)
		}
		l, ok := record.ParseKBLink(u)
		if !ok {
			return a
		}
		target, loc := g.linkTarget(l, locale)
		if target == "" {
			g.Hz.Add("kb_links_unresolved", at, where+": "+l.URL)
			return text
		}
		repl := ArticlePlaceholder + target + "/" + loc + l.Fragment
		return "<a" + strings.Replace(attrs, href[0], href[1]+`"`+html.EscapeString(repl)+`"`, 1) + ">" + text + "</a>"
	})
}

// mediaURLs points every media URL of a tag at its placeholder.
func (g *Generator) mediaURLs(tag string) string {
	return srcAttr.ReplaceAllStringFunc(tag, func(attr string) string {
		p := srcAttr.FindStringSubmatch(attr)
		ids := record.MediaIDs(p[2])
		if len(ids) == 0 {
			return attr
		}
		return p[1] + `"` + MediaPlaceholder + ids[0] + `"`
	})
}

// linkTarget is the article a link points at, if the migration moves it,
// and the locale to link: the link's own (a help center link names one),
// else the linking translation's, else the target's source locale.
func (g *Generator) linkTarget(l record.KBLink, locale string) (id, loc string) {
	id = l.ID
	if l.Help {
		id = g.kb.byHash[l.Hash]
	}
	a, ok := g.kb.arts[id]
	if !ok || a.deleted {
		return "", ""
	}
	if _, ok := g.kb.mapped[id]; !ok {
		return "", ""
	}
	for _, want := range []string{record.Lang(l.Lang), locale} {
		if want != "" && slices.Contains(a.locales, want) {
			return id, want
		}
	}
	return id, a.source
}
