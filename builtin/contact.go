package builtin

// Emails and phone numbers: Kustomer keeps lists of them on customers and
// companies, Zendesk wants one primary value plus identities. The rule is
// the same for both: normalise every value, skip the invalid ones, keep the
// first occurrence of each, and call the first one primary (Kustomer lists
// a contact's primary email or phone first).

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EmailValue is implemented by contact values that carry an email address.
// The email functions also read strings, maps with an "email" key and
// structs with an exported string field Email (such as record.Email), so a
// record type does not need to implement it.
type EmailValue interface{ EmailAddress() string }

// PhoneValue is the phone counterpart of EmailValue; without it, maps with
// a "phone" key and structs with an exported string field Phone are read.
type PhoneValue interface{ PhoneNumber() string }

var contactFuncs = []Func{
	{
		Name:      "normalize_email",
		Signature: "normalize_email(email: string) → string",
		Doc:       "Returns the email trimmed and lowercased, or \"\" when it is not a valid address.",
		Detail: "A `mailto:` prefix and a display name (`Ann <ann@example.com>`) are removed. " +
			"Valid means one `@`, a local part of at most 64 characters without leading, trailing or doubled dots, " +
			"and a domain of at least two labels of letters, digits and inner hyphens whose last label is not numeric.",
		Category: catContacts,
		Examples: []Example{
			{Expr: `normalize_email("  Ann.Lee@Example.COM ")`, Want: "ann.lee@example.com"},
			{Expr: `normalize_email("Ann Lee <ann@example.com>")`, Want: "ann@example.com"},
			{Expr: `normalize_email("ann@localhost")`, Want: ""},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("normalize_email", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("normalize_email", args[0])
			return normalizeEmail(s), err
		},
	},
	{
		Name:      "is_email",
		Signature: "is_email(s: string) → bool",
		Doc:       "Reports whether normalize_email accepts s.",
		Category:  catContacts,
		Examples: []Example{
			{Expr: `is_email("ann@example.com")`, Want: true},
			{Expr: `is_email("n/a")`, Want: false},
		},
		types: []any{new(func(string) bool)},
		fn: func(args ...any) (any, error) {
			if err := arity("is_email", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("is_email", args[0])
			return normalizeEmail(s) != "", err
		},
	},
	{
		Name:      "primary_email",
		Signature: "primary_email(emails: list) → string",
		Doc:       "Returns the first valid email of a Kustomer emails list, normalised, or \"\" when there is none.",
		Detail: "The list may hold `{email, type, verified}` maps, structs with an `Email` field (record.Email), " +
			"values with an `EmailAddress()` method, or plain strings; a single string is a list of one. " +
			"Array order decides, not `type` or `verified`: Kustomer lists the primary email first.",
		Category: catContacts,
		Examples: []Example{
			{Expr: `primary_email([{email: "bad address", type: "home"}, {email: " Ann@Example.com ", type: "work"}])`, Want: "ann@example.com"},
			{Expr: `primary_email(["b@example.com", "a@example.com"])`, Want: "b@example.com"},
			{Expr: `primary_email([])`, Want: ""},
		},
		types: []any{new(func(any) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("primary_email", args, 1, 1); err != nil {
				return nil, err
			}
			raw, err := contactStrings("primary_email", args[0], emailKind)
			for _, r := range raw {
				if e := normalizeEmail(r); e != "" {
					return e, nil
				}
			}
			return "", err
		},
	},
	{
		Name:      "other_emails",
		Signature: "other_emails(emails: list) → list of string",
		Doc:       "Returns the valid emails after the primary one, normalised and without duplicates (ignoring case).",
		Detail:    "Together with primary_email it covers every valid address exactly once: the others become Zendesk user identities.",
		Category:  catContacts,
		Examples: []Example{
			{Expr: `other_emails([{email: "ann@example.com"}, {email: "ANN@example.com"}, {email: "ann.lee@work.example"}, {email: ""}])`, Want: []string{"ann.lee@work.example"}},
			{Expr: `other_emails(["ann@example.com"])`, Want: []string{}},
		},
		types: []any{new(func(any) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("other_emails", args, 1, 1); err != nil {
				return nil, err
			}
			all, err := emails("other_emails", args[0])
			if err != nil || len(all) == 0 {
				return []string{}, err
			}
			return all[1:], nil
		},
	},
	{
		Name:      "e164",
		Signature: "e164(phone: string, default_country?: string) → string",
		Doc:       "Returns the phone number in E.164 form (+14155550100), or \"\" when it is not a plausible number.",
		Detail: "Spaces, dots, dashes, slashes and parentheses are dropped, as are a `tel:` prefix, an extension (`x12`, `ext. 12`, `#12`) " +
			"and a `(0)` after the country code. A number starting with `+` or `00` is international; any other number is national " +
			"and needs default_country, a country calling code such as \"1\" or \"44\": its trunk prefix (a leading 0, or 1 for \"1\") " +
			"is removed, except for Italy (\"39\"). The result has 7 to 15 digits, and exactly 11 when it starts with +1. " +
			"A default_country that is not 1 to 3 digits is an error.",
		Category: catContacts,
		Examples: []Example{
			{Expr: `e164("(415) 555-0100", "1")`, Want: "+14155550100"},
			{Expr: `e164("+44 (0)20 7946 0018")`, Want: "+442079460018"},
			{Expr: `e164("0049 30 901820")`, Want: "+4930901820"},
			{Expr: `e164("020 7946 0018", "44")`, Want: "+442079460018"},
			{Expr: `e164("+1 415 555 0100 ext. 12")`, Want: "+14155550100"},
			{Expr: `e164("(415) 555-0100")`, Want: ""},
			{Expr: `e164("415 555 0100", "USA")`, Err: "e164: default country"},
		},
		types: []any{new(func(string) string), new(func(string, string) string)},
		fn: func(args ...any) (any, error) {
			phone, cc, err := phoneArgs("e164", args)
			if err != nil {
				return nil, err
			}
			return e164(phone, cc), nil
		},
	},
	{
		Name:      "primary_phone",
		Signature: "primary_phone(phones: list, default_country?: string) → string",
		Doc:       "Returns the first valid phone of a Kustomer phones list in E.164 form, or \"\" when there is none.",
		Detail:    "The list may hold `{phone, type, verified}` maps, structs with a `Phone` field, values with a `PhoneNumber()` method, or strings. Numbers are read as by e164.",
		Category:  catContacts,
		Examples: []Example{
			{Expr: `primary_phone([{phone: "n/a"}, {phone: "+1 415-555-0100", type: "mobile"}])`, Want: "+14155550100"},
			{Expr: `primary_phone(["(415) 555-0100"], "1")`, Want: "+14155550100"},
		},
		types: []any{new(func(any) string), new(func(any, string) string)},
		fn: func(args ...any) (any, error) {
			all, err := phonesArg("primary_phone", args)
			if err != nil || len(all) == 0 {
				return "", err
			}
			return all[0], nil
		},
	},
	{
		Name:      "other_phones",
		Signature: "other_phones(phones: list, default_country?: string) → list of string",
		Doc:       "Returns the valid phones after the primary one in E.164 form, without duplicates.",
		Category:  catContacts,
		Examples: []Example{
			{Expr: `other_phones(["+1 415 555 0100", "4155550100", "+44 20 7946 0018"], "1")`, Want: []string{"+442079460018"}},
		},
		types: []any{new(func(any) []string), new(func(any, string) []string)},
		fn: func(args ...any) (any, error) {
			all, err := phonesArg("other_phones", args)
			if err != nil || len(all) == 0 {
				return []string{}, err
			}
			return all[1:], nil
		},
	},
}

// emails returns the valid, normalised, distinct emails of a list in order.
func emails(fn string, list any) ([]string, error) {
	raw, err := contactStrings(fn, list, emailKind)
	if err != nil {
		return nil, err
	}
	return distinct(raw, normalizeEmail), nil
}

func phonesArg(fn string, args []any) ([]string, error) {
	if err := arity(fn, args, 1, 2); err != nil {
		return nil, err
	}
	cc := ""
	if len(args) == 2 {
		s, err := str(fn, args[1])
		if err != nil {
			return nil, err
		}
		if cc, err = countryCode(fn, s); err != nil {
			return nil, err
		}
	}
	raw, err := contactStrings(fn, args[0], phoneKind)
	if err != nil {
		return nil, err
	}
	return distinct(raw, func(s string) string { return e164(s, cc) }), nil
}

func phoneArgs(fn string, args []any) (phone, cc string, err error) {
	if err := arity(fn, args, 1, 2); err != nil {
		return "", "", err
	}
	if phone, err = str(fn, args[0]); err != nil {
		return "", "", err
	}
	if len(args) == 2 {
		s, err := str(fn, args[1])
		if err != nil {
			return "", "", err
		}
		if cc, err = countryCode(fn, s); err != nil {
			return "", "", err
		}
	}
	return phone, cc, nil
}

// distinct normalises each value and keeps the first occurrence of every
// valid one. The result is never nil.
func distinct(raw []string, normalize func(string) string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, r := range raw {
		n := normalize(r)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

type contactKind struct {
	what   string // "an email"
	list   string // "emails"
	key    string // map key
	field  string // struct field
	method func(any) (string, bool)
}

var (
	emailKind = contactKind{what: "an email", list: "emails", key: "email", field: "Email", method: func(v any) (string, bool) {
		if e, ok := v.(EmailValue); ok {
			return e.EmailAddress(), true
		}
		return "", false
	}}
	phoneKind = contactKind{what: "a phone", list: "phones", key: "phone", field: "Phone", method: func(v any) (string, bool) {
		if p, ok := v.(PhoneValue); ok {
			return p.PhoneNumber(), true
		}
		return "", false
	}}
)

// contactStrings reads the raw values of a contact list. A single string is
// a list of one; nil elements and elements without a value are skipped.
func contactStrings(fn string, list any, k contactKind) ([]string, error) {
	switch l := list.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{l}, nil
	case []string:
		return l, nil
	}
	elems, err := elements(fn, list)
	if err != nil {
		return nil, fmt.Errorf("%s: want a list of %s, got %s", fn, k.list, typeName(list))
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		s, ok, err := contactString(e, k)
		if err != nil {
			return nil, fmt.Errorf("%s: element %d: %w", fn, i, err)
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func contactString(e any, k contactKind) (string, bool, error) {
	switch v := e.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case map[string]any:
		switch x := v[k.key].(type) {
		case string:
			return x, true, nil
		case nil:
			return "", false, nil
		default:
			return "", false, fmt.Errorf("%q is %s, want a string", k.key, typeName(x))
		}
	case map[string]string:
		x, ok := v[k.key]
		return x, ok, nil
	}
	rv := reflect.ValueOf(e)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "", false, nil
		}
	}
	if s, ok := k.method(e); ok {
		return s, true, nil
	}
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct {
		if sf, ok := rv.Type().FieldByName(k.field); ok && sf.IsExported() && sf.Type.Kind() == reflect.String {
			return rv.FieldByIndex(sf.Index).String(), true, nil
		}
	}
	return "", false, fmt.Errorf("cannot read %s from %s: want a string, a map with %q or a struct with a string field %s",
		k.what, typeName(e), k.key, k.field)
}

// normalizeEmail returns the canonical form of an email, or "" when it is
// not a valid address.
func normalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1024 {
		return "" // not worth lowercasing: no address is this long
	}
	if strings.HasSuffix(s, ">") {
		if i := strings.LastIndexByte(s, '<'); i >= 0 {
			s = strings.TrimSpace(s[i+1 : len(s)-1])
		}
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = strings.TrimSpace(s[7:])
	}
	s = strings.ToLower(s)
	if !validEmail(s) {
		return ""
	}
	return s
}

const emailSpecials = "!#$%&'*+/=?^_`{|}~-."

func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !isWordRune(r) && !(r < utf8.RuneSelf && strings.ContainsRune(emailSpecials, r)) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !isWordRune(r) && r != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if utf8.RuneCountInString(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		return false
	}
	return true
}

// isWordRune reports letters, digits and combining marks of any script;
// utf8.RuneError (from invalid input) is none of them.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mark, r)
}

// countryCode validates a default country calling code: "1", "+44".
func countryCode(fn, s string) (string, error) {
	cc := strings.TrimPrefix(strings.TrimSpace(s), "+")
	if cc == "" && s == "" {
		return "", nil
	}
	if len(cc) < 1 || len(cc) > 3 || cc[0] == '0' || strings.Trim(cc, "0123456789") != "" {
		return "", fmt.Errorf("%s: default country %q is not a country calling code: want 1 to 3 digits, like \"1\" or \"44\"", fn, s)
	}
	return cc, nil
}

// e164 returns the E.164 form of phone, or "". cc is a validated country
// calling code or "".
func e164(phone, cc string) string {
	s := strings.TrimSpace(phone)
	if len(s) > 100 {
		return ""
	}
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	digits := make([]byte, 0, 16)
	plus := false
	doubleZero := func() bool { return len(digits) > 2 && digits[0] == '0' && digits[1] == '0' }
scan:
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if d, ok := digitValue(r); ok {
			digits = append(digits, d)
			i += w
			continue
		}
		switch {
		case r == '+' && len(digits) == 0 && !plus:
			plus = true
		case r == '(' && strings.HasPrefix(s[i:], "(0)") && len(digits) > 0 && (plus || doubleZero()):
			w = 3 // "+44 (0)20": the (0) is the trunk prefix, not dialled from abroad
		case unicode.IsSpace(r) || strings.ContainsRune("-.()/\u2010\u2011\u2012\u2013\u2014\u2015\u2212", r):
		case len(digits) > 0 && isExtension(s[i:]):
			break scan
		default:
			return ""
		}
		i += w
	}
	if !plus && doubleZero() {
		digits, plus = digits[2:], true
	}
	if len(digits) == 0 {
		return ""
	}
	if !plus {
		if cc == "" {
			return ""
		}
		nat := digits
		switch {
		case cc == "1":
			if len(nat) == 11 && nat[0] == '1' {
				nat = nat[1:]
			}
		case cc != "39" && nat[0] == '0':
			nat = nat[1:]
		}
		digits = append([]byte(cc), nat...)
	}
	if len(digits) < 7 || len(digits) > 15 || digits[0] == '0' || (digits[0] == '1' && len(digits) != 11) {
		return ""
	}
	return "+" + string(digits)
}

// digitValue reads ASCII, fullwidth and Arabic-Indic digits.
func digitValue(r rune) (byte, bool) {
	for _, zero := range []rune{'0', '\uff10', '\u0660', '\u06f0'} {
		if zero <= r && r <= zero+9 {
			return byte('0' + r - zero), true
		}
	}
	return 0, false
}

// isExtension reports whether rest is an extension such as "ext. 12".
func isExtension(rest string) bool {
	rest = strings.ToLower(strings.TrimSpace(rest))
	for _, p := range []string{"extension", "ext.", "ext", "x", "#", ";ext="} {
		if !strings.HasPrefix(rest, p) {
			continue
		}
		n := strings.TrimSpace(rest[len(p):])
		return n != "" && len(n) <= 10 && strings.Trim(n, "0123456789") == ""
	}
	return false
}
