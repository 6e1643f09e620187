package apply

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

// The Help Center (spec/rules.md, rule 31) is written one record per
// request: it has no bulk endpoints. Its kinds follow the Support kinds,
// in order: categories, sections, articles (each created as a draft with
// an empty body: its translations give it text and publish it), the
// attachments the bodies embed, then the translations, whose bodies are
// written last, once every article and image has its Zendesk URL. Each
// request is a batch of one under the same protocol as the rest: in
// flight in the checkpoint before it is sent, found again after a crash
// by what identifies it in Zendesk (a category's name, a section's name
// in its category, an article's kz-<id> label, an attachment's file name
// and size in its article); a translation is written again, which is
// safe: created, or the one Zendesk has updated.

// hcSettle is how long a Help Center write whose answer was lost is
// given before Zendesk is asked whether it was done.
const hcSettle = 2 * time.Second

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// kbArticle is the source type articles are aliased under.
const kbArticle = "kb_article"

func init() {
	// A translation is not looked for: its article's create made the
	// source locale's (empty, a draft), so finding one proves nothing;
	// writing a translation again is safe (create, else update).
	for _, k := range kind.All {
		if k.HelpCenter() && k != kind.HCTranslation {
			finders[k] = hcFinder(k)
		}
	}
}

// hcAccount is what a run reads of the Help Center once, before its
// first article: permission groups and user segments by name.
type hcAccount struct {
	once     sync.Once
	err      error
	groups   map[string]int64
	segments map[string]int64
	// attachments are the content URLs of attachments the checkpoint has
	// no URL for (found again after a crash), by article, read once each.
	mu          sync.Mutex
	attachments map[int64]map[int64]string
}

func (a *hcAccount) load(ctx context.Context, c *zendesk.Client) error {
	a.once.Do(func() {
		a.groups, a.segments = map[string]int64{}, map[string]int64{}
		gs, err := c.HCPermissionGroups(ctx)
		if err != nil {
			a.err = fmt.Errorf("reading the Help Center's permission groups: %w", err)
			return
		}
		for _, g := range gs {
			a.groups[strings.ToLower(g.Name)] = g.ID
		}
		ss, err := c.HCUserSegments(ctx)
		if err != nil {
			a.err = fmt.Errorf("reading the Help Center's user segments: %w", err)
			return
		}
		for _, s := range ss {
			a.segments[strings.ToLower(s.Name)] = s.ID
		}
	})
	return a.err
}

// hcExternalID is what finds a Help Center record again after a crash
// (hcFinder): see the comment above. A translation's is only said.
func hcExternalID(it item) string {
	p := it.d.Payload
	switch it.op.Kind {
	case kind.HCCategory:
		return str(p, "name")
	case kind.HCSection:
		return str(p, "category") + "\x00" + str(p, "name")
	case kind.HCArticle:
		_, id, _ := strings.Cut(it.d.Sources[0], "/")
		return engine.ArticleLabel(id)
	case kind.HCAttachment:
		size := int64(-1)
		if n, ok := p["size"].(float64); ok {
			size = int64(n)
		}
		return str(p, "article") + "\x00" + str(p, "file_name") + "\x00" + strconv.FormatInt(size, 10)
	case kind.HCTranslation:
		return str(p, "article") + "\x00" + strings.ToLower(str(p, "locale"))
	}
	return ""
}

