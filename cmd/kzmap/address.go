package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
)

// Addresses name one record the way Terraform names a resource instance:
// the mapping block and the source id, ticket.conversation["<id>"]. The
// checkpoint's key is the same thing as block:id.

// address is a checkpoint key as an address.
func address(k kind.Kind, key string) string {
	block, id, ok := strings.Cut(key, ":")
	if !ok {
		return string(k) + "[" + strconv.Quote(key) + "]"
	}
	return block + "[" + strconv.Quote(id) + "]"
}

// parseAddress reads an address, or a checkpoint key (block:id), into a
// kind and a key.
func parseAddress(s string) (kind.Kind, string, error) {
	var block, id string
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		q, err := strconv.Unquote(s[i+1 : len(s)-1])
		if err != nil {
			return "", "", fmt.Errorf("address %s: the source id in brackets must be quoted, as in ticket.conversation[\"5f…\"]", s)
		}
		block, id = s[:i], q
	} else if b, rest, ok := strings.Cut(s, ":"); ok {
		block, id = b, rest
	} else {
		return "", "", fmt.Errorf("address %s: want BLOCK[\"SOURCE_ID\"], for example ticket.conversation[\"5f…\"] (kzmap state list prints them)", s)
	}
	name, _, _ := strings.Cut(block, ".")
	k, ok := kind.Of(name)
	if !ok || !strings.Contains(block, ".") {
		return "", "", fmt.Errorf("address %s: %q is not a mapping block (KIND.NAME, kinds: %s)", s, block, strings.Join(kind.Names(), ", "))
	}
	return k, block + ":" + id, nil
}

// matches says whether an address falls under a filter: a kind, a block,
// or an address prefix.
func matches(addr string, k kind.Kind, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if f == string(k) || strings.HasPrefix(addr, f) {
			return true
		}
	}
	return false
}
