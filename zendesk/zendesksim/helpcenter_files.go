package zendesksim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/filetype"
)

// Article attachments and the Help Center's public pages. An attachment
// is sent as multipart/form-data (an "inline" field, the "file" part
// with its name and type) [HC-OAS ArticleAttachmentObject.file], is at
// most 20 MB [HC-ATT-DOC], and is served to anyone at its content_url,
// /hc/article_attachments/{id}/{file name} [HC-OAS example]. The pages
// /hc/{locale}/articles/{id}-{slug} show a live article's published
// translation; verify reads them to check that links resolve.

// DefaultMaxArticleAttachmentSize is "The file size limit is 20 MB per
// attachment" [HC-ATT-DOC].
const DefaultMaxArticleAttachmentSize = 20 << 20

// hcCreateAttachment is POST …/articles/{id}/attachments.
func (s *Server) hcCreateAttachment(c *call) reply {
	a, _, r := s.hcArticle(c)
	if r != nil {
		return *r
	}
	form, err := readAttachmentForm(c, s.opts.MaxArticleAttachmentSize)
	switch {
	case errors.Is(err, errAttachmentTooBig):
		// (inferred) Zendesk's answer to a file over the limit was not
		// found; it is a validation error in the Help Center's shape.
		return hcBad("file", fmt.Sprintf("is larger than the %d MB limit per attachment", s.opts.MaxArticleAttachmentSize>>20))
	case err != nil:
		return hcBad("file", err.Error())
	}
	hc := s.st.hc
	sum := sha256.Sum256(form.data)
	x := &hcAttachment{data: form.data, HCAttachment: HCAttachment{ID: s.st.next("hc_attachment"), ArticleID: a.meta.ID,
		FileName: form.name, ContentType: form.contentType, Size: int64(len(form.data)), Inline: form.inline,
		CreatedAt: c.now, UpdatedAt: c.now, SHA256: hex.EncodeToString(sum[:])}}
	if form.locale != "" {
		x.Locale = ptr(form.locale)
	}
	x.URL = fmt.Sprintf("%s/api/v2/help_center/articles/attachments/%d.json", c.base, x.ID)
	x.ContentURL = fmt.Sprintf("%s/hc/article_attachments/%d/%s", c.base, x.ID, url.PathEscape(form.name))
	// A name whose extension contradicts the type opens as the wrong
	// kind, or as nothing, as with ticket uploads [upload names].
	if !filetype.Matches(form.name, form.contentType) {
		s.st.flag(FlagUploadName, fmt.Sprintf("article attachment %q", form.name), fmt.Sprintf("the name's extension %q does not match its Content-Type %s", filetype.Ext(form.name), form.contentType))
	}
	hc.attachments[x.ID] = x
	c.hdr.Set("Location", x.URL)
	return reply{http.StatusCreated, map[string]any{"article_attachment": x.HCAttachment}}
}

var errAttachmentTooBig = errors.New("file too large")

type attachmentForm struct {
	name, contentType, locale string
	inline                    bool
	data                      []byte
}

// readAttachmentForm reads the multipart body: the "file" part is
// required; "inline" defaults to false [HC-OAS].
func readAttachmentForm(c *call, limit int64) (attachmentForm, error) {
	var f attachmentForm
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return f, errors.New("must be sent as multipart/form-data")
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	seen := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return f, fmt.Errorf("the multipart body cannot be read: %v", err)
		}
		switch p.FormName() {
		case "file":
			data, err := io.ReadAll(io.LimitReader(p, limit+1))
			if err != nil {
				return f, fmt.Errorf("the file cannot be read: %v", err)
			}
			if int64(len(data)) > limit {
				return f, errAttachmentTooBig
			}
			f.data, f.name, seen = data, path.Base(p.FileName()), true
			f.contentType = p.Header.Get("Content-Type")
		case "inline":
			v, _ := io.ReadAll(io.LimitReader(p, 16))
			f.inline, _ = strconv.ParseBool(strings.TrimSpace(string(v)))
		case "locale":
			v, _ := io.ReadAll(io.LimitReader(p, 32))
			f.locale = strings.ToLower(strings.TrimSpace(string(v)))
		}
	}
	switch {
	case !seen || len(f.data) == 0:
		return f, errors.New("can't be blank")
	case f.name == "" || f.name == "." || f.name == "/":
		return f, errors.New("needs a file name")
	}
	if f.contentType == "" || f.contentType == "application/octet-stream" {
		// (inferred) the type then follows the name.
		if t := mime.TypeByExtension(path.Ext(f.name)); t != "" {
			f.contentType = t
		} else {
			f.contentType = "application/octet-stream"
		}
	}
	return f, nil
}

