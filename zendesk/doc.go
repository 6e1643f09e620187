// Package zendesk is kzmap's client for the Zendesk Support API: typed
// requests for what a migration writes and reads back (organizations,
// users and identities, groups and memberships, uploads, ticket imports,
// custom objects, job statuses, and the Help Center's knowledge base),
// Zendesk's error shapes decoded into *APIError, and bulk requests
// followed through their jobs to one result per item, matched by index.
//
// Every request waits on a shared throttle.Limiter and reports the answer
// to it, so the server's rate limit headers and Retry-After drive the
// pace; Help Center requests wait on a limiter of their own, as Zendesk
// counts them apart. A request is repeated (exponential backoff, full
// jitter) only when that is safe: reads, idempotent writes, and requests
// that were refused (429) or never left; any other failure after sending
// is a MaybeSentError, for the caller to resolve by asking Zendesk.
//
// Credentials come from Config (or FromEnv) and go only into the
// Authorization header: Config, Client and every error print without
// them. The client knows nothing of plans or mappings.
package zendesk
