package main

import (
	"testing"

	"github.com/kzmap/kzmap/engine/kind"
)

// TestAddressRoundTrip: every kind's checkpoint key reads back from its
// address; a Help Center translation or attachment, keyed under its
// article, is addressed by its own kind.
func TestAddressRoundTrip(t *testing.T) {
	for _, c := range []struct {
		k         kind.Kind
		key, addr string
	}{
		{kind.Ticket, "ticket.conversation:5f01", `ticket.conversation["5f01"]`},
		{kind.HCArticle, "hc_article.kb:65a0", `hc_article.kb["65a0"]`},
		{kind.HCTranslation, "hc_article.kb:65a0/en-us", `hc_translation.kb["65a0/en-us"]`},
		{kind.HCAttachment, "hc_article.kb:65a0/5e31", `hc_attachment.kb["65a0/5e31"]`},
	} {
		if got := address(c.k, c.key); got != c.addr {
			t.Errorf("address(%s, %s) = %s, want %s", c.k, c.key, got, c.addr)
		}
		k, key, err := parseAddress(c.addr)
		if err != nil || k != c.k || key != c.key {
			t.Errorf("parseAddress(%s) = %s, %s, %v; want %s, %s", c.addr, k, key, err, c.k, c.key)
		}
	}
}
