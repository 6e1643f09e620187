package verify

import (
	"context"
	"errors"
	"fmt"
	"html"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

// The Help Center (spec/rules.md, rule 31) is read back by listing it:
// its categories and its sections (a request per 100 of each), every
// live article (a request per 100), then, for each article of the
// checkpoint that Zendesk lists, its translations (one request, bodies
// included) and, when the checkpoint holds attachments of it or a sampled
// body shows a file, its attachments (one more). Categories, sections,
// articles and attachments picked by the sampler are compared field by
// field with what was read.
//
// A sampled translation is compared with the body the plan holds, once
// its placeholders are resolved as apply resolves them
// (engine.MediaPlaceholder, engine.ArticlePlaceholder):
//   - its text, tags dropped and spaces ignored;
//   - every image (and every link to an article attachment) is one of its
//     article's attachments, and answers 200 with the uploaded file's size
//     when read as an anonymous reader reads it (zendesk.HCPublicGet, once
//     per URL); every image the plan places is there;
//   - every link to a Help Center article points at an article the
//     checkpoint holds, live, with a translation in the link's locale.
//     Links are checked against what the API returned, never fetched: a
//     draft's public page answers 404 although the link is right. Every
//     link the plan places is there;
//   - no image or link points at Kustomer or holds a placeholder still.

// LocaleCount is the migrated articles in one locale, counted two ways.
type LocaleCount struct {
	Locale string `json:"locale"`
	// Desired is the articles the mapping gives a translation in the
	// locale (an article's own locale included).
	Desired int `json:"desired"`
	// Zendesk is the checkpoint's articles Zendesk has a translation of
	// in the locale.
	Zendesk int `json:"zendesk"`
}

// hcState is what verify read of the Help Center.
type hcState struct {
	live  map[int64]zendesk.HCArticle // Zendesk's articles (archived ones are not listed)
	keyOf map[int64]string            // the checkpoint's articles: Zendesk id → key
	idOf  map[string]int64            // and key → Zendesk id
	// translations are the checkpoint's live articles' translations, by
	// article and locale.
	translations map[int64]map[string]zendesk.HCTranslation
	attachments  map[int64][]zendesk.HCAttachment // by article, listed once each
	// attachmentKey maps the checkpoint's attachments' Zendesk ids to
	// their keys (<article key>/<media id>).
	attachmentKey map[int64]string
	hosts         map[string]bool            // where the Help Center's pages are: the API's host, the articles'
	fetched       map[string]fetched         // image URL → what reading it answered
	sizes         map[string]int64           // media id → the uploaded file's size
	desired       map[string]map[string]bool // locale → the article keys the mapping gives a translation in it
}

// fetched is what reading a public URL answered.
type fetched struct {
	status, size int
	err          string // the read failed: why
	otherHost    bool   // not on the API's host: not read
}

func newHCState() *hcState {
	return &hcState{live: map[int64]zendesk.HCArticle{}, keyOf: map[int64]string{}, idOf: map[string]int64{},
		translations: map[int64]map[string]zendesk.HCTranslation{}, attachments: map[int64][]zendesk.HCAttachment{},
		attachmentKey: map[int64]string{}, hosts: map[string]bool{}, fetched: map[string]fetched{}, sizes: map[string]int64{},
		desired: map[string]map[string]bool{}}
}

// writesHelpCenter says whether the mapping has a Help Center block.
func writesHelpCenter(cfg *dsl.Config) bool {
	if cfg == nil {
		return false
	}
	for _, m := range cfg.Mappings {
		if k, ok := kind.Parse(m.Kind); ok && k.HelpCenter() {
			return true
		}
	}
	return false
}

// articleKeyOf is the article key of a translation's or an attachment's
// key (<article key>/<locale or media id>), as apply names them.
func articleKeyOf(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return key
}

// hcLocale is a payload's locale as the Help Center spells it.
func hcLocale(p map[string]any) string { return strings.ToLower(str(p, "locale")) }

// desiredHC notes the locales of a writable article or translation.
func (r *runner) desiredHC(d *engine.Desired) {
	if r.hc == nil {
		return
	}
	art := d.Key
	switch d.Kind {
	case kind.HCArticle:
	case kind.HCTranslation:
		art = articleKeyOf(d.Key)
	default:
		return
	}
	loc := hcLocale(d.Payload)
	if loc == "" {
		return
	}
	if r.hc.desired[loc] == nil {
		r.hc.desired[loc] = map[string]bool{}
	}
	r.hc.desired[loc][art] = true
}

// deletedInKustomer holds a record whose source was deleted in Kustomer
// (an article: the generator emits one only while the checkpoint holds
// it) against the checkpoint: the next apply removes it from Zendesk.
func (r *runner) deletedInKustomer(d *engine.Desired) error {
	e, ok, err := r.opts.Store.Get(string(d.Kind), d.Key)
	if err != nil || !ok {
		return err
	}
	kc := r.count(d.Kind)
	kc.inCheckpoint++ // not desired, but not a stray either: it is planned away
	kc.Outdated++
	r.add(Difference{Kind: d.Kind, Key: d.Key, ZendeskID: e.ZendeskID, What: "outdated", URL: e.URL,
		Message: r.label(d.Kind, d.Key, e.ZendeskID) + ": " + d.Deleted + " since it was written (kzmap plan shows it as a delete, and kzmap apply archives it)"})
	return nil
}

// hcLocales counts the articles per locale, the mapping's and Zendesk's.
func (r *runner) hcLocales() []LocaleCount {
	if r.hc == nil {
		return nil
	}
	counts := map[string]*LocaleCount{}
	at := func(loc string) *LocaleCount {
		if counts[loc] == nil {
			counts[loc] = &LocaleCount{Locale: loc}
		}
		return counts[loc]
	}
	for loc, arts := range r.hc.desired {
		at(loc).Desired = len(arts)
	}
	for _, ts := range r.hc.translations {
		for loc := range ts {
			at(loc).Zendesk++
		}
	}
	var out []LocaleCount
	for _, loc := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, *counts[loc])
	}
	return out
}

