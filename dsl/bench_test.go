package dsl

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/record"
)

// benchConversation is a conversation with 20 messages, the shape the
// design's target is stated for.
func benchConversation(tb testing.TB) (*record.Conversation, []*record.Message) {
	conv := mustDecode(tb, `{"type":"conversation","id":"64f0c0ffee0000000000a001","attributes":{
	  "name":"Refund for order 1001","status":"snoozed","priority":4,
	  "assignedUsers":["64f0000000000000000000u1","64f0000000000000000000u2"],"assignedTeams":["64f0000000000000000000t1"],
	  "tags":["VIP Customer","refund"],"channels":["email","chat"],
	  "createdAt":"2024-03-01T09:30:00.000Z","updatedAt":"2024-03-02T10:00:00.000Z"},
	  "relationships":{"customer":{"data":{"type":"customer","id":"64f0000000000000000000c1"}}}}`).(*record.Conversation)
	var msgs []*record.Message
	for i := 0; i < 20; i++ {
		dir := "in"
		if i%2 == 1 {
			dir = "out"
		}
		msgs = append(msgs, mustDecode(tb, fmt.Sprintf(`{"type":"message","id":"64f0000000000000000m%04d","attributes":{
		  "direction":%q,"channel":"email","body":"Message number %d with some text in it.","htmlBody":"<p>Message number %d</p>",
		  "createdAt":"2024-03-01T09:%02d:00.000Z","attachments":[{"id":"64f0000000000000000a%04d","name":"x.png","contentType":"image/png","contentLength":10}]},
		  "relationships":{"customer":{"data":{"type":"customer","id":"64f0000000000000000000c1"}},"createdBy":{"data":{"type":"user","id":"64f0000000000000000000u1"}}}}`,
			i, dir, i, i, i, i)).(*record.Message))
	}
	return conv, msgs
}

func loadDefault(tb testing.TB) *Config {
	cfg, diags := Load(filepath.Join("..", "examples", "mappings", "default"), LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	return cfg
}

// handWritten is the default ticket and message mapping written directly
// in Go: the baseline the mapping language is measured against.
func handWritten(conv *record.Conversation, msgs []*record.Message, marker string) (map[string]any, []map[string]any) {
	status := map[string]string{"open": "open", "snoozed": "pending", "done": "solved"}[conv.Status]
	if status == "" {
		status = "open"
	}
	priority := map[string]string{"1": "low", "2": "normal", "3": "normal", "4": "high", "5": "urgent"}[fmt.Sprint(conv.Priority)]
	if priority == "" {
		priority = "normal"
	}
	channel := map[string]string{"email": "email", "chat": "chat", "sms": "sms"}
	var tags []string
	for _, t := range conv.Tags {
		tags = append(tags, slugGo(t))
	}
	for i := 0; i+1 < len(conv.AssignedUsers); i++ {
		tags = append(tags, "kz_also_assigned_"+conv.AssignedUsers[i])
	}
	for _, c := range conv.Channels {
		v, ok := channel[c]
		if !ok {
			v = "other"
		}
		tags = append(tags, "kz_channel_"+v)
	}
	tags = append(tags, marker)
	seen := map[string]bool{}
	uniq := tags[:0]
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
		}
	}
	subject := conv.Name
	if strings.TrimSpace(subject) == "" {
		subject = "Conversation " + conv.ID
	}
	t := map[string]any{"subject": subject, "status": status, "priority": priority, "requester": conv.CustomerID,
		"tags": uniq, "external_id": "kustomer:conversation:" + conv.ID,
		"created_at": conv.CreatedAt.UTC().Format(time.RFC3339), "updated_at": conv.UpdatedAt.UTC().Format(time.RFC3339),
		"custom_fields": map[string]any(conv.Custom)}
	if t["custom_fields"].(map[string]any) == nil {
		t["custom_fields"] = map[string]any{}
	}
	if n := len(conv.AssignedUsers); n > 0 {
		t["assignee"] = conv.AssignedUsers[n-1]
	}
	if n := len(conv.AssignedTeams); n > 0 {
		t["group"] = conv.AssignedTeams[n-1]
	}
	comments := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		author := m.CreatedByID
		if m.Direction == "in" {
			author = m.CustomerID
		}
		ids := make([]string, 0, len(m.Attachments))
		for _, a := range m.Attachments {
			ids = append(ids, a.ID)
		}
		comments = append(comments, map[string]any{"body": m.Body, "html_body": m.HTMLBody, "public": true,
			"author": author, "created_at": m.CreatedAt.UTC().Format(time.RFC3339), "attachments": ids})
	}
	return t, comments
}

func slugGo(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			b.WriteRune(r)
			underscore = false
		} else if !underscore {
			b.WriteByte('_')
			underscore = true
		}
	}
	return strings.Trim(b.String(), "_")
}

// TestHandWrittenMatchesMapping keeps the benchmark honest: both sides
// compute the same payloads.
func TestHandWrittenMatchesMapping(t *testing.T) {
	cfg := loadDefault(t)
	conv, msgs := benchConversation(t)
	ev := NewEvaluator(cfg)
	got, err := ev.Eval(cfg.Mapping("ticket.conversation"), conv)
	if err != nil {
		t.Fatal(err)
	}
	want, wantComments := handWritten(conv, msgs, "kustomer-import")
	if fmt.Sprint(sortedMap(got[0])) != fmt.Sprint(sortedMap(want)) {
		t.Errorf("ticket:\n mapping %v\n go      %v", sortedMap(got[0]), sortedMap(want))
	}
	for i, m := range msgs {
		c, err := ev.Eval(cfg.Mapping("comment.message"), m)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sortedMap(c[0])) != fmt.Sprint(sortedMap(wantComments[i])) {
			t.Errorf("comment %d:\n mapping %v\n go      %v", i, sortedMap(c[0]), sortedMap(wantComments[i]))
		}
	}
}

func sortedMap(m map[string]any) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(out)
	return out
}

// BenchmarkDefaultTicketMapping maps one conversation of 20 messages with
// the default template, next to the same transformation hand-written in
// Go; the "x-handwritten" metric is the ratio (target: within 2x).
func BenchmarkDefaultTicketMapping(b *testing.B) {
	cfg := loadDefault(b)
	conv, msgs := benchConversation(b)
	ticket, comment := cfg.Mapping("ticket.conversation"), cfg.Mapping("comment.message")
	ev := NewEvaluator(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	// The two sides alternate within each iteration so that load from other
	// processes on a shared machine falls on both alike.
	var mapping, hand time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := ev.Eval(ticket, conv); err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			if _, err := ev.Eval(comment, m); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		handWritten(conv, msgs, "kustomer-import")
		mapping += mid.Sub(start)
		hand += time.Since(mid)
	}
	n := float64(b.N)
	b.ReportMetric(float64(mapping.Nanoseconds())/n, "ns/mapping")
	b.ReportMetric(float64(hand.Nanoseconds())/n, "ns/handwritten")
	b.ReportMetric(float64(mapping)/float64(hand), "x-handwritten")
}
