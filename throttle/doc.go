// Package throttle paces the requests kzmap sends to one rate-limited API.
// A Limiter is shared by every worker that spends the same server budget;
// each worker calls Wait before a request and Observe with the response,
// and the Limiter spreads requests evenly at Share of the limit the server
// announces, stops when the server says the window is spent, and sends
// nothing before a Retry-After has elapsed.
//
// It reads Zendesk's headers (ratelimit-limit/-remaining/-reset,
// X-Rate-Limit, X-Rate-Limit-Remaining, zendesk-ratelimit-<name>) and
// Kustomer's (x-ratelimit-limit/-remaining/-reset), and Retry-After on 429
// and 503 answers. Endpoint limits, such as Zendesk's 100 ticket updates a
// minute, are named sub-limiters (Endpoint) that also spend from the
// account budget. The clock and timers are injectable, so tests run a
// minute of traffic in microseconds.
package throttle
