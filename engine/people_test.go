package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
)

func TestMergeUser(t *testing.T) {
	a := &Desired{Sources: []string{"customer/1"}, Payload: dsl.Payload{"name": "Ann", "email": "ann@x.example",
		"identities": []string{"+15550001"}, "tags": []string{"vip"}}}
	b := &Desired{Sources: []string{"customer/2"}, Payload: dsl.Payload{"name": "Ann B.", "email": "ANN@x.example", "phone": "+15550002",
		"identities": []string{"ann.b@y.example", "+15550001"}, "tags": []string{"vip", "wholesale"}, "locale": "de", "external_id": "kustomer:customer:2"}}
	mergeUser(a, b)
	// b fills what a lacks (its phone, its locale); b's own email and its
	// identities become a's identities, each once whatever its case.
	want := dsl.Payload{"name": "Ann", "email": "ann@x.example", "locale": "de", "phone": "+15550002",
		"identities": []string{"+15550001", "ann.b@y.example"}, "tags": []string{"vip", "wholesale"}}
	if d := cmp.Diff(want, a.Payload); d != "" {
		t.Errorf("merged user (-want +got):\n%s", d)
	}
}

func TestMergeOrganization(t *testing.T) {
	a := &Desired{Payload: dsl.Payload{"name": "Acme Corp", "external_id": "kustomer:company:1", "domain_names": []string{"acme.example"}}}
	b := &Desired{Payload: dsl.Payload{"name": "ACME CORP", "external_id": "kustomer:company:2", "domain_names": []string{"acme.example", "acme.test"},
		"tags": []string{"partner"}, "notes": "renewal in May"}}
	mergeOrganization(a, b)
	want := dsl.Payload{"name": "Acme Corp", "external_id": "kustomer:company:1", "domain_names": []string{"acme.example", "acme.test"},
		"tags": []string{"partner"}, "notes": "renewal in May"}
	if d := cmp.Diff(want, a.Payload); d != "" {
		t.Errorf("merged organization (-want +got):\n%s", d)
	}
}

func TestMergeKey(t *testing.T) {
	for in, want := range map[string]string{" Acme Corp ": "acme corp", "ACME CORP": "acme corp", "": "", "  ": ""} {
		if got := mergeKey(in); got != want {
			t.Errorf("mergeKey(%q) = %q", in, got)
		}
	}
}

// TestCheckTicketRefs: Zendesk refuses an assignee who is not an agent,
// or not a member of the ticket's group, and a ticket without a requester
// that exists; each is kept as a tag and said in the plan.
func TestCheckTicketRefs(t *testing.T) {
	g := &Generator{Hz: NewHazards(), agents: map[string]struct{}{"a1": {}}, teams: map[string]bool{"t1": true},
		members: map[string]map[string]bool{"t1": {"a1": true}}}
	g.customers.add("c1")
	for _, tc := range []struct {
		name       string
		in         dsl.Payload
		assignee   any
		group      any
		tags       []string
		unwritable string
	}{
		{"all good", dsl.Payload{"requester": "c1", "assignee": "a1", "group": "t1"}, "a1", "t1", nil, ""},
		{"departed assignee", dsl.Payload{"requester": "c1", "assignee": "gone"}, nil, nil, []string{"kz_departed_assignee_gone"}, ""},
		{"unmapped team", dsl.Payload{"requester": "c1", "group": "t9"}, nil, nil, []string{"kz_team_t9"}, ""},
		{"assignee not in team", dsl.Payload{"requester": "c1", "assignee": "a1", "group": "t1x"}, "a1", nil, []string{"kz_team_t1x"}, ""},
		{"no requester", dsl.Payload{}, nil, nil, nil, "no customer"},
		{"missing requester", dsl.Payload{"requester": "c9"}, nil, nil, nil, "not in the snapshot"},
	} {
		d := &Desired{Payload: tc.in}
		g.checkTicketRefs(hcl.Range{}, "conv", d)
		if d.Payload["assignee"] != tc.assignee || d.Payload["group"] != tc.group {
			t.Errorf("%s: assignee %v group %v", tc.name, d.Payload["assignee"], d.Payload["group"])
		}
		if got := dsl.Strings(d.Payload["tags"]); !cmp.Equal(got, tc.tags) && !(len(got) == 0 && len(tc.tags) == 0) {
			t.Errorf("%s: tags %v", tc.name, got)
		}
		if (tc.unwritable == "") != (d.Unwritable == "") || !strings.Contains(d.Unwritable, tc.unwritable) {
			t.Errorf("%s: unwritable %q", tc.name, d.Unwritable)
		}
	}
}

func TestTruncateRecord(t *testing.T) {
	p := dsl.Payload{"fields": map[string]any{"notes": strings.Repeat("é", 20000), "items": strings.Repeat("x", 5000), "n": 3}}
	cut := truncateRecord(p, 12000)
	fields := p["fields"].(map[string]any)
	if !strings.HasPrefix(cut, "notes ") || !strings.HasSuffix(fields["notes"].(string), "32 KB]") || fields["items"] != strings.Repeat("x", 5000) {
		t.Errorf("cut %q", cut)
	}
	if n := len(fields["notes"].(string)); n > 40000-12000+100 || !strings.HasPrefix(fields["notes"].(string), "éé") {
		t.Errorf("notes now %d bytes", n)
	}
	if truncateRecord(dsl.Payload{"fields": map[string]any{"a": "short"}}, 10) != "" {
		t.Error("made room out of nothing")
	}
}

// TestEveryEmailOnOneUser is Zendesk's rule that an email belongs to one
// user account-wide: over generated organisations (with a customer listing
// another's primary email as its own other email, and, by chance, other
// emails that two customers list), no two writable users share one, and
// what a customer lost is said in the plan.
func TestEveryEmailOnOneUser(t *testing.T) {
	cases := []struct {
		profile   string
		seed      int64
		customers int
	}{{"small", 1, 0}, {"small", 7, 0}, {"large", 3, 3000}}
	if testing.Short() {
		cases = cases[:2]
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s-%d", tc.profile, tc.seed), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "export")
			sum, err := dataset.Generate(context.Background(), dataset.Options{Profile: tc.profile, Seed: tc.seed, Customers: tc.customers}, dir)
			if err != nil {
				t.Fatal(err)
			}
			if !sum.Has(dataset.EdgeSharedOther) {
				t.Fatalf("the dataset has no %s case", dataset.EdgeSharedOther)
			}
			snap, err := OpenDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			g := NewGenerator(defaultConfig(t), snap)
			holder := map[string]string{}
			users := 0
			err = g.Run(context.Background(), func(d *Desired) error {
				if d.Kind != kind.User || d.Unwritable != "" {
					return nil
				}
				users++
				for _, e := range userEmails(d.Payload) {
					e = strings.ToLower(e)
					if h, ok := holder[e]; ok && h != d.Key {
						t.Errorf("%s is on %s and on %s", e, h, d.Key)
					}
					holder[e] = d.Key
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			taken := 0
			for _, hz := range g.Hz.List() {
				if hz.Code == "user_emails_taken" {
					taken += hz.Count
				}
			}
			if users == 0 || taken == 0 {
				t.Fatalf("%d users, %d emails, %d taken: the planted email was not seen as taken", users, len(holder), taken)
			}
			t.Logf("%d users, %d emails; %d taken", users, len(holder), taken)
		})
	}
}