// writeHC sends one Help Center record.
func (ex *executor) writeHC(ctx context.Context, it item) ([]outcome, error) {
	c := ex.opts.Client
	p := it.d.Payload
	action := it.op.Action
	var zid int64
	if action != kind.Create {
		id, err := strconv.ParseInt(it.op.ZendeskID, 10, 64)
		if err != nil {
			return []outcome{{err: fmt.Sprintf("the checkpoint's id %q for this %s is not a number", it.op.ZendeskID, it.op.Kind)}}, nil
		}
		zid = id
	}
	if action == kind.Delete {
		return []outcome{ex.deleteHC(ctx, it.op.Kind, zid)}, nil
	}
	var o outcome
	var err error
	switch it.op.Kind {
	case kind.HCCategory:
		cat := zendesk.HCCategory{Name: str(p, "name"), Description: str(p, "description"), Locale: locale(p), Position: num(p, "position")}
		var got zendesk.HCCategory
		if action == kind.Create {
			got, err = c.HCCreateCategory(ctx, cat)
		} else {
			got, err = c.HCUpdateCategory(ctx, zid, cat)
		}
		o = hcOutcome(err, got.ID, got.HTMLURL)
	case kind.HCSection:
		sec := zendesk.HCSection{Name: str(p, "name"), Description: str(p, "description"), Locale: locale(p), Position: num(p, "position")}
		if sec.CategoryID, err = ex.refs.ID(record.KBCategoryAlias, str(p, "category")); err != nil {
			return nil, err
		}
		if sec.CategoryID == 0 {
			return []outcome{{err: "its category (Kustomer " + str(p, "category") + ") was not created in the Help Center (see its dead letter)"}}, nil
		}
		var got zendesk.HCSection
		if action == kind.Create {
			got, err = c.HCCreateSection(ctx, sec)
		} else {
			got, err = c.HCUpdateSection(ctx, zid, sec)
		}
		o = hcOutcome(err, got.ID, got.HTMLURL)
	case kind.HCArticle:
		var a zendesk.HCArticle
		if a, o, err = ex.hcArticle(ctx, it); err != nil || o.err != "" {
			return []outcome{o}, err
		}
		var got zendesk.HCArticle
		if action == kind.Create {
			got, err = c.HCCreateArticle(ctx, a)
		} else {
			got, err = c.HCUpdateArticle(ctx, zid, a)
		}
		o = hcOutcome(err, got.ID, got.HTMLURL)
	case kind.HCAttachment:
		return ex.hcAttachment(ctx, it)
	case kind.HCTranslation:
		return ex.hcTranslation(ctx, it, action)
	default:
		return nil, fmt.Errorf("apply: no writer for %s %s", action, it.op.Kind)
	}
	if errors.Is(err, zendesk.ErrMaybeSent) {
		return nil, err // resolved by asking Zendesk, as after a crash
	}
	return []outcome{o}, nil
}

// hcOutcome reads the answer to a one-record Help Center request.
func hcOutcome(err error, id int64, url string) outcome {
	if err == nil {
		if id == 0 {
			return outcome{err: "Zendesk's answer named no id"}
		}
		return outcome{id: strconv.FormatInt(id, 10), url: url}
	}
	var api *zendesk.APIError
	if errors.As(err, &api) && api.Status >= 400 && api.Status < 500 && api.Status != 429 {
		return outcome{err: api.Error()}
	}
	return outcome{err: err.Error()}
}

// hcArticle is the article a payload asks for; o.err says why it cannot
// be sent (a section, permission group or user segment Zendesk lacks).
func (ex *executor) hcArticle(ctx context.Context, it item) (zendesk.HCArticle, outcome, error) {
	p := it.d.Payload
	if err := ex.hc.load(ctx, ex.opts.Client); err != nil {
		return zendesk.HCArticle{}, outcome{}, err
	}
	a := zendesk.HCArticle{Title: str(p, "title"), Locale: locale(p), Promoted: p["promoted"] == true, Position: num(p, "position"),
		LabelNames: dsl.Strings(p["label_names"])}
	// An article is created as a draft unless no translation will
	// follow: its source translation publishes it with its body.
	a.Draft = p["draft"] == true || ex.translations
	if a.LabelNames == nil {
		a.LabelNames = []string{}
	}
	var err error
	if a.SectionID, err = ex.refs.ID(record.KBSectionAlias, str(p, "section")); err != nil {
		return a, outcome{}, err
	}
	if a.SectionID == 0 {
		return a, outcome{err: "its section (Kustomer category " + str(p, "section") + ") was not created in the Help Center (see its dead letter)"}, nil
	}
	g, ok := ex.hc.groups[strings.ToLower(str(p, "permission_group"))]
	if !ok {
		return a, outcome{err: fmt.Sprintf("the Help Center has no permission group named %q (set the mapping's permission_group to one of Guide's)", str(p, "permission_group"))}, nil
	}
	a.PermissionGroupID = g
	if name := str(p, "user_segment"); name != "" {
		s, ok := ex.hc.segments[strings.ToLower(name)]
		if !ok {
			return a, outcome{err: fmt.Sprintf("the Help Center has no user segment named %q", name)}, nil
		}
		a.UserSegmentID = &s
	}
	if author := str(p, "author"); author != "" {
		if a.AuthorID, err = ex.refs.ID("user", author); err != nil {
			return a, outcome{}, err
		}
	}
	return a, outcome{}, nil
}

