// Package mappings embeds the mapping templates users start from (`kzmap
// init --template NAME`) and reuse as modules (`source = "template:NAME"`).
// Each directory here is one template and carries its own tests; CI runs
// `kzmap validate`, `kzmap fmt --check` and `kzmap test` on every one.
package mappings

import (
	"embed"
	"io/fs"
)

//go:embed all:default all:ecommerce all:acme all:helpcenter
var files embed.FS

// FS returns the templates, one directory per template.
func FS() fs.FS { return files }

// Names lists the templates.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}
