// Package engine turns a compiled mapping and a Kustomer snapshot into a
// plan of Zendesk writes, and (in its sub-packages) applies and verifies
// it. It streams: one conversation and its messages at a time, never a
// whole organisation in memory. It knows no terminal: commands hand its
// results to views.
package engine