// hcAttachment uploads an image an article embeds.
func (ex *executor) hcAttachment(ctx context.Context, it item) ([]outcome, error) {
	p := it.d.Payload
	art, err := ex.refs.ID(kbArticle, str(p, "article"))
	if err != nil {
		return nil, err
	}
	if art == 0 {
		return []outcome{{err: "its article (Kustomer " + str(p, "article") + ") was not created in the Help Center"}}, nil
	}
	if ex.opts.Files == nil {
		return []outcome{{err: "no attachment files were given to apply"}}, nil
	}
	f, _, err := ex.opts.Files.Open(str(p, "media"))
	if err != nil {
		return []outcome{{err: err.Error()}}, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, zendesk.MaxArticleAttachmentBytes+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("reading media %s: %w", str(p, "media"), err)
	}
	got, err := ex.opts.Client.HCCreateAttachment(ctx, art, str(p, "file_name"), str(p, "content_type"), data, p["inline"] != false)
	if errors.Is(err, zendesk.ErrMaybeSent) {
		return nil, err
	}
	if errors.Is(err, zendesk.ErrUploadTooLarge) {
		return []outcome{{err: err.Error()}}, nil
	}
	return []outcome{hcOutcome(err, got.ID, got.ContentURL)}, nil
}

// hcTranslation writes an article's text in one locale: the source
// locale's exists from the article's create, the others are created (or
// updated, when Zendesk has one already).
func (ex *executor) hcTranslation(ctx context.Context, it item, action kind.Action) ([]outcome, error) {
	p := it.d.Payload
	c := ex.opts.Client
	artKey, loc := articleKeyOf(it.op.Key), strings.ToLower(str(p, "locale"))
	e, ok, err := ex.opts.Store.Get(string(kind.HCArticle), artKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []outcome{{err: "its article (Kustomer " + str(p, "article") + ") was not created in the Help Center"}}, nil
	}
	art, err := strconv.ParseInt(e.ZendeskID, 10, 64)
	if err != nil {
		return []outcome{{err: fmt.Sprintf("the checkpoint's id %q for its article is not a number", e.ZendeskID)}}, nil
	}
	body, unresolved, err := ex.hcBody(ctx, artKey, art, str(p, "body"))
	if err != nil {
		return nil, err
	}
	for _, u := range unresolved {
		ex.warn("%s: %s", it.op.Key, u)
	}
	t := zendesk.HCTranslation{Locale: loc, Title: str(p, "title"), Body: body, Draft: p["draft"] == true}
	var got zendesk.HCTranslation
	if action == kind.Create && !strings.EqualFold(appliedString(e.Applied, "locale"), loc) {
		got, err = c.HCCreateTranslation(ctx, art, t)
		if errors.Is(err, zendesk.ErrTranslationExists) {
			got, err = c.HCUpdateTranslation(ctx, art, t)
		}
	} else {
		got, err = c.HCUpdateTranslation(ctx, art, t)
	}
	if errors.Is(err, zendesk.ErrMaybeSent) {
		return nil, err
	}
	return []outcome{hcOutcome(err, got.ID, got.HTMLURL)}, nil
}

