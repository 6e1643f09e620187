package audit

import (
	"slices"
	"sort"

	"github.com/kzmap/kzmap/engine/extract"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// KBAudit is about the knowledge base: the shape of its category tree
// (Help Center has two levels), its articles by language and state, and
// what their bodies point at.
type KBAudit struct {
	// Categories counts the categories without the hidden roots; Deepest
	// is the depth of the deepest (1 for a top-level one), Folded how many
	// sit below the second level: their articles go to the section of
	// their second-level ancestor.
	Categories int `json:"categories"`
	Deepest    int `json:"deepest"`
	Folded     int `json:"folded"`
	// Articles counts the articles not deleted; Deleted, those Kustomer
	// keeps as deleted (not migrated).
	Articles      int `json:"articles"`
	Deleted       int `json:"deleted"`
	Internal      int `json:"internal"`       // scope internal: agents only
	InRoot        int `json:"in_root"`        // in no category but the root
	MultiCategory int `json:"multi_category"` // in several (Help Center keeps one section)
	// Languages counts versions by language and state, articles not
	// deleted only.
	Languages []KBLanguage `json:"languages"`
	Longest   int          `json:"longest"` // characters of the longest body
	LongestID string       `json:"longest_id,omitempty"`
	// Images counts the embedded media references (each media once per
	// version); Unknown those naming a media the snapshot has no record
	// of. Media is the state of the media's bytes.
	Images  int           `json:"images"`
	Unknown int           `json:"unknown_media"`
	Media   extract.Files `json:"media"`
	Links   KBLinkAudit   `json:"links"`
}

// KBLanguage is one language's versions.
type KBLanguage struct {
	Lang      string `json:"lang"`
	Published int    `json:"published"`
	Draft     int    `json:"draft"`
	Source    int    `json:"source"` // the article's source language
}

// KBLinkAudit counts links between articles: by form, and those whose
// target is not an article the migration moves.
type KBLinkAudit struct {
	Help      int `json:"help_center"` // <org>.kustomer.help/<lang>/<slug>-<hash>
	App       int `json:"agent_app"`   // /app/settings/kb/articles/<id>
	ToDeleted int `json:"to_deleted"`
	Missing   int `json:"missing"` // no such article in the snapshot
}

func auditKB(s *snapshot.Store, a *Audit) error {
	k := &a.KB
	var cats []*record.KBCategory
	err := s.ForEach("kb_category", func(id string, raw []byte) error {
		if c, ok := decodeAs[*record.KBCategory](raw); ok {
			cats = append(cats, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	tree := record.NewKBTree(cats, nil)
	placed := map[string]bool{} // the categories an article can sit in, not the roots
	for _, c := range cats {
		if c.Root {
			continue
		}
		placed[c.ID] = true
		tree.Fill(c)
		k.Categories++
		k.Deepest = max(k.Deepest, c.Depth)
		if c.Depth > 2 {
			k.Folded++
		}
	}
	media := map[string]bool{}
	if err := s.ForEach("media", func(id string, _ []byte) error { media[id] = true; return nil }); err != nil {
		return err
	}
	if k.Media, err = extract.MediaSummary(s); err != nil {
		return err
	}

	// Articles are read twice: the first pass indexes every target a
	// link can name, the second follows the links.
	byHash, byID := map[string]bool{}, map[string]bool{}
	if err := s.ForEach("kb_article", func(id string, raw []byte) error {
		if art, ok := decodeAs[*record.KBArticle](raw); ok {
			byID[art.ID] = !art.Deleted
			if art.Hash != "" {
				byHash[art.Hash] = !art.Deleted
			}
		}
		return nil
	}); err != nil {
		return err
	}
	langs := map[string]*KBLanguage{}
	err = s.ForEach("kb_article", func(id string, raw []byte) error {
		art, ok := decodeAs[*record.KBArticle](raw)
		if !ok {
			return nil
		}
		if art.Deleted {
			k.Deleted++
			return nil
		}
		k.Articles++
		if art.Scope == "internal" {
			k.Internal++
		}
		if !slices.ContainsFunc(art.Categories, func(id string) bool { return placed[id] }) {
			k.InRoot++
		}
		if len(art.Categories) > 1 {
			k.MultiCategory++
		}
		for _, v := range art.Versions {
			l := langs[v.Lang]
			if l == nil {
				l = &KBLanguage{Lang: v.Lang}
				langs[v.Lang] = l
			}
			if v.Status == "published" {
				l.Published++
			} else {
				l.Draft++
			}
			if v.Source {
				l.Source++
			}
			if n := len([]rune(v.Body)); n > k.Longest {
				k.Longest, k.LongestID = n, art.ID
			}
			for _, m := range record.MediaIDs(v.Body) {
				k.Images++
				if !media[m] {
					k.Unknown++
				}
			}
			for _, l := range record.KBLinks(v.Body) {
				var live, ok bool
				if l.Help {
					k.Links.Help++
					live, ok = byHash[l.Hash]
				} else {
					k.Links.App++
					live, ok = byID[l.ID]
				}
				switch {
				case !ok:
					k.Links.Missing++
				case !live:
					k.Links.ToDeleted++
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range langs {
		k.Languages = append(k.Languages, *l)
	}
	sort.Slice(k.Languages, func(i, j int) bool {
		li, lj := k.Languages[i], k.Languages[j]
		if li.Published+li.Draft != lj.Published+lj.Draft {
			return li.Published+li.Draft > lj.Published+lj.Draft
		}
		return li.Lang < lj.Lang
	})
	return nil
}

// decodeAs decodes a stored record as the type its bucket holds; a record
// that does not decode, or decodes as another type, is skipped (extract's
// reconciliation and the plan report it).
func decodeAs[T any](raw []byte) (T, bool) {
	rec, err := record.DecodeJSON(raw)
	if err != nil {
		var zero T
		return zero, false
	}
	v, ok := rec.(T)
	return v, ok
}
