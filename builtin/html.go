package builtin

// HTML bodies of Kustomer messages. A small scanner in the spirit of the
// HTML tokenizer (comments, raw-text elements, quoted attribute values,
// unclosed tags) is enough to read text and image sources; it never builds
// a tree, so it is linear in the input and cannot be driven into deep
// recursion by hostile markup.

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var htmlFuncs = []Func{
	{
		Name:      "html_to_text",
		Signature: "html_to_text(html: string) → string",
		Doc:       "Returns the readable text of an HTML body: entities decoded, blocks on their own lines, scripts, styles and the head dropped.",
		Detail: "Whitespace collapses as a browser collapses it, except inside `<pre>`. Paragraphs, headings, tables and lists " +
			"are separated by a blank line; `<br>`, `<div>`, list items and table rows start a new line; table cells are separated by a space. " +
			"List items start with \"- \" or \"1. \". Links keep their text only. Invalid UTF-8 becomes U+FFFD. " +
			"Give it HTML: plain text loses its line breaks.",
		Category: catHTML,
		Examples: []Example{
			{Expr: `html_to_text("<p>Hi Ann,</p><p>Your order&nbsp;#42 has <b>shipped</b>.<br>Thanks!</p>")`, Want: "Hi Ann,\n\nYour order #42 has shipped.\nThanks!"},
			{Expr: `html_to_text("<style>p{color:red}</style><ul><li>one</li><li>two &amp; three</li></ul>")`, Want: "- one\n- two & three"},
			{Expr: `html_to_text("")`, Want: ""},
		},
		types: []any{new(func(string) string)},
		fn: func(args ...any) (any, error) {
			if err := arity("html_to_text", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("html_to_text", args[0])
			return htmlToText(s), err
		},
	},
	{
		Name:      "image_srcs",
		Signature: "image_srcs(html: string) → list of string",
		Doc:       "Returns the src of every `<img>` in an HTML body, in document order, entities decoded.",
		Detail:    "Empty sources are skipped; duplicates are kept (wrap in uniq() to drop them). data: URLs are included: they are inline images too.",
		Category:  catHTML,
		Examples: []Example{
			{Expr: `image_srcs("<p>See <img alt=x src=\"https://cdn.example/a.png?w=1&amp;h=2\"> and <IMG SRC='b.gif'/></p>")`, Want: []string{"https://cdn.example/a.png?w=1&h=2", "b.gif"}},
			{Expr: `image_srcs("no images")`, Want: []string{}},
		},
		types: []any{new(func(string) []string)},
		fn: func(args ...any) (any, error) {
			if err := arity("image_srcs", args, 1, 1); err != nil {
				return nil, err
			}
			s, err := str("image_srcs", args[0])
			return imageSrcs(s), err
		},
	},
}

func imageSrcs(s string) []string {
	out := []string{}
	scanHTML(s, htmlEvents{start: func(name, attrs string) {
		if name != "img" {
			return
		}
		if src, ok := attr(attrs, "src"); ok {
			if src = strings.TrimSpace(src); src != "" {
				out = append(out, strings.ToValidUTF8(src, "\uFFFD"))
			}
		}
	}})
	return out
}

func htmlToText(s string) string {
	var w textWriter
	scanHTML(s, htmlEvents{text: w.text, start: w.start, end: w.end})
	return strings.TrimRightFunc(w.b.String(), unicode.IsSpace)
}

// htmlEvents receives the parts of a document in order. text gets raw
// text, entities not yet decoded; names are lowercase.
type htmlEvents struct {
	text  func(raw string)
	start func(name, attrs string)
	end   func(name string)
}

// scanHTML walks s calling ev. The content of script and style is never
// reported as text; that of title and textarea is (entities and all).
func scanHTML(s string, ev htmlEvents) {
	text := func(t string) {
		if ev.text != nil && t != "" {
			ev.text(t)
		}
	}
	HTMLTokens(s, func(t HTMLToken) {
		raw := s[t.Start:t.End]
		switch t.Kind {
		case HTMLText:
			text(raw)
		case HTMLCDATA:
			text(html.EscapeString(raw[9 : len(raw)-3]))
		case HTMLStartTag:
			if ev.start != nil {
				ev.start(t.Name, raw[1+len(t.Name):len(raw)-1])
			}
		case HTMLEndTag:
			if ev.end != nil {
				ev.end(t.Name)
			}
		case HTMLRawText:
			if t.Name == "title" || t.Name == "textarea" {
				text(raw)
			}
		}
	})
}

// HTMLTokenKind says what an HTMLToken is.
type HTMLTokenKind int

// The kinds of HTMLToken.
const (
	HTMLText     HTMLTokenKind = iota // text, entities not decoded
	HTMLStartTag                      // <name attrs> or <name/>
	HTMLEndTag                        // </name>
	HTMLRawText                       // the content of script, style, title, textarea…; Name is the element's
	HTMLCDATA                         // <![CDATA[…]]>
	HTMLOther                         // comment, doctype, processing instruction, or markup cut off by the end
)

// HTMLToken is one piece of an HTML document: its kind, its byte range in
// the document, and for tags (and raw text) the lowercase element name.
type HTMLToken struct {
	Kind       HTMLTokenKind
	Start, End int
	Name       string
}

// HTMLTokens calls fn for each token of s, in order. The tokens cover s
// end to end, so cutting a document between two tokens never cuts a tag,
// a comment or the content of a script. A text token may hold entities;
// whoever cuts inside one must step around them.
func HTMLTokens(s string, fn func(HTMLToken)) {
	emit := func(kind HTMLTokenKind, start, end int, name string) {
		if end > start {
			fn(HTMLToken{Kind: kind, Start: start, End: end, Name: name})
		}
	}
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			emit(HTMLText, i, len(s), "")
			return
		}
		emit(HTMLText, i, i+j, "")
		i += j
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			k := strings.Index(rest[4:], "-->")
			if k < 0 {
				emit(HTMLOther, i, len(s), "")
				return
			}
			emit(HTMLOther, i, i+4+k+3, "")
			i += 4 + k + 3
		case strings.HasPrefix(rest, "<![CDATA["):
			k := strings.Index(rest[9:], "]]>")
			if k < 0 {
				emit(HTMLOther, i, i+9, "")
				emit(HTMLText, i+9, len(s), "")
				return
			}
			emit(HTMLCDATA, i, i+9+k+3, "")
			i += 9 + k + 3
		case len(rest) > 1 && (rest[1] == '!' || rest[1] == '?' || rest[1] == '/' && (len(rest) == 2 || !isASCIILetter(rest[2]))):
			// Doctype, processing instruction or bogus comment.
			k := strings.IndexByte(rest, '>')
			if k < 0 {
				emit(HTMLOther, i, len(s), "")
				return
			}
			emit(HTMLOther, i, i+k+1, "")
			i += k + 1
		case len(rest) > 2 && rest[1] == '/':
			name := tagName(rest[2:])
			k := strings.IndexByte(rest, '>')
			if k < 0 {
				emit(HTMLOther, i, len(s), "")
				return
			}
			emit(HTMLEndTag, i, i+k+1, name)
			i += k + 1
		case len(rest) > 1 && isASCIILetter(rest[1]):
			name := tagName(rest[1:])
			end, ok := tagEnd(rest, 1+len(name))
			if !ok {
				// A tag cut off by the end of input is dropped, as
				// browsers do.
				emit(HTMLOther, i, len(s), "")
				return
			}
			emit(HTMLStartTag, i, i+end+1, name)
			i += end + 1
			switch name {
			case "script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes":
				k := indexEndTag(s[i:], name)
				if k < 0 {
					k = len(s) - i
				}
				emit(HTMLRawText, i, i+k, name)
				i += k
			}
		default:
			emit(HTMLText, i, i+1, "")
			i++
		}
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// tagName returns the lowercase name at the start of s (which starts with
// a letter): everything up to whitespace, '/' or '>'.
func tagName(s string) string {
	n := 0
	for n < len(s) && !isHTMLSpace(s[n]) && s[n] != '/' && s[n] != '>' {
		n++
	}
	return strings.ToLower(s[:n])
}

