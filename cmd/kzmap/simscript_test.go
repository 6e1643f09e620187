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
//	zsim clean            Zendesk answered no 4xx but 429s, and flagged no rule
func simCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 1 && args[0] == "clean" {
		zendeskClean(ts, neg)
		return
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
		zs := zendesksim.New(zendesksim.Options{Email: email, Token: token, Limit: 2000, Window: time.Second, BulkImportEnabled: true, BaseURL: zURL})
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
	ts.Logf("zendesk: %d requests, %d answered 429, refused %v, %d flags", st.Total, st.TooMany, refused, len(flags))
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
