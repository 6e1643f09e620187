package verify

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	ttemplate "text/template"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/engine/kind"
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
		Compared: []Compared{{Kind: "ticket", Key: "ticket.conversation:a", ZendeskID: "7", Name: "Refund " + planted, Requester: "Ana Lima",
			Why: []string{"random", "oldest (2019-12-02)"}, URL: "https://acme.zendesk.example/agent/tickets/7", Differences: 1}},
		Differences: []Difference{
			{Kind: "ticket", Key: "ticket.conversation:a", ZendeskID: "7", What: "field", Field: "subject", Got: planted, Want: "Refund",
				Message: `ticket.conversation:a (Zendesk #7): subject is "` + planted + `", expected "Refund"`, URL: "https://acme.zendesk.example/agent/tickets/7"},
			{Kind: "ticket", Key: "ticket.conversation:b", ZendeskID: "8", What: "missing_in_zendesk",
				Message: "ticket.conversation:b (Zendesk #8): in the checkpoint, but Zendesk does not have it", URL: "javascript:alert(2)"},
		},
		Notes: []Difference{{Kind: "ticket", Key: "ticket.conversation:c", Name: "Where is my order?", What: "attachment_missing", Message: "note & <b>bold</b>"}},
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
	if len(root.all("style")) != 1 {
		t.Errorf("want one inline <style>")
	}
	chart := root.byID("chart")
	if chart == nil || len(chart.all("svg")) != 3 || len(chart.all("rect")) != 9 {
		t.Fatalf("want a chart of 3 kinds × 3 bars")
	}
	// ticket: 79, 79, 78 — the one-off is spelled out.
	var marked []string
	for _, f := range chart.all("figure") {
		if strings.Contains(f.attr["class"], "mismatch") {
			marked = append(marked, f.textAll())
		}
	}
	if len(marked) != 1 || !strings.Contains(marked[0], "≠ mapping 79, checkpoint 79, Zendesk 78") || !strings.Contains(marked[0], "78 ≠") {
		t.Errorf("kinds marked as disagreeing: %q", marked)
	}
	compared := root.byID("compared").all("tbody")[0].textAll()
	for _, w := range []string{"Refund " + planted, "requester Ana Lima", "ticket.conversation:a"} {
		if !strings.Contains(compared, w) {
			t.Errorf("the compared record does not read %q: %q", w, compared)
		}
	}
	if notes := root.byID("notes"); notes == nil || !strings.Contains(notes.textAll(), "Where is my order?") {
		t.Error("the note does not name its ticket")
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

func TestChartMarksMismatches(t *testing.T) {
	type bar struct {
		Value int
		Width string
		Off   bool
	}
	tests := []struct {
		name     string
		kinds    []KindCount
		mismatch []bool
		bars     [][]bar
	}{
		{"agree", []KindCount{{Kind: "user", Desired: 52, Checkpoint: 52, Zendesk: 52}}, []bool{false},
			[][]bar{{{52, "82.0%", false}, {52, "82.0%", false}, {52, "82.0%", false}}}},
		{"one off", []KindCount{{Kind: "ticket", Desired: 109, Checkpoint: 108, Zendesk: 108}}, []bool{true},
			[][]bar{{{109, "82.0%", false}, {108, "81.2%", true}, {108, "81.2%", true}}}},
		{"one scale for every kind; a count of one still shows", []KindCount{
			{Kind: "organization", Desired: 1, Checkpoint: 1, Zendesk: 0},
			{Kind: "ticket", Desired: 1000, Checkpoint: 1000, Zendesk: 1000}}, []bool{true, false},
			[][]bar{{{1, "0.4%", false}, {1, "0.4%", false}, {0, "0.0%", true}}, {{1000, "82.0%", false}, {1000, "82.0%", false}, {1000, "82.0%", false}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := makeChart(tt.kinds)
			var mismatch []bool
			var bars [][]bar
			for _, k := range c.Kinds {
				mismatch = append(mismatch, k.Mismatch)
				var bs []bar
				for _, b := range k.Bars {
					bs = append(bs, bar{b.Value, b.Width, b.Off})
				}
				bars = append(bars, bs)
			}
			if diff := cmp.Diff(tt.mismatch, mismatch); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.bars, bars); diff != "" {
				t.Errorf("bars (-want +got):\n%s", diff)
			}
		})
	}
}

// widestReport has every kind, with the largest counts and the longest
// values a report holds: subjects, names, keys and messages without a
// space to break at.
func widestReport() *Report {
	long := strings.Repeat("Ünbrokensubjectwithoutanyspace", 12)
	r := &Report{Seed: 123456, Sample: 20, ZendeskURL: "https://" + strings.Repeat("very-long-subdomain-", 4) + "acme.zendesk.example", MaxListed: 100}
	for i, k := range kind.All {
		n := 1_000_000 * (i + 1)
		r.Kinds = append(r.Kinds, KindCount{Kind: k, Desired: n, Unwritable: 999_999, Checkpoint: n - i, Zendesk: n - 2*i, MissingInZendesk: i,
			NotInCheckpoint: 999_999, DeadLetters: 999_999, Outdated: 999_999, Compared: 999_999, Differences: 999_999})
		key := string(k) + ".conversation:" + strings.Repeat("659419630500000018000002", 4)
		url := "https://acme.zendesk.example/agent/tickets/" + strconv.Itoa(i)
		r.Compared = append(r.Compared, Compared{Kind: k, Key: key, ZendeskID: "90000000000" + strconv.Itoa(i), Name: long, Requester: long,
			Why: []string{"largest (123456789 bytes)", "most comments (4999)", "split conversation (part 2)", "random"}, URL: url, Differences: 999})
		r.Differences = append(r.Differences, Difference{Kind: k, Key: key, ZendeskID: "9", Name: long, What: "field", Field: "custom_fields." + long, URL: url,
			Message: key + ": subject is \"" + long + "\", expected \"" + long + "\""})
		r.Notes = append(r.Notes, Difference{Kind: k, Key: key, Name: long, What: "attachment_missing", URL: url,
			Message: key + ": could not migrate " + long + ".pdf (attachment 65941a670a00000018000002): the file is missing in Kustomer's export"})
	}
	r.Differences = append(r.Differences, Difference{Kind: kind.Ticket, What: "unlisted", Message: "… and 999999 more field differences of kind ticket, not listed"})
	r.Unlisted = 999_999
	r.HelpCenterLocales = []LocaleCount{{Locale: "zh-hant-tw", Desired: 999_999, Zendesk: 999_998}, {Locale: "en-us", Desired: 1_000_000, Zendesk: 1_000_000}}
	return r
}

// TestWriteHTMLLocales shows the Help Center's articles per locale when
// the report has them, a locale that disagrees marked, and no table
// otherwise.
func TestWriteHTMLLocales(t *testing.T) {
	rep := sampleReport()
	rep.HelpCenterLocales = []LocaleCount{{Locale: "de", Desired: 4, Zendesk: 3}, {Locale: "en-us", Desired: 22, Zendesk: 22}}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	table := parseHTML(t, buf.Bytes()).byID("locales")
	if table == nil {
		t.Fatal("no locales table")
	}
	var rows []string
	for _, tr := range table.all("tr")[1:] {
		var cells []string
		for _, td := range tr.all("td") {
			cells = append(cells, td.textAll()+"|"+td.attr["class"])
		}
		rows = append(rows, strings.Join(cells, " "))
	}
	want := []string{"de|first 4|n 3|n bad", "en-us|first 22|n 22|n"}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("locale rows (-want +got):\n%s", diff)
	}
	buf.Reset()
	if err := sampleReport().WriteHTML(&buf, time.Now()); err != nil {
		t.Fatal(err)
	}
	if parseHTML(t, buf.Bytes()).byID("locales") != nil {
		t.Error("a locales table in a report without the Help Center")
	}
}

