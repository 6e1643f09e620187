package dataset

// Edge names one ugly case of real Kustomer data that a migration must
// survive. Summary.Edges counts the records that show each one.
type Edge string

// The edge cases, from the migration guide and the format document.
const (
	// Customers and their identities.
	EdgeSharedEmail Edge = "shared-email"       // two customers with the same email
	EdgeCaseEmail   Edge = "case-variant-email" // Bob@X.com on one customer, bob@x.com on another
	// EdgeSharedOther is a customer listing, besides its own email, the
	// primary email of another customer (Kustomer allows it; Zendesk keeps
	// an email on one user, and merging by the primary email does not
	// group them).
	EdgeSharedOther   Edge = "shared-other-email"
	EdgeMultiEmail    Edge = "multi-email"    // a customer with several emails
	EdgeMultiPhone    Edge = "multi-phone"    // a customer with several phones
	EdgePhoneOnly     Edge = "phone-only"     // phones but no email
	EdgeNoContact     Edge = "no-contact"     // neither email nor phone
	EdgeMachineUser   Edge = "machine-user"   // a user of userType machine
	EdgeTeamMembers   Edge = "team-members"   // a team with members
	EdgeCompanyCustom Edge = "company-custom" // a company with custom attributes
	// Companies whose names differ only in case or surrounding space
	// ("Acme Corp", "ACME CORP", "Acme Corp "): one organization to Zendesk.
	EdgeCompanyNameVariant Edge = "company-name-variant"

	// Conversations.
	EdgeMultiAssignee Edge = "multi-assignee"      // several assignedUsers
	EdgeDeletedAgent  Edge = "deleted-agent"       // assignedUsers or createdBy naming a user not in users.ndjson
	EdgeEmptyConv     Edge = "empty-conversation"  // messageCount 0
	EdgeHugeConv      Edge = "huge-conversation"   // more than 5,000 messages (Zendesk's comment cap)
	EdgeArchiveOnly   Edge = "archive-only"        // updatedAt older than now - 730 days
	EdgeSameUpdatedAt Edge = "repeated-updated-at" // at least 10 records of one type share an updatedAt
	EdgeTagSpaces     Edge = "tag-with-spaces"
	EdgeTagMixedCase  Edge = "tag-mixed-case"

	// Messages and attachments.
	EdgeLongBody      Edge = "long-body"       // body over 65,535 characters (Zendesk's comment cap)
	EdgeEmptyBody     Edge = "empty-body"      // an attachment-only message with an empty body
	EdgePreviewOnly   Edge = "preview-only"    // neither body nor htmlBody: only the truncated preview
	EdgeInlineImage   Edge = "inline-image"    // htmlBody <img> pointing at an attachment URL
	EdgeExternalImage Edge = "external-image"  // htmlBody <img> on another host
	EdgeAttachment    Edge = "attachment"      // an attachment with its file
	EdgeMissingFile   Edge = "missing-file"    // an attachment whose file is absent from files/
	EdgeEmoji         Edge = "emoji"           // including ZWJ sequences and skin tones
	EdgeRTL           Edge = "rtl"             // Arabic or Hebrew text
	EdgeCombining     Edge = "combining-marks" // decomposed accents, stacked marks
	EdgeZeroWidth     Edge = "zero-width"      // U+200B..U+200D, U+2060, U+FEFF inside text
	// Bodies of 65,535, 65,536 and 65,537 characters, ASCII and multibyte,
	// with and without htmlBody, and HTML with an inline image near the
	// limit (edge profile).
	EdgeBoundaryBody Edge = "boundary-body"
	// An attachment named without an extension, or with one its content
	// type contradicts ("no_extension" of a PNG).
	EdgeOddFileName Edge = "odd-file-name"

	// Klasses and KObjects.
	EdgeKlassAllSuffixes Edge = "klass-all-suffixes" // attributes of every suffix: Str Txt Num At Bool Url Id
	EdgeWideKlass        Edge = "wide-klass"         // more than 100 attributes (Zendesk's field cap)
	EdgeDisabledKlass    Edge = "disabled-klass"
	EdgeLargeKObject     Edge = "large-kobject" // a KObject line over 32 KB (Zendesk's record cap)

	// Custom attributes (edge profile).
	EdgeCustomAllSuffixes Edge = "custom-all-suffixes" // a conversation with attributes of every suffix
	EdgeUnfitCustom       Edge = "unfit-custom-value"  // a value that does not fit its suffix (text in a Num, a date that does not parse)
)

// Edges returns every edge case the generator knows, in a fixed order.
func Edges() []Edge {
	return []Edge{
		EdgeSharedEmail, EdgeCaseEmail, EdgeMultiEmail, EdgeMultiPhone,
		EdgePhoneOnly, EdgeNoContact, EdgeMachineUser, EdgeTeamMembers, EdgeCompanyCustom, EdgeCompanyNameVariant,
		EdgeMultiAssignee, EdgeDeletedAgent, EdgeEmptyConv, EdgeHugeConv,
		EdgeArchiveOnly, EdgeSameUpdatedAt, EdgeTagSpaces, EdgeTagMixedCase,
		EdgeLongBody, EdgeEmptyBody, EdgePreviewOnly, EdgeInlineImage, EdgeExternalImage,
		EdgeAttachment, EdgeMissingFile, EdgeOddFileName, EdgeEmoji, EdgeRTL, EdgeCombining, EdgeZeroWidth, EdgeBoundaryBody,
		EdgeKlassAllSuffixes, EdgeWideKlass, EdgeDisabledKlass, EdgeLargeKObject, EdgeCustomAllSuffixes, EdgeUnfitCustom,
	}
}

// Limits the edge cases are defined against.
const (
	HugeConversationMessages = 5000  // a huge conversation has more messages than this
	LongBodyChars            = 65535 // a long body has more characters than this
	LargeKObjectBytes        = 32 << 10
	ArchiveAfterDays         = 730
	SameUpdatedAtRecords     = 10
)
