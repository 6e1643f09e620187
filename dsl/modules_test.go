package dsl

import "testing"

func TestVersionMeets(t *testing.T) {
	for _, c := range []struct {
		version, constraints string
		ok                   bool
	}{
		{"0.3.1", ">= 0.2, < 1", true},
		{"0.3.1", ">= 0.4", false},
		{"1.0.0", "< 1", false},
		{"1.0", "= 1.0.0", true},
		{"0.1.0-dev", ">= 0.1", true}, // a pre-release compares as its release
		{"0.1.0-dev", ">= 99", false},
		{"v2.1.0", "> 2, != 2.1.0", false},
		{"dev", ">= 99", true}, // not a release: every constraint is met
		{"", ">= 99", true},
	} {
		ok, err := versionMeets(c.version, c.constraints)
		if err != nil || ok != c.ok {
			t.Errorf("versionMeets(%q, %q) = %v, %v; want %v", c.version, c.constraints, ok, err, c.ok)
		}
	}
	for _, bad := range []string{">= x", ">=", "1.a"} {
		if _, err := versionMeets("1.0.0", bad); err == nil {
			t.Errorf("versionMeets(1.0.0, %q) accepted it", bad)
		}
	}
}
