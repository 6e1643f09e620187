package filetype

import "testing"

func TestFix(t *testing.T) {
	for _, tc := range []struct{ name, ctype, want string }{
		{"screenshot.png", "image/png", "screenshot.png"},
		{"IMG_2041.PNG", "image/png", "IMG_2041.PNG"},
		{"no_extension", "image/png", "no_extension.png"},
		{"scan.jpg", "image/png", "scan.jpg.png"},
		{"photo.jpeg", "image/jpeg", "photo.jpeg"},
		{"invoice", "application/pdf; name=invoice", "invoice.pdf"},
		{"report.v2 final", "application/pdf", "report.v2 final.pdf"},
		{"trailing.", "text/plain", "trailing.txt"},
		{".profile", "text/plain", ".profile.txt"},
		{"debug.log", "Text/Plain; charset=utf-8", "debug.log"},
		{"blob", "application/octet-stream", "blob"},
		{"data.bin", "application/x-unknown", "data.bin"},
		{"Rückgabe_Formular.pdf", "application/pdf", "Rückgabe_Formular.pdf"},
	} {
		if got := Fix(tc.name, tc.ctype); got != tc.want {
			t.Errorf("Fix(%q, %q) = %q, want %q", tc.name, tc.ctype, got, tc.want)
		}
		if got := Fix(tc.name, tc.ctype); !Matches(got, tc.ctype) {
			t.Errorf("Fix(%q, %q) = %q, which does not match", tc.name, tc.ctype, got)
		}
	}
}

func TestExt(t *testing.T) {
	for name, want := range map[string]string{
		"a.PNG": ".png", "a": "", "a.": "", ".bashrc": "", "dir.d/file": "", `C:\x.y\file.txt`: ".txt",
		"archive.tar.gz": ".gz", "notes.v1 final": "", "x.ü": "",
	} {
		if got := Ext(name); got != want {
			t.Errorf("Ext(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestTable: every type names at least one extension, each written as
// Ext returns it, and Fix of an extensionless name uses the first.
func TestTable(t *testing.T) {
	for typ, exts := range extensions {
		if len(exts) == 0 || Normalize(typ) != typ {
			t.Errorf("%q: %v", typ, exts)
		}
		for _, e := range exts {
			if Ext("f"+e) != e {
				t.Errorf("%q: extension %q is not as Ext reads it", typ, e)
			}
		}
		if got := Fix("f", typ); got != "f"+exts[0] {
			t.Errorf("Fix(f, %q) = %q", typ, got)
		}
	}
}
