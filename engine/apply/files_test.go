package apply

import "testing"

func TestAttachmentNamesAreSanitised(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":        "passwd",
		`C:\Users\a\report.pdf`:   "report.pdf",
		"in\x00voice\n.pdf":       "invoice.pdf",
		"...hidden":               "hidden",
		"":                        "attachment-abc",
		"   ":                     "attachment-abc",
		"photo \u00e9t\u00e9.png": "photo \u00e9t\u00e9.png",
	} {
		if got := orName(in, "abc"); got != want {
			t.Errorf("orName(%q) = %q, want %q", in, got, want)
		}
	}
	if !validID("5f00aa") || validID("../x") || validID("a/b") || validID("") {
		t.Error("validID accepts a path")
	}
}
