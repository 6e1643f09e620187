package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"path/filepath"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/record"
)

// kbDesired runs the Help Center blocks of testdata/helpcenter over a
// generated knowledge base and returns what they want, by kind.
func kbDesired(t *testing.T, profile string, seed int64) (map[kind.Kind][]*Desired, *DirSnapshot, *Generator) {
	t.Helper()
	snap, err := OpenDir(genDir(t, profile, seed))
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(filepath.Join("testdata", "helpcenter"), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	g := NewGenerator(cfg, snap)
	out := map[kind.Kind][]*Desired{}
	if err := g.Run(context.Background(), func(d *Desired) error {
		if d.Kind.HelpCenter() {
			out[d.Kind] = append(out[d.Kind], d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out, snap, g
}

// TestKnowledgeBasePlan checks the default template's Help Center over
// generated knowledge bases of two profiles and seeds: one article per
// live Kustomer article with a translation per version, every section in
// a category the plan makes, bodies canonical (no Kustomer URL left), the
// missing image dropped and said, drafts kept.
func TestKnowledgeBasePlan(t *testing.T) {
	for _, c := range []struct {
		profile string
		seed    int64
	}{{"small", 1}, {"small", 6}, {"edge", 4}} {
		t.Run(fmt.Sprint(c.profile, c.seed), func(t *testing.T) {
			if c.profile == "edge" && testing.Short() {
				t.Skip("edge dataset")
			}
			got, snap, g := kbDesired(t, c.profile, c.seed)
			live, versions, drafts := 0, 0, 0
			for _, id := range snap.ids["kb_article"] {
				rec, err := record.DecodeJSON(snap.byType["kb_article"][id])
				if err != nil {
					t.Fatal(err)
				}
				a := rec.(*record.KBArticle)
				if a.Deleted {
					continue
				}
				live++
				versions += len(a.Versions)
				for _, v := range a.Versions {
					if v.Status != "published" {
						drafts++
					}
				}
			}
			for _, d := range slices.Concat(got[kind.HCCategory], got[kind.HCSection], got[kind.HCArticle], got[kind.HCTranslation]) {
				if d.Unwritable != "" || d.Deleted != "" {
					t.Errorf("%s %s: unwritable %q, deleted %q", d.Kind, d.Key, d.Unwritable, d.Deleted)
				}
			}
			if n := len(got[kind.HCArticle]); n != live {
				t.Errorf("%d articles for %d live Kustomer articles", n, live)
			}
			if n := len(got[kind.HCTranslation]); n != versions {
				t.Errorf("%d translations for %d versions", n, versions)
			}
			cats := map[string]bool{}
			for _, d := range got[kind.HCCategory] {
				cats[strings.TrimPrefix(d.Sources[0], record.KBCategoryAlias+"/")] = true
			}
			secs := map[string]bool{}
			for _, d := range got[kind.HCSection] {
				secs[strings.TrimPrefix(d.Sources[0], record.KBSectionAlias+"/")] = true
				if !cats[str(d.Payload, "category")] {
					t.Errorf("section %s in category %s, which is not made", d.Key, str(d.Payload, "category"))
				}
			}
			for _, d := range got[kind.HCArticle] {
				if !secs[str(d.Payload, "section")] {
					t.Errorf("article %s in section %s, which is not made", d.Key, str(d.Payload, "section"))
				}
				id := strings.TrimPrefix(d.Sources[0], "kb_article/")
				if !slices.Contains(dsl.Strings(d.Payload["label_names"]), ArticleLabel(id)) {
					t.Errorf("article %s has no label %s: %v", d.Key, ArticleLabel(id), d.Payload["label_names"])
				}
			}
			gotDrafts, placeholders := 0, 0
			for _, d := range got[kind.HCTranslation] {
				body := str(d.Payload, "body")
				for _, bad := range []string{"kustomer.help", "kustomerapp.com", "/v1/media/"} {
					if strings.Contains(body, bad) {
						t.Errorf("translation %s still points at Kustomer (%s)", d.Key, bad)
					}
				}
				if !strings.Contains(body, "(in Kustomer).</p>") {
					t.Errorf("translation %s does not keep its dates", d.Key)
				}
				placeholders += strings.Count(body, ArticlePlaceholder)
				if d.Payload["draft"] == true {
					gotDrafts++
				}
			}
			if gotDrafts != drafts || drafts == 0 {
				t.Errorf("%d draft translations for %d draft versions", gotDrafts, drafts)
			}
			if placeholders == 0 || len(got[kind.HCAttachment]) == 0 {
				t.Errorf("%d links rewritten, %d attachments", placeholders, len(got[kind.HCAttachment]))
			}
			if h := g.Hz.List(); hazardIn(h, "kb_missing_media") == 0 || hazardIn(h, "hc_dates_not_kept") != live {
				t.Errorf("hazards: missing media %d, dates %d of %d", hazardIn(h, "kb_missing_media"), hazardIn(h, "hc_dates_not_kept"), live)
			}
			if c.profile == "edge" && hazardIn(g.Hz.List(), "kb_links_unresolved") == 0 {
				t.Error("edge: no unresolved links said")
			}
		})
	}
}

// hazardIn is a hazard's count in a list, 0 when absent.
func hazardIn(hz []planfile.Hazard, code string) int {
	for _, h := range hz {
		if h.Code == code {
			return h.Count
		}
	}
	return 0
}
