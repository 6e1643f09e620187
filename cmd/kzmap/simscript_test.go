package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// swap serves whatever handler it holds now, so the Kustomer simulator can
// be reloaded with changed data behind the same address.
type swap struct{ h atomic.Value }

func (s *swap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.h.Load().(http.Handler).ServeHTTP(w, r)
}

// simCmd is the script command `zsim`:
//
//	zsim start EXPORT     start both simulators over EXPORT, set the environment
//	zsim reload EXPORT    serve EXPORT's current files on the same Kustomer address
//	zsim addmessage EXPORT  add a message to the first conversation (and bump it)
//	zsim window EXPORT    what a working Kustomer does during the window: a reply
//	                      that reopens a done conversation, an open one closed, a
//	                      new customer with an existing email in upper case and
//	                      their conversation, a customer renamed, a new company
//	zsim clean            Zendesk answered no 4xx but 429s, and flagged no rule
//	zsim unique           no two live tickets or users share an external id
//	zsim delete ticket REF   delete a ticket by hand (REF: external id or @N)
//	zsim edit ticket REF FIELD=VALUE…  edit a ticket by hand
//	zsim block|unblock EXPORT N  make Zendesk refuse the N-th customer's emails
//	zsim jobfail P        the share of job items Zendesk fails from now on
//	zsim field RESOURCE TYPE KEY TITLE [OPTION…]  make a field by hand
//	zsim fields RESOURCE N  Zendesk holds N fields of the resource, none twice
//	zsim helpcenter EXPORT  the Help Center holds EXPORT's knowledge base: every
//	                      live article once with a translation per version, drafts
//	                      drafts, images served by Zendesk, links to migrated
//	                      articles, nothing pointing at Kustomer
//
// zsim start takes latency=DURATION after EXPORT to slow every request.
func simCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: zsim start|reload|addmessage EXPORT, clean, unique, delete, edit, block, unblock, jobfail")
	}
	if handCmd(ts, neg, args) {
		return
	}
	if len(args) == 1 && args[0] == "clean" {
		zendeskClean(ts, neg)
		return
	}
	var latency time.Duration
	if len(args) == 3 && args[0] == "start" {
		v, ok := strings.CutPrefix(args[2], "latency=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil {
			ts.Fatalf("zsim start EXPORT [latency=DURATION]")
		}
		latency, args = d, args[:2]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: zsim start|reload|addmessage EXPORT, or zsim clean")
	}
	dir := ts.MkAbs(args[1])
	const key, email, token = "kzscript-k-1", "admin@script.example", "kzscript-z-1"
	switch args[0] {
	case "start":
		ds, err := kustomersim.Load(dir)
		ts.Check(err)
		kl, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		zl, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		kURL, zURL := "http://"+kl.Addr().String(), "http://"+zl.Addr().String()
		ks := &swap{}
		ks.h.Store(http.Handler(kustomersim.New(ds, kustomersim.Options{APIKey: key, Limit: 5000, Window: time.Second, BaseURL: kURL})))
		zs := zendesksim.New(zendesksim.Options{Email: email, Token: token, Limit: 2000, Window: time.Second, BulkImportEnabled: true, BaseURL: zURL,
			Faults: simkit.Faults{Latency: latency}})
		servers := []*http.Server{{Handler: ks}, {Handler: zs}}
		go servers[0].Serve(kl)
		go servers[1].Serve(zl)
		ts.Defer(func() {
			for _, s := range servers {
				s.Close()
			}
		})
		swaps[ts] = ks
		zendesks[ts] = zs
		for k, v := range map[string]string{"KUSTOMER_BASE_URL": kURL, "KUSTOMER_API_KEY": key, "ZENDESK_BASE_URL": zURL,
			"ZENDESK_EMAIL": email, "ZENDESK_API_TOKEN": token, "KZMAP_RATE_WINDOW": "1s"} {
			ts.Setenv(k, v)
		}
	case "reload":
		ks := swaps[ts]
		if ks == nil {
			ts.Fatalf("zsim reload before zsim start")
		}
		ds, err := kustomersim.Load(dir)
		ts.Check(err)
		ks.h.Store(http.Handler(kustomersim.New(ds, kustomersim.Options{APIKey: key, Limit: 5000, Window: time.Second, BaseURL: ts.Getenv("KUSTOMER_BASE_URL")})))
	case "addmessage":
		addMessage(ts, dir)
	case "window":
		windowChanges(ts, dir)
	case "helpcenter":
		helpCenterHolds(ts, neg, dir)
	default:
		ts.Fatalf("unknown zsim command %q", args[0])
	}
}

