package builtin

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ann@example.com", "ann@example.com"},
		{"  ANN@Example.Com\t", "ann@example.com"},
		{"mailto:ann@example.com", "ann@example.com"},
		{"MAILTO: ann@example.com", "ann@example.com"},
		{`"Lee, Ann" <Ann@Example.com>`, "ann@example.com"},
		{"<ann@example.com>", "ann@example.com"},
		{"ann+tag@mail.example.co.uk", "ann+tag@mail.example.co.uk"},
		{"o'brien@example.ie", "o'brien@example.ie"},
		{"josé@exämple.com", "josé@exämple.com"},
		{"ann@xn--p1ai.xn--p1ai", "ann@xn--p1ai.xn--p1ai"},
		{"", ""},
		{"   ", ""},
		{"n/a", ""},
		{"ann", ""},
		{"@example.com", ""},
		{"ann@", ""},
		{"ann@example", ""},
		{"ann@example.c", ""},
		{"ann@1.2.3.4", ""},
		{"ann@@example.com", ""},
		{"a@b@example.com", ""},
		{".ann@example.com", ""},
		{"ann.@example.com", ""},
		{"an..n@example.com", ""},
		{"ann@-example.com", ""},
		{"ann@example-.com", ""},
		{"ann@example..com", ""},
		{"ann@example.com.", ""},
		{"ann lee@example.com", ""},
		{"ann@exa mple.com", ""},
		{"ann\x00@example.com", ""},
		{"ann\xff@example.com", ""},
		{strings.Repeat("a", 65) + "@example.com", ""},
		{strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
		{"ann@" + strings.Repeat("a", 64) + ".com", ""},
		{"ann@" + strings.Repeat("a.", 130) + "com", ""},
		{strings.Repeat("x", 1<<20), ""},
	} {
		if got := normalizeEmail(tc.in); got != tc.want {
			t.Errorf("normalizeEmail(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestE164(t *testing.T) {
	for _, tc := range []struct{ in, cc, want string }{
		{"+14155550100", "", "+14155550100"},
		{"+1 (415) 555-0100", "", "+14155550100"},
		{"+1.415.555.0100", "44", "+14155550100"},
		{"(415) 555-0100", "1", "+14155550100"},
		{"1-415-555-0100", "1", "+14155550100"},
		{"415/555/0100", "+1", "+14155550100"},
		{"tel:+1-415-555-0100", "", "+14155550100"},
		{"TEL:+14155550100", "", "+14155550100"},
		{"+1 415 555 0100 x123", "", "+14155550100"},
		{"+1 415 555 0100 ext 123", "", "+14155550100"},
		{"+1 415 555 0100 Extension 123", "", "+14155550100"},
		{"+1 415 555 0100;ext=123", "", "+14155550100"},
		{"+1 415 555 0100 #123", "", "+14155550100"},
		{"+44 (0)20 7946 0018", "", "+442079460018"},
		{"0044 (0)20 7946 0018", "", "+442079460018"},
		{"020 7946 0018", "44", "+442079460018"},
		{"06 12 34 56 78", "33", "+33612345678"},
		{"06 1234 5678", "39", "+390612345678"},
		{"0049 30 901820", "", "+4930901820"},
		{"+49 (30) 901820", "", "+4930901820"},
		{"\uff0b\uff11 415 555 0100", "", ""}, // fullwidth plus is not a plus
		{"+\uff11\uff14\uff11\uff15 555 0100", "", "+14155550100"},
		{"+٩٧١ ٥٠ ١٢٣ ٤٥٦٧", "", "+971501234567"},
		{"+1\u00a0415\u2011555\u20130100", "", "+14155550100"},
		{"555-0100", "1", ""},           // too short for +1
		{"+1 555 0100", "", ""},         // +1 needs 11 digits
		{"(415) 555-0100", "", ""},      // national without a default country
		{"+0 123 456 789", "", ""},      // no country code starts with 0
		{"+1234567890123456", "", ""},   // 16 digits
		{"+123456", "", ""},             // 6 digits
		{"1-800-FLOWERS", "1", ""},      // letters are not an extension
		{"+1 415 555 0100 ext", "", ""}, // extension without digits
		{"++14155550100", "", ""},
		{"+1 415 +555 0100", "", ""},
		{"", "1", ""},
		{"n/a", "1", ""},
		{"\xff\xfe", "1", ""},
		{strings.Repeat("1", 1000), "1", ""},
	} {
		if got := e164(tc.in, strings.TrimPrefix(tc.cc, "+")); got != tc.want {
			t.Errorf("e164(%q, %q) = %q; want %q", tc.in, tc.cc, got, tc.want)
		}
	}
}

func TestCountryCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, {"1", "1", true}, {"+44", "44", true}, {" 353 ", "353", true},
		{"0", "", false}, {"1234", "", false}, {"us", "", false}, {"+", "", false}, {" ", "", false},
	} {
		got, err := countryCode("e164", tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("countryCode(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// contact mirrors record.Email and record.Phone: the functions must read
// them without importing package record.
type contact struct {
	Email    string
	Phone    string
	Type     string
	Verified bool
}

type addr string

func (a addr) EmailAddress() string { return string(a) }
func (a addr) PhoneNumber() string  { return string(a) }

type unexported struct{ email string }

func TestContactLists(t *testing.T) {
	for _, tc := range []struct {
		name          string
		list          any
		primary       string
		others        []string
		primaryPhone  string
		otherPhones   []string
		wantEmailsErr bool
	}{
		{name: "nil", list: nil, others: []string{}, otherPhones: []string{}},
		{name: "empty", list: []any{}, others: []string{}, otherPhones: []string{}},
		{name: "string", list: "Ann@Example.com", primary: "ann@example.com", others: []string{}, otherPhones: []string{}},
		{
			name:   "kustomer maps",
			list:   []any{map[string]any{"email": "x", "type": "home"}, map[string]any{"email": "A@b.co", "verified": true}, map[string]any{"email": nil}, map[string]any{"type": "work"}, nil, map[string]any{"email": "c@d.co"}},
			others: []string{"c@d.co"}, primary: "a@b.co", otherPhones: []string{},
		},
		{
			name:    "typed maps",
			list:    []map[string]any{{"email": "a@b.co", "phone": "+14155550100"}, {"email": "A@B.CO", "phone": "+1 415 555 0101"}},
			primary: "a@b.co", others: []string{},
			primaryPhone: "+14155550100", otherPhones: []string{"+14155550101"},
		},
		{
			name:    "string maps",
			list:    []map[string]string{{"email": "a@b.co"}, {"phone": "+14155550100"}},
			primary: "a@b.co", others: []string{}, primaryPhone: "+14155550100", otherPhones: []string{},
		},
		{
			name:    "structs like record.Email",
			list:    []contact{{Email: "bad"}, {Email: "a@b.co", Phone: "+44 20 7946 0018"}, {Email: "e@f.co", Phone: "+44 (0)20 7946 0018"}},
			primary: "a@b.co", others: []string{"e@f.co"}, primaryPhone: "+442079460018", otherPhones: []string{},
		},
		{
			name:    "struct pointers",
			list:    []*contact{nil, {Email: "a@b.co"}, {Email: "c@d.co"}},
			primary: "a@b.co", others: []string{"c@d.co"}, otherPhones: []string{},
		},
		{
			name:    "struct elements in []any",
			list:    []any{contact{Email: "a@b.co"}, &contact{Email: "c@d.co"}},
			primary: "a@b.co", others: []string{"c@d.co"}, otherPhones: []string{},
		},
		{
			name:    "interface",
			list:    []addr{"a@b.co", "+14155550100"},
			primary: "a@b.co", others: []string{}, primaryPhone: "+14155550100", otherPhones: []string{},
		},
		{
			name:    "strings",
			list:    []string{" A@B.co", "a@b.co", "", "+14155550100"},
			primary: "a@b.co", others: []string{}, primaryPhone: "+14155550100", otherPhones: []string{},
		},
		{name: "array", list: [2]string{"a@b.co", "c@d.co"}, primary: "a@b.co", others: []string{"c@d.co"}, otherPhones: []string{}},
		{name: "unexported field", list: []unexported{{email: "a@b.co"}}, wantEmailsErr: true},
		{name: "number", list: 42, wantEmailsErr: true},
		{name: "list of numbers", list: []int{1}, wantEmailsErr: true},
		{name: "map", list: map[string]any{"email": "a@b.co"}, wantEmailsErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := mustFunc(t, "primary_email").Call(tc.list)
			if tc.wantEmailsErr {
				if err == nil {
					t.Fatalf("primary_email(%#v) = %q; want an error", tc.list, p)
				}
				return
			}
			if err != nil || p != tc.primary {
				t.Errorf("primary_email = %q, %v; want %q", p, err, tc.primary)
			}
			o, err := mustFunc(t, "other_emails").Call(tc.list)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.others, o); diff != "" {
				t.Errorf("other_emails (-want +got):\n%s", diff)
			}
			pp, err := mustFunc(t, "primary_phone").Call(tc.list, "1")
			if err != nil || pp != tc.primaryPhone {
				t.Errorf("primary_phone = %q, %v; want %q", pp, err, tc.primaryPhone)
			}
			op, err := mustFunc(t, "other_phones").Call(tc.list, "1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.otherPhones, op); diff != "" {
				t.Errorf("other_phones (-want +got):\n%s", diff)
			}
		})
	}
}

func mustFunc(t testing.TB, name string) Func {
	t.Helper()
	f, ok := Lookup(name)
	if !ok {
		t.Fatalf("no function %s", name)
	}
	return f
}
