package dsl

import (
	"testing"

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
