package verify

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
)

// candidate is a record that may be compared field by field.
type candidate struct {
	d   *engine.Desired
	e   checkpoint.Entry
	why []string
}

// ugly is one way a record can be the worst of its kind. score returns
// how bad a record is and whether it counts at all; the first record with
// the highest score wins, so the choice does not depend on the seed.
type ugly struct {
	kind  kind.Kind
	name  string
	score func(s *sampler, d *engine.Desired) (int64, bool)
	label func(score int64) string
}

var uglies = []ugly{
	{kind.Organization, "largest", payloadScore, bytesLabel("largest")},
	{kind.User, "merged", func(_ *sampler, d *engine.Desired) (int64, bool) {
		return int64(len(d.Sources)), len(d.Sources) > 1
	}, countLabel("merged from %d customers")},
	{kind.User, "identities", func(_ *sampler, d *engine.Desired) (int64, bool) {
		n := len(dsl.Strings(d.Payload["identities"]))
		return int64(n), n > 0
	}, countLabel("most identities (%d)")},
	{kind.User, "largest", payloadScore, bytesLabel("largest")},
	{kind.CustomObject, "fields", func(_ *sampler, d *engine.Desired) (int64, bool) {
		l, _ := d.Payload["fields"].([]any)
		return int64(len(l)), len(l) > 0
	}, countLabel("most fields (%d)")},
	{kind.CustomObject, "split", splitScore, func(int64) string { return "part of a split Klass" }},
	{kind.Ticket, "comments", func(_ *sampler, d *engine.Desired) (int64, bool) {
		return int64(len(d.Comments)), len(d.Comments) > 1
	}, countLabel("most comments (%d)")},
	{kind.Ticket, "oldest", func(_ *sampler, d *engine.Desired) (int64, bool) {
		t, err := time.Parse(time.RFC3339, str(d.Payload, "created_at"))
		return -t.Unix(), err == nil
	}, func(s int64) string { return "oldest (" + time.Unix(-s, 0).UTC().Format("2006-01-02") + ")" }},
	{kind.Ticket, "assignees", assigneeScore, countLabel("most assignees (%d)")},
	{kind.Ticket, "attachments", func(_ *sampler, d *engine.Desired) (int64, bool) {
		n := d.Attachments()
		return int64(n), n > 0
	}, countLabel("most attachments (%d)")},
	{kind.Ticket, "longest_body", func(_ *sampler, d *engine.Desired) (int64, bool) {
		var best int
		for _, c := range d.Comments {
			best = max(best, utf8.RuneCountInString(str(c.Payload, "body")), utf8.RuneCountInString(str(c.Payload, "html_body")))
		}
		return int64(best), best > 0
	}, countLabel("longest comment (%d characters)")},
	{kind.Ticket, "largest", func(_ *sampler, d *engine.Desired) (int64, bool) {
		n := 0
		for _, c := range d.Comments {
			n += len(str(c.Payload, "body")) + len(str(c.Payload, "html_body"))
		}
		return int64(n), n > 0
	}, bytesLabel("largest")},
	{kind.CustomObjectRecord, "split", splitScore, func(int64) string { return "part of a split record" }},
	{kind.CustomObjectRecord, "largest", payloadScore, bytesLabel("largest")},
	// A translation's images and links are what apply rewrote.
	{kind.HCTranslation, "images", func(_ *sampler, d *engine.Desired) (int64, bool) {
		n := strings.Count(str(d.Payload, "body"), engine.MediaPlaceholder)
		return int64(n), n > 0
	}, countLabel("most images (%d)")},
	{kind.HCTranslation, "links", func(_ *sampler, d *engine.Desired) (int64, bool) {
		n := strings.Count(str(d.Payload, "body"), engine.ArticlePlaceholder)
		return int64(n), n > 0
	}, countLabel("most links to articles (%d)")},
	{kind.HCTranslation, "longest_body", func(_ *sampler, d *engine.Desired) (int64, bool) {
		n := utf8.RuneCountInString(str(d.Payload, "body"))
		return int64(n), n > 0
	}, countLabel("longest body (%d characters)")},
}

func payloadScore(_ *sampler, d *engine.Desired) (int64, bool) {
	b, err := json.Marshal(d.Payload)
	return int64(len(b)), err == nil
}

func splitScore(_ *sampler, d *engine.Desired) (int64, bool) {
	return 1, strings.Contains(d.Key, "#")
}

