package audit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func customer(emails []string, phone string) []byte {
	var es []string
	for _, e := range emails {
		es = append(es, fmt.Sprintf(`{"email":%q}`, e))
	}
	ph := ""
	if phone != "" {
		ph = fmt.Sprintf(`{"phone":%q}`, phone)
	}
	return fmt.Appendf(nil, `{"type":"customer","attributes":{"emails":[%s],"phones":[%s]}}`, strings.Join(es, ","), ph)
}

func TestPeopleByEmail(t *testing.T) {
	cases := []struct {
		name      string
		customers [][]byte
		want      CustomerAudit
	}{
		{"distinct", [][]byte{customer([]string{"a@x.io"}, ""), customer([]string{"b@x.io"}, "")},
			CustomerAudit{Total: 2, Users: 2}},
		{"case variants join", [][]byte{customer([]string{"Ann@x.io"}, ""), customer([]string{" ann@x.io "}, "")},
			CustomerAudit{Total: 2, Sharing: 2, MergedUsers: 1, Users: 1, DuplicateEmails: 1, CaseVariants: 1,
				Examples: []DupEmail{{Email: "ann@x.io", Customers: 2, Spellings: []string{"Ann@x.io", "ann@x.io"}}}}},
		{"chains join through a second address", [][]byte{
			customer([]string{"a@x.io"}, ""), customer([]string{"a@x.io", "b@x.io"}, ""), customer([]string{"b@x.io"}, ""),
			customer([]string{"c@x.io"}, "")},
			CustomerAudit{Total: 4, Sharing: 3, MergedUsers: 1, Users: 2, DuplicateEmails: 2,
				Examples: []DupEmail{{Email: "a@x.io", Customers: 2, Spellings: []string{"a@x.io"}}, {Email: "b@x.io", Customers: 2, Spellings: []string{"b@x.io"}}}}},
		{"one customer naming an address twice is one", [][]byte{customer([]string{"a@x.io", "A@x.io"}, "")},
			CustomerAudit{Total: 1, Users: 1}},
		{"no email, phone or neither", [][]byte{customer(nil, "+1 555"), customer(nil, ""), customer([]string{" "}, " ")},
			CustomerAudit{Total: 3, Users: 3, WithoutEmail: 3, PhoneOnly: 1}},
		{"malformed record counts without email", [][]byte{[]byte(`{"attributes":`)},
			CustomerAudit{Total: 1, Users: 1, WithoutEmail: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p peopleByEmail
			var got CustomerAudit
			for _, raw := range tc.customers {
				p.add(&got, raw)
			}
			p.finish(&got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
