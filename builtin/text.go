package builtin

// Text functions. Lengths are counted in Unicode code points, and no
// function cuts inside a UTF-8 sequence; an invalid byte counts as one
// code point and is kept as it is by chunk_text and truncate.

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTagBytes bounds a tag made by slug. Zendesk does not document a tag
// length; 255 bytes fits any string column and no real tag is longer.
const maxTagBytes = 255

var textFuncs = []Func{
	{
		Name:      "slug",
		Signature: "slug(s: string) → string",
		Doc:       "Returns s as a Zendesk tag: lowercase words of letters and digits joined by '_' (or '-' where s had only hyphens), or \"\" when nothing is left.",
		Detail: "Letters and digits of every script are kept (lowercased); a run of hyphens stays one '-'; " +
			"any other run of characters (spaces, commas, '#', '_', emoji, invalid UTF-8) becomes one '_'; " +
			"separators are trimmed from both ends and the result is cut to 255 bytes. " +
			"Zendesk splits tags at spaces, so a tag must never contain one.",
		Category: catText,
		Examples: []Example{
			{Expr: `slug("  VIP Customer! ")`, Want: "vip_customer"},
			{Expr: `slug("Follow-up -- Billing/Refunds")`, Want: "follow-up_billing_refunds"},
			{Expr: `slug("Café #1")`, Want: "café_1"},
			{Expr: `slug("!!!")`, Want: ""},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("slug", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("slug", args[0])
			return slug(s), err
		},
	},
	{
		Name:      "pluralize",
		Signature: "pluralize(s: string) → string",
		Doc:       "Returns the English plural of s, or of its last word: for a custom object's title_pluralized.",
		Detail: "Words ending in s, x, z, ch or sh take -es; a consonant and y become -ies; " +
			"other words take -s. The case of the word is kept (an all-capital word gets capital letters); \"\" stays \"\".",
		Category: catText,
		Examples: []Example{
			{Expr: `pluralize("Device Telemetry")`, Want: "Device Telemetries"},
			{Expr: `pluralize("Order")`, Want: "Orders"},
			{Expr: `pluralize("Address")`, Want: "Addresses"},
			{Expr: `pluralize("Survey")`, Want: "Surveys"},
			{Expr: `pluralize("BATCH")`, Want: "BATCHES"},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("pluralize", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("pluralize", args[0])
			return Pluralize(s), err
		},
	},
	{
		Name:      "slug_all",
		Signature: "slug_all(list: list) → list of string",
		Doc:       "Returns slug of every element, without empty results and duplicates, in order.",
		Detail:    "Numbers and booleans are written as strings first; nil elements are skipped; lists and maps are an error.",
		Category:  catText,
		Examples: []Example{
			{Expr: `slug_all(["VIP", "vip ", "Needs Reply", "", 42])`, Want: []string{"vip", "needs_reply", "42"}},
		},
		types: []any{new(func([]any) []string), new(func([]string) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("slug_all", args, 1, 1); err != nil {
				return nil, err
			}
			l, err := elements("slug_all", args[0])
			if err != nil {
				return nil, err
			}
			out := []string{}
			seen := map[string]bool{}
			for i, e := range l {
				if e == nil {
					continue
				}
				s, ok := scalarString(e)
				if !ok {
					return nil, fmt.Errorf("slug_all: element %d is %s, want a string", i, typeName(e))
				}
				t := slug(s)
				if t != "" && !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
			return out, nil
		},
	},
	{
		Name:      "truncate",
		Signature: "truncate(s: string, n: int, suffix?: string) → string",
		Doc:       "Returns s cut to at most n code points, ending with suffix when it was cut.",
		Detail:    "The suffix counts towards n. A negative n, or a suffix longer than n, is an error.",
		Category:  catText,
		Examples: []Example{
			{Expr: `truncate("Order arrived damaged", 13)`, Want: "Order arrived"},
			{Expr: `truncate("Order arrived damaged", 13, "…")`, Want: "Order arrive…"},
			{Expr: `truncate("héllo", 10, "…")`, Want: "héllo"},
		},
		types: []any{new(func(string, int) string), new(func(string, int, string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("truncate", args, 2, 3); err != nil {
				return nil, err
			}
			s, err := str("truncate", args[0])
			if err != nil {
				return nil, err
			}
			n, err := integer("truncate", args[1])
			if err != nil {
				return nil, err
			}
			suffix := ""
			if len(args) == 3 {
				if suffix, err = str("truncate", args[2]); err != nil {
					return nil, err
				}
			}
			return truncate(s, n, suffix)
		},
	},
	{
		Name:      "chunk_text",
		Signature: "chunk_text(text: string, size: int) → list of string",
		Doc:       "Splits text into pieces of at most size code points whose concatenation is exactly text.",
		Detail: "A piece ends after the last newline in its second half, else after the last other whitespace there, " +
			"else at exactly size code points; a UTF-8 sequence is never split. Empty text gives an empty list; a size below 1 is an error. " +
			"Use it for comment bodies over Zendesk's 65,535-character limit.",
		Category: catText,
		Examples: []Example{
			{Expr: `chunk_text("first line\nsecond line", 15)`, Want: []string{"first line\n", "second line"}},
			{Expr: `chunk_text("abcdefgh", 3)`, Want: []string{"abc", "def", "gh"}},
			{Expr: `chunk_text("", 10)`, Want: []string{}},
			{Expr: `chunk_text("abc", 0)`, Err: "chunk_text: size must be at least 1"},
		},
		types: []any{new(func(string, int) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("chunk_text", args, 2, 2); err != nil {
				return nil, err
			}
			s, err := str("chunk_text", args[0])
			if err != nil {
				return nil, err
			}
			n, err := integer("chunk_text", args[1])
			if err != nil {
				return nil, err
			}
			return chunkText(s, n)
		},
	},
}

// slug makes a Zendesk tag; see its Detail.
func slug(s string) string {
	var b strings.Builder
	// sep is the separator owed before the next kept rune: 0 none, '-' for
	// a run of hyphens only, '_' for any other run.
	var sep byte
	for _, r := range s {
		if b.Len() > maxTagBytes {
			break
		}
		switch {
		case isWordRune(r):
			if sep != 0 && b.Len() > 0 {
				b.WriteByte(sep)
			}
			sep = 0
			b.WriteRune(unicode.ToLower(r))
		case r == '-':
			if sep == 0 {
				sep = '-'
			}
		default:
			sep = '_'
		}
	}
	return cutBytes(b.String(), maxTagBytes, "_-")
}

// cutBytes cuts s to at most n bytes at a rune boundary and trims the
// separator bytes seps from its end.
func cutBytes(s string, n int, seps string) string {
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return strings.TrimRight(s, seps)
}

func truncate(s string, n int, suffix string) (string, error) {
	if n < 0 {
		return "", fmt.Errorf("truncate: n must not be negative, got %d", n)
	}
	ns := utf8.RuneCountInString(suffix)
	if ns > n {
		return "", fmt.Errorf("truncate: suffix %q is longer than n (%d)", suffix, n)
	}
	// Find the byte offset after n code points, and after n-ns.
	keep, cut := -1, -1
	count := 0
	for i := range s {
		if count == n-ns {
			keep = i
		}
		if count == n {
			cut = i
			break
		}
		count++
	}
	if cut < 0 {
		return s, nil // at most n code points
	}
	if keep < 0 {
		keep = cut
	}
	return s[:keep] + suffix, nil
}

func chunkText(s string, size int) ([]string, error) {
	if size < 1 {
		return nil, fmt.Errorf("chunk_text: size must be at least 1, got %d", size)
	}
	out := []string{}
	for s != "" {
		i, n := 0, 0
		nl, sp := 0, 0 // byte offsets just after the last newline and space in the second half
		for i < len(s) && n < size {
			r, w := utf8.DecodeRuneInString(s[i:])
			i += w
			n++
			if n*2 <= size {
				continue
			}
			switch {
			case r == '\n':
				nl = i
			case r != '\r' && unicode.IsSpace(r):
				sp = i
			}
		}
		if i == len(s) {
			out = append(out, s)
			break
		}
		cut := i
		if nl > 0 {
			cut = nl
		} else if sp > 0 {
			cut = sp
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out, nil
}

// Pluralize is the English plural of a noun, or of a name's last word:
// batch → batches, Device Telemetry → Device Telemetries, day → days.
func Pluralize(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	lower := strings.ToLower(s)
	upper := s == strings.ToUpper(s) && s != lower
	suffix := "s"
	switch {
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "z"),
		strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		suffix = "es"
	case len(lower) > 1 && strings.HasSuffix(lower, "y") && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		s, suffix = s[:len(s)-1], "ies"
	}
	if upper {
		suffix = strings.ToUpper(suffix)
	}
	return s + suffix
}