// hcListAttachments lists an article's attachments, 100 a page by
// default [HC-OAS ListArticleAttachments].
func (s *Server) hcListAttachments(c *call) reply {
	a, _, r := s.hcArticle(c)
	if r != nil {
		return *r
	}
	return hcList(c, "article_attachments", s.st.hc.attachments, func(x *hcAttachment) bool { return x.ArticleID == a.meta.ID },
		func(x *hcAttachment) HCAttachment { return x.HCAttachment })
}

// hcDeleteAttachment is DELETE /api/v2/help_center/articles/attachments/
// {id}; the file's content_url answers 404 afterwards (inferred).
func (s *Server) hcDeleteAttachment(c *call) reply {
	hc := s.st.hc
	id := pathID(c, "id")
	if hc.attachments[id] == nil {
		return notFound()
	}
	delete(hc.attachments, id)
	return reply{status: http.StatusNoContent}
}

// servePublic answers GET /hc/…: an article attachment's bytes, or an
// article's page, and 404 for anything else. Anyone may read them; they
// spend no API limit ("anonymous requests … do not consume any API rate
// limit", support.zendesk.com article 6354548103578). The reader is
// anonymous: a draft translation is 404, as Guide shows drafts only to
// signed-in agents. A segment-restricted article is shown (a
// simplification: Guide asks an anonymous reader to sign in).
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	s.mu.Lock()
	s.advance(s.now())
	var (
		status      = http.StatusNotFound
		contentType = "text/html; charset=utf-8"
		body        = []byte("<!DOCTYPE html><title>Page not found</title><h1>Oops, we couldn't find that page</h1>\n")
	)
	switch {
	case len(segs) >= 3 && len(segs) <= 4 && segs[1] == "article_attachments":
		// /hc/article_attachments/{id}[/{name}]; the name is not checked
		// (inferred: the id alone finds the file).
		if x := s.st.hc.attachments[parseID(segs[2])]; x != nil {
			status, contentType, body = http.StatusOK, x.ContentType, x.data
		}
	case len(segs) == 4 && segs[2] == "articles":
		// /hc/{locale}/articles/{id}[-{slug}]: any slug finds the article
		// (inferred: Guide redirects to the current one).
		if page, ok := s.articlePage(strings.ToLower(segs[1]), parseLeadingID(segs[3])); ok {
			status, body = http.StatusOK, page
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// articlePage renders the page of a live article in locale: false when
// the article is unknown or archived, or its translation in locale is
// missing or a draft. The body is the translation's HTML as stored.
// Caller holds s.mu.
func (s *Server) articlePage(locale string, id int64) ([]byte, bool) {
	a := s.st.hc.articles[id]
	if a == nil || a.archived {
		return nil, false
	}
	t := a.translations[locale]
	if t == nil || t.Draft {
		return nil, false
	}
	title := html.EscapeString(t.Title)
	return fmt.Appendf(nil, "<!DOCTYPE html>\n<html lang=%q>\n<head><meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n<article>\n<h1>%s</h1>\n%s\n</article>\n</body>\n</html>\n",
		locale, title, title, t.Body), true
}

// parseLeadingID reads the id at the start of "123" or "123-Some-title";
// anything else is -1.
func parseLeadingID(seg string) int64 {
	head, _, _ := strings.Cut(seg, "-")
	return parseID(head)
}

// parseID reads a path segment that is an id and nothing else; anything
// else is -1.
func parseID(seg string) int64 {
	n, err := strconv.ParseInt(seg, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}
