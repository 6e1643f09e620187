package record

import (
	"regexp"
	"slices"
	"strings"
)

// What an article body points at (spec/export.md, "Knowledge base"):
// images by their media's download URL, other articles by their help
// center URL or their agent app URL.

// mediaRef finds an embedded media by the id in its download URL, on any
// host: the org's API host or a simulator's.
var mediaRef = regexp.MustCompile(`/v1/media/([0-9a-fA-F]{24})(?:/download)?`)

// MediaIDs lists the media ids a body refers to, each once, in order.
func MediaIDs(body string) []string {
	var out []string
	for _, m := range mediaRef.FindAllStringSubmatch(body, -1) {
		if id := strings.ToLower(m[1]); !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// KBLink is a link from one article to another.
type KBLink struct {
	URL string
	// Help is true for the help center form, <org>.kustomer.help/<lang>/
	// <slug>-<hash>; false for the agent app's /app/settings/kb/articles/
	// <id>/edit.
	Help     bool
	Lang     string // help center form only
	Hash     string // help center form only
	ID       string // agent app form only
	Fragment string
}

var (
	hrefAttr = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	helpURL  = regexp.MustCompile(`^https?://[^/]+\.kustomer\.help/([A-Za-z_-]+)/[^/#?]*-([A-Za-z0-9]+)/?(?:\?[^#]*)?(#.*)?$`)
	appURL   = regexp.MustCompile(`^https?://[^/]+\.kustomerapp\.com/app/settings/kb/articles/([0-9a-fA-F]{24})(?:/edit)?/?(?:\?[^#]*)?(#.*)?$`)
)

// KBLinks lists the links of a body that point at knowledge base
// articles, in order.
func KBLinks(body string) []KBLink {
	var out []KBLink
	for _, m := range hrefAttr.FindAllStringSubmatch(body, -1) {
		if l, ok := ParseKBLink(m[1] + m[2]); ok {
			out = append(out, l)
		}
	}
	return out
}

// ParseKBLink reads a URL as a link to a knowledge base article.
func ParseKBLink(u string) (KBLink, bool) {
	u = strings.TrimSpace(strings.ReplaceAll(u, "&amp;", "&"))
	if m := helpURL.FindStringSubmatch(u); m != nil {
		return KBLink{URL: u, Help: true, Lang: m[1], Hash: m[2], Fragment: m[3]}, true
	}
	if m := appURL.FindStringSubmatch(u); m != nil {
		return KBLink{URL: u, ID: strings.ToLower(m[1]), Fragment: m[2]}, true
	}
	return KBLink{}, false
}
