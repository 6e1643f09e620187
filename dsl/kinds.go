package dsl

// ResultType is what a mapping attribute's expression must produce.
type ResultType int

const (
	TString     ResultType = iota // a string (or nil, meaning "not set")
	TBool                         // true or false
	TNumber                       // an integer or a float
	TStringList                   // a list of strings
	TTime                         // a time.Time or an ISO-8601 string
	TMap                          // a map with string keys
	TList                         // a list of anything (for_each)
	TRef                          // a Kustomer source id, resolved by the engine
	TRefList                      // a list of Kustomer source ids
)

func (t ResultType) String() string {
	switch t {
	case TString:
		return "a string"
	case TBool:
		return "a boolean"
	case TNumber:
		return "a number"
	case TStringList:
		return "a list of strings"
	case TTime:
		return "a timestamp"
	case TMap:
		return "a map"
	case TList:
		return "a list"
	case TRef:
		return "a Kustomer id (string)"
	case TRefList:
		return "a list of Kustomer ids"
	}
	return "a value"
}

// AttrSpec describes one expression attribute of a mapping kind.
type AttrSpec struct {
	Name     string
	Type     ResultType
	Required bool
	Enum     []string // allowed string values, checked when the value is known
	Doc      string
}

// OptionSpec describes one static (plain HCL) attribute of a mapping kind.
type OptionSpec struct {
	Name    string
	Type    string // "number", "string", "bool"
	Enum    []string
	Default any
	Doc     string
}

// KindSpec is the schema of one mapping block type.
type KindSpec struct {
	Kind    string
	From    []string // Kustomer record types the block may read
	Doc     string
	Attrs   []AttrSpec
	Options []OptionSpec
}

// Attr returns the attribute spec named n.
func (k *KindSpec) Attr(n string) (AttrSpec, bool) {
	for _, a := range k.Attrs {
		if a.Name == n {
			return a, true
		}
	}
	return AttrSpec{}, false
}

// Option returns the option spec named n.
func (k *KindSpec) Option(n string) (OptionSpec, bool) {
	for _, o := range k.Options {
		if o.Name == n {
			return o, true
		}
	}
	return OptionSpec{}, false
}

var common = []AttrSpec{
	{Name: "when", Type: TBool, Doc: "only records for which this is true are mapped"},
}

