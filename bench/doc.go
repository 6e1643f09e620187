// Package bench holds kzmap's performance proofs: Go benchmarks that run
// the real engine against generated data and the simulators, and report
// the figures the design's targets are stated in. run.sh runs them in
// separate processes (so peak memory is each one's own) and prints a table.
package bench
