package main

import (
	"bufio"
	"encoding/json"
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
func simCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: zsim start|reload|addmessage EXPORT")
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

var swaps = map[*testscript.TestScript]*swap{}

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
