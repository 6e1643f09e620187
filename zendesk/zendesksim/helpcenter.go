package zendesksim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The Help Center (Guide) knowledge base: categories → sections →
// articles, each article with a translation per enabled locale, article
// attachments, and the public /hc/ pages that show them (spec/zendesk.md,
// Help Center). This file holds the model, the locale in the path, the
// seeded permission group and user segments, categories and sections;
// helpcenter_articles.go has articles and translations,
// helpcenter_files.go attachments and the public pages.
//
// Help Center requests spend a rate limit of their own (Options.
// HelpCenterLimit): "Requests in one API don't count against the rate
// limit of the other API" [HC-INTRO]. Its 400s use the Help Center shape
// {"errors":{"<field>":["<message>"]}} [HC-OAS BadRequestErrorResponse].

// HCPermissionGroup is a management permission group [HC-PG-DOC].
type HCPermissionGroup struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	BuiltIn   bool      `json:"built_in"`
	Edit      []int64   `json:"edit"`
	Publish   []int64   `json:"publish"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HCUserSegment is a user segment: who may view the articles that name it.
type HCUserSegment struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	UserType        string    `json:"user_type"` // signed_in_users or staff
	BuiltIn         bool      `json:"built_in"`
	GroupIDs        []int64   `json:"group_ids"`
	OrganizationIDs []int64   `json:"organization_ids"`
	Tags            []string  `json:"tags"`
	OrTags          []string  `json:"or_tags"`
	AddedUserIDs    []int64   `json:"added_user_ids"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// HCCategory is a category object, shown in its source locale.
