package zendesksim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Articles and their translations [HC-ART-DOC] [HC-OAS]. An article's
// title, body and draft live in its translations, one per locale; the
// one in the article's source locale is made with the article and cannot
// be deleted. Updating an article changes its metadata only ("the
// endpoints do not update translation properties such as the article's
// title, body, or draft" [HC-UPD]); what such a request sends anyway is
// ignored and flagged (FlagHCIgnored), as are the read-only dates.

// articleInput is an article as a create or update request sends it.
// Raw fields tell a key sent as null from one not sent at all.
type articleInput struct {
	Title             *string         `json:"title"`
	Body              *string         `json:"body"`
	Locale            *string         `json:"locale"`
	Draft             *bool           `json:"draft"`
	PermissionGroupID *int64          `json:"permission_group_id"`
	UserSegmentID     json.RawMessage `json:"user_segment_id"`
	UserSegmentIDs    *[]int64        `json:"user_segment_ids"`
	AuthorID          *int64          `json:"author_id"`
	SectionID         *int64          `json:"section_id"`
	LabelNames        *[]string       `json:"label_names"`
	ContentTagIDs     *[]string       `json:"content_tag_ids"`
	Promoted          *bool           `json:"promoted"`
	Position          *int            `json:"position"`
	CommentsDisabled  *bool           `json:"comments_disabled"`
	// Read-only [HC-ART-DOC]: the server's clock sets them.
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
	EditedAt  json.RawMessage `json:"edited_at"`
}

// render shows the article in locale, which must have a translation.
func (a *hcArticle) render(locale string) HCArticle {
	out := a.meta
	t := a.translations[locale]
	out.Title, out.Body, out.Locale, out.Draft, out.EditedAt = t.Title, t.Body, t.Locale, t.Draft, t.editedAt
	out.URL = fmt.Sprintf("%s/api/v2/help_center/%s/articles/%d.json", a.base, locale, out.ID)
	out.HTMLURL = hcHTMLURL(a.base, locale, "articles", out.ID, t.Title)
	out.LabelNames = slices.Clone(out.LabelNames)
	out.ContentTagIDs = slices.Clone(out.ContentTagIDs)
	out.UserSegmentIDs = slices.Clone(out.UserSegmentIDs)
	out.OutdatedLocales = []string{}
	for _, l := range slices.Sorted(maps.Keys(a.translations)) {
		if a.translations[l].Outdated {
			out.OutdatedLocales = append(out.OutdatedLocales, l)
		}
	}
	return out
}

// translation returns t with its urls filled for the article.
func (a *hcArticle) translation(t *hcTranslation) HCTranslation {
	out := t.HCTranslation
	out.URL = fmt.Sprintf("%s/api/v2/help_center/translations/%d.json", a.base, t.ID)
	out.HTMLURL = hcHTMLURL(a.base, t.Locale, "articles", a.meta.ID, t.Title)
	return out
}

