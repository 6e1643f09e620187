// Package apply executes a plan against Zendesk: in dependency order, in
// batches of up to 100 through the bulk and import endpoints, throttled by
// the server's own headers (through the zendesk client's limiter), and
// exactly once across crashes. Every batch is recorded in the checkpoint
// as in flight before it is sent; on the next run, batches left in flight
// are resolved by asking Zendesk what exists before anything is sent again.
// Records Zendesk refuses go to the dead letters with its reason, and the
// run goes on.
package apply
