package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/kzmap/kzmap/dsl"
)

// MappingHash identifies what evaluating the mapping reads: the tokens of
// every mapping file, modules included, without comments and formatting,
// and the values of the input variables. Editing a test file, a comment or
// the layout leaves a saved plan valid; editing an expression, a table or
// a setting makes it stale.
func MappingHash(cfg *dsl.Config) string {
	h := sha256.New()
	for _, n := range slices.Sorted(maps.Keys(cfg.Files)) {
		if strings.HasSuffix(n, dsl.TestSuffix) {
			continue
		}
		name := n
		if rel, err := filepath.Rel(cfg.Dir, n); err == nil && filepath.IsLocal(rel) {
			name = rel // the directory may move; a plan stays valid
		}
		fmt.Fprintf(h, "file %s\x00", name)
		newline := false
		toks, _ := hclsyntax.LexConfig(cfg.Files[n].Bytes, n, hcl.InitialPos)
		for _, tok := range toks {
			typ, b := tok.Type, tok.Bytes
			if typ == hclsyntax.TokenComment {
				// A line comment ends its line: it stands as a newline.
				if !bytes.HasSuffix(b, []byte("\n")) {
					continue
				}
				typ, b = hclsyntax.TokenNewline, []byte("\n")
			}
			if typ == hclsyntax.TokenNewline {
				if newline {
					continue
				}
				newline = true
			} else {
				newline = false
			}
			fmt.Fprintf(h, "%d:%d:", typ, len(b))
			h.Write(b)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Variables)) {
		v, err := ctyjson.Marshal(cfg.Variables[name].Value, cfg.Variables[name].Value.Type())
		if err != nil {
			v = []byte(cfg.Variables[name].Value.GoString())
		}
		fmt.Fprintf(h, "var %s\x00%s\x00", name, v)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
