package builtin

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"vip", "vip"},
		{"VIP", "vip"},
		{"  Needs   Reply  ", "needs_reply"},
		{"needs_reply", "needs_reply"},
		{"__needs__reply__", "needs_reply"},
		{"follow-up", "follow-up"},
		{"follow--up", "follow-up"},
		{"-follow-up-", "follow-up"},
		{"a - b", "a_b"},
		{"a_-b", "a_b"},
		{"billing, refunds", "billing_refunds"},
		{"#urgent!", "urgent"},
		{"tier:gold", "tier_gold"},
		{"v1.2", "v1_2"},
		{"Ünïcödé Straße", "ünïcödé_straße"},
		{"日本語 タグ", "日本語_タグ"},
		{"नमस्ते", "नमस्ते"},
		{"🔥 hot 🔥", "hot"},
		{"a\xffb", "a_b"},
		{"\xff", ""},
		{"", ""},
		{"   ", ""},
		{"İstanbul", "istanbul"},
	} {
		if got := slug(tc.in); got != tc.want {
			t.Errorf("slug(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	long := slug(strings.Repeat("é", 300))
	if len(long) > maxTagBytes || !utf8.ValidString(long) {
		t.Errorf("slug of 300 é: %d bytes, valid=%v", len(long), utf8.ValidString(long))
	}
	if got := slug(strings.Repeat("ab ", 200)); len(got) > maxTagBytes || strings.HasSuffix(got, "_") {
		t.Errorf("slug of a long phrase = %q (%d bytes)", got, len(got))
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s      string
		n      int
		suffix string
		want   string
	}{
		{"hello", 10, "", "hello"},
		{"hello", 5, "", "hello"},
		{"hello", 4, "", "hell"},
		{"hello", 0, "", ""},
		{"hello", 4, "…", "hel…"},
		{"hello", 5, "…", "hello"},
		{"hello", 1, "…", "…"},
		{"héllo wörld", 7, "", "héllo w"},
		{"日本語テキスト", 3, "...", "..."},
		{"日本語テキスト", 4, "...", "日..."},
		{"a\xffb", 2, "", "a\xff"},
		{"", 0, "", ""},
	} {
		got, err := truncate(tc.s, tc.n, tc.suffix)
		if err != nil || got != tc.want {
			t.Errorf("truncate(%q, %d, %q) = %q, %v; want %q", tc.s, tc.n, tc.suffix, got, err, tc.want)
		}
	}
	if _, err := truncate("hello", 1, "..."); err == nil {
		t.Error("truncate with a suffix longer than n: want an error")
	}
}

func TestChunkText(t *testing.T) {
	for _, tc := range []struct {
		s    string
		size int
		want []string
	}{
		{"", 5, []string{}},
		{"abc", 5, []string{"abc"}},
		{"abcde", 5, []string{"abcde"}},
		{"abcdef", 5, []string{"abcde", "f"}},
		{"a bcdefgh", 5, []string{"a bcd", "efgh"}}, // the space is in the first half: hard cut
		{"abc defgh", 5, []string{"abc ", "defgh"}},
		{"ab\ncd efgh", 8, []string{"ab\ncd ", "efgh"}}, // newline only in the first half, space in the second
		{"abcd\nef gh ij", 9, []string{"abcd\n", "ef gh ij"}},
		{"abcde\r\nfg", 6, []string{"abcde\r", "\nfg"}}, // hard cut: \r is not a place to split
		{"ab\r\ncdefgh", 4, []string{"ab\r\n", "cdef", "gh"}},
		{"héllo wörld", 6, []string{"héllo ", "wörld"}},
		{"日本語のテキスト", 3, []string{"日本語", "のテキ", "スト"}},
		{"a\xffb\xfec", 2, []string{"a\xff", "b\xfe", "c"}},
		{"x", 1, []string{"x"}},
		{"  ", 1, []string{" ", " "}},
	} {
		got, err := chunkText(tc.s, tc.size)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("chunkText(%q, %d) (-want +got):\n%s", tc.s, tc.size, diff)
		}
	}
}

// checkChunks verifies chunk_text's contract on any input.
func checkChunks(t testing.TB, s string, size int, chunks []string) {
	t.Helper()
	if got := strings.Join(chunks, ""); got != s {
		t.Fatalf("chunks of %q do not join to the input", s)
	}
	valid := utf8.ValidString(s)
	for i, c := range chunks {
		if c == "" {
			t.Fatalf("chunk %d is empty", i)
		}
		if n := utf8.RuneCountInString(c); n > size {
			t.Fatalf("chunk %d has %d code points; size is %d", i, n, size)
		}
		if valid && !utf8.ValidString(c) {
			t.Fatalf("chunk %d splits a rune: %q", i, c)
		}
	}
}

func TestChunkTextLarge(t *testing.T) {
	// A comment body just over Zendesk's limit, and one that is a single
	// word: both must split, and quickly.
	body := strings.Repeat("Ünïcödé text, with words.\n", 3000) // 78,000 code points
	chunks, err := chunkText(body, 65535)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, body, 65535, chunks)
	if len(chunks) != 2 || !strings.HasSuffix(chunks[0], "\n") {
		t.Errorf("got %d chunks, first ends %q; want 2 split at a newline", len(chunks), chunks[0][len(chunks[0])-5:])
	}
	word := strings.Repeat("é", 1<<20)
	chunks, err = chunkText(word, 1000)
	if err != nil {
		t.Fatal(err)
	}
	checkChunks(t, word, 1000, chunks)
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, kind, base, key string }{
		{"orderTotalNum", "Num", "orderTotal", "order_total_num"},
		{"renewedAt", "At", "renewed", "renewed_at"},
		{"shopifyId", "Id", "shopify", "shopify_id"},
		{"notesTxt", "Txt", "notes", "notes_txt"},
		{"isVipBool", "Bool", "isVip", "is_vip_bool"},
		{"websiteUrl", "Url", "website", "website_url"},
		{"planStr", "Str", "plan", "plan_str"},
		{"Str", "", "Str", "str"},
		{"status", "", "status", "status"},
		{"statusstr", "", "statusstr", "statusstr"},
		{"URLValue", "", "URLValue", "url_value"},
		{"order2Total", "", "order2Total", "order2_total"},
		{"v2beta", "", "v2beta", "v2beta"},
		{"HTTPStatusCode", "", "HTTPStatusCode", "http_status_code"},
		{"2FA enabled?", "", "2FA enabled?", "f_2fa_enabled"},
		{"__private__", "", "__private__", "private"},
		{"Número de pedido", "", "Número de pedido", "numero_de_pedido"},
		{"Größe", "", "Größe", "grosse"},
		{"Łódź office", "", "Łódź office", "lodz_office"},
		{"Ærøskøbing", "", "Ærøskøbing", "aeroskobing"},
		{"заказ", "", "заказ", ""},
		{"заказ id", "", "заказ id", "id"},
		{"", "", "", ""},
		{"\xff\xfe", "", "\xff\xfe", ""},
		{"order\xffTotal", "", "order\xffTotal", "order_total"},
		{"１２３", "", "１２３", "f_123"},
	} {
		kind, base := customKind(tc.in)
		if kind != tc.kind || base != tc.base {
			t.Errorf("customKind(%q) = %q, %q; want %q, %q", tc.in, kind, base, tc.kind, tc.base)
		}
		if got := fieldKey(tc.in); got != tc.key {
			t.Errorf("fieldKey(%q) = %q; want %q", tc.in, got, tc.key)
		}
	}
	long := fieldKey(strings.Repeat("abc_", 40))
	if len(long) > maxKeyBytes || strings.HasSuffix(long, "_") {
		t.Errorf("fieldKey of a long name = %q (%d bytes)", long, len(long))
	}
}

// validKey is Zendesk's rule for keys, as zendesk_field_key promises it.
func validKey(k string) bool {
	if k == "" {
		return true // documented: the mapping must replace it
	}
	if len(k) > maxKeyBytes || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return !strings.HasSuffix(k, "_") && !strings.Contains(k, "__")
}
