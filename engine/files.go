package engine

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/filetype"
	"github.com/kzmap/kzmap/record"
)

// Attachment file names. Zendesk wants an upload's extension to match the
// file's type; Kustomer keeps whatever name the customer's mail client
// gave. The name is decided here, once: plan writes it into the comment
// when it differs from Kustomer's, apply uploads under it, verify expects
// it.

// UploadName is the file name an attachment is uploaded under: Kustomer's
// name without a directory part or control characters, at most 200 bytes,
// or one made from the id; with the extension of its content type added
// when the name has none or another ("no_extension" → "no_extension.png").
func UploadName(name, contentType, id string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.TrimLeft(name, "."))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		name = "attachment-" + id
	}
	return filetype.Fix(name, contentType)
}

// AttachmentFile is what the snapshot says of one attachment.
type AttachmentFile struct {
	Name, ContentType string
	Size              int64 // -1 when unknown
}

// attachmentFile reads an attachment's record from the snapshot.
func attachmentFile(snap Snapshot, id string) (AttachmentFile, bool) {
	raw, ok, err := snap.Get("attachment", id)
	if err != nil || !ok {
		return AttachmentFile{Size: -1}, false
	}
	rec, err := record.DecodeJSON(raw)
	if err != nil {
		return AttachmentFile{Size: -1}, false
	}
	a, ok := rec.(*record.Attachment)
	if !ok {
		return AttachmentFile{Size: -1}, false
	}
	size := a.ContentLength
	if size <= 0 {
		size = -1
	}
	return AttachmentFile{Name: a.Name, ContentType: a.ContentType, Size: size}, true
}

// noteRenamed says in the comment which of its files Zendesk shows under
// another name than Kustomer did, so the name the customer sent survives.
func (g *Generator) noteRenamed(convID string, c *Comment, at hcl.Range) {
	ids := dsl.Strings(c.Payload["attachments"])
	for _, id := range InlineRefs(str(c.Payload, "html_body")) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var lines []string
	for _, id := range ids {
		f, ok := attachmentFile(g.snap, id)
		if !ok || f.Name == "" {
			continue
		}
		if up := UploadName(f.Name, f.ContentType, id); up != f.Name {
			lines = append(lines, fmt.Sprintf("The attachment %q is named %q here: Zendesk needs the file's type in its name.", f.Name, up))
			g.Hz.Add("attachments_renamed", at, convID+": "+f.Name+" → "+up)
		}
	}
	if len(lines) == 0 {
		return
	}
	if b, ok := c.Payload["body"].(string); ok {
		c.Payload["body"] = strings.TrimRight(b, "\n") + "\n\n" + strings.Join(lines, "\n")
	}
	if h, ok := c.Payload["html_body"].(string); ok && h != "" {
		var b strings.Builder
		b.WriteString(h)
		for _, l := range lines {
			b.WriteString("<p>" + html.EscapeString(l) + "</p>")
		}
		c.Payload["html_body"] = b.String()
	}
}

func str(p dsl.Payload, k string) string { s, _ := p[k].(string); return s }
