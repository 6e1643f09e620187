package builtin

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "hello", "hello"},
		{"collapse", "  hello \n\t world  ", "hello world"},
		{"entities", "Tom &amp; Jerry &lt;3 &quot;x&quot; &#39;y&#39; &#x263A; &eacute; &nbsp;", "Tom & Jerry <3 \"x\" 'y' ☺ é"},
		{"unknown entity", "AT&T &bogus; a&b", "AT&T &bogus; a&b"},
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"br", "a<br>b<br/>c<BR >d", "a\nb\nc\nd"},
		{"double br", "a<br><br>b", "a\n\nb"},
		{"many br", "a<br><br><br><br>b", "a\n\nb"},
		{"div", "<div>a</div><div>b</div>c", "a\nb\nc"},
		{"trailing br in div", "<div>a<br></div><div>b</div>", "a\nb"},
		{"inline", "a <b>bold</b> and <i>it</i>alic", "a bold and italic"},
		{"space between inline", "<span>a</span> <span>b</span>", "a b"},
		{"headings", "<h1>Title</h1>text", "Title\n\ntext"},
		{"ul", "<p>List:</p><ul><li>a</li><li>b</li></ul><p>end</p>", "List:\n\n- a\n- b\n\nend"},
		{"ol", "<ol><li>a<li>b</ol>", "1. a\n2. b"},
		{"ol start", `<ol start="3"><li>c</li></ol>`, "3. c"},
		{"nested", "<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>", "- a\n  - a1\n- b"},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a b\nc d"},
		{"pre", "<p>code:</p><pre>  x = 1\n  y = 2\n</pre><p>done</p>", "code:\n\n  x = 1\n  y = 2\n\ndone"},
		{"pre crlf", "<pre>a\r\nb</pre>", "a\nb"},
		{"script and style", "<script>alert('<p>hi</p>')</script><style>p { color: red }</style>text", "text"},
		{"script end tag case", "<SCRIPT>x</ScRiPt >after", "after"},
		{"unclosed script", "before<script>var a = '</p>';", "before"},
		{"comment", "a<!-- <p>hidden</p> -->b", "ab"},
		{"unclosed comment", "a<!-- b", "a"},
		{"doctype and head", "<!DOCTYPE html><html><head><title>T</title><meta charset=utf-8><style>x</style></head><body><p>Hi</p></body></html>", "Hi"},
		{"head without end", "<head><title>T</title><body>Hi", "Hi"},
		{"head ended by content", "<head><title>T</title><div>Hi</div>", "Hi"},
		{"title in body", "<p>a</p><title>T</title><p>b</p>", "a\n\nb"},
		{"template", "<template><p>x</p><template>y</template>z</template>shown", "shown"},
		{"svg", "<svg><text>chart</text></svg>caption", "caption"},
		{"textarea", "<textarea><b>raw</b> &amp;</textarea>", "<b>raw</b> &"},
		{"cdata", "<![CDATA[a < b]]>", "a < b"},
		{"lone lt", "1 < 2 and 3 <4", "1 < 2 and 3 <4"},
		{"lt slash space", "a </ b> c", "a c"},
		{"quoted gt in attribute", `<a title="x > y" href='/a>b'>link</a>`, "link"},
		{"unquoted attribute", `<font color=red>red</font>`, "red"},
		{"quote in attribute name", `<p a"b>text</p>`, "text"},
		{"unclosed tag", "text<p class=", "text"},
		{"unclosed quote", `text<a href="x>more`, "text"},
		{"empty", "", ""},
		{"only tags", "<p></p><div><br></div>", ""},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"control characters", "a\x00b\x07c", "abc"},
		{"email quote", "<div>Thanks!</div><blockquote><p>On Monday Ann wrote:</p><p>Help</p></blockquote>", "Thanks!\n\nOn Monday Ann wrote:\n\nHelp"},
		{"hr", "a<hr>b", "a\n\nb"},
		{"image", `a<img src="x.png" alt="logo">b`, "ab"},
	} {
		if got := htmlToText(tc.in); got != tc.want {
			t.Errorf("%s: htmlToText(%q) = %q; want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestImageSrcs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{``, []string{}},
		{`<img src="a.png">`, []string{"a.png"}},
		{`<img alt="x" src='b.png' /><IMG SRC=c.png><img data-src="no"><img src="">`, []string{"b.png", "c.png"}},
		{`<img src = " d.png ">`, []string{"d.png"}},
		{`<img src="a.png"><img src="a.png">`, []string{"a.png", "a.png"}},
		{`<img src="cid:part1.abc@mail" >`, []string{"cid:part1.abc@mail"}},
		{`<img src="data:image/png;base64,iVBOR">`, []string{"data:image/png;base64,iVBOR"}},
		{`<img src="x?a=1&amp;b=2">`, []string{"x?a=1&b=2"}},
		{`<img src="first" src="second">`, []string{"first"}},
		{`<img srcset="a 1x" src=real>`, []string{"real"}},
		{`<imgx src="no"><script><img src="in-script"></script><!-- <img src="c"> -->`, []string{}},
		{`<img alt="a > b" src="after-gt.png">`, []string{"after-gt.png"}},
		{`<img src="unterminated`, []string{}},
		{`<img src="x` + "\xff" + `">`, []string{"x\uFFFD"}},
		{`<img =src="x" src=y>`, []string{"y"}},
	} {
		got := imageSrcs(tc.in)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("imageSrcs(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestHTMLHostile checks that pathological markup stays linear.
func TestHTMLHostile(t *testing.T) {
	for name, in := range map[string]string{
		"deep nesting":  strings.Repeat("<div><ul><li>", 100000) + "x",
		"many lt":       strings.Repeat("<", 1<<20),
		"many comments": strings.Repeat("<!--", 1<<18),
		"many tags":     strings.Repeat("<a href='x'>y</a>", 100000),
		"many scripts":  strings.Repeat("<script>", 100000),
		"many entities": strings.Repeat("&amp;", 200000),
		"many quotes":   "<a " + strings.Repeat(`x="'`, 100000),
	} {
		start := time.Now()
		htmlToText(in)
		imageSrcs(in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

// TestHTMLTokensCover: the tokens of any document cover it end to end, in
// order, with names on tags only.
func TestHTMLTokensCover(t *testing.T) {
	for _, s := range []string{
		"", "plain", "<p>a &amp; b</p>", "<!-- c --><div a='>' b=\"<\">x</div>", "<style>p{}</style>x", "<script>a<b</script>",
		"a < b", "<p", "<!-- open", "</>", "<![CDATA[x<y]]>z", "<img src=x/><br>", "<![CDATA[open", "<?xml x?>é",
	} {
		checkTokens(t, s)
	}
}

func FuzzHTMLTokens(f *testing.F) {
	for _, s := range []string{"<p>a &amp; b</p>", "<!-- c -->x", "<style>p{}</style>", "<a href='x>y'>z</a>", "<![CDATA[x]]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkTokens(t, s) })
}

func checkTokens(t *testing.T, s string) {
	t.Helper()
	at := 0
	HTMLTokens(s, func(tok HTMLToken) {
		if tok.Start != at || tok.End <= tok.Start || tok.End > len(s) {
			t.Fatalf("%q: token %+v after offset %d", s, tok, at)
		}
		if (tok.Kind == HTMLStartTag || tok.Kind == HTMLEndTag) != (tok.Name != "" && tok.Kind != HTMLRawText) && tok.Kind != HTMLRawText {
			t.Fatalf("%q: token %+v", s, tok)
		}
		at = tok.End
	})
	if at != len(s) {
		t.Fatalf("%q: tokens end at %d of %d", s, at, len(s))
	}
}
