package verify

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const planted = `<script>alert(1)</script>`

// sampleReport is a report with a difference whose text carries markup,
// as a subject edited in Zendesk would.
func sampleReport() *Report {
	return &Report{Seed: 42, Sample: 20, ZendeskURL: "https://acme.zendesk.example", MaxListed: 100,
		Kinds: []KindCount{
			{Kind: "organization", Desired: 3, Checkpoint: 3, Zendesk: 3, Compared: 3},
			{Kind: "user", Desired: 52, Checkpoint: 52, Zendesk: 52, Compared: 20},
			{Kind: "ticket", Desired: 79, Checkpoint: 79, Zendesk: 78, MissingInZendesk: 1, Compared: 24, Differences: 2},
		},
		Compared: []Compared{{Kind: "ticket", Key: "ticket.conversation:a", ZendeskID: "7", Why: []string{"random", "oldest (2019-12-02)"},
			URL: "https://acme.zendesk.example/agent/tickets/7", Differences: 1}},
		Differences: []Difference{
			{Kind: "ticket", Key: "ticket.conversation:a", ZendeskID: "7", What: "field", Field: "subject", Got: planted, Want: "Refund",
				Message: `ticket.conversation:a (Zendesk #7): subject is "` + planted + `", expected "Refund"`, URL: "https://acme.zendesk.example/agent/tickets/7"},
			{Kind: "ticket", Key: "ticket.conversation:b", ZendeskID: "8", What: "missing_in_zendesk",
				Message: "ticket.conversation:b (Zendesk #8): in the checkpoint, but Zendesk does not have it", URL: "javascript:alert(2)"},
		},
		Notes: []Difference{{Kind: "ticket", Key: "ticket.conversation:c", What: "attachment_missing", Message: "note & <b>bold</b>"}},
	}
}

// node is an element of a parsed page.
type node struct {
	name  string
	attr  map[string]string
	text  string // character data directly inside
	kids  []*node
	outer *node
}

func (n *node) all(name string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
		out = append(out, k.all(name)...)
	}
	return out
}

func (n *node) byID(id string) *node {
	for _, k := range n.kids {
		if k.attr["id"] == id {
			return k
		}
		if f := k.byID(id); f != nil {
			return f
		}
	}
	return nil
}

func (n *node) textAll() string {
	s := n.text
	for _, k := range n.kids {
		s += k.textAll()
	}
	return s
}

// parseHTML reads a page with encoding/xml in its lenient HTML mode: void
// elements close themselves, entities are HTML's.
func parseHTML(t *testing.T, page []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	root := &node{name: "#root"}
	cur := root
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: strings.ToLower(tk.Name.Local), attr: map[string]string{}, outer: cur}
			for _, a := range tk.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			cur.kids = append(cur.kids, n)
			cur = n
		case xml.EndElement:
			if cur.outer != nil {
				cur = cur.outer
			}
		case xml.CharData:
			cur.text += string(tk)
		}
	}
	if cur != root {
		t.Fatalf("unclosed element %s", cur.name)
	}
	return root
}

func TestWriteHTML(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteHTML(&buf, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	page := buf.Bytes()
	if bytes.Contains(page, []byte("<script")) || bytes.Contains(page, []byte("<b>bold")) {
		t.Fatal("markup from the data reached the page unescaped")
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("the planted script is not in the page as text")
	}
	root := parseHTML(t, page)
	if n := len(root.all("html")); n != 1 {
		t.Fatalf("%d <html> elements", n)
	}
	if n := len(root.all("script")); n != 0 {
		t.Errorf("%d <script> elements", n)
	}
	if n := len(root.all("link")) + len(root.all("img")); n != 0 {
		t.Errorf("%d external resources; the page must stand alone", n)
	}
	if len(root.all("style")) != 1 || len(root.all("svg")) != 1 {
		t.Errorf("want one inline <style> and one <svg>")
	}
	svg := root.all("svg")[0]
	if n := len(svg.all("rect")); n != 9 {
		t.Errorf("chart has %d bars; want 3 kinds × 3", n)
	}
	diffs := root.byID("differences")
	if diffs == nil || diffs.name != "table" {
		t.Fatal("no differences table")
	}
	rows := diffs.all("tbody")[0].all("tr")
	if len(rows) != 2 {
		t.Fatalf("%d difference rows", len(rows))
	}
	first := rows[0].textAll()
	if !strings.Contains(first, `subject is "`+planted+`", expected "Refund"`) {
		t.Errorf("first row reads %q", first)
	}
	links := map[string]bool{}
	for _, a := range root.all("a") {
		links[a.attr["href"]] = true
	}
	if !links["https://acme.zendesk.example/agent/tickets/7"] {
		t.Errorf("no link to the ticket; links %v", links)
	}
	for l := range links {
		if strings.HasPrefix(l, "javascript:") {
			t.Errorf("unsafe link %q kept", l)
		}
	}
	counts := root.byID("counts")
	if counts == nil || len(counts.all("tr")) != 1+3+1 {
		t.Errorf("counts table: want a header, 3 kinds and a total")
	}
	if v := root.byID("verdict"); v == nil || !strings.Contains(v.textAll(), "2 differences") {
		t.Errorf("verdict %v", v)
	}
}

// TestReportInBrowser loads the page in headless Chromium, when installed,
// and reads the rows of the differences table from the DOM it built.
func TestReportInBrowser(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("no " + chromium)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "verify.html")
	var buf bytes.Buffer
	if err := sampleReport().WriteHTML(&buf, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", "file://"+path).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	if n := strings.Count(dom, `<tr class="difference">`); n != 2 {
		t.Errorf("the DOM has %d difference rows, want 2", n)
	}
	if strings.Contains(dom, "<script>alert(1)") || !strings.Contains(dom, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the planted script is not text in the DOM")
	}
	if !strings.Contains(dom, "<svg") {
		t.Error("no chart in the DOM")
	}
}
