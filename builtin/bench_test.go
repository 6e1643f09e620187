package builtin

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr"
)

// The hot functions run once per record (emails, tags) or per comment
// (chunk_text), millions of times in a large migration.

func BenchmarkPrimaryEmail(b *testing.B) {
	list := []map[string]any{
		{"email": "not an email", "type": "other"},
		{"email": " Ann.Lee@Example.com ", "type": "work", "verified": true},
		{"email": "ann@home.example", "type": "home"},
	}
	f := mustFunc(b, "primary_email")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Call(list); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrimaryEmailExpr includes expr's call overhead, as a mapping
// pays it.
func BenchmarkPrimaryEmailExpr(b *testing.B) {
	env := map[string]any{"emails": []map[string]any{{"email": "Ann@Example.com"}, {"email": "b@example.com"}}}
	prog, err := expr.Compile(`primary_email(emails)`, append(compileOptions(), expr.Env(env))...)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := expr.Run(prog, env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSlug(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		slug("Needs Reply -- Billing/Refunds (EU)")
	}
}

func BenchmarkChunkText(b *testing.B) {
	body := strings.Repeat("Ünïcödé text, with words and more words.\n", 5000) // 205,000 code points
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chunkText(body, 65535); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHTMLToText(b *testing.B) {
	body := strings.Repeat(`<div class="x"><p>Hello <b>Ann</b>,&nbsp;your order <a href="https://example.com/o?id=1&amp;x=2">#42</a> shipped.</p><img src="cid:logo"></div>`, 200)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		htmlToText(body)
	}
}
