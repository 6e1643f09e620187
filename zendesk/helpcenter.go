package zendesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The Help Center (Guide) API: the knowledge base's locales, permission
// groups, user segments, categories, sections, articles, their
// translations and attachments (spec/zendesk.md, Help Center).
//
// Help Center requests wait on a limiter of their own
// (Config.HelpCenterLimiter), since Zendesk counts them apart from
// Support's; the server's headers size it. Creates (POST) are sent again
// only when Zendesk refused them (429) or they never left, like every
// write that is not safe to repeat; updates and deletes are retried. An
// article's title, body and draft live in its translations: updating the
// article changes its metadata only.

// isHelpCenterPath reports whether a request belongs to the Help Center's
// budget.
func isHelpCenterPath(p string) bool {
	return strings.HasPrefix(p, "/api/v2/help_center/") || strings.HasPrefix(p, "/api/v2/guide/")
}

// ErrTranslationExists is the answer to a translation in a locale the
// article already has one in (errors.Is on the *APIError): update that
// one instead.
var ErrTranslationExists = errors.New("zendesk: the article already has a translation in that locale")

// localeTaken reads the Help Center's "locale has already been taken"
// answer, in either error shape.
func localeTaken(e *APIError) bool {
	if e.Status != http.StatusBadRequest && e.Status != http.StatusUnprocessableEntity {
		return false
	}
	for _, d := range e.Details["locale"] {
		if d.Code == "DuplicateValue" || strings.Contains(strings.ToLower(d.Description), "taken") {
			return true
		}
	}
	return false
}

// hcCall sends a Help Center request whose answer holds a T under key.
// A create (POST) is not safe to repeat; updates and deletes are.
func hcCall[T any](ctx context.Context, c *Client, req *request, key string) (T, error) {
	var zero T
	req.safe = req.method != http.MethodPost
	out := map[string]*T{}
	if _, err := c.do(ctx, req, &out); err != nil {
		return zero, err
	}
	if out[key] == nil {
		return zero, fmt.Errorf("zendesk: %s %s: the answer has no %s", req.method, req.path, key)
	}
	return *out[key], nil
}

// hcPath builds /api/v2/help_center[/{locale}]/{parts…}.
func hcPath(locale string, parts ...any) string {
	p := "/api/v2/help_center"
	if locale != "" {
		p += "/" + url.PathEscape(strings.ToLower(locale))
	}
	for _, part := range parts {
		switch v := part.(type) {
		case int64:
			p += "/" + strconv.FormatInt(v, 10)
		default:
			p += "/" + url.PathEscape(fmt.Sprint(v))
		}
	}
	return p
}

// HCLocales are the Help Center's enabled locales and its default one.
type HCLocales struct {
	Default string
	Locales []string
}

// HCLocales returns the enabled locales.
func (c *Client) HCLocales(ctx context.Context) (HCLocales, error) {
	var out struct {
		Locales []string `json:"locales"`
		Default string   `json:"default_locale"`
	}
	if err := c.get(ctx, hcPath("", "locales"), nil, &out); err != nil {
		return HCLocales{}, err
	}
	return HCLocales{Default: out.Default, Locales: out.Locales}, nil
}

// HCPermissionGroup is a management permission group: who may edit and
// publish the articles that name it.
type HCPermissionGroup struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// HCPermissionGroups returns every permission group.
func (c *Client) HCPermissionGroups(ctx context.Context) ([]HCPermissionGroup, error) {
	return collect(cursorList[HCPermissionGroup](ctx, c, "/api/v2/guide/permission_groups", nil, "permission_groups"))
}

// HCUserSegment is a user segment: who may view the articles that name
// it. UserType is signed_in_users or staff.
type HCUserSegment struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	UserType string `json:"user_type"`
}

// HCUserSegments returns every user segment.
func (c *Client) HCUserSegments(ctx context.Context) ([]HCUserSegment, error) {
	return collect(cursorList[HCUserSegment](ctx, c, hcPath("", "user_segments"), nil, "user_segments"))
}