// hcReadBack reads back the checkpoint's records of a Help Center kind.
// The kinds come in kind.All's order: articles before what they hold.
func (r *runner) hcReadBack(ctx context.Context, k kind.Kind) error {
	c, h := r.opts.Client, r.hc
	switch k {
	case kind.HCCategory:
		cats, err := c.HCCategories(ctx)
		if err != nil {
			return err
		}
		return r.fromListing(k, listed(cats, func(x zendesk.HCCategory) int64 { return x.ID }))
	case kind.HCSection:
		secs, err := c.HCSections(ctx)
		if err != nil {
			return err
		}
		return r.fromListing(k, listed(secs, func(x zendesk.HCSection) int64 { return x.ID }))
	case kind.HCArticle:
		arts, err := c.HCArticles(ctx, nil)
		if err != nil {
			return err
		}
		for _, a := range arts {
			h.live[a.ID] = a
		}
		if u, err := url.Parse(c.BaseURL()); err == nil {
			h.hosts[hostPort(u)] = true
		}
		err = r.opts.Store.ForEach(string(k), func(key string, e checkpoint.Entry) error {
			if id, err := strconv.ParseInt(e.ZendeskID, 10, 64); err == nil && id > 0 {
				h.keyOf[id], h.idOf[key] = key, id
				if a, ok := h.live[id]; ok {
					h.addHost(a.HTMLURL)
				}
			}
			h.addHost(e.URL)
			return nil
		})
		if err != nil {
			return err
		}
		return r.fromListing(k, listed(arts, func(x zendesk.HCArticle) int64 { return x.ID }))
	case kind.HCAttachment:
		return r.hcChildren(ctx, k, func(art int64) (map[string]any, error) {
			list, err := r.articleAttachments(ctx, art)
			return listed(list, func(x zendesk.HCAttachment) int64 { return x.ID }), err
		})
	case kind.HCTranslation:
		for _, key := range slices.Sorted(maps.Keys(h.idOf)) {
			art := h.idOf[key]
			if _, ok := h.live[art]; !ok {
				continue
			}
			ts, err := c.HCTranslations(ctx, art)
			if errors.Is(err, zendesk.ErrNotFound) {
				delete(h.live, art) // archived since it was listed
				continue
			}
			if err != nil {
				return fmt.Errorf("listing the translations of Help Center article %d: %w", art, err)
			}
			byLocale := map[string]zendesk.HCTranslation{}
			for _, t := range ts {
				byLocale[strings.ToLower(t.Locale)] = t
			}
			h.translations[art] = byLocale
		}
		return r.hcChildren(ctx, k, func(art int64) (map[string]any, error) {
			m := map[string]any{}
			for _, t := range h.translations[art] {
				m[strconv.FormatInt(t.ID, 10)] = t
			}
			return m, nil
		})
	}
	return nil
}

