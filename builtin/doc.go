// Package builtin is the function library of mapping expressions: one
// registry of pure, documented functions (contacts, lists, text, HTML, time,
// Kustomer and Zendesk names) that the dsl installs into expr with Options
// and whose documented examples run as tests. It also names the expr
// builtins that read the clock or depend on map order, so the dsl can
// disable them and plans stay deterministic.
package builtin