// tagEnd returns the index of the '>' closing the tag that starts s,
// scanning from i and skipping quoted attribute values.
func tagEnd(s string, i int) (int, bool) {
	for i < len(s) {
		switch s[i] {
		case '>':
			return i, true
		case '=':
			i++
			for i < len(s) && isHTMLSpace(s[i]) {
				i++
			}
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				k := strings.IndexByte(s[i+1:], s[i])
				if k < 0 {
					return 0, false
				}
				i += k + 2
			}
			continue
		}
		i++
	}
	return 0, false
}

// indexEndTag returns the index in s of "</name" (any case) followed by
// whitespace, '/', '>' or the end, or -1.
func indexEndTag(s, name string) int {
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			return -1
		}
		i += k
		j := i + 2 + len(name)
		if j <= len(s) && s[i+1] == '/' && strings.EqualFold(s[i+2:j], name) &&
			(j == len(s) || isHTMLSpace(s[j]) || s[j] == '/' || s[j] == '>') {
			return i
		}
		i++
	}
	return -1
}

// attr returns the decoded value of the first attribute called name in the
// attribute text of a start tag.
func attr(attrs, name string) (string, bool) {
	for i := 0; i < len(attrs); {
		for i < len(attrs) && (isHTMLSpace(attrs[i]) || attrs[i] == '/') {
			i++
		}
		start := i
		if i < len(attrs) && attrs[i] == '=' {
			i++ // a name may start with '='
		}
		for i < len(attrs) && !isHTMLSpace(attrs[i]) && attrs[i] != '/' && attrs[i] != '=' {
			i++
		}
		key := attrs[start:i]
		for i < len(attrs) && isHTMLSpace(attrs[i]) {
			i++
		}
		value := ""
		if i < len(attrs) && attrs[i] == '=' {
			i++
			for i < len(attrs) && isHTMLSpace(attrs[i]) {
				i++
			}
			if i < len(attrs) && (attrs[i] == '"' || attrs[i] == '\'') {
				q := attrs[i]
				k := strings.IndexByte(attrs[i+1:], q)
				if k < 0 {
					k = len(attrs) - i - 1
				}
				value = attrs[i+1 : i+1+k]
				i += k + 2
			} else {
				v := i
				for i < len(attrs) && !isHTMLSpace(attrs[i]) {
					i++
				}
				value = attrs[v:i]
			}
		}
		if key != "" && strings.EqualFold(key, name) {
			return html.UnescapeString(value), true
		}
	}
	return "", false
}

