package kustomersim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// The knowledge base (spec/kustomer-kb.md): categories and media are
// served as read; an article is served as the live API answers it. Its
// line holds every language version populated, with its body (the
// export's form), while the API populates
// langVersions.<lang>.currentVersion.id only for the languages a request
// names with includeLang, and gives htmlBody only with includeBody=true;
// other versions are their id alone. So each article line is split at
// load where those answers differ, and put back together per request,
// keeping the order of its members.
//
//	GET /v1/kb/categories, /v1/kb/categories/{id}
//	GET /v1/kb/articles, /v1/kb/articles/{id}   ?includeLang=en_us,es (repeatable) &includeBody=true
//	GET /v1/media/{id}, /v1/media/{id}/download

// member is one member of a JSON object, in the order of the line.
type member struct {
	key string
	val json.RawMessage
}

// kbArticle is an article line split where its served forms differ.
type kbArticle struct {
	top   []member // the resource's members; "attributes" is rebuilt
	attrs []member // its attributes; "langVersions" is rebuilt
	langs []kbLang // in the line's order
	// hasLangs is false when the line has no langVersions at all.
	hasLangs bool
}

// kbLang is one language of an article.
type kbLang struct {
	code    string
	members []member // langVersions.<code>; "currentVersion" is rebuilt
	current []member // its currentVersion; "id" is one of the three below
	id      json.RawMessage
	full    json.RawMessage // the populated version; nil when the line has only its id
	noBody  json.RawMessage // full without htmlBody
}