// listed keys a listing by Zendesk id, for fromListing.
func listed[T any](l []T, id func(T) int64) map[string]any {
	m := make(map[string]any, len(l))
	for _, v := range l {
		m[strconv.FormatInt(id(v), 10)] = v
	}
	return m
}

// addHost notes the host of a Help Center page's URL.
func (h *hcState) addHost(raw string) {
	if u, err := url.Parse(raw); err == nil && u.Host != "" && strings.Contains(u.Path, "/hc/") {
		h.hosts[hostPort(u)] = true
	}
}

// hcChildren reads back the checkpoint's attachments or translations,
// article by article: have lists what Zendesk holds of a live article,
// by Zendesk id. One whose article Zendesk does not list is missing with
// it; one whose article the checkpoint no longer holds is not read.
func (r *runner) hcChildren(ctx context.Context, k kind.Kind, have func(art int64) (map[string]any, error)) error {
	type child struct {
		key string
		e   checkpoint.Entry
	}
	byArticle := map[string][]child{}
	err := r.opts.Store.ForEach(string(k), func(key string, e checkpoint.Entry) error {
		art := articleKeyOf(key)
		byArticle[art] = append(byArticle[art], child{key, e})
		if id, err := strconv.ParseInt(e.ZendeskID, 10, 64); err == nil && k == kind.HCAttachment {
			r.hc.attachmentKey[id] = key
		}
		return nil
	})
	if err != nil {
		return err
	}
	kc := r.count(k)
	orphans := 0
	for _, artKey := range slices.Sorted(maps.Keys(byArticle)) {
		art := r.hc.idOf[artKey]
		if art == 0 {
			// Its article was archived and forgotten by apply: they went
			// with it (the not_desired note counts them).
			orphans += len(byArticle[artKey])
			continue
		}
		_, live := r.hc.live[art]
		var got map[string]any
		if live {
			if got, err = have(art); err != nil {
				return err
			}
		}
		for _, ch := range byArticle[artKey] {
			switch v, ok := got[ch.e.ZendeskID]; {
			case !live:
				kc.MissingInZendesk++
				r.add(Difference{Kind: k, Key: ch.key, ZendeskID: ch.e.ZendeskID, What: "missing_in_zendesk",
					Message: fmt.Sprintf("%s: in the checkpoint, but its article %s (Help Center article %d) is not in the Help Center: archived or deleted there since?", r.label(k, ch.key, ch.e.ZendeskID), artKey, art)})
			case ok:
				kc.Zendesk++
				r.keep(k, ch.key, v)
			default:
				r.missing(k, ch.key, ch.e.ZendeskID)
			}
		}
	}
	if orphans > 0 {
		r.note(Difference{Kind: k, What: "not_checked",
			Message: fmt.Sprintf("%d %s records in the checkpoint belong to articles it no longer holds (archived by apply, which takes them along); they were not read back", orphans, k)})
	}
	return nil
}

// articleAttachments lists an article's attachments, once.
func (r *runner) articleAttachments(ctx context.Context, art int64) ([]zendesk.HCAttachment, error) {
	if l, ok := r.hc.attachments[art]; ok {
		return l, nil
	}
	l, err := r.opts.Client.HCAttachments(ctx, art)
	if errors.Is(err, zendesk.ErrNotFound) {
		l, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the attachments of Help Center article %d: %w", art, err)
	}
	r.hc.attachments[art] = l
	return l, nil
}