// Elements whose content a reader does not see.
var hiddenElements = map[string]bool{
	"head": true, "title": true, "template": true, "svg": true, "math": true,
	"object": true, "noscript": true, "select": true,
}

// Elements allowed in <head>; any other start tag ends it.
var headElements = map[string]bool{
	"title": true, "meta": true, "link": true, "style": true, "script": true,
	"base": true, "noscript": true, "template": true,
}

// breaks is the number of newlines an element puts around itself.
var breaks = map[string]int{
	"p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2,
	"blockquote": 2, "pre": 2, "table": 2, "hr": 2, "dl": 2, "figure": 2,
	"div": 1, "li": 1, "tr": 1, "dt": 1, "dd": 1, "section": 1, "article": 1,
	"header": 1, "footer": 1, "nav": 1, "aside": 1, "main": 1, "form": 1,
	"fieldset": 1, "figcaption": 1, "caption": 1, "details": 1, "summary": 1,
	"center": 1, "thead": 1, "tbody": 1, "tfoot": 1, "address": 1, "legend": 1,
	"body": 1, "option": 1,
}

// textWriter collapses whitespace the way a browser renders it.
type textWriter struct {
	b         strings.Builder
	space     bool   // whitespace seen since the last written rune
	owed      int    // newlines owed before the next written rune
	trailing  int    // newlines at the end of b
	pre       int    // depth of <pre>
	hidden    string // element whose content is hidden, or ""
	hiddenLvl int    // its nesting depth
	lists     []list // open ul and ol elements
}

