package verify

import (
	"encoding/json"
	"fmt"
	"html"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kzmap/kzmap/engine/render"
)

func str(p map[string]any, k string) string { s, _ := p[k].(string); return s }

var tagRE = regexp.MustCompile(`<[^>]*>`)

// htmlText is the text of an HTML body: tags dropped, entities decoded.
func htmlText(s string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(s, " "))
}

// squash drops every space, so that texts compare equal however Zendesk
// rewrapped them (paragraphs of an HTML body become line breaks or
// nothing, trailing newlines go).
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// shown is a text as a message quotes it: spaces collapsed, cut at 60
// characters.
func shown(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 60 {
		s = render.Prefix(s, 57) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// tagSet lowercases tags and splits them on spaces, as Zendesk stores
// them.
func tagSet(tags []string) map[string]bool {
	out := map[string]bool{}
	for _, t := range tags {
		for _, f := range strings.Fields(t) {
			out[strings.ToLower(f)] = true
		}
	}
	return out
}

// setDiff says which of want are missing from got and which of got are
// extra, sorted.
func setDiff(got, want map[string]bool) (missing, extra []string) {
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// sameValue compares a field value as the mapping made it with the value
// Zendesk returned: both go through JSON, so 3 and 3.0 are equal, and a
// missing value equals null.
func sameValue(want, got any) bool {
	norm := func(v any) any {
		b, err := json.Marshal(v)
		if err != nil {
			return v
		}
		var out any
		if json.Unmarshal(b, &out) != nil {
			return v
		}
		if s, ok := out.(string); ok && s == "" {
			return nil
		}
		return out
	}
	return reflect.DeepEqual(norm(want), norm(got))
}

func valueText(v any) string {
	if v == nil {
		return "empty"
	}
	if s, ok := v.(string); ok {
		return shown(s)
	}
	b, _ := json.Marshal(v)
	return shown(string(b))
}
