package zendesk

import "time"

// The types below are both what kzmap sends and what Zendesk answers.
// Fields that only Zendesk sets (ids, urls, timestamps on most objects)
// are omitted from requests when zero; a field whose false or empty value
// must be sendable is a pointer.

// Organization is an organization.
type Organization struct {
	ID                 int64          `json:"id,omitempty"`
	URL                string         `json:"url,omitempty"`
	Name               string         `json:"name,omitempty"`
	ExternalID         string         `json:"external_id,omitempty"`
	DomainNames        []string       `json:"domain_names,omitempty"`
	Details            string         `json:"details,omitempty"`
	Notes              string         `json:"notes,omitempty"`
	GroupID            int64          `json:"group_id,omitempty"`
	SharedTickets      *bool          `json:"shared_tickets,omitempty"`
	SharedComments     *bool          `json:"shared_comments,omitempty"`
	Tags               []string       `json:"tags,omitempty"`
	OrganizationFields map[string]any `json:"organization_fields,omitempty"`
	CreatedAt          time.Time      `json:"created_at,omitzero"`
	UpdatedAt          time.Time      `json:"updated_at,omitzero"`
}

// User is an end user, agent or admin. Identities and SkipVerifyEmail are
// request-only: the identities to add on create, and whether to skip the
// verification email.
type User struct {
	ID              int64          `json:"id,omitempty"`
	URL             string         `json:"url,omitempty"`
	Name            string         `json:"name,omitempty"`
	Email           string         `json:"email,omitempty"`
	ExternalID      string         `json:"external_id,omitempty"`
	Role            string         `json:"role,omitempty"` // end-user, agent, admin
	CustomRoleID    int64          `json:"custom_role_id,omitempty"`
	OrganizationID  int64          `json:"organization_id,omitempty"`
	Phone           string         `json:"phone,omitempty"`
	Details         string         `json:"details,omitempty"`
	Notes           string         `json:"notes,omitempty"`
	Locale          string         `json:"locale,omitempty"`
	TimeZone        string         `json:"time_zone,omitempty"`
	Tags            []string       `json:"tags,omitempty"`
	UserFields      map[string]any `json:"user_fields,omitempty"`
	Verified        *bool          `json:"verified,omitempty"`
	Suspended       *bool          `json:"suspended,omitempty"`
	Active          *bool          `json:"active,omitempty"`
	Identities      []Identity     `json:"identities,omitempty"`
	SkipVerifyEmail bool           `json:"skip_verify_email,omitempty"`
	CreatedAt       time.Time      `json:"created_at,omitzero"`
	UpdatedAt       time.Time      `json:"updated_at,omitzero"`
}