type HCCategory struct {
	ID           int64     `json:"id"`
	URL          string    `json:"url"`
	HTMLURL      string    `json:"html_url"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Locale       string    `json:"locale"`
	SourceLocale string    `json:"source_locale"`
	Position     int       `json:"position"`
	Outdated     bool      `json:"outdated"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// HCSection is a section object, shown in its source locale.
type HCSection struct {
	ID              int64     `json:"id"`
	URL             string    `json:"url"`
	HTMLURL         string    `json:"html_url"`
	CategoryID      int64     `json:"category_id"`
	ParentSectionID *int64    `json:"parent_section_id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	Locale          string    `json:"locale"`
	SourceLocale    string    `json:"source_locale"`
	Position        int       `json:"position"`
	Sorting         string    `json:"sorting"`
	Outdated        bool      `json:"outdated"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// HCArticle is an article object as shown in one locale: Title, Body,
// Locale, Draft and EditedAt are that locale's translation's.
type HCArticle struct {
	ID                int64     `json:"id"`
	URL               string    `json:"url"`
	HTMLURL           string    `json:"html_url"`
	AuthorID          int64     `json:"author_id"`
	CommentsDisabled  bool      `json:"comments_disabled"`
	Draft             bool      `json:"draft"`
	Promoted          bool      `json:"promoted"`
	Position          int       `json:"position"`
	VoteSum           int       `json:"vote_sum"`
	VoteCount         int       `json:"vote_count"`
	SectionID         int64     `json:"section_id"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	EditedAt          time.Time `json:"edited_at"`
	Title             string    `json:"title"`
	Body              string    `json:"body"`
	Locale            string    `json:"locale"`
	SourceLocale      string    `json:"source_locale"`
	Outdated          bool      `json:"outdated"`
	OutdatedLocales   []string  `json:"outdated_locales"`
	PermissionGroupID int64     `json:"permission_group_id"`
	UserSegmentID     *int64    `json:"user_segment_id"`
	UserSegmentIDs    []int64   `json:"user_segment_ids"`
	LabelNames        []string  `json:"label_names"`
	ContentTagIDs     []string  `json:"content_tag_ids"`
}

// HCTranslation is an article's content in one locale.
type HCTranslation struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	HTMLURL     string    `json:"html_url"`
	SourceID    int64     `json:"source_id"`
	SourceType  string    `json:"source_type"`
	Locale      string    `json:"locale"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	Outdated    bool      `json:"outdated"`
	Draft       bool      `json:"draft"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	CreatedByID int64     `json:"created_by_id"`
	UpdatedByID *int64    `json:"updated_by_id"`
}

// HCAttachment is an article attachment object. The simulator keeps the
// bytes too, to serve them at ContentURL.
type HCAttachment struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	ArticleID   int64     `json:"article_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	ContentURL  string    `json:"content_url"`
	Size        int64     `json:"size"`
	Inline      bool      `json:"inline"`
	Locale      *string   `json:"locale"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	SHA256      string    `json:"-"`
}

// HelpCenterState is the knowledge base as Dump sees it, ordered by id.
type HelpCenterState struct {
	DefaultLocale    string              `json:"default_locale"`
	Locales          []string            `json:"locales"`
	PermissionGroups []HCPermissionGroup `json:"permission_groups"`
	UserSegments     []HCUserSegment     `json:"user_segments"`
	Categories       []HCCategory        `json:"categories"`
	Sections         []HCSection         `json:"sections"`
	Articles         []HCArticleState    `json:"articles"`
	Attachments      []HCAttachment      `json:"attachments"`
}

// HCArticleState is an article shown in its source locale, whether it is
// archived, and every translation (the source one included), by locale.
type HCArticleState struct {
	Article      HCArticle       `json:"article"`
	Archived     bool            `json:"archived"`
	Translations []HCTranslation `json:"translations"`
}

// Translation returns the article's translation in locale, if any.
func (a HCArticleState) Translation(locale string) (HCTranslation, bool) {
	for _, t := range a.Translations {
		if t.Locale == strings.ToLower(locale) {
			return t, true
		}
	}
	return HCTranslation{}, false
}

// helpCenter is the knowledge base. The server's mutex guards it.
type helpCenter struct {
	locales       []string // enabled, lower-case, as configured
	enabled       map[string]bool
	defaultLocale string

	groups     map[int64]*HCPermissionGroup
	segments   map[int64]*HCUserSegment
	categories map[int64]*HCCategory
	sections   map[int64]*HCSection
	articles   map[int64]*hcArticle
	// translationOf maps a translation id to its article.
	translationOf map[int64]int64
	attachments   map[int64]*hcAttachment
}

type hcArticle struct {
	meta         HCArticle // the locale-independent fields
	base         string    // for html_url, which follows the title
	archived     bool
	translations map[string]*hcTranslation
}

type hcTranslation struct {
	HCTranslation
	editedAt time.Time // when title or body last changed
}

type hcAttachment struct {
	HCAttachment
	data []byte
}

// DefaultHelpCenterLocales are the locales a Help Center has enabled
// when Options.HelpCenterLocales is empty.
var DefaultHelpCenterLocales = []string{"en-us", "es", "de"}

func newHelpCenter(st *store, opts Options, now time.Time) *helpCenter {
	hc := &helpCenter{
		enabled: map[string]bool{}, defaultLocale: strings.ToLower(opts.HelpCenterDefaultLocale),
		groups: map[int64]*HCPermissionGroup{}, segments: map[int64]*HCUserSegment{},
		categories: map[int64]*HCCategory{}, sections: map[int64]*HCSection{},
		articles: map[int64]*hcArticle{}, translationOf: map[int64]int64{}, attachments: map[int64]*hcAttachment{},
	}
	locales := opts.HelpCenterLocales
	if len(locales) == 0 {
		locales = DefaultHelpCenterLocales
	}
	for _, l := range locales {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !hc.enabled[l] {
			hc.enabled[l] = true
			hc.locales = append(hc.locales, l)
		}
	}
	if hc.defaultLocale == "" {
		hc.defaultLocale = "en-us"
	}
	if !hc.enabled[hc.defaultLocale] {
		hc.enabled[hc.defaultLocale] = true
		hc.locales = append([]string{hc.defaultLocale}, hc.locales...)
	}
	// The built-in segments and permission group every Guide has
	// (inferred: their names are those of Guide's admin pages).
	for _, sg := range []struct{ name, typ string }{{"Signed-in users", "signed_in_users"}, {"Agents and admins", "staff"}} {
		id := st.next("hc_segment")
		hc.segments[id] = &HCUserSegment{ID: id, Name: sg.name, UserType: sg.typ, BuiltIn: true,
			GroupIDs: []int64{}, OrganizationIDs: []int64{}, Tags: []string{}, OrTags: []string{}, AddedUserIDs: []int64{},
			CreatedAt: now, UpdatedAt: now}
	}
	id := st.next("hc_permission_group")
	hc.groups[id] = &HCPermissionGroup{ID: id, Name: "Admins", BuiltIn: true, Edit: []int64{}, Publish: []int64{}, CreatedAt: now, UpdatedAt: now}
	return hc
}

// helpCenterRoutes registers the Help Center's JSON endpoints. The
// locale forms (/api/v2/help_center/{locale}/articles…) reach the same
// handlers: withPathLocale takes the locale out of the path first, since
// ServeMux cannot tell /{locale}/categories from /categories/{id}.
func (s *Server) helpCenterRoutes(h func(string, handlerFunc)) {
	h("GET /api/v2/help_center/locales", s.hcLocales)
	h("GET /api/v2/guide/permission_groups", s.hcPermissionGroups)
	h("GET /api/v2/help_center/user_segments", s.hcUserSegments)

	h("GET /api/v2/help_center/categories", s.hcListCategories)
	h("POST /api/v2/help_center/categories", s.hcCreateCategory)
	h("GET /api/v2/help_center/categories/{id}", s.hcShowCategory)
	h("PUT /api/v2/help_center/categories/{id}", s.hcUpdateCategory)
	h("DELETE /api/v2/help_center/categories/{id}", s.hcDeleteCategory)
	h("PUT /api/v2/help_center/categories/{id}/translations/{locale}", s.hcUpdateCategoryTranslation)
	h("GET /api/v2/help_center/categories/{id}/sections", s.hcListSections)
	h("POST /api/v2/help_center/categories/{id}/sections", s.hcCreateSection)

	h("GET /api/v2/help_center/sections", s.hcListSections)
	h("GET /api/v2/help_center/sections/{id}", s.hcShowSection)
	h("PUT /api/v2/help_center/sections/{id}", s.hcUpdateSection)
	h("DELETE /api/v2/help_center/sections/{id}", s.hcDeleteSection)
	h("GET /api/v2/help_center/sections/{id}/articles", s.hcListArticles)
	h("POST /api/v2/help_center/sections/{id}/articles", s.hcCreateArticle)

	h("GET /api/v2/help_center/articles", s.hcListArticles)
	h("GET /api/v2/help_center/articles/{id}", s.hcShowArticle)
	h("PUT /api/v2/help_center/articles/{id}", s.hcUpdateArticle)
	h("DELETE /api/v2/help_center/articles/{id}", s.hcArchiveArticle)
	h("GET /api/v2/help_center/articles/{id}/translations", s.hcListTranslations)
	h("POST /api/v2/help_center/articles/{id}/translations", s.hcCreateTranslation)
	h("GET /api/v2/help_center/articles/{id}/translations/{locale}", s.hcShowTranslation)
	h("PUT /api/v2/help_center/articles/{id}/translations/{locale}", s.hcUpdateTranslation)
	h("DELETE /api/v2/help_center/translations/{id}", s.hcDeleteTranslation)
	h("GET /api/v2/help_center/articles/{id}/attachments", s.hcListAttachments)
	h("POST /api/v2/help_center/articles/{id}/attachments", s.hcCreateAttachment)
	h("DELETE /api/v2/help_center/articles/attachments/{id}", s.hcDeleteAttachment)

	// The public pages need no credentials and spend no API limit (serve).
	s.mux.HandleFunc("GET /hc/", s.servePublic)
}

// isHelpCenter reports whether a request path is the Help Center's API,
// which has its own rate limit, and isPublicPage whether it is one of the
// Help Center's public pages, which anyone may read.
func isHelpCenter(path string) bool {
	return strings.HasPrefix(path, "/api/v2/help_center/") || strings.HasPrefix(path, "/api/v2/guide/")
}

func isPublicPage(path string) bool { return strings.HasPrefix(path, "/hc/") }

// hcCollections are the resources a locale may precede in a path.
var hcCollections = map[string]bool{"categories": true, "sections": true, "articles": true}

type pathLocaleKey struct{}

// withPathLocale turns /api/v2/help_center/{locale}/{categories|sections|
// articles}… into the path without the locale, which it keeps in the
// request's context for pathLocale.
func withPathLocale(r *http.Request) *http.Request {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v2/help_center/")
	if !ok {
		return r
	}
	loc, tail, ok := strings.Cut(rest, "/")
	head, _, _ := strings.Cut(tail, "/")
	if !ok || hcCollections[loc] || !hcCollections[head] {
		return r
	}
	u := *r.URL
	u.Path = "/api/v2/help_center/" + tail
	u.RawPath = ""
	r2 := r.WithContext(context.WithValue(r.Context(), pathLocaleKey{}, [2]string{strings.ToLower(loc), r.URL.Path}))
	r2.URL = &u
	return r2
}

// pathLocale is the locale the request's path named, "" for none.
func pathLocale(r *http.Request) string {
	v, _ := r.Context().Value(pathLocaleKey{}).([2]string)
	return v[0]
}

// hcPaginate is paginateIDs with the next and previous links on the path
// the client sent, locale included.
func hcPaginate(c *call, ids []int64) (page[int64], *reply) {
	if v, ok := c.r.Context().Value(pathLocaleKey{}).([2]string); ok {
		r2 := *c.r
		u := *c.r.URL
		u.Path = v[1]
		r2.URL = &u
		c2 := *c
		c2.r = &r2
		c = &c2
	}
	return paginateIDs(c, ids)
}

// hcErrors collects the problems of a Help Center request by field, for
// the 400 body {"errors":{"<field>":["<message>"]}} [HC-OAS]. The
// messages are the simulator's own (inferred: Zendesk's wordings were
// not found beyond the OAS examples).
type hcErrors map[string][]string

func (e hcErrors) add(field, msg string) { e[field] = append(e[field], msg) }

func (e hcErrors) ok() bool { return len(e) == 0 }

func (e hcErrors) reply() reply {
	return reply{http.StatusBadRequest, map[string]any{"errors": map[string][]string(e)}}
}

func hcBad(field, msg string) reply {
	e := hcErrors{}
	e.add(field, msg)
	return e.reply()
}

// checkLocale adds an error unless locale is one the Help Center has
// enabled: "The specified locales must be enabled" [HC-OAS CreateCategory].
func (hc *helpCenter) checkLocale(e hcErrors, locale string) {
	switch {
	case locale == "":
		e.add("locale", "can't be blank")
	case !hc.enabled[locale]:
		e.add("locale", fmt.Sprintf("%s is not enabled in this help center (enabled: %s)", locale, strings.Join(hc.locales, ", ")))
	}
}

// pickLocale is the locale a create request means: the body's, else the
// path's, lower-cased.
func pickLocale(c *call, body *string) string {
	if body != nil && *body != "" {
		return strings.ToLower(*body)
	}
	return pathLocale(c.r)
}

// slug is the tail of an html_url: the title's words joined by hyphens,
// case kept, as Zendesk's article URLs read (inferred from their form,
// e.g. /hc/en-us/articles/4408887057946-Can-I-attach-files-to-tickets).
func slug(title string) string {
	words := strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return url.PathEscape(strings.Join(words, "-"))
}

func hcHTMLURL(base, locale, kind string, id int64, title string) string {
	u := fmt.Sprintf("%s/hc/%s/%s/%d", base, locale, kind, id)
	if s := slug(title); s != "" {
		u += "-" + s
	}
	return u
}

func (s *Server) hcLocales(c *call) reply {
	hc := s.st.hc
	return reply{http.StatusOK, map[string]any{"locales": slices.Clone(hc.locales), "default_locale": hc.defaultLocale}}
}

// hcList answers a page of the items of m that keep (nil: every one),
// in id order, under key, each shown by show. Every Help Center list
// offers cursor and offset pagination [HC-OAS].
func hcList[T, V any](c *call, key string, m map[int64]T, keep func(T) bool, show func(T) V) reply {
	var ids []int64
	for _, id := range slices.Sorted(maps.Keys(m)) {
		if keep == nil || keep(m[id]) {
			ids = append(ids, id)
		}
	}
	p, r := hcPaginate(c, ids)
	if r != nil {
		return *r
	}
	out := make([]V, 0, len(p.items))
	for _, id := range p.items {
		out = append(out, show(m[id]))
	}
	return listReply(key, out, p.extra)
}

func value[T any](p *T) T { return *p }

// hcFind finds the item of m the path's id names, shown in the path's
// locale if it names one: only source locales are kept for categories
// and sections.
func hcFind[T any](c *call, m map[int64]*T, sourceLocale func(*T) string) (*T, *reply) {
	v := m[pathID(c, "id")]
	if v == nil || !hcInLocale(c, sourceLocale(v)) {
		r := notFound()
		return nil, &r
	}
	return v, nil
}

// hcInLocale reports whether the path names no locale, or source.
func hcInLocale(c *call, source string) bool {
	l := pathLocale(c.r)
	return l == "" || l == source
}

// decodeUnder reads the object a request body holds under key; other
// keys (notify_subscribers) are the caller's.
func decodeUnder[T any](c *call, key string) (*T, *reply) {
	var body map[string]json.RawMessage
	if r := decode(c, &body); r != nil {
		return nil, r
	}
	raw := body[key]
	if len(raw) == 0 || string(raw) == "null" {
		r := hcBad(key, "is required")
		return nil, &r
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		r := hcBad(key, "is not a valid "+key)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			r = hcBad(te.Field, "must be "+jsonKind(te.Type.Kind().String()))
		}
		return nil, &r
	}
	return v, nil
}

func (s *Server) hcPermissionGroups(c *call) reply {
	return hcList(c, "permission_groups", s.st.hc.groups, nil, value[HCPermissionGroup])
}

func (s *Server) hcUserSegments(c *call) reply {
	return hcList(c, "user_segments", s.st.hc.segments, nil, value[HCUserSegment])
}

// placeInput is what a category or section create or update may carry.
type placeInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Locale      *string `json:"locale"`
	Position    *int    `json:"position"`
	CategoryID  *int64  `json:"category_id"`
}

// decodeNewPlace reads a category or section create: a name and an
// enabled locale (from the body or the path) are required [HC-OAS
// CreateCategory, CreateSection].
func (s *Server) decodeNewPlace(c *call, key string) (*placeInput, string, *reply) {
	in, r := decodeUnder[placeInput](c, key)
	if r != nil {
		return nil, "", r
	}
	e := hcErrors{}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		e.add("name", "can't be blank")
	}
	locale := pickLocale(c, in.Locale)
	s.st.hc.checkLocale(e, locale)
	if !e.ok() {
		r := e.reply()
		return nil, "", &r
	}
	return in, locale, nil
}

func (s *Server) hcCreateCategory(c *call) reply {
	in, locale, r := s.decodeNewPlace(c, "category")
	if r != nil {
		return *r
	}
	hc := s.st.hc
	cat := &HCCategory{ID: s.st.next("hc_category"), Name: *in.Name, Locale: locale, SourceLocale: locale, CreatedAt: c.now, UpdatedAt: c.now}
	set(&cat.Description, in.Description)
	set(&cat.Position, in.Position)
	cat.URL = fmt.Sprintf("%s/api/v2/help_center/%s/categories/%d.json", c.base, locale, cat.ID)
	cat.HTMLURL = hcHTMLURL(c.base, locale, "categories", cat.ID, cat.Name)
	hc.categories[cat.ID] = cat
	c.hdr.Set("Location", fmt.Sprintf("%s/api/v2/help_center/categories/%d.json", c.base, cat.ID))
	return reply{http.StatusCreated, map[string]any{"category": *cat}}
}

func (s *Server) hcListCategories(c *call) reply {
	return hcList(c, "categories", s.st.hc.categories, func(cat *HCCategory) bool { return hcInLocale(c, cat.SourceLocale) }, value[HCCategory])
}

func (s *Server) hcCategory(c *call) (*HCCategory, *reply) {
	return hcFind(c, s.st.hc.categories, func(cat *HCCategory) string { return cat.SourceLocale })
}

func (s *Server) hcShowCategory(c *call) reply {
	cat, r := s.hcCategory(c)
	if r != nil {
		return *r
	}
	return reply{http.StatusOK, map[string]any{"category": *cat}}
}

// hcUpdateCategory changes "category-level metadata such as the sorting
// position. They don't update category translations" [HC-OAS
// UpdateCategory]: a name or description sent here is ignored, and
// flagged; the translation endpoint changes them.
func (s *Server) hcUpdateCategory(c *call) reply {
	cat, r := s.hcCategory(c)
	if r != nil {
		return *r
	}
	in, r := decodeUnder[placeInput](c, "category")
	if r != nil {
		return *r
	}
	if (in.Name != nil && *in.Name != cat.Name) || (in.Description != nil && *in.Description != cat.Description) {
		s.st.flag(FlagHCIgnored, fmt.Sprintf("category %d", cat.ID), "PUT category does not change name or description; PUT …/categories/{id}/translations/{locale} does")
	}
	if in.Position != nil && *in.Position != cat.Position {
		cat.Position = *in.Position
		cat.UpdatedAt = c.now
	}
	return reply{http.StatusOK, map[string]any{"category": *cat}}
}

// hcUpdateCategoryTranslation is PUT …/categories/{id}/translations/
// {locale} with {"translation":{title, body}}: the category's name and
// description in that locale. Only the source locale's is kept; other
// locales answer 404 (a limit of the simulator).
func (s *Server) hcUpdateCategoryTranslation(c *call) reply {
	cat, r := s.hcCategory(c)
	if r != nil {
		return *r
	}
	if strings.ToLower(c.r.PathValue("locale")) != cat.SourceLocale {
		return notFound()
	}
	in, r := decodeUnder[translationInput](c, "translation")
	if r != nil {
		return *r
	}
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return hcBad("title", "can't be blank")
	}
	before := *cat
	set(&cat.Name, in.Title)
	set(&cat.Description, in.Body)
	if *cat != before {
		cat.UpdatedAt = c.now
		cat.HTMLURL = hcHTMLURL(c.base, cat.SourceLocale, "categories", cat.ID, cat.Name)
	}
	t := map[string]any{"source_id": cat.ID, "source_type": "Category", "locale": cat.SourceLocale,
		"title": cat.Name, "body": cat.Description, "updated_at": cat.UpdatedAt, "created_at": cat.CreatedAt,
		"draft": false, "outdated": false, "html_url": cat.HTMLURL}
	return reply{http.StatusOK, map[string]any{"translation": t}}
}

// hcDeleteCategory: "Every section and all articles in the category will
// also be deleted" [HC-OAS DeleteCategory].
func (s *Server) hcDeleteCategory(c *call) reply {
	cat, r := s.hcCategory(c)
	if r != nil {
		return *r
	}
	hc := s.st.hc
	for id, sec := range hc.sections {
		if sec.CategoryID == cat.ID {
			hc.deleteSection(id)
		}
	}
	delete(hc.categories, cat.ID)
	return reply{status: http.StatusNoContent}
}

// deleteSection removes a section and "all articles in the section"
// [HC-OAS DeleteSection], archived ones included, with their
// translations and attachments (inferred: they are not kept anywhere).
func (hc *helpCenter) deleteSection(id int64) {
	for aid, a := range hc.articles {
		if a.meta.SectionID != id {
			continue
		}
		for _, t := range a.translations {
			delete(hc.translationOf, t.ID)
		}
		for xid, x := range hc.attachments {
			if x.ArticleID == aid {
				delete(hc.attachments, xid)
			}
		}
		delete(hc.articles, aid)
	}
	delete(hc.sections, id)
}

// hcCreateSection is POST …/categories/{id}/sections: a name and an
// enabled locale are required, the category must exist [HC-OAS
// CreateSection].
func (s *Server) hcCreateSection(c *call) reply {
	cat, r := s.hcCategory(c)
	if r != nil {
		return *r
	}
	in, locale, r := s.decodeNewPlace(c, "section")
	if r != nil {
		return *r
	}
	hc := s.st.hc
	sec := &HCSection{ID: s.st.next("hc_section"), CategoryID: cat.ID, Name: *in.Name, Locale: locale, SourceLocale: locale,
		Sorting: "manual", CreatedAt: c.now, UpdatedAt: c.now}
	set(&sec.Description, in.Description)
	set(&sec.Position, in.Position)
	sec.URL = fmt.Sprintf("%s/api/v2/help_center/%s/sections/%d.json", c.base, locale, sec.ID)
	sec.HTMLURL = hcHTMLURL(c.base, locale, "sections", sec.ID, sec.Name)
	hc.sections[sec.ID] = sec
	c.hdr.Set("Location", fmt.Sprintf("%s/api/v2/help_center/sections/%d.json", c.base, sec.ID))
	return reply{http.StatusCreated, map[string]any{"section": *sec}}
}

// hcListSections lists every section, or a category's
// (…/categories/{id}/sections).
func (s *Server) hcListSections(c *call) reply {
	hc := s.st.hc
	catID := int64(0)
	if c.r.PathValue("id") != "" {
		cat, r := s.hcCategory(c)
		if r != nil {
			return *r
		}
		catID = cat.ID
	}
	return hcList(c, "sections", hc.sections, func(sec *HCSection) bool {
		return (catID == 0 || sec.CategoryID == catID) && hcInLocale(c, sec.SourceLocale)
	}, value[HCSection])
}

func (s *Server) hcSection(c *call) (*HCSection, *reply) {
	return hcFind(c, s.st.hc.sections, func(sec *HCSection) string { return sec.SourceLocale })
}

func (s *Server) hcShowSection(c *call) reply {
	sec, r := s.hcSection(c)
	if r != nil {
		return *r
	}
	return reply{http.StatusOK, map[string]any{"section": *sec}}
}

// hcUpdateSection changes "name (in the source locale), description (in
// the source locale), position, sorting, category_id" [HC-OAS
// UpdateSection]; a new category must exist.
func (s *Server) hcUpdateSection(c *call) reply {
	sec, r := s.hcSection(c)
	if r != nil {
		return *r
	}
	in, r := decodeUnder[placeInput](c, "section")
	if r != nil {
		return *r
	}
	e := hcErrors{}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		e.add("name", "can't be blank")
	}
	if in.CategoryID != nil && s.st.hc.categories[*in.CategoryID] == nil {
		e.add("category_id", fmt.Sprintf("category %d does not exist", *in.CategoryID))
	}
	if !e.ok() {
		return e.reply()
	}
	before := *sec
	set(&sec.Name, in.Name)
	set(&sec.Description, in.Description)
	set(&sec.Position, in.Position)
	set(&sec.CategoryID, in.CategoryID)
	if *sec != before {
		sec.UpdatedAt = c.now
		sec.HTMLURL = hcHTMLURL(c.base, sec.SourceLocale, "sections", sec.ID, sec.Name)
	}
	return reply{http.StatusOK, map[string]any{"section": *sec}}
}

func (s *Server) hcDeleteSection(c *call) reply {
	sec, r := s.hcSection(c)
	if r != nil {
		return *r
	}
	s.st.hc.deleteSection(sec.ID)
	return reply{status: http.StatusNoContent}
}

// dump copies the knowledge base.
func (hc *helpCenter) dump() HelpCenterState {
	out := HelpCenterState{DefaultLocale: hc.defaultLocale, Locales: slices.Clone(hc.locales)}
	for _, id := range slices.Sorted(maps.Keys(hc.groups)) {
		g := *hc.groups[id]
		g.Edit, g.Publish = slices.Clone(g.Edit), slices.Clone(g.Publish)
		out.PermissionGroups = append(out.PermissionGroups, g)
	}
	for _, id := range slices.Sorted(maps.Keys(hc.segments)) {
		sg := *hc.segments[id]
		sg.GroupIDs, sg.OrganizationIDs, sg.Tags, sg.OrTags, sg.AddedUserIDs = slices.Clone(sg.GroupIDs),
			slices.Clone(sg.OrganizationIDs), slices.Clone(sg.Tags), slices.Clone(sg.OrTags), slices.Clone(sg.AddedUserIDs)
		out.UserSegments = append(out.UserSegments, sg)
	}
	out.Categories = sortedValues(hc.categories, func(a, b *HCCategory) int { return cmpInt(a.ID, b.ID) })
	out.Sections = sortedValues(hc.sections, func(a, b *HCSection) int { return cmpInt(a.ID, b.ID) })
	for _, id := range slices.Sorted(maps.Keys(hc.articles)) {
		a := hc.articles[id]
		as := HCArticleState{Article: a.render(a.meta.SourceLocale), Archived: a.archived}
		for _, l := range slices.Sorted(maps.Keys(a.translations)) {
			as.Translations = append(as.Translations, a.translations[l].HCTranslation)
		}
		out.Articles = append(out.Articles, as)
	}
	for _, id := range slices.Sorted(maps.Keys(hc.attachments)) {
		out.Attachments = append(out.Attachments, hc.attachments[id].HCAttachment)
	}
	return out
}
