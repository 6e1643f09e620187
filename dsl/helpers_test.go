package dsl

import (
	"fmt"
	"testing"
	"time"

	"github.com/kzmap/kzmap/record"
)

func mustDecode(t testing.TB, js string) any {
	t.Helper()
	r, err := record.DecodeJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFormatTimeMatchesLayout(t *testing.T) {
	for _, s := range []string{"2024-03-01T09:30:00.123Z", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59+05:30", "9999-12-31T23:59:59Z"} {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := formatTime(tm), tm.UTC().Format(ZendeskTime); got != want {
			t.Errorf("formatTime(%s) = %s, want %s", s, got, want)
		}
	}
}

// TestFastPathsAgreeWithTheVM checks every fast path against expr itself.
func TestFastPathsAgreeWithTheVM(t *testing.T) {
	cfg := loadDefault(t)
	_, msgs := benchConversation(t)
	ev := NewEvaluator(cfg)
	m := cfg.Mapping("comment.message")
	fast := 0
	for _, e := range m.fields {
		if e.field == nil && !e.isConst {
			continue
		}
		fast++
		env, _, _ := ev.envs.env(msgs[0], ev.Scope)
		got, err := ev.run(m, e, env, msgs[0])
		if err != nil {
			t.Fatal(err)
		}
		raw, err := ev.vm.Run(e.Program, env)
		if err != nil {
			t.Fatal(err)
		}
		want, err := coerce(raw, e)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: fast path %v, VM %v", e.Name, got, want)
		}
	}
	if fast < 4 {
		t.Errorf("only %d fast paths in the message mapping", fast)
	}
}
