package engine

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/engine/planfile"
)

// Hazards are what a plan warns about: one entry per kind of risk, with a
// count, a few examples and where in the mapping it arises. The catalog
// below is the one place a hazard's severity and wording are written; call
// sites name a code, an example and the mapping block that raised it.

// Severities of hazards.
const (
	SevError   = "error"
	SevWarning = "warning"
	SevInfo    = "info"
)

type hazardSpec struct {
	severity, message string
}

// catalog is every hazard a plan may carry.
var catalog = map[string]hazardSpec{
	// Source data.
	"malformed_records": {SevError, "Kustomer records that could not be read"},
	"mapping_errors":    {SevError, "records whose mapping failed (fix the mapping, then plan again)"},
	"unwritable":        {SevError, "records that cannot be written (apply skips them and lists them as dead letters)"},

	// People and organizations.
	"users_merged":             {SevInfo, "customers sharing an email become one Zendesk user (every customer id maps to it)"},
	"user_emails_taken":        {SevWarning, "emails that another customer or agent holds already (Zendesk keeps an email on one user; merge_by groups by the primary email only): the later customer is written without it"},
	"agent_emails_taken":       {SevError, "Kustomer users whose email another user holds already: Zendesk keeps an email on one user, so they are not written"},
	"organizations_merged":     {SevInfo, "companies whose names differ only in case or surrounding space become one Zendesk organization (Zendesk keeps names unique; every company id maps to it)"},
	"organization_names_taken": {SevError, "companies named like another (ignoring case and surrounding space): Zendesk would refuse them as taken (merge them with merge_by)"},
	"cannot_update":            {SevWarning, "records that changed where Zendesk allows no change (a group membership is its two ids): left as they are"},
	"tickets_deleted":          {SevWarning, "conversations deleted in Kustomer: their tickets are deleted in Zendesk, and removed from its deleted tickets"},
	"tickets_replaced":         {SevInfo, "conversations that changed in Kustomer: re-imported whole in place of their tickets (comments keep their own times; no trigger runs, nobody is emailed)"},
	"appended_publicly":        {SevWarning, "tickets that get public comments by an update (on_change = \"append\"): Zendesk's triggers email the customer a copy, and the comments carry the time of the update"},
	"conflicts":                {SevWarning, "records changed in Zendesk after kzmap wrote them (found by a refresh): the mapping's change is not written over them (on_conflict = \"overwrite\" on the block writes it)"},

	// Custom fields.
	"unfit_attribute_values":     {SevWarning, "custom attribute values that do not fit their name's type (text in a Num, a date that does not parse): their records keep them, and each that cannot be written to its field is listed below"},
	"field_values_unconvertible": {SevWarning, "field values that cannot be converted to their field's type (or are not one of a dropdown's options): not sent, the rest of the record is"},
	"field_values_without_field": {SevWarning, "field values naming an attribute no field block maps: not sent (add a field block, or leave the attribute out)"},
	"fields_mapped_twice":        {SevWarning, "custom attributes two field blocks map: the first block's field is kept"},

	// Groups.
	"memberships_without_agent": {SevInfo, "team members that are not migrated agents (deleted or machine users): no membership"},
	"memberships_without_group": {SevWarning, "memberships of a team that is not mapped to a group"},

	// Custom objects.
	"klasses_split":          {SevInfo, "Klasses over the fields of one custom object become several linked objects (max_fields)"},
	"custom_object_limit":    {SevError, "more custom objects than the plan tier allows (filter Klasses with when, or set a larger plan in target \"zendesk\")"},
	"records_without_object": {SevError, "custom object records whose object key is empty"},
	"records_truncated":      {SevWarning, "custom object records over 32 KB whose longest text fields were shortened to fit (on_oversize = \"truncate\")"},
	"records_over_32kb":      {SevError, "custom object records over Zendesk's 32 KB (map fewer or shorter fields)"},

	// Tickets.
	"no_requester":          {SevError, "conversations without a requester cannot be imported"},
	"missing_requester":     {SevError, "conversations whose customer is missing from the snapshot cannot be imported (extract customers again)"},
	"departed_assignees":    {SevWarning, "conversations assigned to an agent who no longer exists: no assignee, the id kept as tag kz_departed_assignee_<id>"},
	"unmapped_groups":       {SevWarning, "conversations of a team that is not mapped to a group: no group, the id kept as tag kz_team_<id>"},
	"assignee_not_in_group": {SevWarning, "assignees who are not members of the conversation's team: Zendesk would refuse the pair, so the group is dropped and kept as tag kz_team_<id>"},
	"closed_tickets":        {SevWarning, "tickets imported as closed can never be changed again in Zendesk"},
	"empty_conversations":   {SevInfo, "conversations without messages get one private comment saying so (Zendesk needs a description)"},
	"conversations_split":   {SevInfo, "conversations over the split size (split_at) become linked tickets (tag kz_conversation_<id>)"},
	"no_sla":                {SevInfo, "imported tickets carry no SLA metrics and run no triggers until updated (Zendesk's rule for imports)"},
	"archive_immediately":   {SevInfo, "closed tickets go straight to Zendesk's archive (archive_immediately): they are not in views, only in search"},

	// Comments.
	"comments_skipped":      {SevError, "messages or notes that could not be read or mapped (the ticket is imported without them)"},
	"truncated_messages":    {SevWarning, "messages with only Kustomer's preview (first 200 characters): the full body was not available"},
	"comments_without_text": {SevInfo, "messages without text (an attachment alone, say) get a line saying so: Zendesk refuses an empty comment"},
	"departed_authors":      {SevWarning, "comments by agents or customers that no longer exist: written by the importing admin, the ticket tagged kz_departed_author_<id>"},
	"bodies_split":          {SevInfo, "bodies over 65,535 characters (inline images counted as re-hosted) are split into consecutive comments, HTML cut between elements (the full text survives)"},
	"bodies_split_as_text":  {SevWarning, "HTML bodies over 65,535 characters that cannot be cut between elements are split as plain text (the text survives, the formatting does not)"},
	"bodies_attached":       {SevInfo, "bodies over 65,535 characters are attached as a file, with the start of the text in the comment"},
	// Knowledge base.
	"hc_dates_not_kept":               {SevInfo, "articles whose original dates Help Center cannot keep (created_at and updated_at are read-only): the template writes them where a reader sees them"},
	"hc_articles_archived":            {SevWarning, "articles deleted in Kustomer: archived in the Help Center"},
	"hc_articles_without_section":     {SevError, "articles whose section no hc_section block makes (not written)"},
	"hc_sections_without_category":    {SevError, "sections whose category no hc_category block makes (not written)"},
	"hc_translations_without_article": {SevWarning, "translations of articles no hc_article block writes (not written)"},
	"hc_translations_twice":           {SevWarning, "translations of an article in a locale it already has (the first is kept)"},
	"kb_missing_media":                {SevWarning, "images and files an article embeds whose file is not in the snapshot (missing in Kustomer): removed from the body"},
	"kb_links_unresolved":             {SevWarning, "links to articles that are deleted or not in the knowledge base: the text stays, the link goes (it would point at Kustomer)"},
	"attachments_renamed":             {SevInfo, "attachments whose name lacks the extension of their type get it added (the comment keeps the original name)"},
}