// HCCategory is a category, in its source locale.
type HCCategory struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Locale      string    `json:"locale"`
	Position    int       `json:"position"`
	HTMLURL     string    `json:"html_url"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// HCCategories returns every category.
func (c *Client) HCCategories(ctx context.Context) ([]HCCategory, error) {
	return collect(cursorList[HCCategory](ctx, c, hcPath("", "categories"), nil, "categories"))
}

// HCCreateCategory creates a category in cat.Locale (an enabled one).
func (c *Client) HCCreateCategory(ctx context.Context, cat HCCategory) (HCCategory, error) {
	body := map[string]any{"category": map[string]any{"name": cat.Name, "description": cat.Description, "locale": cat.Locale, "position": cat.Position}}
	return hcCall[HCCategory](ctx, c, &request{method: http.MethodPost, path: hcPath(cat.Locale, "categories"), body: body}, "category")
}

// HCUpdateCategory sets a category's position and, when cat.Name is
// given, its name and description. Zendesk's category update changes
// "category-level metadata such as the sorting position" only, so the
// name and description go to the category's translation in its source
// locale (or cat.Locale): two requests.
func (c *Client) HCUpdateCategory(ctx context.Context, id int64, cat HCCategory) (HCCategory, error) {
	body := map[string]any{"category": map[string]any{"position": cat.Position}}
	out, err := hcCall[HCCategory](ctx, c, &request{method: http.MethodPut, path: hcPath("", "categories", id), body: body}, "category")
	if err != nil || cat.Name == "" {
		return out, err
	}
	locale := cat.Locale
	if locale == "" {
		locale = out.Locale
	}
	body = map[string]any{"translation": map[string]any{"title": cat.Name, "body": cat.Description}}
	tr, err := hcCall[HCTranslation](ctx, c, &request{method: http.MethodPut, path: hcPath("", "categories", id, "translations", locale), body: body}, "translation")
	if err != nil {
		return HCCategory{}, err
	}
	if strings.EqualFold(locale, out.Locale) {
		out.Name, out.Description = tr.Title, tr.Body
		if tr.UpdatedAt.After(out.UpdatedAt) {
			out.UpdatedAt = tr.UpdatedAt
		}
		if tr.HTMLURL != "" {
			out.HTMLURL = tr.HTMLURL
		}
	}
	return out, nil
}

// HCDeleteCategory deletes a category with every section and article in
// it. A category that is not there answers an error errors.Is(err,
// ErrNotFound) — also when an earlier attempt of this call deleted it.
func (c *Client) HCDeleteCategory(ctx context.Context, id int64) error {
	return c.hcDelete(ctx, hcPath("", "categories", id))
}

func (c *Client) hcDelete(ctx context.Context, path string) error {
	_, err := c.do(ctx, &request{method: http.MethodDelete, path: path, safe: true}, nil)
	return err
}

// HCSection is a section, in its source locale.
type HCSection struct {
	ID          int64     `json:"id"`
	CategoryID  int64     `json:"category_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Locale      string    `json:"locale"`
	Position    int       `json:"position"`
	HTMLURL     string    `json:"html_url"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// HCSections returns every section.
func (c *Client) HCSections(ctx context.Context) ([]HCSection, error) {
	return collect(cursorList[HCSection](ctx, c, hcPath("", "sections"), nil, "sections"))
}

// HCCreateSection creates a section in category s.CategoryID, in
// s.Locale.
func (c *Client) HCCreateSection(ctx context.Context, s HCSection) (HCSection, error) {
	body := map[string]any{"section": map[string]any{"name": s.Name, "description": s.Description, "locale": s.Locale, "position": s.Position}}
	return hcCall[HCSection](ctx, c, &request{method: http.MethodPost, path: hcPath(s.Locale, "categories", s.CategoryID, "sections"), body: body}, "section")
}

// HCUpdateSection sets a section's position, its name and description in
// its source locale (when s.Name is given) and its category (when
// s.CategoryID is).
func (c *Client) HCUpdateSection(ctx context.Context, id int64, s HCSection) (HCSection, error) {
	sec := map[string]any{"position": s.Position}
	if s.Name != "" {
		sec["name"], sec["description"] = s.Name, s.Description
	}
	if s.CategoryID != 0 {
		sec["category_id"] = s.CategoryID
	}
	return hcCall[HCSection](ctx, c, &request{method: http.MethodPut, path: hcPath("", "sections", id), body: map[string]any{"section": sec}}, "section")
}

// HCDeleteSection deletes a section with its articles (ErrNotFound as
// HCDeleteCategory).
func (c *Client) HCDeleteSection(ctx context.Context, id int64) error {
	return c.hcDelete(ctx, hcPath("", "sections", id))
}

// HCArticle is an article as shown in Locale; Title, Body and Draft are
// that locale's translation's. UserSegmentID nil is everyone.
type HCArticle struct {
	ID                int64     `json:"id"`
	SectionID         int64     `json:"section_id"`
	AuthorID          int64     `json:"author_id"`
	PermissionGroupID int64     `json:"permission_group_id"`
	UserSegmentID     *int64    `json:"user_segment_id"`
	Title             string    `json:"title"`
	Body              string    `json:"body"`
	Locale            string    `json:"locale"`
	SourceLocale      string    `json:"source_locale"`
	Draft             bool      `json:"draft"`
	Promoted          bool      `json:"promoted"`
	Position          int       `json:"position"`
	LabelNames        []string  `json:"label_names"`
	HTMLURL           string    `json:"html_url"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	EditedAt          time.Time `json:"edited_at"`
}