// assigneeScore counts a conversation's assignees in the snapshot: the
// mapping keeps one and records the others elsewhere (tags, a field).
func assigneeScore(s *sampler, d *engine.Desired) (int64, bool) {
	if len(d.Sources) == 0 || strings.Contains(d.Key, "#") {
		return 0, false
	}
	if c, ok := d.Source.(*record.Conversation); ok {
		return int64(len(c.AssignedUsers)), len(c.AssignedUsers) > 1
	}
	if s.snap == nil {
		return 0, false
	}
	typ, id, _ := strings.Cut(d.Sources[0], "/")
	raw, ok, err := s.snap.Get(typ, id)
	if err != nil || !ok {
		return 0, false
	}
	rec, err := record.DecodeJSON(raw)
	if err != nil {
		return 0, false
	}
	c, ok := rec.(*record.Conversation)
	if !ok {
		return 0, false
	}
	return int64(len(c.AssignedUsers)), len(c.AssignedUsers) > 1
}

func countLabel(format string) func(int64) string {
	return func(n int64) string { return fmt.Sprintf(format, n) }
}

func bytesLabel(what string) func(int64) string {
	return func(n int64) string { return fmt.Sprintf("%s (%d bytes)", what, n) }
}

// sampler picks the records to compare: N per kind at random (reservoir
// sampling over the records in generation order, so a seed always picks
// the same ones), and the worst of each kind by every ugly measure.
type sampler struct {
	n      int
	rng    *rand.Rand
	snap   getter
	seen   map[kind.Kind]int
	random map[kind.Kind][]*candidate
	best   map[string]*candidate // ugly name → record
	score  map[string]int64
	// split tickets: the first conversation split into several tickets,
	// both of its first parts.
	prevTicket *candidate
	split      []*candidate

	compared []Compared // filled by compareSamples
}

func newSampler(n int, seed int64, snap getter) *sampler {
	return &sampler{n: n, rng: rand.New(rand.NewPCG(uint64(seed), 0x6b7a6d6170)), snap: snap,
		seen: map[kind.Kind]int{}, random: map[kind.Kind][]*candidate{}, best: map[string]*candidate{}, score: map[string]int64{}}
}

// offer considers a record that is written and up to date.
func (s *sampler) offer(d *engine.Desired, e checkpoint.Entry) {
	c := &candidate{d: d, e: e}
	s.seen[d.Kind]++
	if n := len(s.random[d.Kind]); n < s.n {
		s.random[d.Kind] = append(s.random[d.Kind], c)
	} else if s.n > 0 {
		if j := s.rng.IntN(s.seen[d.Kind]); j < s.n {
			s.random[d.Kind][j] = c
		}
	}
	for _, u := range uglies {
		if u.kind != d.Kind {
			continue
		}
		k := string(u.kind) + "/" + u.name
		sc, ok := u.score(s, d)
		if !ok {
			continue
		}
		if prev, had := s.score[k]; !had || sc > prev {
			s.score[k], s.best[k] = sc, c
		}
	}
	if d.Kind == kind.Ticket {
		if s.split == nil && s.prevTicket != nil && d.Key == s.prevTicket.d.Key+"#2" {
			s.split = []*candidate{s.prevTicket, c}
		}
		s.prevTicket = c
	}
}

// picks returns the records to compare, in kind order, each once with
// every reason it was chosen.
func (s *sampler) picks() []*candidate {
	var out []*candidate
	byKey := map[string]*candidate{}
	add := func(c *candidate, why string) {
		k := string(c.d.Kind) + "\x00" + c.d.Key
		if have, ok := byKey[k]; ok {
			have.why = append(have.why, why)
			return
		}
		cc := &candidate{d: c.d, e: c.e, why: []string{why}}
		byKey[k] = cc
		out = append(out, cc)
	}
	for _, k := range kind.All {
		for _, u := range uglies {
			if u.kind != k {
				continue
			}
			if c := s.best[string(u.kind)+"/"+u.name]; c != nil {
				add(c, u.label(s.score[string(u.kind)+"/"+u.name]))
			}
		}
		if k == kind.Ticket {
			for i, c := range s.split {
				add(c, fmt.Sprintf("split conversation (part %d)", i+1))
			}
		}
		random := append([]*candidate(nil), s.random[k]...)
		sort.Slice(random, func(i, j int) bool { return random[i].d.Key < random[j].d.Key })
		for _, c := range random {
			add(c, "random")
		}
	}
	return out
}
