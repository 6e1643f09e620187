package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/kzmap/kzmap/engine/extract"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
	"github.com/kzmap/kzmap/zendesk"
)

// Audit is the migration guide's data audit, taken from a snapshot: what
// there is, and what will need a decision before it reaches Zendesk.
type Audit struct {
	Org        string         `json:"org"`
	Extracted  time.Time      `json:"extracted,omitzero"`   // when the last complete extract finished
	ServerTime time.Time      `json:"server_time,omitzero"` // "now" for the two-year line
	Runs       int            `json:"runs"`
	Counts     map[string]int `json:"counts"`
	// Old counts, per type, the records not updated for two years:
	// Kustomer's standard search no longer sees them.
	Old       map[string]int `json:"old"`
	Customers CustomerAudit  `json:"customers"`
	Agents    AgentAudit     `json:"agents"`
	Klasses   []KlassAudit   `json:"klasses"`
	// Attributes are the custom attributes of conversations, customers
	// and companies, by resource: each becomes a ticket, user or
	// organization field.
	Attributes    map[string][]AttributeAudit `json:"custom_attributes"`
	Tags          TagAudit                    `json:"tags"`
	Conversations ConversationAudit           `json:"conversations"`
	Bodies        BodyAudit                   `json:"bodies"`
	Attachments   AttachmentAudit             `json:"attachments"`
	KB            KBAudit                     `json:"knowledge_base"`
	Reconcile     []extract.Check             `json:"reconciliation,omitempty"` // from the last complete extract
	Snapshot      SnapshotProperties          `json:"snapshot"`
}

// SnapshotProperties identify the snapshot audited.
type SnapshotProperties struct {
	Digest string `json:"digest"`
	Serial uint64 `json:"serial"`
}

// CustomerAudit is about identities: the emails that will merge customers
// into one Zendesk user, and the customers Zendesk cannot match by email.
type CustomerAudit struct {
	Total int `json:"total"`
	// DuplicateEmails counts emails (compared without case) that more
	// than one customer holds; CaseVariants, those spelled in more than
	// one case.
	DuplicateEmails int `json:"duplicate_emails"`
	CaseVariants    int `json:"case_variants"`
	// Sharing customers hold a duplicate email; they become MergedUsers
	// users, so Total - Sharing + MergedUsers users in all.
	Sharing      int        `json:"sharing"`
	MergedUsers  int        `json:"merged_users"`
	Users        int        `json:"users"`
	WithoutEmail int        `json:"without_email"`
	PhoneOnly    int        `json:"phone_only"` // of those, with a phone
	Examples     []DupEmail `json:"examples,omitempty"`
}

// DupEmail is one email held by several customers.
type DupEmail struct {
	Email     string   `json:"email"`
	Customers int      `json:"customers"`
	Spellings []string `json:"spellings"`
}

// AgentAudit is about users and teams.
type AgentAudit struct {
	Users  int            `json:"users"`
	ByType map[string]int `json:"by_type"`
	Teams  int            `json:"teams"`
	// EmptyTeams have no members; Unteamed users belong to no team.
	EmptyTeams int `json:"empty_teams"`
	Unteamed   int `json:"unteamed"`
	// Missing agents are assigned to conversations but not in the users
	// list (deleted): Conversations is how many conversations name one.
	Missing              int `json:"missing"`
	MissingConversations int `json:"missing_conversations"`
}

// KlassAudit is one Klass.
type KlassAudit struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Status      string `json:"status"`
	Attributes  int    `json:"attributes"`
	KObjects    int    `json:"kobjects"`
	// OverFields: more attributes than a custom object takes fields.
	OverFields bool `json:"over_fields"`
	// Large kobjects have attributes over 32 KB, the record size limit.
	Large int `json:"large_kobjects"`
}

// AttributeAudit is one custom attribute (record.Attribute).
type AttributeAudit struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // the name's suffix
	Type    string `json:"type"`
	Records int    `json:"records"` // holding a value
	// Distinct values, counted up to record.MaxDistinct+1 (more).
	Distinct     int  `json:"distinct"`
	FitsDropdown bool `json:"fits_dropdown"`
	Longest      int  `json:"longest"` // characters
	Unfit        int  `json:"unfit"`   // values that do not fit the type
}

// TagAudit is about conversation tags.
type TagAudit struct {
	Distinct int        `json:"distinct"`
	Top      []TagCount `json:"top"`
}

// TagCount is a tag and the conversations that carry it.
type TagCount struct {
	Tag           string `json:"tag"`
	Conversations int    `json:"conversations"`
}

// ConversationAudit is about threads.
type ConversationAudit struct {
	Total int `json:"total"`
	// OverLimit counts conversations with more messages and notes than a
	// ticket takes comments (5,000), OverSplit those over the mapping's
	// split size: they become several tickets.
	OverLimit     int    `json:"over_limit"`
	OverSplit     int    `json:"over_split"`
	SplitAt       int    `json:"split_at"`
	Largest       int    `json:"largest"`
	LargestID     string `json:"largest_id,omitempty"`
	Empty         int    `json:"empty"`
	MultiAssignee int    `json:"multi_assignee"`
}

