package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
)

// Addresses name one record the way Terraform names a resource instance:
// the mapping block and the source id, ticket.conversation["<id>"]. The
// checkpoint's key is the same thing as block:id.

// A Help Center translation or attachment is keyed under its article
// (hc_article.kb:<id>/<locale or media>); its address names its own kind
// with the article's block name: hc_translation.kb["<id>/en-us"].

// articleParts are the kinds keyed under their article.
var articleParts = map[kind.Kind]bool{kind.HCTranslation: true, kind.HCAttachment: true}

// address is a checkpoint key as an address.
func address(k kind.Kind, key string) string {
	block, id, ok := strings.Cut(key, ":")
	if !ok {
		return string(k) + "[" + strconv.Quote(key) + "]"
	}
	if name, ok := strings.CutPrefix(block, string(kind.HCArticle)+"."); ok && articleParts[k] {
		block = string(k) + "." + name
	}
	return block + "[" + strconv.Quote(id) + "]"
}

// shownKey is a checkpoint key as plans print it (block:id), a Help
// Center translation or attachment under its own kind.
func shownKey(k kind.Kind, key string) string {
	if name, ok := strings.CutPrefix(key, string(kind.HCArticle)+"."); ok && articleParts[k] {
		return string(k) + "." + name
	}
	return key
}

// parseAddress reads an address, or a checkpoint key (block:id), into a
// kind and a key.
func parseAddress(s string) (kind.Kind, string, error) {
	var block, id string
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		q, err := strconv.Unquote(s[i+1 : len(s)-1])
		if err != nil {
			return "", "", fmt.Errorf("address %s: the source id in brackets must be quoted, as in ticket.conversation[\"5f…\"]", s)
		}
		block, id = s[:i], q
	} else if b, rest, ok := strings.Cut(s, ":"); ok {
		block, id = b, rest
	} else {
		return "", "", fmt.Errorf("address %s: want BLOCK[\"SOURCE_ID\"], for example ticket.conversation[\"5f…\"] (kzmap state list prints them)", s)
	}
	name, _, _ := strings.Cut(block, ".")
	k, ok := kind.Of(name)
	if !ok || !strings.Contains(block, ".") {
		return "", "", fmt.Errorf("address %s: %q is not a mapping block (KIND.NAME, kinds: %s)", s, block, strings.Join(kind.Names(), ", "))
	}
	if articleParts[k] {
		block = string(kind.HCArticle) + strings.TrimPrefix(block, string(k))
	}
	return k, block + ":" + id, nil
}

// matches says whether an address falls under a filter: a kind, a block,
// or an address prefix.
func matches(addr string, k kind.Kind, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if f == string(k) || strings.HasPrefix(addr, f) {
			return true
		}
	}
	return false
}