// chromium runs headless Chromium, when installed, with a fresh profile
// and nothing that would reach the network; it skips the test otherwise.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	const bin = "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("no " + bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir()}, args...)
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// fitPage loads the report in a frame of the width asked for, and writes
// into its own page how wide the report's document is against its
// window, and which elements stick out of it.
const fitPage = `<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="report" src="/report" style="border:0; width:{{.}}px; height:900px"></iframe>
<pre id="fit">not measured</pre>
<script>
document.getElementById("report").addEventListener("load", function () {
  var doc = this.contentDocument, root = doc.documentElement, wide = [];
  // An element that sticks out of a box which clips it (an ellipsis) is
  // not seen.
  var clipped = function (e) {
    for (var p = e.parentElement; p && p !== doc.body; p = p.parentElement) {
      if (doc.defaultView.getComputedStyle(p).overflowX !== "visible" && p.getBoundingClientRect().right <= root.clientWidth + 0.5) {
        return true;
      }
    }
    return false;
  };
  doc.querySelectorAll("body *").forEach(function (e) {
    var box = e.getBoundingClientRect();
    if (box.right > root.clientWidth + 0.5 && wide.length < 10 && !clipped(e)) {
      wide.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.getAttribute("class") ? "." + e.getAttribute("class") : "") + "@" + Math.round(box.right));
    }
  });
  document.getElementById("fit").textContent = "scroll=" + root.scrollWidth + " client=" + root.clientWidth + " wide=" + wide.join(" ");
});
</script>
</body></html>`

