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
// a setting makes it stale. The state block is left out: where the
// checkpoint lives is not what the mapping does, and moving it (state
// migrate) keeps the plans made before valid.
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
		skip, only := stateBlocks(cfg.Files[n])
		if only {
			continue // a file that holds only the state block adds nothing
		}
		fmt.Fprintf(h, "file %s\x00", name)
		newline := false
		toks, _ := hclsyntax.LexConfig(cfg.Files[n].Bytes, n, hcl.InitialPos)
		for _, tok := range toks {
			typ, b := tok.Type, tok.Bytes
			if inRanges(skip, tok.Range.Start.Byte) {
				continue
			}
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

// stateBlocks are the byte ranges of a file's state blocks, and whether
// the file holds nothing else.
func stateBlocks(f *hcl.File) (ranges []hcl.Range, only bool) {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, false
	}
	for _, b := range body.Blocks {
		if b.Type == "state" {
			ranges = append(ranges, b.Range())
		}
	}
	return ranges, len(ranges) > 0 && len(ranges) == len(body.Blocks) && len(body.Attributes) == 0
}

func inRanges(rs []hcl.Range, at int) bool {
	for _, r := range rs {
		if at >= r.Start.Byte && at < r.End.Byte {
			return true
		}
	}
	return false
}
