package verify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

func TestAlign(t *testing.T) {
	for _, tc := range []struct {
		name     string
		exp, act string // one comment per letter
		pairs    string // "ea" pairs in Zendesk's order, upper case when the texts differ, * when out of place
		missing  string
		extra    string
	}{
		{name: "same", exp: "abc", act: "abc", pairs: "aa bb cc"},
		{name: "one missing", exp: "abcd", act: "abd", pairs: "aa bb dd", missing: "c"},
		{name: "one added", exp: "abd", act: "abxd", pairs: "aa bb dd", extra: "x"},
		{name: "one changed", exp: "abc", act: "axc", pairs: "aa BX cc"},
		{name: "swapped", exp: "abc", act: "acb", pairs: "aa cc* bb"},
		{name: "moved far", exp: "abcdef", act: "bcdefa", pairs: "bb cc dd ee ff aa*"},
		{name: "swapped and changed", exp: "abcde", act: "abdcx", pairs: "aa bb dd* cc EX"},
		{name: "all gone", exp: "ab", act: "", missing: "ab"},
		{name: "tail added", exp: "a", act: "abc", pairs: "aa", extra: "bc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var exp []*expComment
			for _, c := range tc.exp {
				exp = append(exp, &expComment{key: string(c), texts: []string{string(c)}})
			}
			var act []*actComment
			for i, c := range tc.act {
				act = append(act, &actComment{n: i + 1, c: zendesk.Comment{Body: string(c)}, texts: []string{string(c)}})
			}
			pairs, missing, extra := align(exp, act)
			var ps, ms, xs []string
			for _, p := range pairs {
				s := p.e.key + p.a.c.Body
				if !p.matched {
					s = strings.ToUpper(s)
				}
				if p.moved {
					s += "*"
				}
				ps = append(ps, s)
			}
			for _, m := range missing {
				ms = append(ms, m.key)
			}
			for _, x := range extra {
				xs = append(xs, x.c.Body)
			}
			got := []string{strings.Join(ps, " "), strings.Join(ms, ""), strings.Join(xs, "")}
			if diff := cmp.Diff([]string{tc.pairs, tc.missing, tc.extra}, got); diff != "" {
				t.Errorf("pairs, missing, extra (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTextHelpers(t *testing.T) {
	if got := squash(htmlText("<p>Hello&nbsp;<b>there</b></p>\n<p>bye</p>")); got != "Hellotherebye" {
		t.Errorf("squash(htmlText) = %q", got)
	}
	if got := shown(strings.Repeat("ab ", 40)); len([]rune(got)) != 60 || !strings.HasSuffix(got, `…"`) {
		t.Errorf("shown = %q", got)
	}
	if !sameValue(3, 3.0) || !sameValue(nil, "") || sameValue("a", "b") || !sameValue([]string{"x"}, []any{"x"}) {
		t.Error("sameValue")
	}
	missing, extra := setDiff(tagSet([]string{"A", "b c"}), tagSet([]string{"a", "b", "d"}))
	if diff := cmp.Diff([]string{"d"}, missing); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"c"}, extra); diff != "" {
		t.Error(diff)
	}
	if ordinal(1) != "1st" || ordinal(12) != "12th" || ordinal(23) != "23rd" {
		t.Error("ordinal")
	}
}

// TestTicketComments imports a ticket whose comments differ from the
// desired ones in every way verify checks, and reads the differences.
func TestTicketComments(t *testing.T) {
	r := newApplied(t, "small", 26)
	ctx := context.Background()
	c := r.Client()

	// A customer and an agent that apply wrote, and an attachment of
	// known size.
	var customer, agent string
	var custZID, agentZID int64
	refs := newRefs(r.Store, r.Snap)
	err := r.Snap.ForEach("customer", func(id string, _ []byte) error {
		if customer == "" {
			if n, err := refs.ID("customer", id); err == nil && n != 0 {
				customer, custZID = id, n
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Snap.ForEach("user", func(id string, _ []byte) error {
		if agent == "" {
			if n, err := refs.ID("user", id); err == nil && n != 0 {
				agent, agentZID = id, n
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var att *record.Attachment
	err = r.Snap.ForEach("attachment", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if a := rec.(*record.Attachment); err == nil && att == nil && a.ContentLength > 0 && a.Name != "" {
			att = a
		}
		return nil
	})
	if err != nil || att == nil || customer == "" || agent == "" {
		t.Fatalf("fixtures: attachment %v, customer %q, agent %q, %v", att, customer, agent, err)
	}
	up, err := c.Upload(ctx, zendesk.UploadFile{Name: att.Name, Body: bytes.NewReader(make([]byte, att.ContentLength+1)), Size: att.ContentLength + 1})
	if err != nil {
		t.Fatal(err)
	}

	t0 := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	d := &engine.Desired{Kind: "ticket", Key: "ticket.conversation:test", Payload: dsl.Payload{
		"subject": "Order", "status": "open", "requester": customer, "external_id": "kustomer:conversation:test",
		"tags": []string{"kustomer-import"}, "created_at": at(0)},
		Comments: []engine.Comment{
			{Key: "message/a", Payload: dsl.Payload{"body": "Hello there", "public": true, "author": customer, "created_at": at(1), "attachments": []string{att.ID}}},
			{Key: "message/b", Payload: dsl.Payload{"body": "Second", "public": true, "author": agent, "created_at": at(2)}},
			{Key: "note/c", Payload: dsl.Payload{"body": "Private note", "public": false, "author": agent, "created_at": at(3)}},
			{Key: "message/d", Payload: dsl.Payload{"html_body": "<p>Fourth <b>one</b></p>", "public": true, "author": customer, "created_at": at(4)}},
			{Key: "message/e", Payload: dsl.Payload{"body": "Fifth original", "public": true, "author": customer, "created_at": at(5)}},
		}}
	yes := true
	tm := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tk, err := c.ImportTicket(ctx, zendesk.TicketImport{Subject: "Order", Status: "open", RequesterID: custZID, ExternalID: "kustomer:conversation:test",
		Tags: []string{"kustomer-import"}, CreatedAt: tm(0), Comments: []zendesk.Comment{
			{Body: "Hello   there\n", Public: &yes, AuthorID: custZID, CreatedAt: tm(1), Uploads: []string{up.Token}},
			{Body: "Second", Public: &yes, AuthorID: custZID, CreatedAt: tm(2)},
			{HTMLBody: "<div>Fourth one</div>", Public: &yes, AuthorID: custZID, CreatedAt: tm(4)},
			{Body: "Private note", Public: &yes, AuthorID: agentZID, CreatedAt: tm(4).Add(30 * time.Second)},
			{Body: "Fifth edited", Public: &yes, AuthorID: custZID, CreatedAt: tm(5)},
		}}, zendesk.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}

	run := newRunner(Options{Config: r.Cfg, Snapshot: r.Snap, Store: r.Store, Client: c, MaxListed: 100})
	zid := fmt.Sprint(tk.ID)
	k := &check{r: run, c: &candidate{d: d, e: checkpoint.Entry{ZendeskID: zid}}, kind: "ticket", key: d.Key, zid: zid}
	if err := k.ticket(ctx, *tk); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, df := range run.diffs {
		got = append(got, strings.TrimPrefix(df.Message, d.Key+" (Zendesk #"+zid+"): "))
	}
	want := []string{
		fmt.Sprintf("comment 1 attachment %s (Kustomer attachment %s) is %d bytes, expected %d", att.Name, att.ID, att.ContentLength+1, att.ContentLength),
		fmt.Sprintf("comment 2 author is %d, expected %d (%s)", custZID, agentZID, refs.describe("user", agent)),
		"comment 3 is message/d, which comes 4th in Kustomer: the thread is out of order",
		"comment 4 is public, expected private (note/c)",
		"comment 4 created_at is 2024-03-01T09:04:30Z, expected 2024-03-01T09:03:00Z (note/c)",
		`comment 5 text is "Fifth edited", expected "Fifth original" (message/e)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
	if !strings.Contains(want[1], "Kustomer user ") {
		t.Errorf("the author is not named: %s", want[1])
	}
}