var (
	swaps    = map[*testscript.TestScript]*swap{}
	zendesks = map[*testscript.TestScript]*zendesksim.Server{}
)

// zendeskClean checks what the Zendesk simulator saw: no request refused
// with a 4xx other than a rate limit's 429, and no flagged rule (damage
// Zendesk accepts). It logs the counts either way.
func zendeskClean(ts *testscript.TestScript, neg bool) {
	zs := zendesks[ts]
	if zs == nil {
		ts.Fatalf("zsim clean before zsim start")
	}
	st := zs.Stats()
	var refused []string
	for status, n := range st.ByStatus {
		if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
			refused = append(refused, fmt.Sprintf("%d ×%d", status, n))
		}
	}
	flags := zs.Dump().Flags
	ts.Logf("zendesk: %d requests, %d answered 429, refused %v, %d abandoned by their client mid-body, %d flags", st.Total, st.TooMany, refused, st.Abandoned, len(flags))
	for _, r := range st.Refused {
		ts.Logf("refused: %s", r)
	}
	for i, f := range flags {
		if i == 20 {
			ts.Logf("… %d more", len(flags)-i)
			break
		}
		ts.Logf("flag %s: %s: %s", f.Rule, f.Where, f.Detail)
	}
	clean := len(refused) == 0 && len(flags) == 0
	switch {
	case clean && neg:
		ts.Fatalf("zendesk is clean")
	case !clean && !neg:
		ts.Fatalf("zendesk saw %d refusals and %d flags", len(refused), len(flags))
	}
}