// articleKeyOf is the article key of a translation's or attachment's key
// (<article key>/<locale or media id>).
func articleKeyOf(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return key
}

// appliedString reads a string the checkpoint's compact payload holds.
func appliedString(applied map[string]string, k string) string {
	v, err := strconv.Unquote(applied[k])
	if err != nil {
		return ""
	}
	return v
}

var (
	placeholderAttr = regexp.MustCompile(`(?is)(\b(?:src|href)\s*=\s*)"(kzmap:(?:media|article)/[^"]*)"`)
	placeholderLink = regexp.MustCompile(`(?is)<a\b[^>]*"kzmap:article/[^"]*"[^>]*>(.*?)</a\s*>`)
)

// hcBody turns a planned body's placeholders into Zendesk's URLs: an
// image into its attachment's content URL, a link into the Help Center
// URL of the article it names. What has no Zendesk record (an article or
// image that was refused) loses its link or image, and is returned to be
// said.
func (ex *executor) hcBody(ctx context.Context, artKey string, art int64, body string) (string, []string, error) {
	if !strings.Contains(body, "kzmap:") {
		return body, nil, nil
	}
	var unresolved []string
	var ferr error
	resolve := func(ph string) string {
		ph = html.UnescapeString(ph)
		if mid, ok := strings.CutPrefix(ph, engine.MediaPlaceholder); ok {
			u, err := ex.attachmentURL(ctx, artKey, art, mid)
			if err != nil {
				ferr = err
			}
			return u
		}
		rest, _ := strings.CutPrefix(ph, engine.ArticlePlaceholder)
		rest, frag, _ := strings.Cut(rest, "#")
		id, loc, _ := strings.Cut(rest, "/")
		zid, err := ex.refs.ID(kbArticle, id)
		if err != nil {
			ferr = err
		}
		if zid == 0 {
			return ""
		}
		u := ex.hcBase(ctx, id) + "/hc/" + loc + "/articles/" + strconv.FormatInt(zid, 10)
		if frag != "" {
			u += "#" + frag
		}
		return u
	}
	// Links first: one whose article is missing keeps only its text.
	body = placeholderLink.ReplaceAllStringFunc(body, func(a string) string {
		m := placeholderAttr.FindStringSubmatch(a)
		if m == nil || resolve(m[2]) != "" {
			return a
		}
		unresolved = append(unresolved, "a link to "+m[2]+" lost its target (the article is not in the Help Center); its text is kept")
		return placeholderLink.FindStringSubmatch(a)[1]
	})
	body = placeholderAttr.ReplaceAllStringFunc(body, func(attr string) string {
		m := placeholderAttr.FindStringSubmatch(attr)
		u := resolve(m[2])
		if u == "" {
			unresolved = append(unresolved, "the image "+m[2]+" is not in the Help Center; its tag points nowhere")
		}
		return m[1] + `"` + html.EscapeString(u) + `"`
	})
	return body, unresolved, ferr
}

// attachmentURL is the content URL of the attachment made for a media of
// an article: the checkpoint's, or, for one found again after a crash,
// the article's attachment list's.
func (ex *executor) attachmentURL(ctx context.Context, artKey string, art int64, mid string) (string, error) {
	e, ok, err := ex.opts.Store.Get(string(kind.HCAttachment), artKey+"/"+mid)
	if err != nil || !ok {
		return "", err
	}
	if e.URL != "" {
		return e.URL, nil
	}
	id, _ := strconv.ParseInt(e.ZendeskID, 10, 64)
	h := &ex.hc
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.attachments == nil {
		h.attachments = map[int64]map[int64]string{}
	}
	urls, ok := h.attachments[art]
	if !ok {
		list, err := ex.opts.Client.HCAttachments(ctx, art)
		if err != nil {
			return "", fmt.Errorf("listing the attachments of Help Center article %d: %w", art, err)
		}
		urls = map[int64]string{}
		for _, a := range list {
			urls[a.ID] = a.ContentURL
		}
		h.attachments[art] = urls
	}
	return urls[id], nil
}

