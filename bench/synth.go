package bench

import (
	"fmt"
	"strconv"
	"time"
)

// Synth is a Snapshot that makes an organisation up as it is read: n
// conversations of perConv messages, one customer per three conversations
// (one in 500 sharing the previous one's email), a few agents and teams.
// It holds nothing in memory, so a plan over it measures the planner
// alone — evaluation, references, hashing, the plan file — at any size.
type Synth struct {
	Conversations int
	PerConv       int
	Agents        int
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// The made-up records' kinds: the first byte of their ids, in hex.
const (
	kCustomer     byte = 2
	kUser         byte = 3
	kTeam         byte = 4
	kConversation byte = 5
	kMessage      byte = 6
)

func hexID(kind byte, n int) string { return fmt.Sprintf("%02x%022x", kind, n) }

func ts(sec int) string {
	return epoch.Add(time.Duration(sec) * time.Second).Format("2006-01-02T15:04:05.000Z")
}

func (s *Synth) customers() int { return (s.Conversations + 2) / 3 }

// ForEach implements engine.Snapshot.
func (s *Synth) ForEach(typ string, fn func(id string, raw []byte) error) error {
	kind, n := s.kind(typ)
	var buf []byte
	for i := 0; i < n; i++ {
		var id string
		id, buf = s.record(kind, i, buf[:0])
		if err := fn(id, buf); err != nil {
			return err
		}
	}
	return nil
}

// kind is typ's id prefix and how many records of it there are.
func (s *Synth) kind(typ string) (byte, int) {
	switch typ {
	case "user":
		return kUser, s.Agents
	case "team":
		return kTeam, 1
	case "customer":
		return kCustomer, s.customers()
	case "conversation":
		return kConversation, s.Conversations
	}
	return 0, 0
}

// record appends the i-th record of a kind to buf, and gives its id: the
// same bytes whether it is read by ForEach or by Get.
func (s *Synth) record(kind byte, i int, buf []byte) (string, []byte) {
	id := hexID(kind, i)
	switch kind {
	case kUser:
		buf = fmt.Appendf(buf, `{"type":"user","id":%q,"attributes":{"name":"Agent %d","email":"agent%d@acme.example","userType":"user","createdAt":%q}}`, id, i, i, ts(i))
	case kTeam:
		buf = fmt.Appendf(buf, `{"type":"team","id":%q,"attributes":{"name":"Support","members":[`, id)
		for a := 0; a < s.Agents; a++ {
			if a > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendQuote(buf, hexID(kUser, a))
		}
		buf = append(buf, "]}}"...)
	case kCustomer:
		// One customer in 500 lists the one before's email first, so the
		// plan merges the two (and reads the first back by id to do it).
		home := i
		if i%500 == 499 {
			home = i - 1
		}
		buf = fmt.Appendf(buf, `{"type":"customer","id":%q,"attributes":{"name":"Customer %d","emails":[{"email":"c%d@example.com","type":"home"},{"email":"C%d@Work.example","type":"work"}],"phones":[{"phone":"+1415555%04d"}],"tags":["Gold Tier"],"createdAt":%q,"updatedAt":%q}}`,
			id, i, home, i, i%10000, ts(i), ts(i))
	case kConversation:
		a1, a2 := hexID(kUser, i%s.Agents), hexID(kUser, (i+1)%s.Agents)
		buf = fmt.Appendf(buf, `{"type":"conversation","id":%q,"attributes":{"name":"Order %d","status":%q,"priority":%d,"assignedUsers":[%q,%q],"assignedTeams":[%q],"tags":["Refund","VIP Customer"],"channels":["email"],"messageCount":%d,"createdAt":%q,"updatedAt":%q},"relationships":{"customer":{"data":{"type":"customer","id":%q}}}}`,
			id, i, [3]string{"open", "snoozed", "done"}[i%3], i%5+1, a1, a2, hexID(kTeam, 0), s.PerConv, ts(i*60), ts(i*60+3600), hexID(kCustomer, i/3))
	}
	return id, buf
}

// ForEachChild implements engine.Snapshot.
func (s *Synth) ForEachChild(parentType, parentID, childType string, fn func(id string, raw []byte) error) error {
	if parentType != "conversation" || childType != "message" {
		return nil
	}
	conv, err := strconv.ParseInt(parentID[2:], 16, 64)
	if err != nil {
		return err
	}
	var buf []byte
	for j := 0; j < s.PerConv; j++ {
		id := hexID(kMessage, int(conv)*s.PerConv+j)
		dir, by := "in", ""
		if j%2 == 1 {
			dir, by = "out", fmt.Sprintf(`,"createdBy":{"data":{"type":"user","id":%q}}`, hexID(kUser, int(conv)%s.Agents))
		}
		buf = fmt.Appendf(buf[:0], `{"type":"message","id":%q,"attributes":{"channel":"email","direction":%q,"body":"Message %d of conversation %d: where is my order? It was due last week.","htmlBody":"<p>Message %d of conversation %d</p>","createdAt":%q,"attachments":[]},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}},"customer":{"data":{"type":"customer","id":%q}}%s}}`,
			id, dir, j, conv, j, conv, ts(int(conv)*60+j*30), parentID, hexID(kCustomer, int(conv)/3), by)
		if err := fn(id, buf); err != nil {
			return err
		}
	}
	return nil
}

// Digest implements engine.Snapshot.
func (s *Synth) Digest() (string, error) {
	return fmt.Sprintf("synth:%d:%d:%d", s.Conversations, s.PerConv, s.Agents), nil
}

// Get implements engine.Snapshot: the record ForEach gives for id, made
// again (the plan reads a merge group's members back by id when the group
// closes). Messages are not looked up by id, and the made-up ones carry
// no attachments.
func (s *Synth) Get(typ, id string) ([]byte, bool, error) {
	kind, n := s.kind(typ)
	if kind == 0 || len(id) != 24 || id[:2] != hexID(kind, 0)[:2] {
		return nil, false, nil
	}
	i, err := strconv.ParseInt(id[2:], 16, 64)
	if err != nil || i < 0 || int(i) >= n {
		return nil, false, nil
	}
	_, raw := s.record(kind, int(i), nil)
	return raw, true, nil
}

// Org implements engine.Snapshot.
func (s *Synth) Org() (string, error) { return "synth", nil }

// Count implements engine.Counter, as the snapshot store does.
func (s *Synth) Count(typ string) (int, error) {
	_, n := s.kind(typ)
	return n, nil
}