// HCArticles returns every article (archived ones are not listed), or,
// with labelNames, those that have all of them.
func (c *Client) HCArticles(ctx context.Context, labelNames []string) ([]HCArticle, error) {
	var q url.Values
	if len(labelNames) > 0 {
		q = url.Values{"label_names": {strings.Join(labelNames, ",")}}
	}
	return collect(cursorList[HCArticle](ctx, c, hcPath("", "articles"), q, "articles"))
}

// HCArticle returns an article in its source locale; an archived one is
// ErrNotFound.
func (c *Client) HCArticle(ctx context.Context, id int64) (HCArticle, error) {
	return hcCall[HCArticle](ctx, c, &request{method: http.MethodGet, path: hcPath("", "articles", id)}, "article")
}

// HCCreateArticle creates an article in section a.SectionID, with its
// source translation in a.Locale. The dates cannot be set (Zendesk's
// clock sets them); draft can only be set here; subscribers are not
// notified.
func (c *Client) HCCreateArticle(ctx context.Context, a HCArticle) (HCArticle, error) {
	if a.Locale == "" {
		return HCArticle{}, errors.New("zendesk: an article needs a locale")
	}
	art := map[string]any{"title": a.Title, "body": a.Body, "locale": a.Locale, "draft": a.Draft,
		"permission_group_id": a.PermissionGroupID, "user_segment_id": a.UserSegmentID,
		"promoted": a.Promoted, "position": a.Position}
	if a.AuthorID != 0 {
		art["author_id"] = a.AuthorID
	}
	if a.LabelNames != nil {
		art["label_names"] = a.LabelNames
	}
	body := map[string]any{"article": art, "notify_subscribers": false}
	return hcCall[HCArticle](ctx, c, &request{method: http.MethodPost, path: hcPath(a.Locale, "sections", a.SectionID, "articles"), body: body}, "article")
}

// HCUpdateArticle sets an article's metadata: its user segment (always;
// nil is everyone), promotion and position, and the section, author,
// permission group and labels when given (labels: a non-nil slice). The
// title, body and draft are the translations' (HCUpdateTranslation).
func (c *Client) HCUpdateArticle(ctx context.Context, id int64, a HCArticle) (HCArticle, error) {
	art := map[string]any{"user_segment_id": a.UserSegmentID, "promoted": a.Promoted, "position": a.Position}
	for k, v := range map[string]int64{"section_id": a.SectionID, "author_id": a.AuthorID, "permission_group_id": a.PermissionGroupID} {
		if v != 0 {
			art[k] = v
		}
	}
	if a.LabelNames != nil {
		art["label_names"] = a.LabelNames
	}
	return hcCall[HCArticle](ctx, c, &request{method: http.MethodPut, path: hcPath("", "articles", id), body: map[string]any{"article": art}}, "article")
}

// HCDeleteArticle archives an article: it leaves the lists and answers
// ErrNotFound from then on.
func (c *Client) HCDeleteArticle(ctx context.Context, id int64) error {
	return c.hcDelete(ctx, hcPath("", "articles", id))
}

