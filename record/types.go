package record

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Email is one entry of a customer's emails.
type Email struct {
	Email    string `json:"email" expr:"email"`
	Type     string `json:"type,omitempty" expr:"type"`
	Verified bool   `json:"verified,omitempty" expr:"verified"`
}

// EmailAddress lets builtin email functions read an Email without
// depending on this package.
func (e Email) EmailAddress() string { return e.Email }

// Phone is one entry of a customer's phones.
type Phone struct {
	Phone    string `json:"phone" expr:"phone"`
	Type     string `json:"type,omitempty" expr:"type"`
	Verified bool   `json:"verified,omitempty" expr:"verified"`
}

// PhoneNumber lets builtin phone functions read a Phone without depending
// on this package.
func (p Phone) PhoneNumber() string { return p.Phone }

// Company is a Kustomer company; it becomes a Zendesk organization.
type Company struct {
	ID         string         `expr:"id"`
	Name       string         `expr:"name"`
	ExternalID string         `expr:"externalId"`
	Domains    []string       `expr:"domains"`
	Tags       []string       `expr:"tags"`
	Custom     Custom         `expr:"custom"`
	CreatedAt  time.Time      `expr:"createdAt"`
	UpdatedAt  time.Time      `expr:"updatedAt"`
	Extra      map[string]any `expr:"attributes"`
}

// Customer is a Kustomer customer; it becomes a Zendesk end user.
type Customer struct {
	ID          string         `expr:"id"`
	Name        string         `expr:"name"`
	DisplayName string         `expr:"displayName"`
	ExternalID  string         `expr:"externalId"`
	Emails      []Email        `expr:"emails"`
	Phones      []Phone        `expr:"phones"`
	Locale      string         `expr:"locale"`
	TimeZone    string         `expr:"timeZone"`
	Tags        []string       `expr:"tags"`
	Custom      Custom         `expr:"custom"`
	CreatedAt   time.Time      `expr:"createdAt"`
	UpdatedAt   time.Time      `expr:"updatedAt"`
	CompanyID   string         `expr:"companyId"`
	Extra       map[string]any `expr:"attributes"`
}

// User is a Kustomer user: an agent or a machine user.
type User struct {
	ID          string         `expr:"id"`
	Name        string         `expr:"name"`
	DisplayName string         `expr:"displayName"`
	Email       string         `expr:"email"`
	UserType    string         `expr:"userType"`
	Roles       []string       `expr:"roles"`
	CreatedAt   time.Time      `expr:"createdAt"`
	UpdatedAt   time.Time      `expr:"updatedAt"`
	Extra       map[string]any `expr:"attributes"`
}

// Team is a Kustomer team; it becomes a Zendesk group.
type Team struct {
	ID          string         `expr:"id"`
	Name        string         `expr:"name"`
	DisplayName string         `expr:"displayName"`
	Members     []string       `expr:"members"`
	CreatedAt   time.Time      `expr:"createdAt"`
	UpdatedAt   time.Time      `expr:"updatedAt"`
	Extra       map[string]any `expr:"attributes"`
}

// Snooze is a conversation's snooze state.
type Snooze struct {
	Time   time.Time `expr:"time"`
	Status string    `expr:"status"`
}

// Conversation is a Kustomer conversation; it becomes one Zendesk ticket
// (or several, when it is longer than the split size).
type Conversation struct {
	ID            string    `expr:"id"`
	Name          string    `expr:"name"`
	Status        string    `expr:"status"`
	Priority      int       `expr:"priority"`
	AssignedUsers []string  `expr:"assignedUsers"`
	AssignedTeams []string  `expr:"assignedTeams"`
	Tags          []string  `expr:"tags"`
	Channels      []string  `expr:"channels"`
	Direction     string    `expr:"direction"`
	MessageCount  int       `expr:"messageCount"`
	NoteCount     int       `expr:"noteCount"`
	Snooze        Snooze    `expr:"snooze"`
	Custom        Custom    `expr:"custom"`
	CreatedAt     time.Time `expr:"createdAt"`
	UpdatedAt     time.Time `expr:"updatedAt"`
	EndedAt       time.Time `expr:"endedAt"`
	CustomerID    string    `expr:"customerId"`
	CreatedByID   string    `expr:"createdById"`
	// Deleted: the conversation was deleted in Kustomer (search with
	// includeDeleted returns it so flagged).
	Deleted bool           `expr:"deleted"`
	Extra   map[string]any `expr:"attributes"`
}

// AttachmentRef is an attachment as listed on a message.
type AttachmentRef struct {
	ID            string `json:"id" expr:"id"`
	Name          string `json:"name" expr:"name"`
	ContentType   string `json:"contentType" expr:"contentType"`
	ContentLength int64  `json:"contentLength" expr:"contentLength"`
}

