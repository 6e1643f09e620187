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

func TestRehost(t *testing.T) {
	html := `<img src="https://acme.api.kustomerapp.com/v1/attachments/5f00aa"><img src="https://x.example/v1/attachments/5f00aab">`
	got := rehost(html, "5f00aa", "https://z.example/a/1")
	want := `<img src="https://z.example/a/1"><img src="https://x.example/v1/attachments/5f00aab">`
	if got != want {
		t.Errorf("rehost = %s", got)
	}
	// An id from a mapping is text, not a pattern.
	if got := rehost(`<a href="http://h/v1/attachments/a(b">`, "a(b", "#x"); got != `<a href="#x">` {
		t.Errorf("rehost with a pattern character = %s", got)
	}
}