// maxExamples bounds the examples kept per hazard, so a plan over millions
// of records keeps flat memory.
const maxExamples = 5

// Hazards collects what a plan should warn about.
type Hazards struct {
	byCode map[string]*planfile.Hazard
}

// NewHazards returns an empty collection.
func NewHazards() *Hazards { return &Hazards{byCode: map[string]*planfile.Hazard{}} }

func (h *Hazards) entry(code string, at hcl.Range) *planfile.Hazard {
	hz := h.byCode[code]
	if hz == nil {
		spec, ok := catalog[code]
		if !ok {
			panic("engine: hazard " + code + " is not in the catalog")
		}
		hz = &planfile.Hazard{Code: code, Severity: spec.severity, Message: spec.message}
		if at.Filename != "" {
			hz.Pos = fmt.Sprintf("%s:%d:%d", at.Filename, at.Start.Line, at.Start.Column)
		}
		h.byCode[code] = hz
	}
	return hz
}

// Add counts one occurrence of a hazard raised by the mapping block at
// (the zero range when no block is to blame), keeping a few examples.
func (h *Hazards) Add(code string, at hcl.Range, example string) {
	hz := h.entry(code, at)
	hz.Count++
	if len(hz.Examples) < maxExamples && example != "" {
		hz.Examples = append(hz.Examples, example)
	}
}

// Note records a hazard that is a fact about n records as a whole.
func (h *Hazards) Note(code string, at hcl.Range, n int) {
	if _, ok := h.byCode[code]; !ok {
		h.entry(code, at).Count = n
	}
}

// List returns the hazards, errors first, then warnings, then by code.
func (h *Hazards) List() []planfile.Hazard {
	rank := map[string]int{SevError: 0, SevWarning: 1, SevInfo: 2}
	out := make([]planfile.Hazard, 0, len(h.byCode))
	for _, hz := range h.byCode {
		out = append(out, *hz)
	}
	sort.Slice(out, func(i, j int) bool {
		if rank[out[i].Severity] != rank[out[j].Severity] {
			return rank[out[i].Severity] < rank[out[j].Severity]
		}
		return out[i].Code < out[j].Code
	})
	return out
}