// Identity is a user's email, phone number or other identity.
type Identity struct {
	ID              int64     `json:"id,omitempty"`
	URL             string    `json:"url,omitempty"`
	UserID          int64     `json:"user_id,omitempty"`
	Type            string    `json:"type"` // email, phone_number, twitter, facebook, google, agent_forwarding
	Value           string    `json:"value"`
	Verified        *bool     `json:"verified,omitempty"`
	Primary         *bool     `json:"primary,omitempty"`
	SkipVerifyEmail bool      `json:"skip_verify_email,omitempty"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
}

// Group is an agent group.
type Group struct {
	ID          int64     `json:"id,omitempty"`
	URL         string    `json:"url,omitempty"`
	Name        string    `json:"name,omitempty"`
	Description string    `json:"description,omitempty"`
	IsPublic    *bool     `json:"is_public,omitempty"`
	Default     bool      `json:"default,omitempty"`
	Deleted     bool      `json:"deleted,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// GroupMembership puts an agent in a group.
type GroupMembership struct {
	ID        int64     `json:"id,omitempty"`
	URL       string    `json:"url,omitempty"`
	UserID    int64     `json:"user_id"`
	GroupID   int64     `json:"group_id"`
	Default   *bool     `json:"default,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// CustomField is a ticket field value.
type CustomField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// Comment is a ticket comment. On import, CreatedAt keeps the original
// time and Public false makes an internal note; Uploads carries upload
// tokens. Attachments and the ids are Zendesk's.
type Comment struct {
	ID          int64        `json:"id,omitempty"`
	Type        string       `json:"type,omitempty"`
	AuthorID    int64        `json:"author_id,omitempty"`
	Body        string       `json:"body,omitempty"`
	HTMLBody    string       `json:"html_body,omitempty"`
	PlainBody   string       `json:"plain_body,omitempty"`
	Public      *bool        `json:"public,omitempty"`
	Uploads     []string     `json:"uploads,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	CreatedAt   time.Time    `json:"created_at,omitzero"`
}

// TicketImport is a ticket for the Ticket Import API: original
// timestamps, all comments at once, no triggers or notifications.
type TicketImport struct {
	ExternalID      string        `json:"external_id,omitempty"`
	Subject         string        `json:"subject,omitempty"`
	Description     string        `json:"description,omitempty"`
	Status          string        `json:"status,omitempty"`   // new, open, pending, hold, solved, closed
	Priority        string        `json:"priority,omitempty"` // urgent, high, normal, low
	Type            string        `json:"type,omitempty"`     // problem, incident, question, task
	RequesterID     int64         `json:"requester_id,omitempty"`
	SubmitterID     int64         `json:"submitter_id,omitempty"`
	AssigneeID      int64         `json:"assignee_id,omitempty"`
	GroupID         int64         `json:"group_id,omitempty"`
	OrganizationID  int64         `json:"organization_id,omitempty"`
	CollaboratorIDs []int64       `json:"collaborator_ids,omitempty"`
	FollowerIDs     []int64       `json:"follower_ids,omitempty"`
	Tags            []string      `json:"tags,omitempty"`
	CustomFields    []CustomField `json:"custom_fields,omitempty"`
	Comments        []Comment     `json:"comments,omitempty"`
	CreatedAt       time.Time     `json:"created_at,omitzero"`
	UpdatedAt       time.Time     `json:"updated_at,omitzero"`
	SolvedAt        time.Time     `json:"solved_at,omitzero"`
	DueAt           time.Time     `json:"due_at,omitzero"`
}

// TicketUpdate changes a ticket; Comment adds one.
type TicketUpdate struct {
	Comment        *Comment      `json:"comment,omitempty"`
	Status         string        `json:"status,omitempty"`
	Priority       string        `json:"priority,omitempty"`
	Type           string        `json:"type,omitempty"`
	Subject        string        `json:"subject,omitempty"`
	ExternalID     string        `json:"external_id,omitempty"`
	AssigneeID     int64         `json:"assignee_id,omitempty"`
	GroupID        int64         `json:"group_id,omitempty"`
	Tags           []string      `json:"tags,omitempty"`
	AdditionalTags []string      `json:"additional_tags,omitempty"`
	RemoveTags     []string      `json:"remove_tags,omitempty"`
	CustomFields   []CustomField `json:"custom_fields,omitempty"`
}

// Ticket is a ticket as Zendesk returns it. Description is the first
// comment's body.
type Ticket struct {
	ID             int64         `json:"id"`
	URL            string        `json:"url"`
	ExternalID     string        `json:"external_id"`
	Type           string        `json:"type"`
	Subject        string        `json:"subject"`
	Description    string        `json:"description"`
	Priority       string        `json:"priority"`
	Status         string        `json:"status"`
	RequesterID    int64         `json:"requester_id"`
	SubmitterID    int64         `json:"submitter_id"`
	AssigneeID     int64         `json:"assignee_id"`
	OrganizationID int64         `json:"organization_id"`
	GroupID        int64         `json:"group_id"`
	Tags           []string      `json:"tags"`
	CustomFields   []CustomField `json:"custom_fields"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// NewTicket is a ticket for POST /api/v2/tickets (not an import).
type NewTicket struct {
	ExternalID     string        `json:"external_id,omitempty"`
	Subject        string        `json:"subject,omitempty"`
	Comment        *Comment      `json:"comment,omitempty"`
	Status         string        `json:"status,omitempty"`
	Priority       string        `json:"priority,omitempty"`
	RequesterID    int64         `json:"requester_id,omitempty"`
	AssigneeID     int64         `json:"assignee_id,omitempty"`
	GroupID        int64         `json:"group_id,omitempty"`
	OrganizationID int64         `json:"organization_id,omitempty"`
	Tags           []string      `json:"tags,omitempty"`
	CustomFields   []CustomField `json:"custom_fields,omitempty"`
}

// Attachment is a file attached to a comment (or waiting in an upload).
type Attachment struct {
	ID               int64  `json:"id,omitempty"`
	URL              string `json:"url,omitempty"`
	FileName         string `json:"file_name,omitempty"`
	ContentURL       string `json:"content_url,omitempty"`
	MappedContentURL string `json:"mapped_content_url,omitempty"`
	ContentType      string `json:"content_type,omitempty"`
	Size             int64  `json:"size,omitempty"`
	Inline           bool   `json:"inline,omitempty"`
}

// Upload is an upload token and the files sent under it. The token is
// valid for 60 minutes and is spent by the comment that names it.
type Upload struct {
	Token       string       `json:"token"`
	Attachment  Attachment   `json:"attachment"`
	Attachments []Attachment `json:"attachments"`
}

// CustomObject is a custom object (the new Custom Objects API).
type CustomObject struct {
	Key               string    `json:"key"`
	URL               string    `json:"url,omitempty"`
	Title             string    `json:"title"`
	TitlePluralized   string    `json:"title_pluralized"`
	Description       string    `json:"description,omitempty"`
	IncludeInListView *bool     `json:"include_in_list_view,omitempty"`
	CreatedAt         time.Time `json:"created_at,omitzero"`
	UpdatedAt         time.Time `json:"updated_at,omitzero"`
}

// CustomObjectField is a field of a custom object. Type is one of text,
// textarea, checkbox, date, integer, decimal, regexp, dropdown, lookup,
// multiselect.
type CustomObjectField struct {
	ID                     int64         `json:"id,omitempty"`
	URL                    string        `json:"url,omitempty"`
	Key                    string        `json:"key"`
	Type                   string        `json:"type"`
	Title                  string        `json:"title"`
	Description            string        `json:"description,omitempty"`
	Active                 *bool         `json:"active,omitempty"`
	System                 bool          `json:"system,omitempty"`
	Position               int           `json:"position,omitempty"`
	CustomFieldOptions     []FieldOption `json:"custom_field_options,omitempty"`
	RelationshipTargetType string        `json:"relationship_target_type,omitempty"` // zen:user, zen:organization, zen:ticket, zen:custom_object:KEY
	RelationshipFilter     any           `json:"relationship_filter,omitempty"`
	RegexpForValidation    string        `json:"regexp_for_validation,omitempty"`
	CreatedAt              time.Time     `json:"created_at,omitzero"`
	UpdatedAt              time.Time     `json:"updated_at,omitzero"`
}

// FieldOption is an option of a dropdown or multiselect field.
type FieldOption struct {
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CustomObjectRecord is a record of a custom object. Its id is a string.
type CustomObjectRecord struct {
	ID                 string         `json:"id,omitempty"`
	URL                string         `json:"url,omitempty"`
	Name               string         `json:"name,omitempty"`
	ExternalID         string         `json:"external_id,omitempty"`
	CustomObjectKey    string         `json:"custom_object_key,omitempty"`
	CustomObjectFields map[string]any `json:"custom_object_fields,omitempty"`
	CreatedAt          time.Time      `json:"created_at,omitzero"`
	UpdatedAt          time.Time      `json:"updated_at,omitzero"`
}

// Limit is a count against a limit (custom objects per account, fields
// per object).
type Limit struct {
	Count int `json:"count"`
	Limit int `json:"limit"`
}