func (k *check) hcCategory(c zendesk.HCCategory) {
	k.text("name", c.Name)
	k.text("description", c.Description)
}

func (k *check) hcSection(s zendesk.HCSection) error {
	k.text("name", s.Name)
	k.text("description", s.Description)
	return k.ref("category", s.CategoryID, record.KBCategoryAlias, true)
}

func (k *check) hcArticle(a zendesk.HCArticle) error {
	p := k.payload()
	k.set("label_names", a.LabelNames)
	if want, ok := p["promoted"].(bool); ok && a.Promoted != want {
		k.diff("field", "promoted", strconv.FormatBool(a.Promoted), strconv.FormatBool(want), "promoted is %v, expected %v", a.Promoted, want)
	}
	if err := k.ref("section", a.SectionID, record.KBSectionAlias, true); err != nil {
		return err
	}
	// An author the checkpoint has no user for is not sent: Zendesk
	// makes the importing admin the author.
	if src := str(p, "author"); src != "" {
		want, err := k.r.refs.ID("user", src)
		if err != nil {
			return err
		}
		if want != 0 && a.AuthorID != want {
			k.diff("field", "author", idText(a.AuthorID), strconv.FormatInt(want, 10), "author is %s, expected %s", idText(a.AuthorID), k.r.refs.want(want, "user", src))
		}
	}
	return nil
}

func (k *check) hcAttachment(a zendesk.HCAttachment) error {
	p := k.payload()
	k.text("file_name", a.FileName)
	// Zendesk types a file sent without one by its name.
	if want := str(p, "content_type"); want != "" && want != "application/octet-stream" && !strings.EqualFold(a.ContentType, want) {
		k.diff("field", "content_type", a.ContentType, want, "content_type is %s, expected %s", a.ContentType, want)
	}
	if want, ok := p["inline"].(bool); ok && a.Inline != want {
		k.diff("field", "inline", strconv.FormatBool(a.Inline), strconv.FormatBool(want), "inline is %v, expected %v", a.Inline, want)
	}
	want, err := k.r.uploadedSize(str(p, "media"))
	if err != nil {
		return err
	}
	if want < 0 {
		if n, ok := p["size"].(float64); ok {
			want = int64(n)
		}
	}
	if want >= 0 && a.Size != want {
		k.diff("attachment", "size", strconv.FormatInt(a.Size, 10), strconv.FormatInt(want, 10), "size is %d bytes, expected %d (the file apply uploaded)", a.Size, want)
	}
	return nil
}

// uploadedSize is the size of the media file apply uploaded, when the
// files are at hand; -1 otherwise.
func (r *runner) uploadedSize(media string) (int64, error) {
	if r.opts.Files == nil || media == "" {
		return -1, nil
	}
	if n, ok := r.hc.sizes[media]; ok {
		return n, nil
	}
	rc, info, err := r.opts.Files.Open(media)
	switch {
	case err == nil:
		rc.Close()
	case errors.Is(err, apply.ErrMissingFile):
		info.Size = -1
	default:
		return 0, err
	}
	r.hc.sizes[media] = info.Size
	return info.Size, nil
}

var (
	startTag = regexp.MustCompile(`(?is)<([a-z][a-z0-9]*)\b([^>]*)>`)
	urlAttr  = regexp.MustCompile(`(?is)(?:^|\s)(src|href)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)`)
	// hcArticlePath is the path of an article's page: /hc/<locale>/articles/<id>[-<slug>].
	hcArticlePath = regexp.MustCompile(`(?i)^/hc/([^/]+)/articles/(\d+)(?:-[^/]*)?/?$`)
)

// bodyURL is a URL a tag of a body holds.
type bodyURL struct {
	tag, attr string // lower-cased
	value     string // entities decoded
}

// bodyURLs lists the src and href URLs of a body's tags, in order.
func bodyURLs(body string) []bodyURL {
	var out []bodyURL
	for _, t := range startTag.FindAllStringSubmatch(body, -1) {
		for _, a := range urlAttr.FindAllStringSubmatch(t[2], -1) {
			v := strings.TrimSpace(html.UnescapeString(strings.Trim(a[2], `"'`)))
			out = append(out, bodyURL{tag: strings.ToLower(t[1]), attr: strings.ToLower(a[1]), value: v})
		}
	}
	return out
}

