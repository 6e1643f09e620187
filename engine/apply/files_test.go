package apply

import "testing"

func TestValidID(t *testing.T) {
	if !validID("5f00aa") || validID("../x") || validID("a/b") || validID("") {
		t.Error("validID accepts a path")
	}
}
