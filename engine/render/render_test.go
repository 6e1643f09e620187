package render

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/zendesk"
)

type fakeRefs map[string]int64

func (f fakeRefs) ID(typ, id string) (int64, error) { return f[typ+"/"+id], nil }
func (f fakeRefs) Person(id string) (int64, error) {
	if n := f["customer/"+id]; n != 0 {
		return n, nil
	}
	return f["user/"+id], nil
}

const img1, img2 = "aaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaa2"

func kustomerURL(id string) string { return "https://acme.api.kustomerapp.com/v1/attachments/" + id }

func TestComment(t *testing.T) {
	refs := fakeRefs{"customer/c1": 11, "user/u1": 21}
	html := `<p>see <img src="` + kustomerURL(img1) + `"> and <img src="` + kustomerURL(img2) + `"></p>`
	c := engine.Comment{Key: "message/m1", Payload: dsl.Payload{"html_body": html, "public": true, "author": "c1",
		"created_at": "2024-05-01T10:00:00Z", "attachments": []string{"f1", img1}}}
	if got := CommentFiles(c); strings.Join(got, ",") != "f1,"+img1+","+img2 {
		t.Fatalf("CommentFiles = %v", got)
	}
	files := Files{"f1": {Token: "t1"}, img1: {Token: "t2", ContentURL: "https://z.example/attachments/token/t2/?name=a.png"}, img2: {Lost: "b.png (attachment x): missing"}}
	zc, lost, err := Comment(c, refs, 99, files)
	if err != nil {
		t.Fatal(err)
	}
	if zc.AuthorID != 11 || *zc.Public != true || !zc.CreatedAt.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("comment %+v", zc)
	}
	if strings.Join(zc.Uploads, ",") != "t1,t2" || len(lost) != 1 {
		t.Errorf("uploads %v, lost %v", zc.Uploads, lost)
	}
	if !strings.Contains(zc.HTMLBody, `src="https://z.example/attachments/token/t2/?name=a.png"`) || !strings.Contains(zc.HTMLBody, `src="#kz-attachment-not-migrated-`+img2+`"`) || strings.Contains(zc.HTMLBody, "kustomerapp") {
		t.Errorf("html %s", zc.HTMLBody)
	}
	// No author in the plan (a departed agent): the importing admin.
	delete(c.Payload, "author")
	if zc, _, _ := Comment(c, refs, 99, files); zc.AuthorID != 99 {
		t.Errorf("departed author rendered as %d", zc.AuthorID)
	}
	// A file not uploaded before rendering is a bug of the caller.
	if _, _, err := Comment(c, refs, 99, Files{}); err == nil {
		t.Error("rendered with files missing")
	}
}

// TestCommentStaysWithinTheLimit: should Zendesk's URLs outgrow what the
// plan reserved, the comment goes as its text rather than over the limit.
func TestCommentStaysWithinTheLimit(t *testing.T) {
	text := strings.Repeat("word ", 13000)
	html := "<p>" + text + `<img src="` + kustomerURL(img1) + `"></p>`
	c := engine.Comment{Key: "message/m2", Payload: dsl.Payload{"html_body": html, "public": true}}
	huge := "https://z.example/" + strings.Repeat("x", 3000)
	zc, _, err := Comment(c, fakeRefs{}, 1, Files{img1: {Token: "t", ContentURL: huge}})
	if err != nil {
		t.Fatal(err)
	}
	if utf8.RuneCountInString(zc.HTMLBody) > zendesk.MaxCommentChars || utf8.RuneCountInString(zc.Body) > zendesk.MaxCommentChars || zc.Body == "" || zc.HTMLBody != "" {
		t.Errorf("body %d, html %d characters", utf8.RuneCountInString(zc.Body), utf8.RuneCountInString(zc.HTMLBody))
	}
}

func TestLostNote(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	if LostNote(nil, at) != nil {
		t.Error("a note for nothing lost")
	}
	var lost []string
	for range 2000 {
		lost = append(lost, "a-rather-long-file-name-of-a-screenshot.png (attachment 0123456789abcdef01234567): the file is missing in Kustomer's export")
	}
	n := LostNote(lost, at)
	if !strings.HasPrefix(n.Body, LostNotePrefix) || len(n.Body) > lostNoteMax+40 || !strings.Contains(n.Body, "more") || *n.Public || !n.CreatedAt.Equal(at) {
		t.Errorf("note of %d bytes: %.100s…%s", len(n.Body), n.Body, n.Body[len(n.Body)-30:])
	}
}
