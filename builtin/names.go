package builtin

// Names that cross from Kustomer to Zendesk: Kustomer custom attributes
// carry their type in a name suffix (orderTotalNum), Zendesk field and
// custom object keys allow only [a-z0-9_].

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxKeyBytes is the longest key zendesk_field_key makes.
const maxKeyBytes = 64

// customSuffixes are Kustomer's custom-attribute type suffixes.
var customSuffixes = []string{"Bool", "Str", "Txt", "Num", "Url", "At", "Id"}

var nameFuncs = []Func{
	{
		Name:      "custom_kind",
		Signature: "custom_kind(name: string) → string",
		Doc:       "Returns the type suffix of a Kustomer custom attribute name (Str, Txt, Num, At, Bool, Url or Id), or \"\".",
		Detail:    "The suffix is case-sensitive and needs a name before it: \"Str\" alone has no kind.",
		Category:  catNames,
		Examples: []Example{
			{Expr: `custom_kind("orderTotalNum")`, Want: "Num"},
			{Expr: `custom_kind("renewedAt")`, Want: "At"},
			{Expr: `custom_kind("status")`, Want: ""},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("custom_kind", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("custom_kind", args[0])
			kind, _ := customKind(s)
			return kind, err
		},
	},
	{
		Name:      "custom_name",
		Signature: "custom_name(name: string) → string",
		Doc:       "Returns a Kustomer custom attribute name without its type suffix.",
		Category:  catNames,
		Examples: []Example{
			{Expr: `custom_name("orderTotalNum")`, Want: "orderTotal"},
			{Expr: `custom_name("status")`, Want: "status"},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("custom_name", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("custom_name", args[0])
			_, base := customKind(s)
			return base, err
		},
	},
	{
		Name:      "zendesk_field_key",
		Signature: "zendesk_field_key(name: string) → string",
		Doc:       "Returns a valid Zendesk field or custom object key for name: lowercase [a-z0-9_], starting with a letter, at most 64 bytes.",
		Detail: "camelCase becomes snake_case, accented Latin letters lose their accents (é → e, ß → ss), " +
			"other characters become '_' (runs collapsed, ends trimmed), and a key that would start with a digit gets the prefix \"f_\". " +
			"A name with no Latin letter or digit gives \"\", which the mapping must replace. Keys are not made unique.",
		Category: catNames,
		Examples: []Example{
			{Expr: `zendesk_field_key("orderTotalNum")`, Want: "order_total_num"},
			{Expr: `zendesk_field_key(custom_name("shippingURLStr"))`, Want: "shipping_url"},
			{Expr: `zendesk_field_key("Número de pedido")`, Want: "numero_de_pedido"},
			{Expr: `zendesk_field_key("2FA enabled?")`, Want: "f_2fa_enabled"},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("zendesk_field_key", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("zendesk_field_key", args[0])
			return fieldKey(s), err
		},
	},
}

func customKind(name string) (kind, base string) {
	for _, suf := range customSuffixes {
		if len(name) > len(suf) && strings.HasSuffix(name, suf) {
			return suf, name[:len(name)-len(suf)]
		}
	}
	return "", name
}

// fieldKey makes a Zendesk key; see zendesk_field_key's Detail.
func fieldKey(s string) string {
	var b strings.Builder
	sep := false     // a '_' is owed before the next letter or digit
	prev := rune(-1) // previous rune when it was a letter or digit
	for i := 0; i < len(s) && b.Len() <= maxKeyBytes+2; {
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		if !isWordRune(r) {
			sep, prev = true, -1
			continue
		}
		if prev >= 0 && unicode.IsUpper(r) {
			next, _ := utf8.DecodeRuneInString(s[i:])
			// orderTotal, order2Total, URLValue: T and V start a word;
			// 2FA and URL do not break.
			if unicode.IsLower(prev) || (unicode.IsDigit(prev) || unicode.IsUpper(prev)) && unicode.IsLower(next) {
				sep = true
			}
		}
		prev = r
		ascii := foldLatin(unicode.ToLower(r))
		if ascii == "" {
			sep = true // a letter of another script: a word break, not kept
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteString(ascii)
	}
	key := b.String()
	if key != "" && key[0] >= '0' && key[0] <= '9' {
		key = "f_" + key
	}
	return cutBytes(key, maxKeyBytes, "_")
}

// latinFold maps lowercase accented Latin letters to ASCII.
var latinFold = func() map[rune]string {
	m := map[rune]string{}
	for from, to := range map[string]string{
		"àáâãäåāăą": "a", "æ": "ae", "çćĉċč": "c", "ďđð": "d", "èéêëēĕėęě": "e",
		"ĝğġģ": "g", "ĥħ": "h", "ìíîïĩīĭįı": "i", "ĳ": "ij", "ĵ": "j", "ķ": "k",
		"ĺļľŀł": "l", "ñńņňŉ": "n", "òóôõöøōŏő": "o", "œ": "oe", "ŕŗř": "r",
		"śŝşšș": "s", "ß": "ss", "ţťŧț": "t", "þ": "th", "ùúûüũūŭůűų": "u",
		"ŵ": "w", "ýÿŷ": "y", "źżž": "z",
	} {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}()

// foldLatin returns the ASCII spelling of a lowercase letter or digit, or
// "" when it has none.
func foldLatin(r rune) string {
	if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
		return string(r)
	}
	if d, ok := digitValue(r); ok {
		return string(rune(d))
	}
	return latinFold[r]
}

// FieldKey is zendesk_field_key for Go callers.
func FieldKey(name string) string { return fieldKey(name) }