// bodyText is a body's text: tags dropped, entities decoded, spaces
// collapsed.
func bodyText(s string) string { return strings.Join(strings.Fields(htmlText(s)), " ") }

// firstDifference quotes two texts from a little before where they first
// differ, spaces aside (as squash compares them), and says where that is
// in want (in characters, from 1).
func firstDifference(got, want string) (string, string, int) {
	g, w := []rune(got), []rune(want)
	i, j := 0, 0
	for {
		for i < len(g) && unicode.IsSpace(g[i]) {
			i++
		}
		for j < len(w) && unicode.IsSpace(w[j]) {
			j++
		}
		if i == len(g) || j == len(w) || g[i] != w[j] {
			break
		}
		i, j = i+1, j+1
	}
	cut := func(r []rune, at int) string {
		from, end := max(0, at-20), min(len(r), at+40)
		if from >= len(r) {
			return ""
		}
		s := string(r[from:end])
		if from > 0 {
			s = "…" + s
		}
		if end < len(r) {
			s += "…"
		}
		return s
	}
	return cut(g, i), cut(w, j), j + 1
}

// kustomerURL says whether a URL points at Kustomer: its apps, its
// knowledge base sites, its media.
func kustomerURL(v string) bool {
	v = strings.ToLower(v)
	return strings.Contains(v, "kustomerapp.com") || strings.Contains(v, "kustomer.help") || strings.Contains(v, "/v1/media/")
}

// hostPort is a URL's host, lower-cased, with its port unless it is the
// scheme's default (as the client compares hosts).
func hostPort(u *url.URL) string {
	host, port := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), u.Port()
	if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		return host
	}
	return host + ":" + port
}

// onHelpCenter parses a URL of a body and says whether it is on the Help
// Center: relative to it, or on one of its hosts.
func (r *runner) onHelpCenter(v string) (*url.URL, bool) {
	u, err := url.Parse(v)
	if err != nil {
		return nil, false
	}
	if u.Scheme == "" && u.Host == "" {
		return u, strings.HasPrefix(u.Path, "/")
	}
	return u, (u.Scheme == "http" || u.Scheme == "https") && r.hc.hosts[hostPort(u)]
}

// sameFile is a URL as compared with an attachment's content URL: its
// path when it is on the Help Center, else itself.
func (r *runner) sameFile(v string) string {
	if u, ok := r.onHelpCenter(v); ok {
		return "hc:" + u.Path
	}
	return v
}

// publicGet reads a public URL of the Help Center once, as an anonymous
// reader does; a relative one on the API's host.
func (r *runner) publicGet(ctx context.Context, u *url.URL) (fetched, error) {
	abs := u.String()
	if u.Host == "" {
		abs = r.opts.Client.BaseURL() + u.String()
	}
	if f, ok := r.hc.fetched[abs]; ok {
		return f, nil
	}
	var f fetched
	status, body, _, err := r.opts.Client.HCPublicGet(ctx, abs)
	switch {
	case errors.Is(err, zendesk.ErrOtherHost):
		f.otherHost = true
	case ctx.Err() != nil:
		return f, ctx.Err()
	case err != nil:
		f.err = err.Error()
	default:
		f.status, f.size = status, len(body)
	}
	r.hc.fetched[abs] = f
	return f, nil
}

// plannedImage is an image (or a link to a file) the plan places: the
// attachment of a media, at its content URL.
type plannedImage struct{ media, zid, url string }

// plannedLink is a link to an article the plan places.
type plannedLink struct {
	article, locale, frag string
	zid                   int64
}