// Message is one message of a conversation; it becomes a ticket comment.
type Message struct {
	ID             string          `expr:"id"`
	Channel        string          `expr:"channel"`
	Direction      string          `expr:"direction"`
	Preview        string          `expr:"preview"`
	Body           string          `expr:"body"`
	HTMLBody       string          `expr:"htmlBody"`
	Subject        string          `expr:"subject"`
	Auto           bool            `expr:"auto"`
	SentAt         time.Time       `expr:"sentAt"`
	CreatedAt      time.Time       `expr:"createdAt"`
	UpdatedAt      time.Time       `expr:"updatedAt"`
	Attachments    []AttachmentRef `expr:"attachments"`
	ConversationID string          `expr:"conversationId"`
	CustomerID     string          `expr:"customerId"`
	CreatedByID    string          `expr:"createdById"`
	// Truncated is true when neither body nor htmlBody was sent and Body
	// holds only the preview.
	Truncated bool           `expr:"truncated"`
	Extra     map[string]any `expr:"attributes"`
}

// Note is an internal note on a conversation; it becomes a private comment.
type Note struct {
	ID             string         `expr:"id"`
	Body           string         `expr:"body"`
	CreatedAt      time.Time      `expr:"createdAt"`
	UpdatedAt      time.Time      `expr:"updatedAt"`
	ConversationID string         `expr:"conversationId"`
	CustomerID     string         `expr:"customerId"`
	CreatedByID    string         `expr:"createdById"`
	Extra          map[string]any `expr:"attributes"`
}

// Property is one attribute definition of a Klass.
type Property struct {
	Name        string `expr:"name"`
	Type        string `expr:"type"`
	DisplayName string `expr:"displayName"`
	// Kind is the type given by the name's suffix (Str, Txt, Num, At, Bool,
	// Url, Id), or "" when the name has none.
	Kind string `expr:"kind"`
}

// Klass is a Kustomer custom object type; it becomes a Zendesk custom
// object (or several, when it has more fields than Zendesk allows).
type Klass struct {
	ID          string         `expr:"id"`
	Name        string         `expr:"name"`
	DisplayName string         `expr:"displayName"`
	Status      string         `expr:"status"`
	Properties  []Property     `expr:"properties"`
	CreatedAt   time.Time      `expr:"createdAt"`
	UpdatedAt   time.Time      `expr:"updatedAt"`
	Extra       map[string]any `expr:"attributes"`
}

// KObject is one record of a Klass; it becomes a custom object record.
type KObject struct {
	ID          string         `expr:"id"`
	Title       string         `expr:"title"`
	Description string         `expr:"description"`
	ExternalID  string         `expr:"externalId"`
	Custom      Custom         `expr:"custom"`
	Tags        []string       `expr:"tags"`
	CreatedAt   time.Time      `expr:"createdAt"`
	UpdatedAt   time.Time      `expr:"updatedAt"`
	KlassID     string         `expr:"klassId"`
	KlassName   string         `expr:"klassName"`
	CustomerID  string         `expr:"customerId"`
	CompanyID   string         `expr:"companyId"`
	Extra       map[string]any `expr:"attributes"`
}

// Attachment is the metadata of an attachment file.
type Attachment struct {
	ID            string         `expr:"id"`
	Name          string         `expr:"name"`
	ContentType   string         `expr:"contentType"`
	ContentLength int64          `expr:"contentLength"`
	MessageID     string         `expr:"messageId"`
	Extra         map[string]any `expr:"attributes"`
}

