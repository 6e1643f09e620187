package zendesksim

import (
	"reflect"
	"testing"
	"time"
)

// A held comment gives back the comment it was made from, whatever it
// holds: the common imported shape kept flat and each rarer part.
func TestHeldCommentIsTheComment(t *testing.T) {
	at := time.Date(2021, 5, 6, 7, 8, 9, 10, time.FixedZone("", 3600))
	base := Comment{ID: 7, Type: "Comment", AuthorID: 3, Body: "hello", Public: true, AuditID: 9, Via: Via{Channel: "api"}, CreatedAt: at}
	rel := "follow_up"
	for name, edit := range map[string]func(*Comment){
		"plain":           func(*Comment) {},
		"html body":       func(c *Comment) { c.HTMLBody = "<p>hello</p>" },
		"private":         func(c *Comment) { c.Public = false },
		"another type":    func(c *Comment) { c.Type = "VoiceComment" },
		"plain body":      func(c *Comment) { c.PlainBody = "hello" },
		"attachments":     func(c *Comment) { c.Attachments = []Attachment{{ID: 1, FileName: "a.png", Size: 5}} },
		"no attachments":  func(c *Comment) { c.Attachments = []Attachment{} },
		"metadata":        func(c *Comment) { c.Metadata = map[string]any{"system": map[string]any{}} },
		"web via":         func(c *Comment) { c.Via.Channel = "web" },
		"via from":        func(c *Comment) { c.Via.Source.From = map[string]any{"id": 1} },
		"via to":          func(c *Comment) { c.Via.Source.To = map[string]any{} },
		"via rel":         func(c *Comment) { c.Via.Source.Rel = &rel },
		"zero":            func(c *Comment) { *c = Comment{} },
		"everything rare": func(c *Comment) { c.Type, c.PlainBody, c.Metadata, c.Via.Channel = "x", "y", map[string]any{}, "email" },
	} {
		c := base
		edit(&c)
		h := hold(c)
		if got := h.comment(); !reflect.DeepEqual(got, c) {
			t.Errorf("%s: held and given back\n got %#v\nwant %#v", name, got, c)
		}
		if name == "plain" || name == "html body" || name == "private" {
			if h.more != nil {
				t.Errorf("%s: an imported comment's common shape is held with its rarer part", name)
			}
		}
	}
}