// BodyAudit is about message and note bodies.
type BodyAudit struct {
	// Over counts messages and notes with a body (or HTML body) longer
	// than a comment takes (65,535 characters): they are split or
	// attached.
	Over    int `json:"over_limit"`
	Longest int `json:"longest"`
	// Truncated messages have only a preview, no body.
	Truncated int `json:"truncated"`
}

// AttachmentAudit is about files.
type AttachmentAudit struct {
	extract.Files
	// MetadataBytes sums the contentLength the attachments announce.
	MetadataBytes int64 `json:"metadata_bytes"`
}

// Audit reads a snapshot (opened read-only is enough) once per type.
// splitAt is the comment count a ticket is split at (0: 5,000).
func Run(s *snapshot.Store, splitAt int) (*Audit, error) {
	if splitAt <= 0 {
		splitAt = zendesk.MaxCommentsPerTicket
	}
	a := &Audit{Old: map[string]int{}}
	var err error
	if a.Org, err = s.Org(); err != nil {
		return nil, err
	}
	if a.Counts, err = s.Counts(); err != nil {
		return nil, err
	}
	runs, err := s.Runs()
	if err != nil {
		return nil, err
	}
	a.Runs = len(runs)
	// "Now" for the two-year line is Kustomer's clock when the data was
	// read (the last complete run's, else the last run's): never this
	// machine's, so the audit of a snapshot says the same on any day.
	for i := len(runs) - 1; i >= 0; i-- {
		if r := runs[i]; r.Status == "complete" {
			a.Extracted, a.ServerTime = r.Finished, r.ServerTime
			var res extract.Result
			if json.Unmarshal(r.Report, &res) == nil {
				a.Reconcile = res.Checks
			}
			break
		}
	}
	for i := len(runs) - 1; i >= 0 && a.ServerTime.IsZero(); i-- {
		a.ServerTime = runs[i].ServerTime
	}
	if a.Snapshot.Digest, err = s.Digest(); err != nil {
		return nil, err
	}
	if a.Snapshot.Serial, err = s.Serial(); err != nil {
		return nil, err
	}
	cutoff := a.ServerTime.Add(-kustomer.SearchWindow)
	old := func(typ string, raw []byte) {
		if a.ServerTime.IsZero() {
			return
		}
		if m, err := snapshot.ParseMeta(raw); err == nil && !m.UpdatedAt.IsZero() && m.UpdatedAt.Before(cutoff) {
			a.Old[typ]++
		}
	}
	if !a.ServerTime.IsZero() {
		for _, typ := range []string{"company", "customer", "conversation", "message", "note", "kobject"} {
			a.Old[typ] = 0
		}
	}
	steps := []func() error{
		func() error { return auditCustomers(s, a, old) },
		func() error { return auditAgents(s, a) },
		func() error { return auditKlasses(s, a, old) },
		func() error { return auditConversations(s, a, old, splitAt) },
		func() error { return auditBodies(s, a, old) },
		func() error {
			return s.ForEach("company", func(id string, raw []byte) error { old("company", raw); return nil })
		},
		func() error { return auditAttachments(s, a) },
		func() error { return auditAttributes(s, a) },
		func() error { return auditKB(s, a) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func auditKlasses(s *snapshot.Store, a *Audit, old func(string, []byte)) error {
	var ids []string
	byID := map[string]*KlassAudit{}
	err := s.ForEach("klass", func(id string, raw []byte) error {
		v, err := record.DecodeJSON(raw)
		k, ok := v.(*record.Klass)
		if err != nil || !ok {
			return fmt.Errorf("klass %s: %v", id, err)
		}
		ka := &KlassAudit{Name: k.Name, DisplayName: k.DisplayName, Status: k.Status, Attributes: len(k.Properties)}
		if ka.Status == "" {
			ka.Status = "enabled"
		}
		ka.OverFields = ka.Attributes > zendesk.MaxFieldsPerObject
		ids = append(ids, id)
		byID[id] = ka
		return nil
	})
	if err != nil {
		return err
	}
	orphans := 0
	err = s.ForEach("kobject", func(id string, raw []byte) error {
		old("kobject", raw)
		m, _ := snapshot.ParseMeta(raw)
		var o struct {
			Attributes json.RawMessage `json:"attributes"`
		}
		json.Unmarshal(raw, &o)
		ka := byID[m.Parent]
		if ka == nil {
			for _, k := range byID {
				if m.KlassName != "" && k.Name == m.KlassName {
					ka = k
				}
			}
		}
		if ka == nil {
			orphans++
			return nil
		}
		ka.KObjects++
		if len(o.Attributes) > zendesk.MaxRecordBytes {
			ka.Large++
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		a.Klasses = append(a.Klasses, *byID[id])
	}
	sort.Slice(a.Klasses, func(i, j int) bool { return a.Klasses[i].Name < a.Klasses[j].Name })
	if orphans > 0 {
		a.Klasses = append(a.Klasses, KlassAudit{Name: "(no klass in the snapshot)", Status: "unknown", KObjects: orphans})
	}
	return nil
}

func auditConversations(s *snapshot.Store, a *Audit, old func(string, []byte), splitAt int) error {
	c := &a.Conversations
	c.SplitAt = splitAt
	tags := map[string]int{}
	after := ""
	for {
		var ids []string
		err := s.ForEachAfter("conversation", after, 1000, func(id string, raw []byte) error {
			old("conversation", raw)
			var r struct {
				Attributes struct {
					Tags          []string `json:"tags"`
					AssignedUsers []string `json:"assignedUsers"`
				} `json:"attributes"`
			}
			json.Unmarshal(raw, &r)
			c.Total++
			seen := map[string]bool{}
			for _, t := range r.Attributes.Tags {
				if !seen[t] {
					seen[t] = true
					tags[t]++
				}
			}
			if len(r.Attributes.AssignedUsers) > 1 {
				c.MultiAssignee++
			}
			ids = append(ids, id)
			return nil
		})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		// Thread sizes come from the indexes, outside the walk above.
		for _, id := range ids {
			m, err := s.CountChildren("conversation", id, "message")
			if err != nil {
				return err
			}
			n, err := s.CountChildren("conversation", id, "note")
			if err != nil {
				return err
			}
			switch size := m + n; {
			case size == 0:
				c.Empty++
			case size > splitAt:
				c.OverSplit++
			}
			if m+n > zendesk.MaxCommentsPerTicket {
				c.OverLimit++
			}
			if m+n > c.Largest {
				c.Largest, c.LargestID = m+n, id
			}
		}
	}
	a.Tags.Distinct = len(tags)
	for t, n := range tags {
		a.Tags.Top = append(a.Tags.Top, TagCount{t, n})
	}
	sort.Slice(a.Tags.Top, func(i, j int) bool {
		if a.Tags.Top[i].Conversations != a.Tags.Top[j].Conversations {
			return a.Tags.Top[i].Conversations > a.Tags.Top[j].Conversations
		}
		return a.Tags.Top[i].Tag < a.Tags.Top[j].Tag
	})
	a.Tags.Top = a.Tags.Top[:min(len(a.Tags.Top), 15)]
	return nil
}

func auditBodies(s *snapshot.Store, a *Audit, old func(string, []byte)) error {
	b := &a.Bodies
	measure := func(texts ...string) {
		n := 0
		for _, t := range texts {
			n = max(n, utf8.RuneCountInString(t))
		}
		if n > zendesk.MaxCommentChars {
			b.Over++
		}
		b.Longest = max(b.Longest, n)
	}
	err := s.ForEach("message", func(id string, raw []byte) error {
		old("message", raw)
		var m struct {
			Attributes struct {
				Body     *string `json:"body"`
				HTMLBody *string `json:"htmlBody"`
				Preview  string  `json:"preview"`
			} `json:"attributes"`
		}
		json.Unmarshal(raw, &m)
		body, html := deref(m.Attributes.Body), deref(m.Attributes.HTMLBody)
		if body == "" && html == "" && m.Attributes.Preview != "" {
			b.Truncated++
		}
		measure(body, html)
		return nil
	})
	if err != nil {
		return err
	}
	return s.ForEach("note", func(id string, raw []byte) error {
		old("note", raw)
		var n struct {
			Attributes struct {
				Body string `json:"body"`
			} `json:"attributes"`
		}
		json.Unmarshal(raw, &n)
		measure(n.Attributes.Body)
		return nil
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func auditAttachments(s *snapshot.Store, a *Audit) error {
	f, err := extract.FileSummary(s)
	if err != nil {
		return err
	}
	a.Attachments.Files = f
	return s.ForEach("attachment", func(id string, raw []byte) error {
		if rec, err := record.DecodeJSON(raw); err == nil {
			if n := rec.(*record.Attachment).ContentLength; n > 0 {
				a.Attachments.MetadataBytes += n
			}
		}
		return nil
	})
}

func auditAttributes(s *snapshot.Store, a *Audit) error {
	a.Attributes = map[string][]AttributeAudit{}
	for _, res := range record.AttributeResources {
		attrs, err := record.AttributesOf(context.Background(), res, s, func(fn func(string, []byte) error) error { return s.ForEach(res, fn) })
		if err != nil {
			return err
		}
		out := []AttributeAudit{}
		for _, x := range attrs {
			out = append(out, AttributeAudit{Name: x.Name, Kind: x.Kind, Type: x.Type, Records: x.Records, Distinct: x.Distinct,
				FitsDropdown: x.FitsDropdown, Longest: x.Longest, Unfit: x.Unfit})
		}
		a.Attributes[res] = out
	}
	return nil
}