// hcTranslation compares a translation with the body the plan holds.
func (k *check) hcTranslation(ctx context.Context, t zendesk.HCTranslation) error {
	r, h, p := k.r, k.r.hc, k.payload()
	k.text("title", t.Title)
	if want := hcLocale(p); want != "" && !strings.EqualFold(t.Locale, want) {
		k.diff("field", "locale", t.Locale, want, "locale is %s, expected %s", t.Locale, want)
	}
	if want := p["draft"] == true; t.Draft != want {
		k.diff("field", "draft", strconv.FormatBool(t.Draft), strconv.FormatBool(want), "draft is %v, expected %v", t.Draft, want)
	}
	planned := str(p, "body")
	if got, want := bodyText(t.Body), bodyText(planned); squash(got) != squash(want) {
		g, w, at := firstDifference(got, want)
		k.diff("body", "body", got, want, "body text differs from the plan's from character %d: is %q, expected %q", at, g, w)
	}
	artKey := articleKeyOf(k.key)
	art := h.idOf[artKey]
	// The article's attachments, listed when the body has a file.
	var attachments []zendesk.HCAttachment
	var byFile map[string]zendesk.HCAttachment
	files := func() error {
		if byFile != nil {
			return nil
		}
		byFile = map[string]zendesk.HCAttachment{}
		if _, live := h.live[art]; !live {
			return nil
		}
		var err error
		if attachments, err = r.articleAttachments(ctx, art); err != nil {
			return err
		}
		for _, a := range attachments {
			byFile[r.sameFile(a.ContentURL)] = a
		}
		return nil
	}

	// What the plan places, resolved as apply resolves it.
	var images []plannedImage
	var links []plannedLink
	verbatim := map[string]bool{} // URLs the plan keeps as the Kustomer body has them
	for _, u := range bodyURLs(planned) {
		if mid, ok := strings.CutPrefix(u.value, engine.MediaPlaceholder); ok {
			e, ok, err := r.opts.Store.Get(string(kind.HCAttachment), artKey+"/"+mid)
			if err != nil {
				return err
			}
			if !ok {
				continue // refused: apply left the tag pointing nowhere and said so
			}
			if err := files(); err != nil {
				return err
			}
			pi := plannedImage{media: mid, zid: e.ZendeskID, url: e.URL}
			for _, a := range attachments {
				if strconv.FormatInt(a.ID, 10) == e.ZendeskID {
					pi.url = a.ContentURL
				}
			}
			images = append(images, pi)
			continue
		}
		if rest, ok := strings.CutPrefix(u.value, engine.ArticlePlaceholder); ok {
			rest, frag, _ := strings.Cut(rest, "#")
			id, loc, _ := strings.Cut(rest, "/")
			zid, err := r.refs.ID("kb_article", id)
			if err != nil {
				return err
			}
			if zid != 0 { // else apply kept the link's text only, and said so
				links = append(links, plannedLink{article: id, locale: loc, frag: frag, zid: zid})
			}
			continue
		}
		verbatim[u.value] = true
	}

	// What Zendesk's body holds.
	have := map[string]bool{}   // sameFile of every URL
	linked := map[string]bool{} // zid/locale#frag of every link to an article
	for _, u := range bodyURLs(t.Body) {
		if u.value == "" {
			continue
		}
		what := "link"
		if u.tag == "img" {
			what = "image"
		}
		have[r.sameFile(u.value)] = true
		if strings.HasPrefix(strings.ToLower(u.value), "kzmap:") {
			k.diff(what, what, u.value, "", "%s %s still holds a placeholder of the plan: apply did not resolve it", what, u.value)
			continue
		}
		if kustomerURL(u.value) {
			k.diff(what, what, u.value, "", "%s %s points at Kustomer", what, u.value)
			continue
		}
		pu, onHC := r.onHelpCenter(u.value)
		file := onHC && strings.HasPrefix(pu.Path, "/hc/article_attachments/")
		if (u.tag == "img" && u.attr == "src" && !(verbatim[u.value] && !onHC)) || file {
			if err := files(); err != nil {
				return err
			}
			if err := k.hcFile(ctx, what, u.value, pu, onHC, byFile); err != nil {
				return err
			}
			continue
		}
		if m := hcArticlePath.FindStringSubmatch(pathOf(pu)); onHC && m != nil {
			zid, _ := strconv.ParseInt(m[2], 10, 64)
			_, frag, _ := strings.Cut(u.value, "#")
			linked[fmt.Sprintf("%d/%s#%s", zid, strings.ToLower(m[1]), frag)] = true
			k.hcLink(u.value, zid, strings.ToLower(m[1]))
		}
	}
	for _, im := range images {
		if !have[r.sameFile(im.url)] {
			k.diff("image", "image", "", im.url, "the image of media %s (Help Center attachment %s, %s) is missing from the body", im.media, im.zid, im.url)
		}
	}
	for _, l := range links {
		if !linked[fmt.Sprintf("%d/%s#%s", l.zid, strings.ToLower(l.locale), l.frag)] {
			target := "/hc/" + l.locale + "/articles/" + strconv.FormatInt(l.zid, 10)
			if l.frag != "" {
				target += "#" + l.frag
			}
			k.diff("link", "link", "", target, "the link to Kustomer article %s in %s (%s) is missing from the body", l.article, l.locale, target)
		}
	}
	return nil
}

func pathOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Path
}

// hcFile checks an image, or a link to a file: one of the article's
// attachments, read as an anonymous reader reads it, with the size of the
// file apply uploaded.
func (k *check) hcFile(ctx context.Context, what, v string, u *url.URL, onHC bool, byFile map[string]zendesk.HCAttachment) error {
	r := k.r
	a, ok := byFile[r.sameFile(v)]
	if !onHC {
		k.diff(what, what, v, "", "%s %s is not one of its article's attachments (it is not on the Help Center)", what, v)
		return nil
	}
	f, err := r.publicGet(ctx, u)
	if err != nil {
		return err
	}
	answer := ""
	switch {
	case f.otherHost:
		answer = "not read: it is not on the API's host"
	case f.err != "":
		answer = "it could not be read: " + f.err
	default:
		answer = fmt.Sprintf("it answers %d", f.status)
	}
	if !ok {
		k.diff(what, what, v, "", "%s %s is not one of its article's attachments (%s)", what, v, answer)
		return nil
	}
	if f.otherHost {
		r.note(Difference{Kind: k.kind, Key: k.key, ZendeskID: k.zid, What: "not_checked", URL: k.url,
			Message: fmt.Sprintf("%s: %s %s was not read: it is not on the API's host, which verify reads public pages on", r.label(k.kind, k.key, k.zid), what, v)})
		return nil
	}
	if f.err != "" || f.status != 200 {
		k.diff(what, what, v, "", "%s %s (Help Center attachment %d) does not show: %s", what, v, a.ID, answer)
		return nil
	}
	want := a.Size
	if key, ok := r.hc.attachmentKey[a.ID]; ok {
		n, err := r.uploadedSize(key[strings.LastIndexByte(key, '/')+1:])
		if err != nil {
			return err
		}
		if n >= 0 {
			want = n
		}
	}
	if int64(f.size) != want {
		k.diff(what, what, strconv.Itoa(f.size), strconv.FormatInt(want, 10), "%s %s (Help Center attachment %d) is %d bytes, expected %d (the file apply uploaded)", what, v, a.ID, f.size, want)
	}
	return nil
}

// hcLink checks a link to a Help Center article against what the API
// returned: an article the checkpoint holds, live, translated into the
// link's locale.
func (k *check) hcLink(v string, zid int64, locale string) {
	h := k.r.hc
	key, ok := h.keyOf[zid]
	if !ok {
		k.diff("link", "link", v, "", "link %s points at Help Center article %d, which kzmap did not migrate (the checkpoint has no article with that id)", v, zid)
		return
	}
	if _, ok := h.live[zid]; !ok {
		k.diff("link", "link", v, "", "link %s points at %s (Help Center article %d), which the Help Center does not have: archived or deleted since?", v, key, zid)
		return
	}
	ts := h.translations[zid]
	if _, ok := ts[locale]; !ok {
		k.diff("link", "link", v, "", "link %s points at %s (Help Center article %d) in %s, a locale it has no translation in (it has %s)", v, key, zid, locale, strings.Join(slices.Sorted(maps.Keys(ts)), ", "))
	}
}
