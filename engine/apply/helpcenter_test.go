package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// hcRig is a rig whose mapping is a directory of engine/testdata:
// helpcenter (the default template and the Help Center's) or kbonly.
func hcRig(t *testing.T, profile string, seed int64, mapping string) *rig {
	t.Helper()
	r := newRig(t, profile, seed, "")
	cfg, diags := dsl.Load(filepath.Join("..", "testdata", mapping), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.Cfg = cfg
	return r
}

// TestHelpCenterApply migrates generated knowledge bases (two profiles,
// with the rest of the organisation and alone) and checks what the Help
// Center holds, then that a second plan has nothing to do.
func TestHelpCenterApply(t *testing.T) {
	for _, c := range []struct {
		profile, mapping string
		seed             int64
	}{{"small", "helpcenter", 5}, {"small", "kbonly", 9}, {"edge", "kbonly", 4}} {
		t.Run(fmt.Sprint(c.profile, c.seed, c.mapping), func(t *testing.T) {
			if c.profile == "edge" && testing.Short() {
				t.Skip("edge dataset")
			}
			r := hcRig(t, c.profile, c.seed, c.mapping)
			ctx := context.Background()
			before := hcRequests(r)
			pr, res, err := r.planApply(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.Warnings {
				t.Log("warning:", w)
			}
			hc := checkHelpCenter(t, r)
			// The fewest requests a Help Center migration can take: one
			// write per category, section, article, attachment and
			// translation; the two lists that name permission groups and
			// user segments; and one that shows the Help Center holds
			// nothing an earlier run wrote (else it is adopted).
			records := len(hc.Categories) + len(hc.Sections) + len(hc.Attachments)
			for _, a := range hc.Articles {
				records += 1 + len(a.Translations)
			}
			minimum := records + 3
			sent := hcRequests(r) - before
			t.Logf("Help Center requests: %d sent, %d the minimum (%.2fx); the plan estimated %d in all", sent, minimum, float64(sent)/float64(minimum), pr.Summary.Estimate.ZendeskRequests)
			if sent != minimum {
				t.Errorf("%d Help Center requests for a migration that needs %d", sent, minimum)
			}
			again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
			if err != nil {
				t.Fatal(err)
			}
			if again.Summary.Changes != 0 {
				t.Errorf("second plan: %d changes: %v", again.Summary.Changes, again.Summary.Counts)
			}
		})
	}
}

var (
	imgSrc   = regexp.MustCompile(`(?is)<img\b[^>]*\bsrc\s*=\s*"([^"]*)"`)
	linkHref = regexp.MustCompile(`(?is)<a\b[^>]*\bhref\s*=\s*"([^"]*)"`)
	hcLink   = regexp.MustCompile(`/hc/([a-z-]+)/articles/(\d+)`)
)

// checkHelpCenter compares the Help Center with what the mapping wants:
// every article once (by its kz-<id> label) in its section, every
// translation with its draft state, images served by the article's own
// attachments, links to migrated articles in the locale they name, no
// Kustomer URL and no placeholder left; no dead letter, nothing in
// flight.
func checkHelpCenter(t *testing.T, r *rig) zendesksim.HelpCenterState {
	t.Helper()
	want := map[kind.Kind][]*engine.Desired{}
	if err := engine.NewGenerator(r.Cfg, r.Snap).Run(context.Background(), func(d *engine.Desired) error {
		if d.Kind.HelpCenter() && d.Unwritable == "" && d.Deleted == "" {
			want[d.Kind] = append(want[d.Kind], d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(want[kind.HCArticle]) == 0 || len(want[kind.HCAttachment]) == 0 {
		t.Fatalf("the mapping wants %d articles, %d attachments", len(want[kind.HCArticle]), len(want[kind.HCAttachment]))
	}
	if dl, _ := r.Store.DeadLetters(); len(dl) > 0 {
		t.Errorf("%d dead letters, first %+v", len(dl), dl[0])
	}
	if inflight, _ := r.Store.InFlight(); len(inflight) > 0 {
		t.Errorf("%d batches in flight", len(inflight))
	}
	hc := r.Sim.Dump().HelpCenter
	if n, w := len(hc.Categories), len(want[kind.HCCategory]); n != w {
		t.Errorf("%d categories, want %d", n, w)
	}
	if n, w := len(hc.Sections), len(want[kind.HCSection]); n != w {
		t.Errorf("%d sections, want %d", n, w)
	}
	byLabel := map[string][]zendesksim.HCArticleState{}
	live := map[int64]zendesksim.HCArticleState{}
	for _, a := range hc.Articles {
		if a.Archived {
			continue
		}
		live[a.Article.ID] = a
		for _, l := range a.Article.LabelNames {
			if strings.HasPrefix(l, "kz-") {
				byLabel[l] = append(byLabel[l], a)
			}
		}
	}
	if len(live) != len(want[kind.HCArticle]) {
		t.Errorf("%d articles in the Help Center, want %d", len(live), len(want[kind.HCArticle]))
	}
	attachments := map[int64]map[string]bool{} // article → content URLs
	for _, a := range hc.Attachments {
		if attachments[a.ArticleID] == nil {
			attachments[a.ArticleID] = map[string]bool{}
		}
		attachments[a.ArticleID][a.ContentURL] = true
	}
	if len(hc.Attachments) != len(want[kind.HCAttachment]) {
		t.Errorf("%d attachments, want %d", len(hc.Attachments), len(want[kind.HCAttachment]))
	}
	translations, drafts, links, images := 0, 0, 0, 0
	for _, d := range want[kind.HCTranslation] {
		art := str(d.Payload, "article")
		got := byLabel[engine.ArticleLabel(art)]
		if len(got) != 1 {
			t.Errorf("article %s: %d Help Center articles", art, len(got))
			continue
		}
		tr, ok := got[0].Translation(str(d.Payload, "locale"))
		if !ok {
			t.Errorf("article %s has no %s translation", art, str(d.Payload, "locale"))
			continue
		}
		translations++
		if tr.Draft != (d.Payload["draft"] == true) {
			t.Errorf("%s: draft %v, want %v", d.Key, tr.Draft, d.Payload["draft"])
		}
		if tr.Draft {
			drafts++
		}
		for _, bad := range []string{"kzmap:", "kustomer.help", "kustomerapp.com", "/v1/media/"} {
			if strings.Contains(tr.Body, bad) {
				t.Errorf("%s: body holds %q", d.Key, bad)
			}
		}
		for _, m := range imgSrc.FindAllStringSubmatch(tr.Body, -1) {
			images++
			if !attachments[got[0].Article.ID][m[1]] {
				t.Errorf("%s: image %s is not one of its article's attachments", d.Key, m[1])
			}
		}
		for _, m := range linkHref.FindAllStringSubmatch(tr.Body, -1) {
			l := hcLink.FindStringSubmatch(m[1])
			if l == nil {
				continue
			}
			links++
			id, _ := strconv.ParseInt(l[2], 10, 64)
			target, ok := live[id]
			if !ok {
				t.Errorf("%s: link %s to no live article", d.Key, m[1])
				continue
			}
			if _, ok := target.Translation(l[1]); !ok {
				t.Errorf("%s: link %s to a locale the article lacks", d.Key, m[1])
			}
		}
	}
	if translations != len(want[kind.HCTranslation]) || drafts == 0 || links == 0 || images == 0 {
		t.Errorf("%d of %d translations, %d drafts, %d links, %d images", translations, len(want[kind.HCTranslation]), drafts, links, images)
	}
	t.Logf("Help Center: %d categories, %d sections, %d articles, %d attachments, %d translations (%d drafts), %d images, %d links",
		len(hc.Categories), len(hc.Sections), len(live), len(hc.Attachments), translations, drafts, images, links)
	for _, a := range live {
		if !slices.ContainsFunc(a.Article.LabelNames, func(l string) bool { return strings.HasPrefix(l, "kz-") }) {
			t.Errorf("article %d has no kz- label", a.Article.ID)
		}
	}
	return hc
}

// TestHelpCenterSurvivesKill9 kills the knowledge base's apply with
// SIGKILL at seeded random moments (Zendesk's Help Center answering 30
// requests a second), resumes until it completes, and checks the Help
// Center holds every category, section, article, attachment and
// translation once.
func TestHelpCenterSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	r := newRigLimit(t, "small", 13, 30, nil)
	cfg, diags := dsl.Load(filepath.Join("..", "testdata", "kbonly"), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.Cfg, r.mapping = cfg, filepath.Join("..", "testdata", "kbonly")
	kills := killApply(t, r, 8, 13)
	r.OpenStore()
	runs, _ := r.Store.Runs()
	interrupted := 0
	for _, run := range runs {
		if run.Status == "interrupted" {
			interrupted++
		}
	}
	if interrupted < kills/2 {
		t.Errorf("only %d of %d kills interrupted an apply", interrupted, kills)
	}
	hc := checkHelpCenter(t, r)
	// Nothing twice: names in their parents, attachments in their
	// articles (checkHelpCenter counts articles by label).
	seen := map[string]int{}
	for _, c := range hc.Categories {
		seen["category "+c.Name]++
	}
	for _, s := range hc.Sections {
		seen[fmt.Sprintf("section %d/%s", s.CategoryID, s.Name)]++
	}
	for _, a := range hc.Attachments {
		seen[fmt.Sprintf("attachment %d/%s/%d", a.ArticleID, a.FileName, a.Size)]++
	}
	for what, n := range seen {
		if n > 1 {
			t.Errorf("%s: %d times", what, n)
		}
	}
	again, err := engine.Plan(context.Background(), engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes != 0 {
		t.Errorf("after %d kills, the plan still has %d changes: %v", kills, again.Summary.Changes, again.Summary.Counts)
	}
	t.Logf("%d kills, %d during apply", kills, interrupted)
}

// TestHelpCenterUnderFaults migrates a knowledge base through 500s,
// resets and 429 bursts on the Help Center: what failed is a dead letter
// with a reason, and retrying lands everything once.
func TestHelpCenterUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault run")
	}
	r := newRig(t, "small", 17, "5xx=0.04,reset=0.02,429burst=0.01:3,retry-after=20ms,seed=5")
	cfg, diags := dsl.Load(filepath.Join("..", "testdata", "kbonly"), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.Cfg, r.workers = cfg, 1
	applyRetrying(t, r)
	hc := checkHelpCenter(t, r)
	seen := map[string]int{}
	for _, c := range hc.Categories {
		seen["category "+c.Name]++
	}
	for _, a := range hc.Attachments {
		seen[fmt.Sprintf("attachment %d/%s/%d", a.ArticleID, a.FileName, a.Size)]++
	}
	for what, n := range seen {
		if n > 1 {
			t.Errorf("%s: %d times", what, n)
		}
	}
	st := r.Sim.Stats()
	t.Logf("faults: %d resets, %d 429s, statuses %v", st.Resets, st.TooMany, st.ByStatus)
}

// TestHelpCenterDestroy removes what a knowledge base's run created: the
// Help Center is empty again (articles archived, attachments gone), the
// checkpoint forgets every record, and a new plan creates them all again.
func TestHelpCenterDestroy(t *testing.T) {
	r := hcRig(t, "small", 27, "kbonly")
	ctx := context.Background()
	first, _, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := r.Store.Runs()
	batches, err := r.Store.Batches(runs[len(runs)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	targets, err := Targets(r.Store, batches)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Destroy(ctx, r.Store, r.Client(), targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 0 || res.Deleted != len(targets) {
		t.Fatalf("destroy of %d: %+v", len(targets), res)
	}
	hc := r.Sim.Dump().HelpCenter
	live := 0
	for _, a := range hc.Articles {
		if !a.Archived {
			live++
		}
	}
	if live+len(hc.Categories)+len(hc.Sections)+len(hc.Attachments) != 0 {
		t.Errorf("left in the Help Center: %d articles, %d categories, %d sections, %d attachments", live, len(hc.Categories), len(hc.Sections), len(hc.Attachments))
	}
	for _, k := range kind.All {
		if n, _ := r.Store.Count(string(k)); k.HelpCenter() && n != 0 {
			t.Errorf("%d %s left in the checkpoint", n, k)
		}
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes != first.Summary.Changes {
		t.Errorf("plan after destroy: %d changes, the first had %d", again.Summary.Changes, first.Summary.Changes)
	}
}

// hcRequests counts the Help Center API requests the simulator answered.
func hcRequests(r *rig) int {
	n := 0
	for route, c := range r.Sim.Stats().ByRoute {
		if strings.Contains(route, "/api/v2/help_center/") || strings.Contains(route, "/api/v2/guide/") {
			n += int(c)
		}
	}
	return n
}

// TestHelpCenterDelta changes the knowledge base after a first apply — a
// category renamed, an article's translation rewritten and its tags
// changed, another article deleted — and checks the next plan updates and
// archives exactly those (and the translations that linked to the deleted
// article), and the Help Center then matches the mapping again.
func TestHelpCenterDelta(t *testing.T) {
	r := hcRig(t, "small", 31, "kbonly")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	var changed, deleted string
	editNDJSON(t, filepath.Join(r.Export, "kb_articles.ndjson"), func(rec map[string]any) bool {
		attrs := rec["attributes"].(map[string]any)
		versions, _ := attrs["langVersions"].(map[string]any)
		if attrs["deleted"] == true {
			return false
		}
		switch {
		case changed == "" && len(versions) > 1:
			changed = rec["id"].(string)
			attrs["tags"] = append(attrs["tags"].([]any), "changed")
			for lang, v := range versions {
				if lang == attrs["source"] {
					continue
				}
				cur := v.(map[string]any)["currentVersion"].(map[string]any)["id"].(map[string]any)
				cur["title"] = "Rewritten " + lang
				cur["htmlBody"] = "<p>Rewritten in Kustomer.</p>"
				break
			}
			return true
		case deleted == "" && changed != "":
			deleted = rec["id"].(string)
			attrs["deleted"] = true
			return true
		}
		return false
	})
	renamed := false
	editNDJSON(t, filepath.Join(r.Export, "kb_categories.ndjson"), func(rec map[string]any) bool {
		attrs := rec["attributes"].(map[string]any)
		if renamed || attrs["root"] == true || rec["relationships"] == nil {
			return false
		}
		if _, top := rec["relationships"].(map[string]any)["parent"]; !top {
			return false
		}
		langs := attrs["langs"].(map[string]any)
		en, ok := langs["en_us"].(map[string]any)
		if !ok {
			return false
		}
		en["title"] = "Renamed category"
		renamed = true
		return true
	})
	var err error
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	pr, res, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	c := pr.Summary.Counts
	t.Logf("delta plan: %v; apply: %v", c, res.Counts)
	if c[kind.HCArticle][kind.Update] != 1 || c[kind.HCArticle][kind.Delete] != 1 || c[kind.HCTranslation][kind.Update] < 1 ||
		c[kind.HCCategory][kind.Update]+c[kind.HCSection][kind.Update] < 1 || c[kind.HCArticle][kind.Create] != 0 {
		t.Errorf("delta plan counts: %v", c)
	}
	hc := checkHelpCenter(t, r)
	for _, a := range hc.Articles {
		if slices.Contains(a.Article.LabelNames, engine.ArticleLabel(deleted)) && !a.Archived {
			t.Errorf("the deleted article %s is not archived", deleted)
		}
		if slices.Contains(a.Article.LabelNames, engine.ArticleLabel(changed)) && !slices.Contains(a.Article.LabelNames, "changed") {
			t.Errorf("article %s lacks its new tag: %v", changed, a.Article.LabelNames)
		}
	}
	// The archived article's translations and images went with it.
	for _, k := range []kind.Kind{kind.HCTranslation, kind.HCAttachment} {
		r.Store.ForEach(string(k), func(key string, _ checkpoint.Entry) error {
			if strings.Contains(key, ":"+deleted+"/") {
				t.Errorf("the checkpoint still holds %s %s of the archived article", k, key)
			}
			return nil
		})
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil || again.Summary.Changes != 0 {
		t.Errorf("plan after the delta: %v, %v", again.Summary.Counts, err)
	}
}

// editNDJSON rewrites the lines of an export file that edit changes.
func editNDJSON(t *testing.T, path string, edit func(map[string]any) bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if edit(rec) {
			b, _ := json.Marshal(rec)
			lines[i] = string(b)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHelpCenterRefresh reads the Help Center back after an apply: no
// drift (writing translations moves an article's updated_at, which is not
// someone else's change); an article archived and a translation edited by
// hand are found, the archived one planned again.
func TestHelpCenterRefresh(t *testing.T) {
	var ahead atomic.Int64 // how far Zendesk's clock is moved on
	r := newRigWith(t, "small", 33, "", func(o *zendesksim.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	cfg, diags := dsl.Load(filepath.Join("..", "testdata", "kbonly"), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.Cfg = cfg
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	d, err := Refresh(ctx, r.Store, r.Client())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Gone)+len(d.Changed) != 0 || d.Read[kind.HCTranslation] == 0 || d.Read[kind.HCArticle] == 0 {
		t.Fatalf("refresh after a clean apply: read %v, gone %v, changed %v", d.Read, d.Gone, d.Changed)
	}
	t.Logf("refresh: read %v in %d requests", d.Read, d.Requests)
	hc := r.Sim.Dump().HelpCenter
	c := r.Client()
	archived, edited := hc.Articles[0].Article.ID, hc.Articles[1]
	ahead.Store(int64(time.Minute)) // a person's edits, a minute after the import
	if err := c.HCDeleteArticle(ctx, archived); err != nil {
		t.Fatal(err)
	}
	tr := edited.Translations[0]
	tr.Body = "<p>Edited by hand.</p>"
	if _, err := c.HCUpdateTranslation(ctx, edited.Article.ID, zendesk.HCTranslation{Locale: tr.Locale, Title: tr.Title, Body: tr.Body, Draft: tr.Draft}); err != nil {
		t.Fatal(err)
	}
	if d, err = Refresh(ctx, r.Store, r.Client()); err != nil {
		t.Fatal(err)
	}
	gone := map[kind.Kind]int{}
	for _, g := range d.Gone {
		gone[g.Kind]++
	}
	changed := map[kind.Kind]int{}
	for _, ch := range d.Changed {
		changed[ch.Kind]++
	}
	if gone[kind.HCArticle] != 1 || changed[kind.HCTranslation] != 1 {
		t.Errorf("refresh after the hand edits: gone %v, changed %v", d.Gone, d.Changed)
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	// The archived article is created again with its translations and
	// images; the edited translation is left alone (drift).
	cs := again.Summary.Counts
	if cs[kind.HCArticle][kind.Create] != 1 || cs[kind.HCTranslation][kind.Create] != len(hc.Articles[0].Translations) ||
		cs[kind.HCTranslation][kind.Update] != 0 {
		t.Errorf("plan after the refresh: %v (the archived article had %d translations)", cs, len(hc.Articles[0].Translations))
	}
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := len(byLabelOf(r.Sim.Dump().HelpCenter, hc.Articles[0].Article.LabelNames)); n != 1 {
		t.Errorf("%d live articles for the archived one after the next apply", n)
	}
}

// byLabelOf lists the live articles carrying the kz- label among labels.
func byLabelOf(hc zendesksim.HelpCenterState, labels []string) []zendesksim.HCArticleState {
	var kz string
	for _, l := range labels {
		if strings.HasPrefix(l, "kz-") {
			kz = l
		}
	}
	var out []zendesksim.HCArticleState
	for _, a := range hc.Articles {
		if !a.Archived && slices.Contains(a.Article.LabelNames, kz) {
			out = append(out, a)
		}
	}
	return out
}
