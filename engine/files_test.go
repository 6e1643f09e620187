package engine

import "testing"

func TestUploadName(t *testing.T) {
	for _, tc := range []struct{ in, ctype, want string }{
		{"../../etc/passwd", "", "passwd"},
		{`C:\Users\a\report.pdf`, "application/pdf", "report.pdf"},
		{"in\x00voice\n.pdf", "application/pdf", "invoice.pdf"},
		{"...hidden", "", "hidden"},
		{"", "", "attachment-abc"},
		{"   ", "image/png", "attachment-abc.png"},
		{"photo \u00e9t\u00e9.png", "image/png", "photo \u00e9t\u00e9.png"},
		{"no_extension", "image/png", "no_extension.png"},
		{"scan.jpg", "image/png", "scan.jpg.png"},
		{"IMG_2041.PNG", "image/png", "IMG_2041.PNG"},
		{"export", "text/csv; charset=utf-8", "export.csv"},
	} {
		if got := UploadName(tc.in, tc.ctype, "abc"); got != tc.want {
			t.Errorf("UploadName(%q, %q) = %q, want %q", tc.in, tc.ctype, got, tc.want)
		}
	}
}

func TestRehostInline(t *testing.T) {
	html := `<img src="https://acme.api.kustomerapp.com/v1/attachments/5f00aa"><img src="https://x.example/v1/attachments/5f00aab">`
	got := RehostInline(html, "5f00aa", "https://z.example/a/1")
	want := `<img src="https://z.example/a/1"><img src="https://x.example/v1/attachments/5f00aab">`
	if got != want {
		t.Errorf("RehostInline = %s", got)
	}
	// An id from a mapping is text, not a pattern.
	if got := RehostInline(`<a href="http://h/v1/attachments/a(b">`, "a(b", "#x"); got != `<a href="#x">` {
		t.Errorf("RehostInline with a pattern character = %s", got)
	}
}
