package zendesk

// What a Zendesk account allows, in one place (spec/zendesk.md has each
// fact with its source). The planner, apply and the audit read these; the
// simulator enforces the same rules with constants of its own, on purpose:
// a client cannot read its server's code, and a test whose client and
// server shared one wrong constant would pass.
const (
	// MaxBatch is the most items a bulk endpoint takes: imports, users,
	// organizations and memberships create_many, custom object jobs,
	// show_many.
	MaxBatch = 100
	// MaxJobs is the most bulk jobs queued or running at once.
	MaxJobs = 30
	// MaxUploadBytes is the largest file an upload takes (50 MB).
	MaxUploadBytes = 50 << 20
	// MaxArticleAttachmentBytes is the largest Help Center article
	// attachment (20 MB).
	MaxArticleAttachmentBytes = 20 << 20
	// MaxCommentsPerTicket counts public and private comments together.
	MaxCommentsPerTicket = 5000
	// MaxCommentChars is the most characters a comment's body or
	// html_body holds, as sent (the figure migration guides give).
	MaxCommentChars = 65535
	// MaxRecordBytes is the largest custom object record.
	MaxRecordBytes = 32 << 10
	// MaxFieldsPerObject is the most fields of a custom object (standard
	// fields not counted).
	MaxFieldsPerObject = 100
	// TicketUpdatesPerMinute is the account's limit of ticket updates
	// (300 with High Volume).
	TicketUpdatesPerMinute = 100

	// ExportsPerMinute is the limit of incremental export requests (30
	// with the High Volume add-on) [RL-DOC]; ExportPage the most tickets a
	// page holds (spec/zendesk.md §10).
	ExportsPerMinute = 10
	ExportPage       = 1000

	// ExactCount is the figure below which Zendesk's counts are exact: a
	// larger count is refreshed once a day [OAS CountTickets].
	ExactCount = 100_000
)

// ObjectLimits is the number of custom objects an account may have, by
// plan tier.
var ObjectLimits = map[string]int{
	"team": 3, "growth": 5, "professional": 30, "enterprise": 50, "enterprise_plus": 50, "high_volume": 30,
}

// RateLimits is the account's requests per minute, by plan tier.
var RateLimits = map[string]int{
	"team": 200, "growth": 400, "professional": 400, "enterprise": 700, "enterprise_plus": 2500, "high_volume": 2500,
}