// HCTranslation is an article's content in one locale; SourceID is the
// article. Outdated is read, never sent.
type HCTranslation struct {
	ID        int64     `json:"id"`
	SourceID  int64     `json:"source_id"`
	Locale    string    `json:"locale"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Draft     bool      `json:"draft"`
	Outdated  bool      `json:"outdated"`
	HTMLURL   string    `json:"html_url"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HCTranslations returns every translation of an article, the source
// locale's included.
func (c *Client) HCTranslations(ctx context.Context, articleID int64) ([]HCTranslation, error) {
	return collect(cursorList[HCTranslation](ctx, c, hcPath("", "articles", articleID, "translations"), nil, "translations"))
}

// HCCreateTranslation adds a translation in t.Locale (an enabled one). A
// locale the article already has answers an error errors.Is(err,
// ErrTranslationExists): after a lost answer, that is this call's own
// translation.
func (c *Client) HCCreateTranslation(ctx context.Context, articleID int64, t HCTranslation) (HCTranslation, error) {
	body := map[string]any{"translation": map[string]any{"locale": t.Locale, "title": t.Title, "body": t.Body, "draft": t.Draft}}
	return hcCall[HCTranslation](ctx, c, &request{method: http.MethodPost, path: hcPath("", "articles", articleID, "translations"), body: body}, "translation")
}

// HCUpdateTranslation sets the title, body and draft of the article's
// translation in t.Locale.
func (c *Client) HCUpdateTranslation(ctx context.Context, articleID int64, t HCTranslation) (HCTranslation, error) {
	body := map[string]any{"translation": map[string]any{"title": t.Title, "body": t.Body, "draft": t.Draft}}
	return hcCall[HCTranslation](ctx, c, &request{method: http.MethodPut, path: hcPath("", "articles", articleID, "translations", t.Locale), body: body}, "translation")
}

// HCDeleteTranslation deletes a translation by id; the source locale's
// cannot be.
func (c *Client) HCDeleteTranslation(ctx context.Context, id int64) error {
	return c.hcDelete(ctx, hcPath("", "translations", id))
}

// HCAttachment is an article attachment. ContentURL is where anyone
// reads the file (/hc/article_attachments/{id}/{name}); an inline one is
// an image the body shows.
type HCAttachment struct {
	ID          int64     `json:"id"`
	ArticleID   int64     `json:"article_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Inline      bool      `json:"inline"`
	ContentURL  string    `json:"content_url"`
	CreatedAt   time.Time `json:"created_at"`
}

// HCAttachments returns an article's attachments.
func (c *Client) HCAttachments(ctx context.Context, articleID int64) ([]HCAttachment, error) {
	return collect(cursorList[HCAttachment](ctx, c, hcPath("", "articles", articleID, "attachments"), nil, "article_attachments"))
}

// HCCreateAttachment attaches a file to an article, sent as
// multipart/form-data. A file over MaxArticleAttachmentBytes is refused
// before anything is sent (ErrUploadTooLarge).
func (c *Client) HCCreateAttachment(ctx context.Context, articleID int64, fileName, contentType string, data []byte, inline bool) (HCAttachment, error) {
	if len(data) > MaxArticleAttachmentBytes {
		return HCAttachment{}, fmt.Errorf("%w: %s is %d bytes, over the %d MB an article attachment may be", ErrUploadTooLarge, fileName, len(data), MaxArticleAttachmentBytes>>20)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("inline", strconv.FormatBool(inline)); err != nil {
		return HCAttachment{}, err
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(fileName)))
	hdr.Set("Content-Type", contentType)
	part, err := w.CreatePart(hdr)
	if err != nil {
		return HCAttachment{}, err
	}
	part.Write(data)
	if err := w.Close(); err != nil {
		return HCAttachment{}, err
	}
	raw := buf.Bytes()
	return hcCall[HCAttachment](ctx, c, &request{method: http.MethodPost, path: hcPath("", "articles", articleID, "attachments"),
		raw: bytes.NewReader(raw), rawLen: int64(len(raw)), contentType: w.FormDataContentType(),
		reopen: func() (io.Reader, error) { return bytes.NewReader(raw), nil }}, "article_attachment")
}

// quoteEscaper escapes a file name for a Content-Disposition header, as
// mime/multipart does for its own form files.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// HCDeleteAttachment deletes an article attachment; its content_url
// stops answering.
func (c *Client) HCDeleteAttachment(ctx context.Context, id int64) error {
	return c.hcDelete(ctx, hcPath("", "articles", "attachments", id))
}

// ErrOtherHost is HCPublicGet's answer to a URL on another host than the
// client's base URL (errors.Is): nothing was sent.
var ErrOtherHost = errors.New("zendesk: the URL is not on the Zendesk host")

// HCPublicGet reads a public Help Center page or file, such as an
// article's html_url or an attachment's content_url, as an anonymous
// reader's browser does: without credentials, waiting on the Help Center
// limiter. url must be an absolute http or https URL on the base URL's
// host and port (a scheme's default port may be left out), without user
// info; any other is refused before anything is sent (ErrOtherHost for
// another host). Redirects are followed as the HTTP client does.
//
// Every answer is a result, a 404 included, with its status, body and
// Content-Type. 429s, 5xx and dropped connections are tried again, up to
// Config.MaxAttempts; when those run out the last answer's status, body
// and type come back with an error. A body over
// MaxArticleAttachmentBytes is an error.
func (c *Client) HCPublicGet(ctx context.Context, url string) (status int, body []byte, contentType string, err error) {
	u, err := c.publicURL(url)
	if err != nil {
		return 0, nil, "", err
	}
	where := &request{method: http.MethodGet, path: u.String()} // names the request in retry messages
	var lastErr error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if err := c.hcLim.Wait(ctx); err != nil {
			return 0, nil, "", err
		}
		res, data, err := c.getPublic(ctx, u)
		if res != nil {
			c.sawDate(res.Header)
			c.hcLim.Observe(res)
		} else {
			c.hcLim.Observe(nil)
		}
		last := attempt == c.cfg.MaxAttempts-1
		switch {
		case err != nil && ctx.Err() != nil:
			return 0, nil, "", ctx.Err()
		case errors.Is(err, errPublicTooLong):
			return res.StatusCode, nil, res.Header.Get("Content-Type"), fmt.Errorf("zendesk: GET %s: %w", u, err)
		case err != nil && !retriableNetError(err):
			return 0, nil, "", fmt.Errorf("zendesk: %w", err)
		case err != nil:
			status, body, contentType, lastErr = 0, nil, "", err
			if notSent(err) {
				lastErr = c.unreachable(err)
			}
			if !last {
				if err := c.retry(ctx, where, attempt, lastErr); err != nil {
					return 0, nil, "", err
				}
			}
			continue
		}
		status, body, contentType = res.StatusCode, data, res.Header.Get("Content-Type")
		if status != http.StatusTooManyRequests && status < 500 {
			return status, body, contentType, nil
		}
		lastErr = fmt.Errorf("answered %d %s", status, http.StatusText(status))
		// A Retry-After is the limiter's to wait out; without one, back off.
		if !last && res.Header.Get("Retry-After") == "" {
			if err := c.retry(ctx, where, attempt, lastErr); err != nil {
				return 0, nil, "", err
			}
		}
	}
	return status, body, contentType, fmt.Errorf("zendesk: GET %s: giving up after %d attempts: %w", u, c.cfg.MaxAttempts, lastErr)
}

var errPublicTooLong = fmt.Errorf("the answer is over %d MB, the most a public page or file is read", MaxArticleAttachmentBytes>>20)

// publicURL checks HCPublicGet's URL: absolute, http or https, no user
// info, on the base URL's host.
func (c *Client) publicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold credentials
		}
		return nil, fmt.Errorf("zendesk: public Help Center URL: not a URL: %w", err)
	}
	switch {
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("zendesk: public Help Center URL %s: not an absolute http or https URL", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("zendesk: public Help Center URL %s: carries user info; public pages are read without credentials", u.Redacted())
	case hostPort(u) != hostPort(c.base):
		return nil, fmt.Errorf("%w: %s is not on %s (the base URL's host)", ErrOtherHost, u.Redacted(), c.base.Host)
	}
	u.Fragment, u.RawFragment = "", "" // the browser's, never sent
	return u, nil
}

// hostPort is u's host, lower-cased, with its port unless it is the
// scheme's default.
func hostPort(u *url.URL) string {
	host, port := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), u.Port()
	if port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		return host
	}
	return host + ":" + port
}

// getPublic makes one anonymous GET and reads the answer whole.
func (c *Client) getPublic(ctx context.Context, u *url.URL) (*http.Response, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("zendesk: building GET %s: %w", u, err)
	}
	hr.Header.Set("User-Agent", c.userAgt)
	res, err := c.hc.Do(hr)
	if err != nil {
		return nil, nil, cleanNetError(http.MethodGet, u.String(), err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxArticleAttachmentBytes+1))
	switch {
	case err != nil:
		return res, nil, cleanNetError(http.MethodGet, u.String(), err)
	case len(data) > MaxArticleAttachmentBytes:
		return res, nil, errPublicTooLong
	}
	return res, data, nil
}