type list struct {
	ordered bool
	n       int // number of the last item of an ol
}

func (w *textWriter) block(n int) {
	if w.owed < n {
		w.owed = n
	}
	w.space = false
}

// flush writes the whitespace owed before the next visible rune.
func (w *textWriter) flush() {
	if w.b.Len() > 0 {
		if n := w.owed - w.trailing; n > 0 {
			w.b.WriteString("\n\n"[:n])
			w.trailing += n
		} else if w.owed == 0 && w.space && w.trailing == 0 {
			w.b.WriteByte(' ')
		}
	}
	w.owed, w.space = 0, false
}

func (w *textWriter) writeRune(r rune) {
	w.b.WriteRune(r)
	if r == '\n' {
		w.trailing++
	} else {
		w.trailing = 0
	}
}

func (w *textWriter) text(raw string) {
	if w.hidden != "" {
		return
	}
	s := raw
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case w.pre > 0 && (r == '\n' || r == '\r'):
			if r == '\r' && i < len(s) && s[i] == '\n' {
				continue // CRLF: the LF writes the newline
			}
			w.flush()
			w.writeRune('\n')
		case w.pre > 0 && (r == ' ' || r == '\t' || r == '\u00a0'):
			w.flush()
			w.writeRune(' ')
		case unicode.IsSpace(r):
			w.space = true
		case unicode.IsControl(r):
		default:
			w.flush()
			w.writeRune(r) // utf8.RuneError for invalid bytes: U+FFFD
		}
	}
}

func (w *textWriter) start(name, attrs string) {
	if w.hidden != "" {
		switch {
		case w.hidden == "head" && !headElements[name]:
			w.hidden, w.hiddenLvl = "", 0 // <body> or content ends the head
		case name == w.hidden:
			w.hiddenLvl++
			return
		default:
			return
		}
	}
	if hiddenElements[name] {
		w.hidden, w.hiddenLvl = name, 1
		return
	}
	switch name {
	case "br":
		if w.owed < 2 {
			w.owed++
		}
		w.space = false
	case "td", "th":
		w.space = true
	case "ul", "ol":
		w.block(w.listBreaks())
		l := list{ordered: name == "ol"}
		if v, ok := attr(attrs, "start"); ok && l.ordered {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > -1e6 && n < 1e6 {
				l.n = n - 1
			}
		}
		w.lists = append(w.lists, l)
	case "li":
		w.block(1)
		w.flush()
		marker := "- "
		if d := len(w.lists); d > 0 {
			if l := &w.lists[d-1]; l.ordered {
				l.n++
				marker = strconv.Itoa(l.n) + ". "
			}
			w.b.WriteString(strings.Repeat("  ", min(d-1, 8)))
		}
		w.b.WriteString(marker)
		w.trailing = 0
	case "pre":
		w.pre++
		w.block(2)
	default:
		if n := breaks[name]; n > 0 {
			w.block(n)
		}
	}
}

func (w *textWriter) end(name string) {
	if w.hidden != "" {
		if name == w.hidden {
			if w.hiddenLvl--; w.hiddenLvl == 0 {
				w.hidden = ""
			}
		}
		return
	}
	switch name {
	case "td", "th":
		w.space = true
	case "ul", "ol":
		if len(w.lists) > 0 {
			w.lists = w.lists[:len(w.lists)-1]
		}
		w.block(w.listBreaks())
	case "pre":
		if w.pre > 0 {
			w.pre--
		}
		w.block(2)
	default:
		if n := breaks[name]; n > 0 {
			w.block(n)
		}
	}
}

// listBreaks separates a top-level list by a blank line, a nested one by a
// newline.
func (w *textWriter) listBreaks() int {
	if len(w.lists) == 0 {
		return 2
	}
	return 1
}