// hcBase is where the Help Center's pages are: the scheme and host of a
// migrated article's html_url (a Help Center may have a host of its own),
// else the API's base URL.
func (ex *executor) hcBase(_ context.Context, articleID string) string {
	if e, ok := ex.articleEntry(articleID); ok {
		if i := strings.Index(e.URL, "/hc/"); i > 0 {
			return e.URL[:i]
		}
	}
	return strings.TrimSuffix(ex.opts.Client.BaseURL(), "/")
}

// articleEntry is the checkpoint's entry for the article a Kustomer
// article became.
func (ex *executor) articleEntry(articleID string) (checkpoint.Entry, bool) {
	for _, m := range ex.opts.Config.Mappings {
		if m.Kind != string(kind.HCArticle) {
			continue
		}
		if e, ok, err := ex.opts.Store.Get(string(kind.HCArticle), m.Address()+":"+articleID); err == nil && ok {
			return e, true
		}
	}
	return checkpoint.Entry{}, false
}

// deleteHC removes a Help Center record: an article is archived (the
// Help Center's delete), a category takes its sections and articles with
// it. One Zendesk no longer has counts as deleted.
func (ex *executor) deleteHC(ctx context.Context, k kind.Kind, id int64) outcome {
	c := ex.opts.Client
	var err error
	switch k {
	case kind.HCCategory:
		err = c.HCDeleteCategory(ctx, id)
	case kind.HCSection:
		err = c.HCDeleteSection(ctx, id)
	case kind.HCArticle:
		err = c.HCDeleteArticle(ctx, id)
	case kind.HCAttachment:
		err = c.HCDeleteAttachment(ctx, id)
	case kind.HCTranslation:
		err = c.HCDeleteTranslation(ctx, id)
	}
	if err == nil || errors.Is(err, zendesk.ErrNotFound) {
		return outcome{id: strconv.FormatInt(id, 10)}
	}
	return hcOutcome(err, 0, "")
}

// locale is a payload's locale as the Help Center spells it.
func locale(p map[string]any) string { return strings.ToLower(str(p, "locale")) }

// num reads a number of a payload.
func num(p map[string]any, k string) int {
	switch v := p[k].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	}
	return 0
}

// hcFinder finds Help Center records again by what hcExternalID names
// them by.
func hcFinder(k kind.Kind) finder {
	return func(ctx context.Context, c *zendesk.Client, refs *refs, keys []string) (map[string]string, error) {
		out := map[string]string{}
		newest := map[string]int64{} // the last one created of a name: the lost create
		keep := func(key string, id int64) {
			if id > newest[key] {
				newest[key] = id
				out[key] = strconv.FormatInt(id, 10)
			}
		}
		switch k {
		case kind.HCCategory:
			cats, err := c.HCCategories(ctx)
			if err != nil {
				return nil, err
			}
			for _, cat := range cats {
				keep(cat.Name, cat.ID)
			}
		case kind.HCSection:
			secs, err := c.HCSections(ctx)
			if err != nil {
				return nil, err
			}
			for _, key := range keys {
				cat, name, _ := strings.Cut(key, "\x00")
				cid, err := refs.ID(record.KBCategoryAlias, cat)
				if err != nil {
					return nil, err
				}
				for _, s := range secs {
					if s.CategoryID == cid && cid != 0 && s.Name == name {
						keep(key, s.ID)
					}
				}
			}
		case kind.HCArticle:
			for _, label := range keys {
				arts, err := c.HCArticles(ctx, []string{label})
				if err != nil {
					return nil, err
				}
				for _, a := range arts {
					keep(label, a.ID)
				}
			}
		case kind.HCAttachment:
			for _, key := range keys {
				parts := strings.Split(key, "\x00")
				art, err := refs.ID(kbArticle, parts[0])
				if err != nil || art == 0 {
					return out, err
				}
				as, err := c.HCAttachments(ctx, art)
				if err != nil {
					return nil, err
				}
				for _, a := range as {
					if len(parts) > 2 && a.FileName == parts[1] && (parts[2] == "-1" || parts[2] == strconv.FormatInt(a.Size, 10)) {
						keep(key, a.ID)
					}
				}
			}
		}
		return out, nil
	}
}

