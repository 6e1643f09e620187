package builtin

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type row struct{ Name string }

func TestListFuncs(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		args []any
		want any
	}{
		{"but_last", []any{[]string{"a", "b"}}, []string{"a"}},
		{"but_last", []any{[]string{}}, []string{}},
		{"but_last", []any{nil}, []any{}},
		{"but_last", []any{[]int{1, 2, 3}}, []any{1, 2}},
		{"but_last", []any{[]row{{"a"}, {"b"}}}, []any{row{"a"}}},
		{"compact", []any{[]string{"a", "", " ", "b"}}, []string{"a", "b"}},
		{"compact", []any{[]any{nil, false, 0, 0.0, "", map[string]any{}, []string{}, []string{"x"}}}, []any{false, 0, 0.0, []string{"x"}}},
		{"compact", []any{nil}, []any{}},
		{"coalesce", []any{}, nil},
		{"coalesce", []any{nil, "  ", "x"}, "x"},
		{"coalesce", []any{(*row)(nil), false}, false},
		{"lookup", []any{map[string]any{"3": "normal"}, 3.0, "low"}, "normal"},
		{"lookup", []any{map[string]any{"3": "normal"}, json.Number("3"), "low"}, "normal"},
		{"lookup", []any{map[string]any{"3.5": "x"}, 3.5}, "x"},
		{"lookup", []any{map[string]any{"true": "yes"}, true}, "yes"},
		{"lookup", []any{map[string]any{"a": nil}, "a", "default"}, "default"},
		{"lookup", []any{map[string]string{"a": "b"}, "a"}, "b"},
		{"lookup", []any{map[string]string{"a": "b"}, "z"}, nil},
		{"lookup", []any{map[string]int{"a": 1}, "a", 0}, 1},
		{"lookup", []any{nil, "a", "d"}, "d"},
		{"lookup", []any{map[string]any{"": "empty"}, ""}, "empty"},
		{"keys_sorted", []any{map[string]string{"b": "", "a": ""}}, []string{"a", "b"}},
		{"keys_sorted", []any{map[string]int{"z": 1, "y": 2}}, []string{"y", "z"}},
		{"keys_sorted", []any{nil}, []string{}},
		{"slug_all", []any{[]string{"A b", "a_b", "!"}}, []string{"a_b"}},
		{"slug_all", []any{[]any{nil, 3.0, true}}, []string{"3", "true"}},
		{"slug_all", []any{nil}, []string{}},
	} {
		got, err := mustFunc(t, tc.fn).Call(tc.args...)
		if err != nil {
			t.Errorf("%s(%#v): %v", tc.fn, tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s(%#v) (-want +got):\n%s", tc.fn, tc.args, diff)
		}
	}
}

// TestWithEnv runs functions the way a mapping does: over record fields,
// chained with expr builtins.
func TestWithEnv(t *testing.T) {
	env := map[string]any{
		"emails":        []map[string]any{{"email": "Ann@Example.com", "type": "work"}, {"email": "ann@example.com"}, {"email": "ann@home.example"}},
		"phones":        []map[string]any{{"phone": "(415) 555-0100"}, {"phone": "+44 20 7946 0018"}},
		"tags":          []string{"VIP", "Needs Reply"},
		"assignedUsers": []string{"u1", "u2", "u3"},
		"priority":      3,
		"createdAt":     "2024-03-01T09:30:00.925Z",
		"priorities":    map[string]any{"1": "low", "3": "normal", "5": "urgent"},
	}
	for _, tc := range []struct {
		src  string
		want any
	}{
		{`primary_email(emails)`, "ann@example.com"},
		{`concat(other_emails(emails), map(phones, e164(.phone, "1")))`, []any{"ann@home.example", "+14155550100", "+442079460018"}},
		{`concat(slug_all(tags), map(but_last(assignedUsers), 'kz_also_' + #), ['kustomer-import'])`, []any{"vip", "needs_reply", "kz_also_u1", "kz_also_u2", "kustomer-import"}},
		{`last(assignedUsers)`, "u3"},
		{`lookup(priorities, priority, "normal")`, "normal"},
		{`iso8601(createdAt)`, "2024-03-01T09:30:00Z"},
		{`len(chunk_text(join(tags, " "), 4))`, 4},
	} {
		got, err := eval(t, tc.src, env)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.src, diff)
		}
	}
}