// checkArticle validates what an article create (existing nil) or update
// sends, and returns the user segment it names: the user_segment_id key
// must be present on create, null meaning everyone [HC-OAS ArticleRequest,
// ArticleObject]; the permission group, user segment, author (an agent or
// admin [HC-ART-DOC]) and section must exist.
func (s *Server) checkArticle(c *call, in *articleInput, existing *hcArticle) (hcErrors, **int64) {
	hc := s.st.hc
	e := hcErrors{}
	if existing == nil {
		if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
			e.add("title", "can't be blank")
		}
		hc.checkLocale(e, pickLocale(c, in.Locale))
		if in.PermissionGroupID == nil {
			e.add("permission_group_id", "can't be blank")
		}
		if in.UserSegmentID == nil && in.UserSegmentIDs == nil {
			e.add("user_segment_id", "must be specified (null makes the article visible to everyone)")
		}
	}
	if in.PermissionGroupID != nil && hc.groups[*in.PermissionGroupID] == nil {
		e.add("permission_group_id", fmt.Sprintf("permission group %d does not exist", *in.PermissionGroupID))
	}
	var segment **int64
	if in.UserSegmentID != nil {
		var id *int64
		if err := json.Unmarshal(in.UserSegmentID, &id); err != nil {
			e.add("user_segment_id", "must be an integer or null")
		} else if id != nil && hc.segments[*id] == nil {
			e.add("user_segment_id", fmt.Sprintf("user segment %d does not exist", *id))
		} else {
			segment = &id
		}
	}
	if in.UserSegmentIDs != nil {
		for _, id := range *in.UserSegmentIDs {
			if hc.segments[id] == nil {
				e.add("user_segment_ids", fmt.Sprintf("user segment %d does not exist", id))
			}
		}
	}
	if in.AuthorID != nil && !s.st.isAgent(*in.AuthorID) {
		e.add("author_id", fmt.Sprintf("user %d is not an agent or admin", *in.AuthorID))
	}
	if existing != nil && in.SectionID != nil && hc.sections[*in.SectionID] == nil {
		e.add("section_id", fmt.Sprintf("section %d does not exist", *in.SectionID))
	}
	return e, segment
}

// flagReadOnly notes the read-only dates a request sent: the article
// keeps the server's times, whatever the source said.
func (s *Server) flagReadOnly(where string, in *articleInput) {
	for name, raw := range map[string]json.RawMessage{"created_at": in.CreatedAt, "updated_at": in.UpdatedAt, "edited_at": in.EditedAt} {
		if raw != nil && string(raw) != "null" {
			s.st.flag(FlagHCIgnored, where, name+" is read-only: the server's clock sets it")
		}
	}
}

// applyMeta copies the metadata a request sent into a, and reports
// whether anything changed.
func applyMeta(a *HCArticle, in *articleInput, segment **int64) bool {
	before := *a
	set(&a.PermissionGroupID, in.PermissionGroupID)
	set(&a.AuthorID, in.AuthorID)
	set(&a.SectionID, in.SectionID)
	set(&a.Promoted, in.Promoted)
	set(&a.Position, in.Position)
	set(&a.CommentsDisabled, in.CommentsDisabled)
	changed := false
	if segment != nil && !equalPtr(*segment, a.UserSegmentID) {
		a.UserSegmentID, changed = *segment, true
		a.UserSegmentIDs = []int64{}
		if *segment != nil {
			a.UserSegmentIDs = []int64{**segment}
		}
	}
	if in.UserSegmentIDs != nil && !slices.Equal(*in.UserSegmentIDs, a.UserSegmentIDs) {
		a.UserSegmentIDs, changed = slices.Clone(*in.UserSegmentIDs), true
		a.UserSegmentID = nil
		if len(a.UserSegmentIDs) > 0 {
			a.UserSegmentID = ptr(a.UserSegmentIDs[0])
		}
	}
	if in.LabelNames != nil && !slices.Equal(*in.LabelNames, a.LabelNames) {
		a.LabelNames, changed = slices.Compact(slices.Clone(*in.LabelNames)), true
	}
	if in.ContentTagIDs != nil && !slices.Equal(*in.ContentTagIDs, a.ContentTagIDs) {
		a.ContentTagIDs, changed = slices.Clone(*in.ContentTagIDs), true
	}
	return changed || a.PermissionGroupID != before.PermissionGroupID || a.AuthorID != before.AuthorID ||
		a.SectionID != before.SectionID || a.Promoted != before.Promoted || a.Position != before.Position ||
		a.CommentsDisabled != before.CommentsDisabled
}

func equalPtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// hcCreateArticle is POST …/sections/{id}/articles. draft can be set
// here and only here [HC-ART-DOC]; author_id defaults to the requester.
// notify_subscribers is accepted and, with no subscribers, changes
// nothing. The locale of the path is the article's: the section need not
// be shown in it (inferred).
func (s *Server) hcCreateArticle(c *call) reply {
	sec := s.st.hc.sections[pathID(c, "id")]
	if sec == nil {
		return notFound()
	}
	in, r := decodeUnder[articleInput](c, "article")
	if r != nil {
		return *r
	}
	e, segment := s.checkArticle(c, in, nil)
	if !e.ok() {
		return e.reply()
	}
	hc := s.st.hc
	locale := pickLocale(c, in.Locale)
	a := &hcArticle{base: c.base, translations: map[string]*hcTranslation{}}
	a.meta = HCArticle{ID: s.st.next("hc_article"), AuthorID: c.me.ID, SectionID: sec.ID, SourceLocale: locale,
		UserSegmentIDs: []int64{}, LabelNames: []string{}, ContentTagIDs: []string{}, CreatedAt: c.now, UpdatedAt: c.now}
	in.SectionID = nil
	applyMeta(&a.meta, in, segment)
	s.flagReadOnly(fmt.Sprintf("article %d", a.meta.ID), in)
	t := &hcTranslation{HCTranslation: HCTranslation{ID: s.st.next("hc_translation"), SourceID: a.meta.ID, SourceType: "Article",
		Locale: locale, Title: *in.Title, CreatedAt: c.now, UpdatedAt: c.now, CreatedByID: c.me.ID}, editedAt: c.now}
	set(&t.Body, in.Body)
	set(&t.Draft, in.Draft)
	a.translations[locale] = t
	hc.translationOf[t.ID] = a.meta.ID
	hc.articles[a.meta.ID] = a
	c.hdr.Set("Location", fmt.Sprintf("%s/api/v2/help_center/articles/%d.json", c.base, a.meta.ID))
	return reply{http.StatusCreated, map[string]any{"article": a.render(locale)}}
}

// hcArticle finds the live (not archived) article of the path, and the
// locale to show it in: the path's, which must have a translation, else
// its source locale.
func (s *Server) hcArticle(c *call) (*hcArticle, string, *reply) {
	a := s.st.hc.articles[pathID(c, "id")]
	if a == nil || a.archived {
		r := notFound()
		return nil, "", &r
	}
	locale := pathLocale(c.r)
	if locale == "" {
		locale = a.meta.SourceLocale
	}
	if a.translations[locale] == nil {
		r := notFound()
		return nil, "", &r
	}
	return a, locale, nil
}

// hcArticleWith is hcArticle and the object the body holds under key.
func hcArticleWith[T any](s *Server, c *call, key string) (*hcArticle, string, *T, *reply) {
	a, locale, r := s.hcArticle(c)
	if r != nil {
		return nil, "", nil, r
	}
	in, r := decodeUnder[T](c, key)
	if r != nil {
		return nil, "", nil, r
	}
	return a, locale, in, nil
}

func (s *Server) hcShowArticle(c *call) reply {
	a, locale, r := s.hcArticle(c)
	if r != nil {
		return *r
	}
	return reply{http.StatusOK, map[string]any{"article": a.render(locale)}}
}

// hcListArticles lists the live articles, or a section's
// (…/sections/{id}/articles), in id order. label_names=a,b keeps "only
// articles that have all the labels" [HC-OAS ListArticles], compared
// ignoring case (inferred). With a locale in the path only the articles
// translated into it are listed, shown in it (inferred).
func (s *Server) hcListArticles(c *call) reply {
	hc := s.st.hc
	secID := int64(0)
	if c.r.PathValue("id") != "" {
		if hc.sections[pathID(c, "id")] == nil {
			return notFound()
		}
		secID = pathID(c, "id")
	}
	locale := pathLocale(c.r)
	if locale != "" && !hc.enabled[locale] {
		return notFound()
	}
	labels := splitList(c.r.URL.Query().Get("label_names"))
	return hcList(c, "articles", hc.articles, func(a *hcArticle) bool {
		return !a.archived && (secID == 0 || a.meta.SectionID == secID) && (locale == "" || a.translations[locale] != nil) && hasLabels(a.meta.LabelNames, labels)
	}, func(a *hcArticle) HCArticle {
		if locale == "" {
			return a.render(a.meta.SourceLocale)
		}
		return a.render(locale)
	})
}