// addMessage appends an inbound message to the first conversation of an
// export and moves the conversation's updatedAt, as Kustomer does.
func addMessage(ts *testscript.TestScript, dir string) {
	path := filepath.Join(dir, "conversations.ndjson")
	data, err := os.ReadFile(path)
	ts.Check(err)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var conv map[string]any
	ts.Check(json.Unmarshal([]byte(lines[0]), &conv))
	id := conv["id"].(string)
	const at = "2026-11-27T12:00:00.000Z"
	conv["attributes"].(map[string]any)["updatedAt"] = at
	b, _ := json.Marshal(conv)
	lines[0] = string(b)
	ts.Check(os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	cust := conv["relationships"].(map[string]any)["customer"]
	msg, _ := json.Marshal(map[string]any{"type": "message", "id": "ffffffffffffffffffff0001",
		"attributes": map[string]any{"direction": "in", "channel": "email", "body": "One more question about my order.",
			"preview": "One more question about my order.", "createdAt": at, "updatedAt": at, "sentAt": at},
		"relationships": map[string]any{"conversation": map[string]any{"data": map[string]any{"type": "conversation", "id": id}}, "customer": cust}})
	f, err := os.OpenFile(filepath.Join(dir, "messages.ndjson"), os.O_APPEND|os.O_WRONLY, 0o644)
	ts.Check(err)
	w := bufio.NewWriter(f)
	w.Write(append(msg, '\n'))
	ts.Check(w.Flush())
	ts.Check(f.Close())
}

// handCmd runs the zsim commands that change or check Zendesk as a person
// or an admin would; it reports whether args was one.
func handCmd(ts *testscript.TestScript, neg bool, args []string) bool {
	zs := zendesks[ts]
	need := func() {
		if zs == nil {
			ts.Fatalf("zsim %s before zsim start", args[0])
		}
	}
	switch {
	case args[0] == "unique" && len(args) == 1:
		need()
		st := zs.Dump()
		seen := map[string]int{}
		for _, t := range st.Tickets {
			if t.ExternalID != nil {
				seen["ticket "+strings.ToLower(*t.ExternalID)]++
			}
		}
		for _, u := range st.Users {
			if u.ExternalID != nil {
				seen["user "+strings.ToLower(*u.ExternalID)]++
			}
		}
		var twice []string
		for k, n := range seen {
			if n > 1 {
				twice = append(twice, fmt.Sprintf("%s ×%d", k, n))
			}
		}
		ts.Logf("zendesk: %d tickets, %d users", len(st.Tickets), len(st.Users))
		if (len(twice) > 0) != neg {
			ts.Fatalf("records written twice: %v", twice)
		}
	case (args[0] == "delete" || args[0] == "edit") && len(args) >= 3 && args[1] == "ticket":
		need()
		var err error
		if args[0] == "delete" {
			err = zs.DeleteTicket(args[2])
		} else {
			changes := map[string]string{}
			for _, kv := range args[3:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					ts.Fatalf("zsim edit ticket REF FIELD=VALUE…")
				}
				changes[k] = v
			}
			err = zs.EditTicket(args[2], changes)
		}
		ts.Check(err)
	case (args[0] == "block" || args[0] == "unblock") && len(args) == 3:
		need()
		emails := customerEmails(ts, ts.MkAbs(args[1]), args[2])
		if args[0] == "block" {
			zs.Block(emails...)
		} else {
			zs.Unblock(emails...)
		}
		ts.Logf("%sed %v", args[0], emails)
	case args[0] == "field" && len(args) >= 5:
		need()
		_, err := zs.AddField(args[1], args[2], args[3], args[4], args[5:]...)
		ts.Check(err)
	case args[0] == "fields" && len(args) == 3:
		need()
		st := zs.Dump()
		fs := map[string][]zendesksim.Field{"ticket": st.TicketFields, "user": st.UserFields, "organization": st.OrganizationFields}[args[1]]
		seen := map[string]bool{}
		for _, f := range fs {
			name := f.Key + "/" + strings.ToLower(f.Title)
			if seen[name] {
				ts.Fatalf("%s field %s made twice", args[1], name)
			}
			seen[name] = true
		}
		if fmt.Sprint(len(fs)) != args[2] {
			ts.Fatalf("%d %s fields, want %s", len(fs), args[1], args[2])
		}
	case args[0] == "jobfail" && len(args) == 2:
		need()
		var p float64
		_, err := fmt.Sscan(args[1], &p)
		ts.Check(err)
		zs.SetJobFailures(p)
	default:
		return false
	}
	return true
}