// Kinds lists the mapping block types in load order: a kind only refers to
// kinds before it (spec/rules.md, rule 16: organizations, users, groups,
// memberships, custom object schemas, tickets, custom object records).
var Kinds = []*KindSpec{
	fieldKind("organization_field", "company_attribute", "A Zendesk organization field, one per custom attribute of companies the block maps (records: company_attribute).",
		"the field key: letters, digits and underscores, not digits only; an existing field with this key is adopted", fieldTypes),
	{
		Kind: "organization", From: []string{"company"},
		Doc: "A Zendesk organization.",
		Attrs: append([]AttrSpec{
			{Name: "name", Type: TString, Required: true, Doc: "organization name; Zendesk keeps names unique ignoring case"},
			{Name: "external_id", Type: TString, Doc: "the source id, for idempotency and rollback"},
			{Name: "merge_by", Type: TString, Doc: "records with the same non-empty key (trimmed, ignoring case) become one Zendesk organization; without it, a name another company took is unwritable"},
			{Name: "domain_names", Type: TStringList},
			{Name: "tags", Type: TStringList},
			{Name: "details", Type: TString},
			{Name: "notes", Type: TString},
			{Name: "organization_fields", Type: TMap, Doc: "custom attribute name → value, written to the organization_field made from that attribute"},
		}, common...),
	},
	fieldKind("user_field", "customer_attribute", "A Zendesk user field, one per custom attribute of customers the block maps (records: customer_attribute).",
		"the field key: letters, digits and underscores, not digits only; an existing field with this key is adopted", fieldTypes),
	{
		Kind: "user", From: []string{"customer", "user"},
		Doc: "A Zendesk user: an end user from a customer, or an agent from a Kustomer user.",
		Attrs: append([]AttrSpec{
			{Name: "name", Type: TString, Required: true},
			{Name: "email", Type: TString, Doc: "primary email; Zendesk allows one user per email"},
			{Name: "identities", Type: TStringList, Doc: "further emails and phone numbers; an entry with @ is an email, any other a phone"},
			{Name: "phone", Type: TString},
			{Name: "external_id", Type: TString},
			{Name: "merge_by", Type: TString, Doc: "records with the same non-empty key (trimmed, ignoring case) become one Zendesk user"},
			{Name: "role", Type: TString, Enum: []string{"end-user", "agent", "admin"}},
			{Name: "organization", Type: TRef, Doc: "the Kustomer company id of the user's organization"},
			{Name: "tags", Type: TStringList},
			{Name: "locale", Type: TString},
			{Name: "time_zone", Type: TString},
			{Name: "notes", Type: TString},
			{Name: "details", Type: TString},
			{Name: "verified", Type: TBool},
			{Name: "user_fields", Type: TMap, Doc: "custom attribute name → value, written to the user_field made from that attribute"},
		}, common...),
	},
	{
		Kind: "group", From: []string{"team"},
		Doc: "A Zendesk group.",
		Attrs: append([]AttrSpec{
			{Name: "name", Type: TString, Required: true},
			{Name: "description", Type: TString},
		}, common...),
	},
	{
		Kind: "group_membership", From: []string{"team"},
		Doc: "Agent-in-group memberships; for_each gives one membership per element.",
		Attrs: append([]AttrSpec{
			{Name: "for_each", Type: TList, Doc: "one membership per element, available as each"},
			{Name: "user", Type: TRef, Required: true, Doc: "the Kustomer user id of the agent"},
			{Name: "group", Type: TRef, Required: true, Doc: "the Kustomer team id of the group"},
		}, common...),
	},
	{
		Kind: "custom_object", From: []string{"klass"},
		Doc: "A Zendesk custom object schema made from a Klass.",
		Attrs: append([]AttrSpec{
			{Name: "key", Type: TString, Required: true, Doc: "the object key: letters, digits and underscores"},
			{Name: "title", Type: TString, Required: true},
			{Name: "title_pluralized", Type: TString},
			{Name: "description", Type: TString},
		}, common...),
		Options: []OptionSpec{
			{Name: "max_fields", Type: "number", Default: 100, Doc: "fields per object before the Klass is split into linked objects (their records split the same way)"},
		},
	},
	fieldKind("ticket_field", "conversation_attribute", "A Zendesk ticket field, one per custom attribute of conversations the block maps (records: conversation_attribute).",
		"kzmap's name for the field (ticket fields have no key in Zendesk): it makes the tags of the options unique; an existing field with the same title is adopted", ticketFieldTypes),
	{
		Kind: "ticket", From: []string{"conversation"},
		Doc: "A ticket imported through the Ticket Import API.",
		Attrs: append([]AttrSpec{
			{Name: "subject", Type: TString},
			{Name: "status", Type: TString, Required: true, Enum: []string{"new", "open", "pending", "hold", "solved", "closed"}},
			{Name: "priority", Type: TString, Enum: []string{"low", "normal", "high", "urgent"}},
			{Name: "type", Type: TString, Enum: []string{"problem", "incident", "question", "task"}},
			{Name: "requester", Type: TRef, Required: true, Doc: "the Kustomer customer id of the requester"},
			{Name: "assignee", Type: TRef, Doc: "the Kustomer user id of the one assignee"},
			{Name: "group", Type: TRef, Doc: "the Kustomer team id of the group"},
			{Name: "tags", Type: TStringList},
			{Name: "external_id", Type: TString},
			{Name: "created_at", Type: TTime},
			{Name: "updated_at", Type: TTime},
			{Name: "solved_at", Type: TTime},
			{Name: "custom_fields", Type: TMap, Doc: "custom attribute name → value, written to the ticket_field made from that attribute"},
		}, common...),
		Options: []OptionSpec{
			{Name: "split_at", Type: "number", Default: 4000, Doc: "comments per ticket before a conversation is split into linked tickets (Zendesk's cap is 5,000)"},
			{Name: "archive_immediately", Type: "bool", Default: false, Doc: "send closed tickets straight to the archive"},
			{Name: "on_conflict", Type: "string", Enum: []string{"keep", "overwrite"}, Default: "keep", Doc: "a ticket changed in Zendesk after kzmap wrote it (found by a refresh) is kept as it is, or overwritten by the mapping's change"},
			{Name: "on_change", Type: "string", Enum: []string{"reimport", "append_private", "append"}, Default: "reimport", Doc: "a conversation that changed in Kustomer is re-imported whole in place of its ticket (comments keep their times, no trigger runs), or its new comments are appended as private notes, or appended publicly (which notifies the customer)"},
		},
	},
	{
		Kind: "comment", From: []string{"message", "note"},
		Doc: "A comment of the ticket made from the record's conversation, ordered by created_at then source id.",
		Attrs: append([]AttrSpec{
			{Name: "body", Type: TString, Doc: "plain text body"},
			{Name: "html_body", Type: TString, Doc: "HTML body; inline images are re-hosted at apply"},
			{Name: "public", Type: TBool, Required: true},
			{Name: "author", Type: TRef, Doc: "the Kustomer customer or user id of the author"},
			{Name: "created_at", Type: TTime, Required: true},
			{Name: "attachments", Type: TRefList, Doc: "Kustomer attachment ids to upload and link"},
		}, common...),
		Options: []OptionSpec{
			{Name: "long_body", Type: "string", Enum: []string{"split", "attach"}, Default: "split", Doc: "a body over 65,535 characters becomes consecutive comments, or an attached file"},
		},
	},
	{
		Kind: "custom_object_record", From: []string{"kobject"},
		Doc: "A record of a custom object made from a KObject.",
		Attrs: append([]AttrSpec{
			{Name: "object", Type: TString, Required: true, Doc: "the key of the target custom object"},
			{Name: "name", Type: TString, Required: true},
			{Name: "external_id", Type: TString},
			{Name: "fields", Type: TMap, Doc: "custom object field key → value"},
			{Name: "user", Type: TRef, Doc: "lookup: the Kustomer customer id (a kz_customer lookup field to the Zendesk user)"},
			{Name: "organization", Type: TRef, Doc: "lookup: the Kustomer company id (a kz_company lookup field to the Zendesk organization)"},
		}, common...),
		Options: []OptionSpec{
			{Name: "on_oversize", Type: "string", Enum: []string{"report", "truncate"}, Default: "report",
				Doc: "a record still over Zendesk's 32 KB in its own object is reported and not written, or has its longest text fields shortened to fit (the cut reported)"},
		},
	},
	{
		Kind: "hc_category", From: []string{"kb_category"},
		Doc: "A Help Center category, made from a knowledge base category (the default template: each top-level one, and the hidden root when articles sit directly in it).",
		Attrs: append([]AttrSpec{
			{Name: "name", Type: TString, Required: true},
			{Name: "description", Type: TString},
			{Name: "locale", Type: TString, Required: true, Doc: "a locale the Help Center has enabled (en-us, de…)"},
			{Name: "position", Type: TNumber},
		}, common...),
	},
	{
		Kind: "hc_section", From: []string{"kb_category"},
		Doc: "A Help Center section, made from a knowledge base category. Help Center has categories → sections → articles: the default template makes a section of each second-level category and folds deeper ones into it (their articles go to that section, the deeper category's title a label).",
		Attrs: append([]AttrSpec{
			{Name: "category", Type: TRef, Required: true, Doc: "the Kustomer category id whose hc_category holds the section"},
			{Name: "name", Type: TString, Required: true},
			{Name: "description", Type: TString},
			{Name: "locale", Type: TString, Required: true},
			{Name: "position", Type: TNumber},
		}, common...),
	},
	{
		Kind: "hc_article", From: []string{"kb_article"},
		Doc: "A Help Center article, one per Kustomer article; its text is in its hc_translation blocks. Soft-deleted articles are not migrated (one already in Zendesk is archived).",
		Attrs: append([]AttrSpec{
			{Name: "section", Type: TRef, Required: true, Doc: "the Kustomer category id whose hc_section holds the article (record: section)"},
			{Name: "locale", Type: TString, Required: true, Doc: "the source locale: the translation the article is created with"},
			{Name: "title", Type: TString, Required: true, Doc: "the source locale's title, sent on create"},
			{Name: "permission_group", Type: TString, Required: true, Doc: "the name of the Guide permission group that may edit it"},
			{Name: "user_segment", Type: TString, Doc: "the name of the user segment that may read it; null: everyone"},
			{Name: "draft", Type: TBool, Doc: "created as a draft (Zendesk sets it only on create; later, each translation's draft)"},
			{Name: "label_names", Type: TStringList},
			{Name: "author", Type: TRef, Doc: "the Kustomer user id of the author (an agent)"},
			{Name: "promoted", Type: TBool},
			{Name: "position", Type: TNumber},
		}, common...),
	},
	{
		Kind: "hc_translation", From: []string{"kb_article"},
		Doc: "The translations of a Help Center article, one per element of for_each (the article's language versions). Images the body embeds are re-hosted as article attachments and links to other articles point at their Help Center articles, at apply.",
		Attrs: append([]AttrSpec{
			{Name: "for_each", Type: TList, Required: true, Doc: "one translation per element, available as each (record: versions)"},
			{Name: "locale", Type: TString, Required: true},
			{Name: "title", Type: TString, Required: true},
			{Name: "body", Type: TString, Doc: "HTML body"},
			{Name: "draft", Type: TBool},
		}, common...),
	},
}

// The Zendesk field types of each resource (spec/zendesk.md §11).
var (
	ticketFieldTypes = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "tagger", "multiselect"}
	fieldTypes       = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown", "multiselect"}
)

// fieldKind is the spec of a ticket_field, user_field or
// organization_field block: one field per custom attribute it maps.
func fieldKind(kind, from, doc, keyDoc string, types []string) *KindSpec {
	return &KindSpec{Kind: kind, From: []string{from}, Doc: doc,
		Attrs: append([]AttrSpec{
			{Name: "key", Type: TString, Required: true, Doc: keyDoc},
			{Name: "type", Type: TString, Required: true, Enum: types},
			{Name: "title", Type: TString, Required: true},
			{Name: "description", Type: TString},
			{Name: "options", Type: TStringList, Doc: "a dropdown's options: the Kustomer values, each one option (its value a tag made from the key and the value)"},
		}, common...),
	}
}

// KindSpecFor returns the spec of a block type.
func KindSpecFor(kind string) (*KindSpec, bool) {
	for _, k := range Kinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return nil, false
}

func kindOrder(kind string) int {
	for i, k := range Kinds {
		if k.Kind == kind {
			return i
		}
	}
	return len(Kinds)
}
