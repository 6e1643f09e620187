package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

var (
	scriptImg  = regexp.MustCompile(`(?is)<img\b[^>]*\bsrc\s*=\s*"([^"]*)"`)
	scriptHref = regexp.MustCompile(`(?is)<a\b[^>]*\bhref\s*=\s*"([^"]*)"`)
	scriptHC   = regexp.MustCompile(`/hc/([a-z-]+)/articles/(\d+)`)
)

// helpCenterHolds is `zsim helpcenter EXPORT`: it holds the Help Center
// the simulator has against the export's knowledge base, as a reader
// would find it, and fails (or, negated, passes) on the first kind of
// damage it lists.
func helpCenterHolds(ts *testscript.TestScript, neg bool, dir string) {
	zs := zendesks[ts]
	if zs == nil {
		ts.Fatalf("zsim helpcenter before zsim start")
	}
	hc := zs.Dump().HelpCenter
	byLabel := map[string][]zendesksim.HCArticleState{}
	live := map[int64]zendesksim.HCArticleState{}
	for _, a := range hc.Articles {
		if a.Archived {
			continue
		}
		live[a.Article.ID] = a
		for _, l := range a.Article.LabelNames {
			byLabel[l] = append(byLabel[l], a)
		}
	}
	var damage []string
	bad := func(format string, args ...any) { damage = append(damage, fmt.Sprintf(format, args...)) }
	f, err := os.Open(filepath.Join(dir, "kb_articles.ndjson"))
	ts.Check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	articles, translations, drafts, images, links := 0, 0, 0, 0, 0
	for sc.Scan() {
		rec, err := record.DecodeJSON(sc.Bytes())
		ts.Check(err)
		a := rec.(*record.KBArticle)
		if a.Deleted {
			if n := len(byLabel[engine.ArticleLabel(a.ID)]); n > 0 {
				bad("deleted article %s is in the Help Center", a.ID)
			}
			continue
		}
		got := byLabel[engine.ArticleLabel(a.ID)]
		if len(got) != 1 {
			bad("article %s: %d Help Center articles", a.ID, len(got))
			continue
		}
		articles++
		for _, v := range a.Versions {
			tr, ok := got[0].Translation(record.Lang(v.Lang))
			if !ok {
				bad("article %s has no %s translation", a.ID, record.Lang(v.Lang))
				continue
			}
			translations++
			if want := v.Status != "published"; tr.Draft != want {
				bad("article %s/%s: draft %v, Kustomer's status %s", a.ID, v.Lang, tr.Draft, v.Status)
			}
			if tr.Draft {
				drafts++
			}
			for _, k := range []string{"kustomerapp.com", "kustomer.help", "/v1/media/", "kzmap:"} {
				if strings.Contains(tr.Body, k) {
					bad("article %s/%s still points at %s", a.ID, v.Lang, k)
				}
			}
			for _, m := range scriptImg.FindAllStringSubmatch(tr.Body, -1) {
				images++
				if !strings.HasPrefix(m[1], ts.Getenv("ZENDESK_BASE_URL")+"/hc/article_attachments/") {
					bad("article %s/%s: image %s is not served by Zendesk", a.ID, v.Lang, m[1])
					continue
				}
				resp, err := http.Get(m[1])
				ts.Check(err)
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || n == 0 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
					bad("article %s/%s: image %s answers %d (%d bytes, %s)", a.ID, v.Lang, m[1], resp.StatusCode, n, resp.Header.Get("Content-Type"))
				}
			}
			for _, m := range scriptHref.FindAllStringSubmatch(tr.Body, -1) {
				l := scriptHC.FindStringSubmatch(m[1])
				if l == nil {
					continue
				}
				links++
				id, _ := strconv.ParseInt(l[2], 10, 64)
				if target, ok := live[id]; !ok {
					bad("article %s/%s: link %s to no live article", a.ID, v.Lang, m[1])
				} else if _, ok := target.Translation(l[1]); !ok {
					bad("article %s/%s: link %s to a locale the article lacks", a.ID, v.Lang, m[1])
				}
			}
		}
	}
	ts.Check(sc.Err())
	if len(live) != articles {
		bad("the Help Center holds %d live articles, the knowledge base %d", len(live), articles)
	}
	ts.Logf("help center: %d articles, %d translations (%d drafts), %d images, %d links to articles; %d attachments, %d categories, %d sections",
		articles, translations, drafts, images, links, len(hc.Attachments), len(hc.Categories), len(hc.Sections))
	if articles == 0 || images == 0 || links == 0 || drafts == 0 {
		bad("nothing to check: %d articles, %d images, %d links, %d drafts", articles, images, links, drafts)
	}
	for i, d := range damage {
		if i == 20 {
			ts.Logf("… %d more", len(damage)-i)
			break
		}
		ts.Logf("damage: %s", d)
	}
	if (len(damage) > 0) != neg {
		ts.Fatalf("the Help Center: %d problems", len(damage))
	}
}