// hcWritesTranslations says whether the mapping writes translations: an
// article is then created as a draft for its source translation to
// publish.
func hcWritesTranslations(cfg *dsl.Config) bool {
	for _, m := range cfg.Mappings {
		if m.Kind == string(kind.HCTranslation) {
			return true
		}
	}
	return false
}

// resolveHCDelete settles a Help Center delete whose answer was lost by
// deleting again: a record already gone counts as deleted.
func resolveHCDelete(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, b checkpoint.Batch) error {
	ex := &executor{opts: Options{Client: c}}
	outs := make([]outcome, len(b.Keys))
	for i, e := range b.ExternalIDs {
		if id, err := strconv.ParseInt(e, 10, 64); err == nil {
			outs[i] = ex.deleteHC(ctx, kind.Kind(b.Kind), id)
		}
	}
	_, err := forgetDeleted(st, b, outs)
	if err == nil && kind.Kind(b.Kind) == kind.HCArticle {
		err = forgetArticleParts(st, b, outs)
	}
	return err
}

// forgetArticleParts forgets the translations and attachments of the
// articles a delete archived: they went with their article, and a plan
// that wants the article again makes them again.
func forgetArticleParts(st *checkpoint.Store, b checkpoint.Batch, outs []outcome) error {
	archived := map[string]bool{}
	for i, o := range outs {
		if o.id != "" && i < len(b.Keys) {
			archived[b.Keys[i]] = true
		}
	}
	if len(archived) == 0 {
		return nil
	}
	for _, k := range []kind.Kind{kind.HCTranslation, kind.HCAttachment} {
		var keys []string
		err := st.ForEach(string(k), func(key string, _ checkpoint.Entry) error {
			if archived[articleKeyOf(key)] {
				keys = append(keys, key)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := st.ForgetKeys(string(k), keys); err != nil {
			return err
		}
	}
	return nil
}

// destroyHC deletes the Help Center records of targets, the last written
// first: attachments, then articles (archived: the Help Center's delete;
// their translations go with them), sections and categories. A
// translation of an article that stays is deleted on its own (Zendesk
// refuses the source locale's). A section or category that holds what
// another run made is kept and said, since Zendesk would delete its
// content with it.
func destroyHC(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, targets []Target, out *Destroyed) error {
	byKind := map[kind.Kind][]Target{}
	ids := map[kind.Kind]map[int64]bool{}
	articles := map[string]bool{}
	for _, t := range targets {
		if !t.Kind.HelpCenter() {
			continue
		}
		byKind[t.Kind] = append(byKind[t.Kind], t)
		id, _ := strconv.ParseInt(t.ZendeskID, 10, 64)
		if ids[t.Kind] == nil {
			ids[t.Kind] = map[int64]bool{}
		}
		ids[t.Kind][id] = true
		if t.Kind == kind.HCArticle {
			articles[t.Key] = true
		}
	}
	if len(byKind) == 0 {
		return nil
	}
	// What the sections and categories to delete hold in Zendesk.
	holds := map[kind.Kind]map[int64]int{kind.HCSection: {}, kind.HCCategory: {}}
	if len(byKind[kind.HCSection])+len(byKind[kind.HCCategory]) > 0 {
		arts, err := c.HCArticles(ctx, nil)
		if err != nil {
			return fmt.Errorf("listing the Help Center's articles: %w", err)
		}
		for _, a := range arts {
			if !ids[kind.HCArticle][a.ID] {
				holds[kind.HCSection][a.SectionID]++
			}
		}
		secs, err := c.HCSections(ctx)
		if err != nil {
			return fmt.Errorf("listing the Help Center's sections: %w", err)
		}
		for _, s := range secs {
			if !ids[kind.HCSection][s.ID] || holds[kind.HCSection][s.ID] > 0 {
				holds[kind.HCCategory][s.CategoryID]++
			}
		}
	}
	for i := len(kind.All) - 1; i >= 0; i-- {
		k := kind.All[i]
		for _, t := range byKind[k] {
			id, err := strconv.ParseInt(t.ZendeskID, 10, 64)
			if err != nil {
				out.Failed = append(out.Failed, fmt.Sprintf("%s %s: checkpoint id %q is not a number", t.Kind, t.Key, t.ZendeskID))
				continue
			}
			if n := holds[k][id]; n > 0 {
				out.Failed = append(out.Failed, fmt.Sprintf("%s %s (Zendesk %d): kept, it holds %d %s another run wrote (deleting it would delete them; destroy that run first)",
					t.Kind, t.Key, id, n, map[kind.Kind]string{kind.HCSection: "articles", kind.HCCategory: "sections"}[k]))
				continue
			}
			switch {
			case k == kind.HCTranslation && articles[articleKeyOf(t.Key)]:
				err = nil // archived with its article
			case k == kind.HCCategory:
				err = c.HCDeleteCategory(ctx, id)
			case k == kind.HCSection:
				err = c.HCDeleteSection(ctx, id)
			case k == kind.HCArticle:
				err = c.HCDeleteArticle(ctx, id)
			case k == kind.HCAttachment:
				err = c.HCDeleteAttachment(ctx, id)
			case k == kind.HCTranslation:
				err = c.HCDeleteTranslation(ctx, id)
			}
			switch {
			case err == nil:
				out.Deleted++
			case errors.Is(err, zendesk.ErrNotFound):
				out.Gone++
			case ctx.Err() != nil:
				return ctx.Err()
			default:
				out.Failed = append(out.Failed, fmt.Sprintf("%s %s (Zendesk %d): %v", t.Kind, t.Key, id, err))
				continue
			}
			if err := st.Forget([]checkpoint.Forgotten{{Kind: string(t.Kind), Key: t.Key, Aliases: t.Aliases}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// hcHeld is what the Help Center held before a run's first create, read
// once, to adopt what an earlier run wrote but the checkpoint lost. A Help
// Center with no category holds nothing kzmap wrote: nothing more is read.
type hcHeld struct {
	once     sync.Once
	err      error
	empty    bool
	cats     []zendesk.HCCategory
	secs     []zendesk.HCSection
	articles map[string]zendesk.HCArticle // kz-<id> label → article
	// adopted are the article keys this run adopted: their attachments
	// and translations are looked for too.
	mu      sync.Mutex
	adopted map[string]int64
	parts   map[int64]*articleParts
}

// articleParts are an adopted article's attachments and translations.
type articleParts struct {
	attachments  []zendesk.HCAttachment
	translations []zendesk.HCTranslation
}

func (h *hcHeld) load(ctx context.Context, c *zendesk.Client) error {
	h.once.Do(func() {
		h.adopted, h.parts = map[string]int64{}, map[int64]*articleParts{}
		if h.cats, h.err = c.HCCategories(ctx); h.err != nil {
			h.err = fmt.Errorf("listing the Help Center's categories before creating any: %w", h.err)
			return
		}
		if h.empty = len(h.cats) == 0; h.empty {
			return
		}
		if h.secs, h.err = c.HCSections(ctx); h.err != nil {
			h.err = fmt.Errorf("listing the Help Center's sections: %w", h.err)
			return
		}
		arts, err := c.HCArticles(ctx, nil)
		if err != nil {
			h.err = fmt.Errorf("listing the Help Center's articles: %w", err)
			return
		}
		h.articles = map[string]zendesk.HCArticle{}
		for _, a := range arts {
			for _, l := range a.LabelNames {
				if strings.HasPrefix(l, "kz-") {
					h.articles[l] = a
				}
			}
		}
	})
	return h.err
}

// lookHC finds what the Help Center already holds for a create: a
// category by name, a section by name in its category, an article by its
// kz- label; an adopted article's attachments by file name and size and
// its translations by locale.
func (ex *executor) lookHC(ctx context.Context, items []item) ([]*held, error) {
	h := &ex.held
	if err := h.load(ctx, ex.opts.Client); err != nil {
		return nil, err
	}
	out := make([]*held, len(items))
	if h.empty {
		return out, nil
	}
	for i, it := range items {
		p := it.d.Payload
		var err error
		switch it.op.Kind {
		case kind.HCCategory:
			for _, c := range h.cats {
				if c.Name == str(p, "name") {
					out[i] = &held{id: c.ID, same: c.Description == str(p, "description") && c.Position == num(p, "position")}
				}
			}
		case kind.HCSection:
			var cat int64
			if cat, err = ex.refs.ID(record.KBCategoryAlias, str(p, "category")); err != nil {
				return nil, err
			}
			for _, s := range h.secs {
				if s.CategoryID == cat && cat != 0 && s.Name == str(p, "name") {
					out[i] = &held{id: s.ID, same: s.Description == str(p, "description") && s.Position == num(p, "position")}
				}
			}
		case kind.HCArticle:
			a, ok := h.articles[hcExternalID(it)]
			if !ok {
				continue
			}
			want, o, err := ex.hcArticle(ctx, it)
			if err != nil {
				return nil, err
			}
			same := o.err == "" && a.SectionID == want.SectionID && a.PermissionGroupID == want.PermissionGroupID &&
				ptrEqual(a.UserSegmentID, want.UserSegmentID) && slices.Equal(sorted(a.LabelNames), sorted(want.LabelNames))
			out[i] = &held{id: a.ID, same: same}
			h.mu.Lock()
			h.adopted[it.op.Key] = a.ID
			h.mu.Unlock()
		case kind.HCAttachment, kind.HCTranslation:
			parts, err := ex.adoptedParts(ctx, articleKeyOf(it.op.Key))
			if err != nil || parts == nil {
				return nil, err
			}
			if it.op.Kind == kind.HCAttachment {
				ext := strings.Split(hcExternalID(it), "\x00")
				for _, a := range parts.attachments {
					if a.FileName == ext[1] && (ext[2] == "-1" || ext[2] == strconv.FormatInt(a.Size, 10)) {
						out[i] = &held{id: a.ID, same: true}
					}
				}
				continue
			}
			for _, t := range parts.translations {
				if strings.EqualFold(t.Locale, locale(p)) {
					// Its body is written again: the links and images in it
					// point at this run's records.
					out[i] = &held{id: t.ID}
				}
			}
		}
	}
	return out, nil
}

// adoptedParts lists, once, the attachments and translations of an
// article this run adopted (nil for one it created).
func (ex *executor) adoptedParts(ctx context.Context, articleKey string) (*articleParts, error) {
	h := &ex.held
	h.mu.Lock()
	defer h.mu.Unlock()
	id, ok := h.adopted[articleKey]
	if !ok {
		return nil, nil
	}
	if p, ok := h.parts[id]; ok {
		return p, nil
	}
	p := &articleParts{}
	var err error
	if p.attachments, err = ex.opts.Client.HCAttachments(ctx, id); err != nil {
		return nil, fmt.Errorf("listing the attachments of adopted article %d: %w", id, err)
	}
	if p.translations, err = ex.opts.Client.HCTranslations(ctx, id); err != nil {
		return nil, fmt.Errorf("listing the translations of adopted article %d: %w", id, err)
	}
	h.parts[id] = p
	return p, nil
}

func ptrEqual(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