// Decode turns a resource envelope into its typed record (a pointer to one
// of the types above).
func Decode(r *Resource) (any, error) {
	d := newDecoder(r)
	var out any
	switch r.Type {
	case "conversation_attribute", "customer_attribute", "company_attribute":
		out = decodeAttribute(r, d)
	case "company":
		c := &Company{ID: r.ID, Name: d.str("name"), ExternalID: d.str("externalId"),
			Domains: d.strs("domains"), Tags: d.strs("tags"), Custom: d.custom(),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
		c.Extra = d.extra()
		out = c
	case "customer":
		c := &Customer{ID: r.ID, Name: d.str("name"), DisplayName: d.str("displayName"),
			ExternalID: d.str("externalId"), Locale: d.str("locale"), TimeZone: d.str("timeZone"),
			Tags: d.strs("tags"), Custom: d.custom(),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt"), CompanyID: d.rel("company")}
		d.into("emails", &c.Emails)
		d.into("phones", &c.Phones)
		c.Extra = d.extra()
		out = c
	case "user":
		u := &User{ID: r.ID, Name: d.str("name"), DisplayName: d.str("displayName"),
			Email: d.str("email"), UserType: d.str("userType"), Roles: d.strs("roles"),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
		u.Extra = d.extra()
		out = u
	case "team":
		t := &Team{ID: r.ID, Name: d.str("name"), DisplayName: d.str("displayName"),
			Members: d.strs("members"), CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
		t.Extra = d.extra()
		out = t
	case "conversation":
		c := &Conversation{ID: r.ID, Name: d.str("name"), Status: d.str("status"),
			Priority: d.integer("priority"), AssignedUsers: d.strs("assignedUsers"),
			AssignedTeams: d.strs("assignedTeams"), Tags: d.strs("tags"), Channels: d.strs("channels"),
			Direction: d.str("direction"), MessageCount: d.integer("messageCount"),
			NoteCount: d.integer("noteCount"), Custom: d.custom(),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt"), EndedAt: d.time("endedAt"),
			CustomerID: d.rel("customer"), CreatedByID: d.rel("createdBy"), Deleted: d.boolean("deleted")}
		if raw, ok := d.raw("snooze"); ok {
			var s struct {
				Time   string `json:"time"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				d.fail("snooze", typeError(err))
			} else {
				c.Snooze.Status = s.Status
				if s.Time != "" {
					t, err := ParseTime(s.Time)
					if err != nil {
						d.fail("snooze.time", err)
					}
					c.Snooze.Time = t
				}
			}
		}
		c.Extra = d.extra()
		out = c
	case "message":
		m := &Message{ID: r.ID, Channel: d.str("channel"), Direction: d.str("direction"),
			Preview: d.str("preview"), Body: d.str("body"), HTMLBody: d.str("htmlBody"),
			Subject: d.str("subject"), Auto: d.boolean("auto"), SentAt: d.time("sentAt"),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt"),
			ConversationID: d.rel("conversation"), CustomerID: d.rel("customer"), CreatedByID: d.rel("createdBy")}
		d.into("attachments", &m.Attachments)
		if m.Body == "" && m.HTMLBody == "" && m.Preview != "" {
			m.Body, m.Truncated = m.Preview, true
		}
		m.Extra = d.extra()
		out = m
	case "note":
		n := &Note{ID: r.ID, Body: d.str("body"), CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt"),
			ConversationID: d.rel("conversation"), CustomerID: d.rel("customer"), CreatedByID: d.rel("createdBy")}
		n.Extra = d.extra()
		out = n
	case "klass":
		k := &Klass{ID: r.ID, Name: d.str("name"), DisplayName: d.str("displayName"), Status: d.str("status"),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt")}
		var meta struct {
			Properties map[string]struct {
				Type        string `json:"type"`
				DisplayName string `json:"displayName"`
			} `json:"properties"`
		}
		d.into("metadata", &meta)
		for _, name := range SortedKeys(meta.Properties) {
			p := meta.Properties[name]
			k.Properties = append(k.Properties, Property{Name: name, Type: p.Type, DisplayName: p.DisplayName, Kind: CustomKind(name)})
		}
		k.Extra = d.extra()
		out = k
	case "kobject":
		o := &KObject{ID: r.ID, Title: d.str("title"), Description: d.str("description"),
			ExternalID: d.str("externalId"), Custom: d.custom(), Tags: d.strs("tags"),
			CreatedAt: d.time("createdAt"), UpdatedAt: d.time("updatedAt"),
			KlassID: d.rel("klass"), CustomerID: d.rel("customer"), CompanyID: d.rel("company")}
		if rel, ok := r.Relationships["klass"]; ok {
			if self := rel.Links["self"]; self != "" {
				o.KlassName = self[strings.LastIndex(self, "/")+1:]
			}
		}
		o.Extra = d.extra()
		out = o
	case "attachment":
		a := &Attachment{ID: r.ID, Name: d.str("name"), ContentType: d.str("contentType"), MessageID: d.rel("message")}
		a.ContentLength = int64(d.integer("contentLength"))
		a.Extra = d.extra()
		out = a
	case "kb_category":
		out = decodeKBCategory(r, d)
	case "kb_article":
		out = decodeKBArticle(r, d)
	case "media":
		out = decodeMedia(r, d)
	default:
		return nil, &DecodeError{Type: r.Type, ID: r.ID, Err: fmt.Errorf("unknown resource type")}
	}
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}

// DecodeJSON parses and decodes one resource.
func DecodeJSON(data []byte) (any, error) {
	r, err := ParseResource(data)
	if err != nil {
		return nil, err
	}
	return Decode(r)
}

// GoType returns the Go type of records of the given Kustomer type.
func GoType(typ string) (reflect.Type, bool) {
	t, ok := goTypes[typ]
	return t, ok
}

var goTypes = map[string]reflect.Type{
	"company":      reflect.TypeFor[Company](),
	"customer":     reflect.TypeFor[Customer](),
	"user":         reflect.TypeFor[User](),
	"team":         reflect.TypeFor[Team](),
	"conversation": reflect.TypeFor[Conversation](),
	"message":      reflect.TypeFor[Message](),
	"note":         reflect.TypeFor[Note](),
	"klass":        reflect.TypeFor[Klass](),
	"kobject":      reflect.TypeFor[KObject](),
	"attachment":   reflect.TypeFor[Attachment](),
	"kb_category":  reflect.TypeFor[KBCategory](),
	"kb_article":   reflect.TypeFor[KBArticle](),
	"media":        reflect.TypeFor[Media](),

	"conversation_attribute": reflect.TypeFor[Attribute](),
	"customer_attribute":     reflect.TypeFor[Attribute](),
	"company_attribute":      reflect.TypeFor[Attribute](),
}

// Fields lists the expression names of a record type's fields, in
// declaration order.
func Fields(typ string) []string {
	t, ok := goTypes[typ]
	if !ok {
		return nil
	}
	return exprNames(t)
}

func exprNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if n := t.Field(i).Tag.Get("expr"); n != "" {
			names = append(names, n)
		}
	}
	return names
}
