// Package kind is the vocabulary plan, apply, verify, destroy and the
// commands share: the Zendesk record kinds kzmap writes, in the one order
// they are written in, what apply can do to each, and the actions a plan
// holds. Mapping kinds are the dsl's block types; comment is one of them
// but not a kind of its own here: comments are written with their tickets.
package kind

import "slices"

// Kind is a Zendesk record kind kzmap writes.
type Kind string

// The kinds, in dependency order (spec/rules.md, rule 16).
const (
	OrganizationField  Kind = "organization_field"
	Organization       Kind = "organization"
	UserField          Kind = "user_field"
	User               Kind = "user"
	Group              Kind = "group"
	GroupMembership    Kind = "group_membership"
	CustomObject       Kind = "custom_object"
	TicketField        Kind = "ticket_field"
	Ticket             Kind = "ticket"
	CustomObjectRecord Kind = "custom_object_record"
	// The Help Center's: they refer to users (authors) only.
	HCCategory    Kind = "hc_category"
	HCSection     Kind = "hc_section"
	HCArticle     Kind = "hc_article"
	HCAttachment  Kind = "hc_attachment" // an image an article embeds, re-hosted
	HCTranslation Kind = "hc_translation"
)

// Comment is the mapping kind of a ticket's comments: not a Kind, since
// comments are written with their ticket.
const Comment = "comment"

// All lists the kinds in the order they are written: a kind refers only to
// kinds before it. Plan, apply, verify and destroy (in reverse) use it.
var All = []Kind{OrganizationField, Organization, UserField, User, Group, GroupMembership, CustomObject, TicketField, Ticket, CustomObjectRecord,
	HCCategory, HCSection, HCArticle, HCAttachment, HCTranslation}

// Engine says whether the engine makes records of the kind on its own,
// with no block of their own: an article's attachments come from the
// images its translations embed.
func (k Kind) Engine() bool { return k == HCAttachment }

// HelpCenter says whether the kind is the Help Center's (its own API and
// rate limit).
func (k Kind) HelpCenter() bool {
	return k == HCCategory || k == HCSection || k == HCArticle || k == HCAttachment || k == HCTranslation
}

// Fields are the custom field kinds, each with the Kustomer resource whose
// custom attributes it describes and the kind whose records carry them.
var Fields = map[Kind]FieldKind{
	TicketField:       {"conversation", Ticket, "custom_fields"},
	UserField:         {"customer", User, "user_fields"},
	OrganizationField: {"company", Organization, "organization_fields"},
}

// FieldKind is what a field kind describes and where its values go.
type FieldKind struct {
	Resource string // the Kustomer resource: conversation, customer, company
	Carrier  Kind   // the kind whose records hold values of the fields
	Values   string // the carrier's payload attribute holding them
}

// Carried is the field kind whose values records of k hold.
func Carried(k Kind) (FieldKind, bool) {
	for _, f := range Fields {
		if f.Carrier == k {
			return f, true
		}
	}
	return FieldKind{}, false
}

// AttributeSource is the source type of a resource's custom attributes
// ("conversation_attribute"): what field records come from, and what a
// record's field values refer to.
func AttributeSource(resource string) string { return resource + "_attribute" }

// FieldSource is the source type by which a field resolves from its key
// ("customer_field"): a carrier's payload names its fields by key.
func FieldSource(resource string) string { return resource + "_field" }

// Names lists the kinds' names, in order.
func Names() []string {
	out := make([]string, len(All))
	for i, k := range All {
		out[i] = string(k)
	}
	return out
}

// Parse reads a kind's name.
func Parse(s string) (Kind, bool) {
	k := Kind(s)
	return k, slices.Contains(All, k)
}

// Of is the kind a mapping block of the dsl writes: its own, or a ticket
// for a comment.
func Of(mappingKind string) (Kind, bool) {
	if mappingKind == Comment {
		return Ticket, true
	}
	return Parse(mappingKind)
}

// Index is the kind's place in All (len(All) for an unknown kind).
func (k Kind) Index() int {
	if i := slices.Index(All, k); i >= 0 {
		return i
	}
	return len(All)
}

// Updatable says whether apply can change a record of the kind once it
// exists. A plan offers an update only where it is; a group membership is
// only a pair of ids, which a change of makes another membership.
func (k Kind) Updatable() bool { return k != GroupMembership && k != HCAttachment }

// Deletable says whether destroy deletes records of the kind: Zendesk's
// bulk deletes exist for tickets and custom object records; users,
// organizations, groups and custom objects are left to the admin (users
// with tickets cannot be deleted, and a deleted user is only suspended).
func (k Kind) Deletable() bool { return k == Ticket || k == CustomObjectRecord || k.HelpCenter() }

// Aliased says whether the Kustomer records a record of the kind came from
// resolve to it (a team to its group, not to the group's memberships).
func (k Kind) Aliased() bool { return k != GroupMembership && k != HCAttachment && k != HCTranslation }

// Action is what a plan does with one desired record.
type Action string

// The actions of a plan.
const (
	Create         Action = "create"
	Update         Action = "update"
	AppendComments Action = "append_comments" // new comments on an imported ticket
	// Replace re-imports a changed ticket with its whole thread and
	// deletes the one it replaces, as one exactly-once operation.
	Replace Action = "replace"
	// Delete deletes a ticket whose conversation was deleted in Kustomer,
	// and removes it from the deleted tickets.
	Delete     Action = "delete"
	Noop       Action = "noop"       // Zendesk already has it as planned
	Unwritable Action = "unwritable" // it cannot be written: the plan says why
	// Adopt is not planned: apply takes over a record Zendesk already
	// holds instead of creating it, in a batch of its own.
	Adopt Action = "adopt"
)

// Changes says whether the action writes something.
func (a Action) Changes() bool { return a != Noop && a != Unwritable }