func hasLabels(have, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return false
		}
	}
	return true
}

// hcUpdateArticle is PUT …/articles/{id}: metadata only (see the top of
// this file).
func (s *Server) hcUpdateArticle(c *call) reply {
	a, locale, in, r := hcArticleWith[articleInput](s, c, "article")
	if r != nil {
		return *r
	}
	e, segment := s.checkArticle(c, in, a)
	if !e.ok() {
		return e.reply()
	}
	where := fmt.Sprintf("article %d", a.meta.ID)
	t := a.translations[locale]
	for name, differs := range map[string]bool{
		"title":  in.Title != nil && *in.Title != t.Title,
		"body":   in.Body != nil && *in.Body != t.Body,
		"draft":  in.Draft != nil && *in.Draft != t.Draft,
		"locale": in.Locale != nil && !strings.EqualFold(*in.Locale, locale),
	} {
		if differs {
			s.st.flag(FlagHCIgnored, where, "PUT article does not change "+name+"; the article's translations carry it")
		}
	}
	s.flagReadOnly(where, in)
	if applyMeta(&a.meta, in, segment) {
		a.meta.UpdatedAt = c.now
	}
	return reply{http.StatusOK, map[string]any{"article": a.render(locale)}}
}

// hcArchiveArticle is DELETE …/articles/{id}: the article is archived
// ("You can restore the article using the Help Center user interface"
// [HC-OAS ArchiveArticle]). It leaves the lists and answers 404 to the
// API and on its public page (inferred: archived articles are listed
// only in Guide's own archive).
func (s *Server) hcArchiveArticle(c *call) reply {
	a, _, r := s.hcArticle(c)
	if r != nil {
		return *r
	}
	a.archived = true
	a.meta.UpdatedAt = c.now
	return reply{status: http.StatusNoContent}
}

// translationInput is a translation as a create or update sends it.
type translationInput struct {
	Locale   *string `json:"locale"`
	Title    *string `json:"title"`
	Body     *string `json:"body"`
	Draft    *bool   `json:"draft"`
	Outdated *bool   `json:"outdated"`
}

// hcListTranslations lists an article's translations; locales=a,b,
// draft= and outdated= filter them [HC-OAS ListTranslations].
func (s *Server) hcListTranslations(c *call) reply {
	a, _, r := s.hcArticle(c)
	if r != nil {
		return *r
	}
	q := c.r.URL.Query()
	locales := map[string]bool{}
	for _, l := range splitList(q.Get("locales")) {
		locales[strings.ToLower(l)] = true
	}
	keep := func(t *hcTranslation) bool {
		if len(locales) > 0 && !locales[t.Locale] {
			return false
		}
		for name, v := range map[string]bool{"draft": t.Draft, "outdated": t.Outdated} {
			if want, err := strconv.ParseBool(q.Get(name)); err == nil && want != v {
				return false
			}
		}
		return true
	}
	byID := map[int64]*hcTranslation{}
	for _, t := range a.translations {
		byID[t.ID] = t
	}
	return hcList(c, "translations", byID, keep, a.translation)
}

func (s *Server) hcShowTranslation(c *call) reply {
	a, _, r := s.hcArticle(c)
	if r != nil {
		return *r
	}
	t := a.translations[strings.ToLower(c.r.PathValue("locale"))]
	if t == nil {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"translation": a.translation(t)}}
}

// localeTaken is the answer to a translation in a locale the article
// already has: "The locale must also be different from that of any
// existing translation" [HC-OAS CreateTranslation]. Status and wording
// are a guess (spec/zendesk.md, Help Center).
func localeTaken() reply { return hcBad("locale", "has already been taken") }

