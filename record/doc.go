// Package record is the typed model of Kustomer resources as they come out
// of the API and the export directory, and the environment that mapping
// expressions are compiled against. Every resource keeps its raw JSON and
// the attributes the model does not name, so nothing the source sent is lost.
// Decoding never panics: malformed input becomes an error that names the
// resource and the attribute.
package record
