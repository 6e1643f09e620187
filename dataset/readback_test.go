package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kzmap/kzmap/filetype"
	"github.com/kzmap/kzmap/record"
)

// This file reads a dataset directory back with encoding/json and checks
// it against the format document, independently of how the generator
// tracks what it wrote: the edge cases found here are found in the bytes.

type ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type rel struct {
	Data *ref              `json:"data"`
	Link map[string]string `json:"link"`
}

type res struct {
	Type          string         `json:"type"`
	ID            string         `json:"id"`
	Attributes    map[string]any `json:"attributes"`
	Relationships map[string]rel `json:"relationships"`
	size          int            // bytes on its line
}

func (r *res) str(k string) string {
	s, _ := r.Attributes[k].(string)
	return s
}

func (r *res) has(k string) bool {
	_, ok := r.Attributes[k]
	return ok
}

func (r *res) num(k string) int {
	f, _ := r.Attributes[k].(float64)
	return int(f)
}

func (r *res) list(k string) []any {
	l, _ := r.Attributes[k].([]any)
	return l
}

func (r *res) strs(k string) []string {
	var out []string
	for _, v := range r.list(k) {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func (r *res) relID(name string) string {
	if x, ok := r.Relationships[name]; ok && x.Data != nil {
		return x.Data.ID
	}
	return ""
}

type loaded struct {
	dir      string
	manifest map[string]any
	now      time.Time
	byType   map[string][]*res
	byID     map[string]map[string]*res
	files    map[string]int64 // attachment id -> size
}

var (
	idRe   = regexp.MustCompile(`^[0-9a-f]{24}$`)
	timeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// load reads every file of a dataset, failing the test on anything that
// breaks the format: invalid JSON or UTF-8, a NUL, a wrong type, a bad or
// repeated id, a line the record model cannot decode.
func load(t *testing.T, dir string) *loaded { return loadTypes(t, dir, Types()...) }

// loadTypes loads only the given types (and the manifest and files).
func loadTypes(t *testing.T, dir string, only ...string) *loaded {
	t.Helper()
	ds := &loaded{dir: dir, byType: map[string][]*res{}, byID: map[string]map[string]*res{}, files: map[string]int64{}}
	mb, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if err := json.Unmarshal(mb, &ds.manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if ds.manifest["format"] != Format || ds.manifest["version"] != float64(Version) {
		t.Errorf("manifest = %s", mb)
	}
	now, _ := ds.manifest["now"].(string)
	if ds.now, err = time.Parse(time.RFC3339, now); err != nil || !timeRe.MatchString(now) {
		t.Fatalf("manifest now %q: %v", now, err)
	}
	for _, typ := range only {
		name, _ := FileName(typ)
		ds.byID[typ] = map[string]*res{}
		f, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Bytes()
			where := fmt.Sprintf("%s:%d", name, n)
			if !utf8.Valid(line) || bytes.IndexByte(line, 0) >= 0 || bytes.Contains(line, []byte(`\u0000`)) {
				t.Fatalf("%s: invalid UTF-8 or a NUL", where)
			}
			if !json.Valid(line) {
				t.Fatalf("%s: invalid JSON: %.200s", where, line)
			}
			r := &res{size: len(line)}
			if err := json.Unmarshal(line, r); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if r.Type != typ {
				t.Fatalf("%s: type %q in the %s file", where, r.Type, typ)
			}
			if !idRe.MatchString(r.ID) {
				t.Fatalf("%s: id %q is not 24 lowercase hex", where, r.ID)
			}
			if ds.byID[typ][r.ID] != nil {
				t.Fatalf("%s: %s id %s repeated", where, typ, r.ID)
			}
			if _, err := record.DecodeJSON(line); err != nil {
				t.Fatalf("%s: the record model rejects it: %v", where, err)
			}
			ds.byID[typ][r.ID] = r
			ds.byType[typ] = append(ds.byType[typ], r)
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.Close()
	}
	entries, err := os.ReadDir(filepath.Join(dir, FilesDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		ds.files[e.Name()] = info.Size()
	}
	return ds
}

func (ds *loaded) time(t *testing.T, r *res, k string) time.Time {
	t.Helper()
	s, ok := r.Attributes[k].(string)
	if !ok {
		t.Fatalf("%s %s: %s missing", r.Type, r.ID, k)
	}
	return ds.parseTime(t, r, k, s)
}

func (ds *loaded) parseTime(t *testing.T, r *res, k, s string) time.Time {
	t.Helper()
	if !timeRe.MatchString(s) {
		t.Fatalf("%s %s: %s = %q, want 2006-01-02T15:04:05.000Z", r.Type, r.ID, k, s)
	}
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s %s: %s: %v", r.Type, r.ID, k, err)
	}
	return tm
}

// check verifies the relations between records and returns the edge
// cases found, with how many records show each.
func check(t *testing.T, ds *loaded) map[Edge]int {
	t.Helper()
	found := map[Edge]int{}
	users := ds.byID["user"]
	isUser := func(id string) bool { return users[id] != nil }
	org, _ := ds.manifest["org"].(string)
	ownHost := "https://" + org + ".api.kustomerapp.com/v1/attachments/"

	// Every timestamp is well formed; all but snoozes lie before now.
	updatedAt := map[string]map[string]int{}
	for _, typ := range Types() {
		updatedAt[typ] = map[string]int{}
		for _, r := range ds.byType[typ] {
			for _, k := range []string{"createdAt", "updatedAt", "sentAt", "endedAt"} {
				if r.has(k) && ds.time(t, r, k).After(ds.now) {
					t.Errorf("%s %s: %s after now", typ, r.ID, k)
				}
			}
			if c, ok := r.Attributes["custom"].(map[string]any); ok {
				kinds := map[string]bool{}
				for k, v := range c {
					kinds[record.CustomKind(k)] = true
					switch {
					case !record.Fits(record.CustomKind(k), v):
						found[EdgeUnfitCustom]++
					case record.CustomKind(k) == "At":
						ds.parseTime(t, r, "custom."+k, v.(string))
					}
				}
				if typ == "conversation" && len(kinds) >= 7 {
					found[EdgeCustomAllSuffixes]++
				}
			}
			if s, ok := r.Attributes["snooze"].(map[string]any); ok {
				ds.parseTime(t, r, "snooze.time", s["time"].(string))
			}
			if r.has("updatedAt") {
				updatedAt[typ][r.str("updatedAt")]++
				if ds.time(t, r, "updatedAt").Before(ds.time(t, r, "createdAt")) {
					t.Errorf("%s %s: updatedAt before createdAt", typ, r.ID)
				}
			}
			walkStrings(r.Attributes, func(s string) { textEdges(s, found) })
		}
		for _, n := range updatedAt[typ] {
			if n >= SameUpdatedAtRecords {
				found[EdgeSameUpdatedAt] += n
			}
		}
	}

	companyNames := map[string]int{}
	for _, c := range ds.byType["company"] {
		if m, _ := c.Attributes["custom"].(map[string]any); len(m) > 0 {
			found[EdgeCompanyCustom]++
		}
		companyNames[strings.ToLower(strings.TrimSpace(c.str("name")))]++
	}
	for _, n := range companyNames {
		found[EdgeCompanyNameVariant] += n - 1
	}
	for _, u := range ds.byType["user"] {
		if u.str("userType") == "machine" {
			found[EdgeMachineUser]++
		}
	}
	for _, tm := range ds.byType["team"] {
		members := tm.strs("members")
		if len(members) > 0 {
			found[EdgeTeamMembers]++
		}
		for _, m := range members {
			if !isUser(m) {
				t.Errorf("team %s: member %s is not a user", tm.ID, m)
			}
		}
	}

	// Customers: emails shared exactly or up to case.
	exact := map[string]map[string]bool{}
	folded := map[string]map[string]bool{}
	for _, c := range ds.byType["customer"] {
		if co := c.relID("company"); co != "" && ds.byID["company"][co] == nil {
			t.Errorf("customer %s: company %s missing", c.ID, co)
		}
		emails, phones := c.list("emails"), c.list("phones")
		for _, e := range emails {
			addr := e.(map[string]any)["email"].(string)
			add(exact, addr, c.ID)
			add(folded, strings.ToLower(addr), c.ID)
		}
		switch {
		case len(emails) == 0 && len(phones) == 0:
			found[EdgeNoContact]++
		case len(emails) == 0:
			found[EdgePhoneOnly]++
		}
		if len(emails) > 1 {
			found[EdgeMultiEmail]++
		}
		if len(phones) > 1 {
			found[EdgeMultiPhone]++
		}
	}
	for addr, ids := range exact {
		if len(ids) > 1 {
			found[EdgeSharedEmail]++
		}
		if len(folded[strings.ToLower(addr)]) > len(ids) {
			found[EdgeCaseEmail]++
		}
	}

	// Messages and notes by conversation, in file order.
	msgs := map[string][]*res{}
	for _, m := range ds.byType["message"] {
		msgs[m.relID("conversation")] = append(msgs[m.relID("conversation")], m)
	}
	notes := map[string][]*res{}
	for _, n := range ds.byType["note"] {
		notes[n.relID("conversation")] = append(notes[n.relID("conversation")], n)
	}
	for id := range msgs {
		if ds.byID["conversation"][id] == nil {
			t.Errorf("messages of conversation %s, which is missing", id)
		}
	}
	deleted := func(id string) bool { return id != "" && !isUser(id) }

	for _, cv := range ds.byType["conversation"] {
		if ds.byID["customer"][cv.relID("customer")] == nil {
			t.Errorf("conversation %s: customer missing", cv.ID)
		}
		ms, ns := msgs[cv.ID], notes[cv.ID]
		if cv.num("messageCount") != len(ms) || cv.num("noteCount") != len(ns) {
			t.Errorf("conversation %s: counts %d/%d, records %d/%d", cv.ID, cv.num("messageCount"), cv.num("noteCount"), len(ms), len(ns))
		}
		assigned := cv.strs("assignedUsers")
		gone := deleted(cv.relID("createdBy"))
		for _, u := range assigned {
			gone = gone || deleted(u)
		}
		for _, tm := range cv.strs("assignedTeams") {
			if ds.byID["team"][tm] == nil {
				t.Errorf("conversation %s: team %s missing", cv.ID, tm)
			}
		}
		if len(assigned) > 1 {
			found[EdgeMultiAssignee]++
		}
		if len(ms) == 0 {
			found[EdgeEmptyConv]++
		}
		if len(ms) > HugeConversationMessages {
			found[EdgeHugeConv]++
		}
		created, updated := ds.time(t, cv, "createdAt"), ds.time(t, cv, "updatedAt")
		if updated.Before(ds.now.AddDate(0, 0, -ArchiveAfterDays)) {
			found[EdgeArchiveOnly]++
		}
		for _, tag := range cv.strs("tags") {
			if strings.Contains(tag, " ") {
				found[EdgeTagSpaces]++
			}
			if strings.IndexFunc(tag, unicode.IsUpper) >= 0 && strings.IndexFunc(tag, unicode.IsLower) >= 0 {
				found[EdgeTagMixedCase]++
			}
		}
		channels := cv.strs("channels")
		seen := map[time.Time]bool{}
		for _, group := range [][]*res{ms, ns} {
			var prev time.Time
			for k, m := range group {
				at := ds.time(t, m, "createdAt")
				if k > 0 && !at.After(prev) {
					t.Errorf("conversation %s: %s %s not after the one before", cv.ID, m.Type, m.ID)
				}
				if at.Before(created) || at.After(updated) {
					t.Errorf("conversation %s: %s %s at %v outside [%v, %v]", cv.ID, m.Type, m.ID, at, created, updated)
				}
				if seen[at] {
					t.Errorf("conversation %s: two records at %v", cv.ID, at)
				}
				seen[at] = true
				prev = at
				if m.relID("customer") != cv.relID("customer") {
					t.Errorf("%s %s: customer differs from its conversation's", m.Type, m.ID)
				}
				gone = gone || deleted(m.relID("createdBy"))
				if m.Type == "message" && !contains(channels, m.str("channel")) {
					t.Errorf("message %s: channel %s not in %v", m.ID, m.str("channel"), channels)
				}
			}
		}
		if len(ms) > 0 && ms[0].str("direction") != cv.str("direction") {
			t.Errorf("conversation %s: direction differs from its first message's", cv.ID)
		}
		if gone {
			found[EdgeDeletedAgent]++
		}
	}

	for _, m := range ds.byType["message"] {
		body, preview := m.str("body"), m.str("preview")
		if utf8.RuneCountInString(preview) > 200 {
			t.Errorf("message %s: preview longer than 200 characters", m.ID)
		}
		switch {
		case !m.has("body") && !m.has("htmlBody"):
			found[EdgePreviewOnly]++
		case !strings.HasPrefix(body, preview) || utf8.RuneCountInString(body) <= 200 && body != preview:
			t.Errorf("message %s: preview is not the start of body", m.ID)
		}
		if m.str("direction") == "out" && m.relID("createdBy") == "" {
			t.Errorf("message %s: outbound without createdBy", m.ID)
		}
		if utf8.RuneCountInString(body) > LongBodyChars {
			found[EdgeLongBody]++
		}
		for _, part := range []string{body, m.str("htmlBody")} {
			if n := utf8.RuneCountInString(part); n >= LongBodyChars && n <= LongBodyChars+2 {
				found[EdgeBoundaryBody]++
			}
		}
		atts := map[string]bool{}
		for _, a := range m.list("attachments") {
			am := a.(map[string]any)
			id := am["id"].(string)
			atts[id] = true
			rec := ds.byID["attachment"][id]
			if rec == nil {
				t.Errorf("message %s: attachment %s has no record", m.ID, id)
				continue
			}
			if !filetype.Matches(rec.str("name"), rec.str("contentType")) {
				found[EdgeOddFileName]++
			}
			if rec.relID("message") != m.ID || rec.str("name") != am["name"] ||
				rec.str("contentType") != am["contentType"] || rec.num("contentLength") != int(am["contentLength"].(float64)) {
				t.Errorf("message %s: attachment %s differs from its record", m.ID, id)
			}
		}
		if m.has("body") && body == "" && len(atts) > 0 {
			found[EdgeEmptyBody]++
		}
		html := m.str("htmlBody")
		for _, src := range imgSrc.FindAllStringSubmatch(html, -1) {
			if id, ok := strings.CutPrefix(src[1], ownHost); ok {
				if !atts[id] {
					t.Errorf("message %s: inline image %s is not one of its attachments", m.ID, id)
				}
				found[EdgeInlineImage]++
			} else {
				found[EdgeExternalImage]++
			}
		}
	}

	for _, a := range ds.byType["attachment"] {
		if ds.byID["message"][a.relID("message")] == nil {
			t.Errorf("attachment %s: message missing", a.ID)
		}
		size, ok := ds.files[a.ID]
		switch {
		case !ok:
			found[EdgeMissingFile]++
		case size != int64(a.num("contentLength")):
			t.Errorf("attachment %s: file has %d bytes, contentLength %d", a.ID, size, a.num("contentLength"))
		default:
			found[EdgeAttachment]++
		}
	}
	for id := range ds.files {
		if ds.byID["attachment"][id] == nil && ds.byID["media"][id] == nil {
			t.Errorf("files/%s belongs to no attachment or media", id)
		}
	}

	klassByName := map[string]*res{}
	for _, k := range ds.byType["klass"] {
		klassByName[k.str("name")] = k
		meta, _ := k.Attributes["metadata"].(map[string]any)
		props, _ := meta["properties"].(map[string]any)
		kinds := map[string]bool{}
		for name := range props {
			kinds[record.CustomKind(name)] = true
		}
		if len(props) > 100 {
			found[EdgeWideKlass]++
		}
		if kinds["Str"] && kinds["Txt"] && kinds["Num"] && kinds["At"] && kinds["Bool"] && kinds["Url"] && kinds["Id"] {
			found[EdgeKlassAllSuffixes]++
		}
		if k.str("status") == "disabled" {
			found[EdgeDisabledKlass]++
		}
	}
	for _, o := range ds.byType["kobject"] {
		k := ds.byID["klass"][o.relID("klass")]
		if k == nil {
			t.Errorf("kobject %s: klass missing", o.ID)
		} else if self := o.Relationships["klass"].Link["self"]; self != "/v1/klasses/"+k.str("name") {
			t.Errorf("kobject %s: klass link %q", o.ID, self)
		}
		if ds.byID["customer"][o.relID("customer")] == nil {
			t.Errorf("kobject %s: customer missing", o.ID)
		}
		if o.size > LargeKObjectBytes {
			found[EdgeLargeKObject]++
		}
	}
	return found
}

var imgSrc = regexp.MustCompile(`<img src="([^"]*)"`)

func add(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, f)
		}
	}
}

// textEdges counts the Unicode edge cases in one string.
func textEdges(s string, found map[Edge]int) {
	var emoji, rtl, mark, zw bool
	for _, r := range s {
		switch {
		case r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF:
			emoji = true
		case unicode.In(r, unicode.Arabic, unicode.Hebrew):
			rtl = true
		case unicode.Is(unicode.Mn, r):
			mark = true
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
			zw = true
		}
	}
	for _, x := range []struct {
		ok bool
		e  Edge
	}{{emoji, EdgeEmoji}, {rtl, EdgeRTL}, {mark, EdgeCombining}, {zw, EdgeZeroWidth}} {
		if x.ok {
			found[x.e]++
		}
	}
}