// hcCreateTranslation is POST …/articles/{id}/translations: an enabled
// locale the article has no translation in, and a title.
func (s *Server) hcCreateTranslation(c *call) reply {
	a, _, in, r := hcArticleWith[translationInput](s, c, "translation")
	if r != nil {
		return *r
	}
	hc := s.st.hc
	e := hcErrors{}
	locale := ""
	if in.Locale != nil {
		locale = strings.ToLower(*in.Locale)
	}
	hc.checkLocale(e, locale)
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		e.add("title", "can't be blank")
	}
	if !e.ok() {
		return e.reply()
	}
	if a.translations[locale] != nil {
		return localeTaken()
	}
	t := &hcTranslation{HCTranslation: HCTranslation{ID: s.st.next("hc_translation"), SourceID: a.meta.ID, SourceType: "Article",
		Locale: locale, Title: *in.Title, CreatedAt: c.now, UpdatedAt: c.now, CreatedByID: c.me.ID}, editedAt: c.now}
	set(&t.Body, in.Body)
	set(&t.Draft, in.Draft)
	set(&t.Outdated, in.Outdated)
	a.translations[locale] = t
	hc.translationOf[t.ID] = a.meta.ID
	a.meta.UpdatedAt = c.now
	c.hdr.Set("Location", fmt.Sprintf("%s/api/v2/help_center/translations/%d.json", c.base, t.ID))
	return reply{http.StatusCreated, map[string]any{"translation": a.translation(t)}}
}

// hcUpdateTranslation is PUT …/articles/{id}/translations/{locale}. A
// request that changes nothing leaves updated_at as it was [HC-OAS
// UpdateTranslation]. A new locale must be enabled and free; the source
// translation keeps its locale (inferred: the source_locale endpoint
// moves it).
func (s *Server) hcUpdateTranslation(c *call) reply {
	a, _, in, r := hcArticleWith[translationInput](s, c, "translation")
	if r != nil {
		return *r
	}
	t := a.translations[strings.ToLower(c.r.PathValue("locale"))]
	if t == nil {
		return notFound()
	}
	hc := s.st.hc
	e := hcErrors{}
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		e.add("title", "can't be blank")
	}
	newLocale := t.Locale
	if in.Locale != nil && !strings.EqualFold(*in.Locale, t.Locale) {
		newLocale = strings.ToLower(*in.Locale)
		hc.checkLocale(e, newLocale)
		if t.Locale == a.meta.SourceLocale {
			e.add("locale", "the source translation's locale cannot change")
		}
	}
	if !e.ok() {
		return e.reply()
	}
	if newLocale != t.Locale && a.translations[newLocale] != nil {
		return localeTaken()
	}
	before := t.HCTranslation
	set(&t.Title, in.Title)
	set(&t.Body, in.Body)
	set(&t.Draft, in.Draft)
	set(&t.Outdated, in.Outdated)
	if newLocale != t.Locale {
		delete(a.translations, t.Locale)
		t.Locale = newLocale
		a.translations[newLocale] = t
	}
	if t.HCTranslation != before {
		if t.Title != before.Title || t.Body != before.Body {
			t.editedAt = c.now
		}
		t.UpdatedAt = c.now
		t.UpdatedByID = ptr(c.me.ID)
		a.meta.UpdatedAt = c.now
	}
	return reply{http.StatusOK, map[string]any{"translation": a.translation(t)}}
}

// hcDeleteTranslation is DELETE /api/v2/help_center/translations/{id}:
// "provided it's not the only translation for the source object" [HC-OAS
// DeleteTranslation]. The source locale's translation is refused too
// (inferred: Guide deletes an article's source language only with the
// article).
func (s *Server) hcDeleteTranslation(c *call) reply {
	hc := s.st.hc
	id := pathID(c, "id")
	a := hc.articles[hc.translationOf[id]]
	if a == nil || a.archived {
		return notFound()
	}
	for l, t := range a.translations {
		if t.ID != id {
			continue
		}
		if l == a.meta.SourceLocale {
			return hcBad("locale", "the source translation cannot be deleted")
		}
		delete(a.translations, l)
		delete(hc.translationOf, id)
		a.meta.UpdatedAt = c.now
		return reply{status: http.StatusNoContent}
	}
	return notFound()
}