var fitRE = regexp.MustCompile(`<pre id="fit">scroll=(\d+) client=(\d+) wide=([^<]*)</pre>`)

// TestReportFitsTheWindow shows the widest report in Chromium, 1280 and
// 480 pixels wide: nothing may be wider than the window, so the page never
// scrolls sideways. The page and screenshots of both widths are kept in
// the tests' artifact directories (go test -artifacts keeps them), named
// in the log.
func TestReportFitsTheWindow(t *testing.T) {
	var page bytes.Buffer
	if err := widestReport().WriteHTML(&page, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), "verify.html"), page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	frame := ttemplate.Must(ttemplate.New("fit").Parse(fitPage))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/report":
			w.Write(page.Bytes())
		case "/fit":
			width, err := strconv.Atoi(r.URL.Query().Get("w"))
			if err != nil {
				http.Error(w, "w: "+err.Error(), http.StatusBadRequest)
				return
			}
			frame.Execute(w, width)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, width := range []int{1280, 480} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			dom := chromium(t, "--window-size=1400,1000", "--virtual-time-budget=5000", "--dump-dom", fmt.Sprintf("%s/fit?w=%d", srv.URL, width))
			m := fitRE.FindSubmatch(dom)
			if m == nil {
				t.Fatalf("the frame was not measured:\n%s", dom)
			}
			shot := filepath.Join(t.ArtifactDir(), fmt.Sprintf("verify-%d.png", width))
			chromium(t, "--hide-scrollbars", fmt.Sprintf("--window-size=%d,1600", width), "--screenshot="+shot, srv.URL+"/report")
			t.Logf("screenshot %s", shot)
			scroll, _ := strconv.Atoi(string(m[1]))
			client, _ := strconv.Atoi(string(m[2]))
			if client < width-40 || client > width {
				t.Fatalf("the frame is %d pixels wide inside, not about %d", client, width)
			}
			if scroll > client || len(m[3]) > 0 {
				t.Errorf("the report is %d pixels wide in a %d pixel window; sticking out: %s", scroll, client, m[3])
			}
		})
	}
}

// TestReportInBrowser loads the page in headless Chromium, when installed,
// and reads the rows of the differences table from the DOM it built.
func TestReportInBrowser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify.html")
	var buf bytes.Buffer
	if err := sampleReport().WriteHTML(&buf, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := chromium(t, "--dump-dom", "file://"+path)
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
