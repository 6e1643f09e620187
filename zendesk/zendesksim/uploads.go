package zendesksim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/kzmap/kzmap/filetype"
	"github.com/kzmap/kzmap/simkit"
)

// uploadBody is what the simulator keeps of an uploaded file.
type uploadBody struct {
	size   int64
	sha256 string
	tooBig bool
	err    error
}

// readUpload streams the request body through a hash, so a 50 MB file
// never sits in memory, and notes when it passes the size cap.
func readUpload(r *http.Request, limit int64) uploadBody {
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r.Body, limit+1))
	if err != nil {
		return uploadBody{err: err}
	}
	if n > limit {
		return uploadBody{tooBig: true, size: n}
	}
	return uploadBody{size: n, sha256: hex.EncodeToString(h.Sum(nil))}
}

// cutShort reports whether reading a request's body failed because the
// client went away before sending all of it.
func cutShort(r *http.Request, err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) || r.Context().Err() != nil
}

// serveUpload is POST /api/v2/uploads?filename=[&token=]. The body is the
// raw file; a file over MaxUploadSize is 413, a missing filename or empty
// file 422, an unknown, used or expired token 422 (inferred: the HTTP
// status for these was not found). Tokens live UploadTTL [ATT-DOC].
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	body := readUpload(r, s.opts.MaxUploadSize)
	if body.err != nil && cutShort(r, body.err) {
		// The client stopped sending mid-file (killed, or its connection
		// dropped): Zendesk never has a whole request to answer, and no
		// one would read the answer. It is not a refusal.
		simkit.Abandon(r)
		return
	}
	s.handle(func(c *call) reply {
		if body.err != nil {
			var mbe *http.MaxBytesError
			if errors.As(body.err, &mbe) {
				body.tooBig = true
			} else {
				return badRequest("Could not read the uploaded file")
			}
		}
		if body.tooBig {
			return reply{http.StatusRequestEntityTooLarge, apiError("RequestEntityTooLarge",
				fmt.Sprintf("The file is larger than the %d MB limit", s.opts.MaxUploadSize>>20))}
		}
		q := c.r.URL.Query()
		name := q.Get("filename")
		v := invalid{}
		if name == "" {
			v.add("filename", "BlankValue", "Filename: cannot be blank")
		}
		if body.size == 0 {
			v.add("uploaded_data", "BlankValue", "Uploaded data: cannot be blank")
		}
		var up *Upload
		if tok := q.Get("token"); tok != "" {
			up = s.st.uploads[tok]
			switch {
			case up == nil:
				v.add("token", "InvalidValue", "Token: is invalid")
			case up.Used:
				v.add("token", "InvalidValue", "Token: has already been used")
			case !c.now.Before(up.ExpiresAt):
				v.add("token", "InvalidValue", "Token: has expired")
			}
		}
		if !v.ok() {
			return recordInvalid(v)
		}
		if up == nil {
			n := s.st.next("upload")
			up = &Upload{Token: token("upload", n, 25), ExpiresAt: c.now.Add(s.opts.UploadTTL), Attachments: []Attachment{}}
			s.st.uploads[up.Token] = up
		}
		ct := c.r.Header.Get("Content-Type")
		if ct == "" {
			ct = "application/binary"
		}
		a := Attachment{
			ID: s.st.next("attachment"), FileName: name, ContentType: ct, Size: body.size,
			Thumbnails: []any{}, SHA256: body.sha256,
		}
		// "filename is required and its extension must match the file's
		// type" [upload names]: Zendesk stores such a file anyway, and it
		// opens as the wrong kind, or as nothing.
		if !filetype.Matches(name, ct) {
			s.st.flag(FlagUploadName, fmt.Sprintf("upload %q", name), fmt.Sprintf("the name's extension %q does not match its Content-Type %s", filetype.Ext(name), ct))
		}
		a.URL = fmt.Sprintf("%s/api/v2/attachments/%d.json", c.base, a.ID)
		a.ContentURL = fmt.Sprintf("%s/attachments/token/%s/?name=%s", c.base, up.Token, url.QueryEscape(name))
		a.MappedContentURL = a.ContentURL
		up.Attachments = append(up.Attachments, a)
		return reply{http.StatusCreated, map[string]any{"upload": map[string]any{
			"token": up.Token, "expires_at": up.ExpiresAt, "attachment": a, "attachments": up.Attachments,
		}}}
	}).ServeHTTP(w, r)
}

// deleteUpload is DELETE /api/v2/uploads/{token} → 204.
func (s *Server) deleteUpload(c *call) reply {
	tok := c.r.PathValue("token")
	up := s.st.uploads[tok]
	if up == nil || up.Used {
		return notFound()
	}
	delete(s.st.uploads, tok)
	return reply{status: http.StatusNoContent}
}
