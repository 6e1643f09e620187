package builtin_test

import (
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/record"
)

// TestRecordModel runs the functions against the real record types, as
// the dsl compiles mappings: typed fields, so the compiler checks calls.
func TestRecordModel(t *testing.T) {
	c := record.Customer{
		ID:        "5f1a",
		Emails:    []record.Email{{Email: "n/a"}, {Email: " Ann@Example.com", Type: "work"}, {Email: "ann@example.com"}, {Email: "ann@home.example", Verified: true}},
		Phones:    []record.Phone{{Phone: "(415) 555-0100"}, {Phone: "+44 20 7946 0018"}},
		Tags:      []string{"VIP", "Needs Reply"},
		CreatedAt: time.Date(2024, 3, 1, 9, 30, 0, 925e6, time.UTC),
	}
	opts := append(builtin.Options(), builtin.DisableImpure()...)
	opts = append(opts, expr.Env(record.Customer{}))
	for _, tc := range []struct {
		src  string
		want any
	}{
		{`primary_email(emails)`, "ann@example.com"},
		{`other_emails(emails)`, []string{"ann@home.example"}},
		{`primary_phone(phones, "1")`, "+14155550100"},
		{`other_phones(phones, "1")`, []string{"+442079460018"}},
		{`slug_all(tags)`, []string{"vip", "needs_reply"}},
		{`iso8601(createdAt)`, "2024-03-01T09:30:00Z"},
		{`unix(createdAt)`, 1709285400},
		{`format_time(createdAt, "%Y-%m-%d")`, "2024-03-01"},
		{`coalesce(displayName, name, primary_email(emails))`, "ann@example.com"},
	} {
		prog, err := expr.Compile(tc.src, opts...)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		got, err := expr.Run(prog, c)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.src, diff)
		}
	}
	for _, src := range []string{`slug(tags)`, `e164(phones)`, `chunk_text(createdAt, 10)`} {
		if _, err := expr.Compile(src, opts...); err == nil {
			t.Errorf("%s compiles; want a type error", src)
		}
	}
}

// TestCustomKindMatchesRecord keeps custom_kind and the record model's
// reading of suffixes in step.
func TestCustomKindMatchesRecord(t *testing.T) {
	f, _ := builtin.Lookup("custom_kind")
	for _, name := range []string{"orderTotalNum", "placedAt", "skuStr", "notesTxt", "vipBool", "siteUrl", "shopId", "Str", "At", "status", "", "xAt", "numNum"} {
		got, err := f.Call(name)
		if err != nil || got != record.CustomKind(name) {
			t.Errorf("custom_kind(%q) = %v, %v; record.CustomKind = %q", name, got, err, record.CustomKind(name))
		}
	}
}