// splitObject reads the members of a JSON object in order.
func splitObject(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // a key is always a string inside an object
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

func find(ms []member, key string) (json.RawMessage, bool) {
	for _, m := range ms {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// appendMembers writes an object of ms; for each member, value may write
// the value itself and return true, or return false to keep it as read.
func appendMembers(b *bytes.Buffer, ms []member, value func(key string) bool) {
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		if value == nil || !value(m.key) {
			b.Write(m.val)
		}
	}
	b.WriteByte('}')
}

// parseKBArticle splits an article line, or says which attribute does
// not have the format's shape.
func parseKBArticle(line []byte) (*kbArticle, string) {
	a := &kbArticle{}
	var err error
	if a.top, err = splitObject(line); err != nil {
		return nil, "malformed JSON: " + err.Error()
	}
	raw, ok := find(a.top, "attributes")
	if !ok || string(raw) == "null" {
		return a, ""
	}
	if a.attrs, err = splitObject(raw); err != nil {
		return nil, "attributes: JSON " + jsonType(raw) + " where the format has an object"
	}
	raw, ok = find(a.attrs, "langVersions")
	if !ok || string(raw) == "null" {
		return a, ""
	}
	a.hasLangs = true
	langs, err := splitObject(raw)
	if err != nil {
		return nil, "attributes.langVersions: JSON " + jsonType(raw) + " where the format has an object of languages"
	}
	for _, lm := range langs {
		where := "attributes.langVersions." + lm.key
		l := kbLang{code: lm.key}
		if l.members, err = splitObject(lm.val); err != nil {
			return nil, where + ": JSON " + jsonType(lm.val) + " where the format has an object with currentVersion"
		}
		cur, ok := find(l.members, "currentVersion")
		if !ok {
			return nil, where + " has no currentVersion"
		}
		if l.current, err = splitObject(cur); err != nil {
			return nil, where + ".currentVersion: JSON " + jsonType(cur) + " where the format has an object with id"
		}
		id, ok := find(l.current, "id")
		if !ok {
			return nil, where + ".currentVersion has no id"
		}
		switch jsonType(id) {
		case "string":
			l.id = id
		case "object":
			version, _ := splitObject(id)
			vid, ok := find(version, "_id")
			var s string
			if !ok || json.Unmarshal(vid, &s) != nil || s == "" {
				return nil, where + ".currentVersion.id has no _id string; a populated version is {_id, lang, title, slug, htmlBody, status, …}"
			}
			l.id, l.full = vid, id
			var nb bytes.Buffer
			var kept []member
			for _, m := range version {
				if m.key != "htmlBody" {
					kept = append(kept, m)
				}
			}
			appendMembers(&nb, kept, nil)
			l.noBody = nb.Bytes()
		default:
			return nil, where + ".currentVersion.id: JSON " + jsonType(id) + " where the format has the version (an object) or its id (a string)"
		}
		a.langs = append(a.langs, l)
	}
	return a, ""
}

// jsonType names the JSON type of a value.
func jsonType(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// kbQuery is what a request asks of the articles it reads.
type kbQuery struct {
	langs []string // includeLang, in the order given
	body  bool     // includeBody
}

func (q *kbQuery) includes(code string) bool {
	for _, l := range q.langs {
		if l == code {
			return true
		}
	}
	return false
}

// parseKBQuery reads includeLang (repeatable, each comma-separated) and
// includeBody.
func (rq *request) parseKBQuery() *apiError {
	q := &kbQuery{}
	for _, v := range rq.q["includeLang"] {
		for part := range strings.SplitSeq(v, ",") {
			code := strings.TrimSpace(part)
			if code == "" {
				continue
			}
			if !validLangCode(code) {
				return badRequest("includeLang " + strconv.Quote(code) + " is not a Kustomer language code such as en_us, es or de (lower case, underscore)")
			}
			if !q.includes(code) {
				q.langs = append(q.langs, code)
			}
		}
	}
	if v := rq.q.Get("includeBody"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("includeBody " + strconv.Quote(v) + " is not true or false")
		}
		q.body = b
	}
	rq.kb = q
	return nil
}

// validLangCode accepts Kustomer's codes: two or three lower-case letters,
// optionally an underscore and a region (en_us, pt_br, zh_hant).
func validLangCode(s string) bool {
	lang, region, hasRegion := strings.Cut(s, "_")
	lower := func(s string, lo, hi int) bool {
		if len(s) < lo || len(s) > hi {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 'a' || s[i] > 'z' {
				return false
			}
		}
		return true
	}
	return lower(lang, 2, 3) && (!hasRegion || lower(region, 2, 4))
}

// appendKBArticle writes article i as the request asks for it.
func (rq *request) appendKBArticle(b *bytes.Buffer, i int32) {
	a := rq.s.ds.kbArticles[i]
	q := rq.kb
	if q == nil {
		q = &kbQuery{}
	}
	appendMembers(b, a.top, func(key string) bool {
		if key != "attributes" || a.attrs == nil {
			return false
		}
		appendMembers(b, a.attrs, func(key string) bool {
			if key != "langVersions" || !a.hasLangs {
				return false
			}
			b.WriteByte('{')
			for n, l := range a.langs {
				if n > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(l.code)
				b.Write(k)
				b.WriteByte(':')
				appendMembers(b, l.members, func(key string) bool {
					if key != "currentVersion" {
						return false
					}
					appendMembers(b, l.current, func(key string) bool {
						if key != "id" {
							return false
						}
						switch {
						case l.full == nil || !q.includes(l.code):
							b.Write(l.id)
						case q.body:
							b.Write(l.full)
						default:
							b.Write(l.noBody)
						}
						return true
					})
					return true
				})
			}
			b.WriteByte('}')
			return true
		})
		return true
	})
}

// mediaURLs points the org's media URLs in a line at this server.
func (rq *request) mediaURLs(line []byte) []byte {
	org := "https://" + rq.s.ds.org + ".api.kustomerapp.com/v1/media/"
	return bytes.ReplaceAll(line, []byte(org), []byte(rq.s.baseURL(rq.r)+"/v1/media/"))
}

func (rq *request) listKBArticles() *apiError {
	if err := rq.parseKBQuery(); err != nil {
		return err
	}
	return rq.listAll(kKBArticle, listOpts{})
}

func (rq *request) getKBArticle() *apiError {
	if err := rq.parseKBQuery(); err != nil {
		return err
	}
	return rq.getOne(kKBArticle, rq.args[0])
}

// downloadMedia serves a media's bytes from files/<id>, like an
// attachment's.
func (rq *request) downloadMedia() *apiError {
	ds := rq.s.ds
	id := rq.args[0]
	i, ok := ds.tables[kMedia].lookup(id)
	if !ok {
		return rq.notFoundErr(kMedia, id)
	}
	return rq.serveFile("media", id, ds.mediaType[i])
}
