package zendesksim

import "time"

// The types below are the JSON objects the API returns; Dump returns them
// too, so a test sees exactly what a client would read back. Times are
// whole seconds in UTC, as Zendesk renders them.

// Organization is an organization object.
type Organization struct {
	ID                 int64          `json:"id"`
	URL                string         `json:"url"`
	Name               string         `json:"name"`
	ExternalID         *string        `json:"external_id"`
	DomainNames        []string       `json:"domain_names"`
	Details            *string        `json:"details"`
	Notes              *string        `json:"notes"`
	GroupID            *int64         `json:"group_id"`
	SharedTickets      bool           `json:"shared_tickets"`
	SharedComments     bool           `json:"shared_comments"`
	Tags               []string       `json:"tags"`
	OrganizationFields map[string]any `json:"organization_fields"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// User is a user object.
type User struct {
	ID             int64          `json:"id"`
	URL            string         `json:"url"`
	Name           string         `json:"name"`
	Email          *string        `json:"email"`
	ExternalID     *string        `json:"external_id"`
	Role           string         `json:"role"`
	RoleType       *int           `json:"role_type"`
	OrganizationID *int64         `json:"organization_id"`
	Phone          *string        `json:"phone"`
	Details        *string        `json:"details"`
	Notes          *string        `json:"notes"`
	Locale         string         `json:"locale"`
	TimeZone       string         `json:"time_zone"`
	Tags           []string       `json:"tags"`
	UserFields     map[string]any `json:"user_fields"`
	Active         bool           `json:"active"`
	Verified       bool           `json:"verified"`
	Suspended      bool           `json:"suspended"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Identity is a user identity object.
type Identity struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	UserID    int64     `json:"user_id"`
	Type      string    `json:"type"`
	Value     string    `json:"value"`
	Verified  bool      `json:"verified"`
	Primary   bool      `json:"primary"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Group is a group object.
type Group struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Default     bool      `json:"default"`
	Deleted     bool      `json:"deleted"`
	IsPublic    bool      `json:"is_public"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// GroupMembership is a group membership object.
type GroupMembership struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	UserID    int64     `json:"user_id"`
	GroupID   int64     `json:"group_id"`
	Default   bool      `json:"default"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Attachment is an attachment object. The simulator keeps the size and a
// SHA-256 of the bytes, not the bytes.
type Attachment struct {
	ID               int64  `json:"id"`
	URL              string `json:"url"`
	FileName         string `json:"file_name"`
	ContentURL       string `json:"content_url"`
	MappedContentURL string `json:"mapped_content_url"`
	ContentType      string `json:"content_type"`
	Size             int64  `json:"size"`
	Width            *int   `json:"width"`
	Height           *int   `json:"height"`
	Inline           bool   `json:"inline"`
	Deleted          bool   `json:"deleted"`
	Thumbnails       []any  `json:"thumbnails"`
	SHA256           string `json:"-"`
}

// Upload is a pending upload: its token and the files sent under it.
type Upload struct {
	Token       string       `json:"token"`
	Attachments []Attachment `json:"attachments"`
	ExpiresAt   time.Time    `json:"expires_at"`
	Used        bool         `json:"used"`
}

// Via says how a ticket or comment was created.
type Via struct {
	Channel string    `json:"channel"`
	Source  ViaSource `json:"source"`
}

// ViaSource is the source part of Via.
type ViaSource struct {
	From map[string]any `json:"from"`
	To   map[string]any `json:"to"`
	Rel  *string        `json:"rel"`
}

// CustomField is one ticket custom field value.
type CustomField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// Ticket is a ticket object.
type Ticket struct {
	ID                   int64         `json:"id"`
	URL                  string        `json:"url"`
	ExternalID           *string       `json:"external_id"`
	Type                 *string       `json:"type"`
	Subject              *string       `json:"subject"`
	RawSubject           *string       `json:"raw_subject"`
	Description          string        `json:"description"`
	Priority             *string       `json:"priority"`
	Status               string        `json:"status"`
	Recipient            *string       `json:"recipient"`
	RequesterID          int64         `json:"requester_id"`
	SubmitterID          int64         `json:"submitter_id"`
	AssigneeID           *int64        `json:"assignee_id"`
	OrganizationID       *int64        `json:"organization_id"`
	GroupID              *int64        `json:"group_id"`
	CollaboratorIDs      []int64       `json:"collaborator_ids"`
	FollowerIDs          []int64       `json:"follower_ids"`
	EmailCCIDs           []int64       `json:"email_cc_ids"`
	ProblemID            *int64        `json:"problem_id"`
	HasIncidents         bool          `json:"has_incidents"`
	IsPublic             bool          `json:"is_public"`
	DueAt                *time.Time    `json:"due_at"`
	Tags                 []string      `json:"tags"`
	CustomFields         []CustomField `json:"custom_fields"`
	SatisfactionRating   any           `json:"satisfaction_rating"`
	SharingAgreementIDs  []int64       `json:"sharing_agreement_ids"`
	CustomStatusID       *int64        `json:"custom_status_id"`
	TicketFormID         *int64        `json:"ticket_form_id"`
	BrandID              *int64        `json:"brand_id"`
	AllowChannelback     bool          `json:"allow_channelback"`
	AllowAttachments     bool          `json:"allow_attachments"`
	FromMessagingChannel bool          `json:"from_messaging_channel"`
	Via                  Via           `json:"via"`
	CreatedAt            time.Time     `json:"created_at"`
	UpdatedAt            time.Time     `json:"updated_at"`
	GeneratedTimestamp   int64         `json:"generated_timestamp"`
}

// Comment is a ticket comment object.
type Comment struct {
	ID          int64          `json:"id"`
	Type        string         `json:"type"`
	AuthorID    int64          `json:"author_id"`
	Body        string         `json:"body"`
	HTMLBody    string         `json:"html_body"`
	PlainBody   string         `json:"plain_body"`
	Public      bool           `json:"public"`
	Attachments []Attachment   `json:"attachments"`
	AuditID     int64          `json:"audit_id"`
	Via         Via            `json:"via"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"created_at"`
}

// CustomObject is a custom object definition.
type CustomObject struct {
	Key               string    `json:"key"`
	URL               string    `json:"url"`
	Title             string    `json:"title"`
	TitlePluralized   string    `json:"title_pluralized"`
	Description       string    `json:"description"`
	RawTitle          string    `json:"raw_title"`
	RawTitlePlural    string    `json:"raw_title_pluralized"`
	RawDescription    string    `json:"raw_description"`
	IncludeInListView bool      `json:"include_in_list_view"`
	CreatedByUserID   string    `json:"created_by_user_id"`
	UpdatedByUserID   string    `json:"updated_by_user_id"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// FieldOption is one option of a dropdown or multiselect field.
type FieldOption struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CustomObjectField is a custom object field definition.
type CustomObjectField struct {
	ID                     int64         `json:"id"`
	URL                    string        `json:"url"`
	Key                    string        `json:"key"`
	Type                   string        `json:"type"`
	Title                  string        `json:"title"`
	Description            string        `json:"description"`
	Active                 bool          `json:"active"`
	System                 bool          `json:"system"`
	Position               int           `json:"position"`
	CustomFieldOptions     []FieldOption `json:"custom_field_options,omitempty"`
	RelationshipTargetType string        `json:"relationship_target_type,omitempty"`
	RegexpForValidation    *string       `json:"regexp_for_validation,omitempty"`
	CreatedAt              time.Time     `json:"created_at"`
	UpdatedAt              time.Time     `json:"updated_at"`
}

// CustomObjectRecord is a custom object record.
type CustomObjectRecord struct {
	ID                 string         `json:"id"`
	URL                string         `json:"url"`
	Name               string         `json:"name"`
	ExternalID         *string        `json:"external_id"`
	CustomObjectKey    string         `json:"custom_object_key"`
	CustomObjectFields map[string]any `json:"custom_object_fields"`
	CreatedByUserID    string         `json:"created_by_user_id"`
	UpdatedByUserID    string         `json:"updated_by_user_id"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// JobStatus is a job status object.
type JobStatus struct {
	ID       string      `json:"id"`
	URL      string      `json:"url"`
	JobType  string      `json:"job_type"`
	Status   string      `json:"status"`
	Total    *int        `json:"total"`
	Progress *int        `json:"progress"`
	Message  *string     `json:"message"`
	Results  []JobResult `json:"results"`
}

// JobResult is one entry of a job's results, addressed by the item's
// index in the request. Successful creates carry id and index
// (CreateResourceResult); creates-or-updates and updates add action,
// status and success (UpdateResourceResult); failures carry action,
// success false, error and details (FailedResult), plus id when the item
// named an existing resource. ID is an integer for Support resources and a
// string for custom object records.
type JobResult struct {
	ID      any    `json:"id,omitempty"`
	Index   int    `json:"index"`
	Action  string `json:"action,omitempty"`
	Status  string `json:"status,omitempty"`
	Success *bool  `json:"success,omitempty"`
	Error   string `json:"error,omitempty"`
	Details string `json:"details,omitempty"`
}

// TicketState is a ticket as Dump sees it: the ticket object, its
// comments in order, and whether it went straight to the archive.
type TicketState struct {
	Ticket
	Comments []Comment `json:"comments"`
	Archived bool      `json:"archived"`
}

// CustomObjectState is a custom object with its fields and records.
type CustomObjectState struct {
	CustomObject
	Fields  []CustomObjectField  `json:"fields"`
	Records []CustomObjectRecord `json:"records"`
}

// State is the whole simulated account, ordered by id.
type State struct {
	Organizations      []Organization      `json:"organizations"`
	Users              []User              `json:"users"`
	Identities         []Identity          `json:"identities"`
	Groups             []Group             `json:"groups"`
	GroupMemberships   []GroupMembership   `json:"group_memberships"`
	Tickets            []TicketState       `json:"tickets"`
	TicketFields       []Field             `json:"ticket_fields"`
	UserFields         []Field             `json:"user_fields"`
	OrganizationFields []Field             `json:"organization_fields"`
	DeletedTicketIDs   []int64             `json:"deleted_ticket_ids"` // soft-deleted, restorable
	PurgedTicketIDs    []int64             `json:"purged_ticket_ids"`  // deleted permanently
	Uploads            []Upload            `json:"uploads"`
	CustomObjects      []CustomObjectState `json:"custom_objects"`
	Jobs               []JobStatus         `json:"jobs"`
	HelpCenter         HelpCenterState     `json:"help_center"`
	// Emails are the notifications the standard triggers would have sent.
	Emails []Email `json:"emails"`
	// Flags are the rules of a faithful migration that requests broke
	// while Zendesk accepted them; a clean run has none.
	Flags []Flag `json:"flags"`
}

// Flag is damage Zendesk does not refuse: the request succeeds, and what
// it left behind is wrong (a thread that goes back in time, a file whose
// name hides its type). The simulator notes each one so tests can say a
// migration left none.
type Flag struct {
	Rule   string `json:"rule"`   // one of the Flag* rules
	Where  string `json:"where"`  // the record: "ticket 12 (external_id …)", "upload report"
	Detail string `json:"detail"` // what is wrong, in words
}

// The rules the simulator flags.
const (
	// FlagFieldDropped: a value for a ticket, user or organization field
	// the account does not have. Zendesk drops it without a word.
	FlagFieldDropped = "field_value_dropped"

	// FlagCommentOrder: an import whose comments go back in time. Zendesk
	// keeps comments in the order given, so the thread reads out of order.
	FlagCommentOrder = "comments_out_of_order"
	// FlagUploadName: an upload whose file name's extension does not
	// match its Content-Type (or that has none) [upload names].
	FlagUploadName = "upload_name_mismatch"
	// FlagHCIgnored: a Help Center write sent a field its endpoint does
	// not change (an article's title, body or draft on PUT article, a
	// category's name on PUT category, read-only dates). Zendesk answers
	// 200 and keeps what it had.
	FlagHCIgnored = "help_center_field_ignored"
)

// set copies a field a request gave (src not nil) into dst: an absent
// field leaves the resource as it was.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// setPtr is set for a field the resource keeps as a pointer (null in JSON
// when never given).
func setPtr[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}