// customerEmails are the emails of the n-th customer of an export.
func customerEmails(ts *testscript.TestScript, dir, n string) []string {
	var i int
	if _, err := fmt.Sscan(n, &i); err != nil || i < 1 {
		ts.Fatalf("customer number %q: want 1, 2, …", n)
	}
	data, err := os.ReadFile(filepath.Join(dir, "customers.ndjson"))
	ts.Check(err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, line := range lines {
		var c struct {
			Attributes struct {
				Emails []struct {
					Email string `json:"email"`
				} `json:"emails"`
			} `json:"attributes"`
		}
		ts.Check(json.Unmarshal([]byte(line), &c))
		if len(c.Attributes.Emails) == 0 {
			continue
		}
		if i--; i == 0 {
			var out []string
			for _, e := range c.Attributes.Emails {
				out = append(out, e.Email)
			}
			return out
		}
	}
	ts.Fatalf("the export has fewer than %s customers with an email", n)
	return nil
}

// ndjson reads an export file as resources.
func ndjson(ts *testscript.TestScript, path string) []map[string]any {
	data, err := os.ReadFile(path)
	ts.Check(err)
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		var m map[string]any
		ts.Check(json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

func writeNDJSON(ts *testscript.TestScript, path string, recs []map[string]any) {
	var b strings.Builder
	for _, r := range recs {
		line, err := json.Marshal(r)
		ts.Check(err)
		b.Write(line)
		b.WriteByte('\n')
	}
	ts.Check(os.WriteFile(path, []byte(b.String()), 0o644))
}

// windowChanges makes, in an export, what agents and customers do while
// a migration's window is open (see the zsim usage).
func windowChanges(ts *testscript.TestScript, dir string) {
	const at = "2026-11-28T09:00:00.000Z"
	file := func(name string) string { return filepath.Join(dir, name) }
	convs := ndjson(ts, file("conversations.ndjson"))
	custs := ndjson(ts, file("customers.ndjson"))
	msgs := ndjson(ts, file("messages.ndjson"))
	attrs := func(r map[string]any) map[string]any { return r["attributes"].(map[string]any) }
	rel := func(r map[string]any, name string) string {
		x, _ := r["relationships"].(map[string]any)[name].(map[string]any)
		d, _ := x["data"].(map[string]any)
		id, _ := d["id"].(string)
		return id
	}
	message := func(id, conv, cust, body, when string) map[string]any {
		return map[string]any{"type": "message", "id": id, "attributes": map[string]any{"direction": "in", "channel": "email", "body": body,
			"preview": body, "createdAt": when, "updatedAt": when, "sentAt": when},
			"relationships": map[string]any{"conversation": map[string]any{"data": map[string]any{"type": "conversation", "id": conv}},
				"customer": map[string]any{"data": map[string]any{"type": "customer", "id": cust}}}}
	}
	reopened, closed := false, false
	for _, c := range convs {
		a := attrs(c)
		cust := rel(c, "customer")
		switch {
		case !reopened && a["status"] == "done" && cust != "":
			reopened = true
			a["status"], a["updatedAt"] = "open", at
			msgs = append(msgs, message("ffffffffffffffffffff0101", c["id"].(string), cust, "It broke again.", at))
		case !closed && a["status"] == "open" && cust != "":
			closed = true
			a["status"], a["updatedAt"], a["endedAt"] = "done", at, at
		}
	}
	var email, renamed string
	for _, c := range custs {
		a := attrs(c)
		emails, _ := a["emails"].([]any)
		if len(emails) == 1 && email == "" {
			email = emails[0].(map[string]any)["email"].(string)
			continue
		}
		if renamed == "" {
			renamed = c["id"].(string)
			a["name"], a["displayName"], a["updatedAt"] = "Renamed During Window", "Renamed During Window", at
		}
	}
	if !reopened || !closed || email == "" {
		ts.Fatalf("zsim window: the export lacks a done and an open conversation, or a customer with one email")
	}
	const newcomer, conv = "000000000000000000000c01", "000000000000000000000d01"
	custs = append(custs, map[string]any{"type": "customer", "id": newcomer, "attributes": map[string]any{"name": "New Person",
		"emails": []any{map[string]any{"email": strings.ToUpper(email)}}, "createdAt": at, "updatedAt": at}})
	convs = append(convs, map[string]any{"type": "conversation", "id": conv, "attributes": map[string]any{"name": "Hello again", "status": "open",
		"messageCount": 1, "createdAt": at, "updatedAt": at},
		"relationships": map[string]any{"customer": map[string]any{"data": map[string]any{"type": "customer", "id": newcomer}}}})
	msgs = append(msgs, message("ffffffffffffffffffff0102", conv, newcomer, "Hi, a new question from my other address.", at))
	comps := ndjson(ts, file("companies.ndjson"))
	comps = append(comps, map[string]any{"type": "company", "id": "000000000000000000000a01", "attributes": map[string]any{"name": "Founded In The Window Ltd",
		"domains": []any{"window.example"}, "createdAt": at, "updatedAt": at}})
	writeNDJSON(ts, file("conversations.ndjson"), convs)
	writeNDJSON(ts, file("customers.ndjson"), custs)
	writeNDJSON(ts, file("messages.ndjson"), msgs)
	writeNDJSON(ts, file("companies.ndjson"), comps)
}
