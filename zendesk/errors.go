package zendesk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/kzmap/kzmap/throttle"
)

// APIError is an answer Zendesk gave with an error status, decoded from
// whichever of its error shapes the body used:
//
//	{"error":"RecordInvalid","description":"…","details":{"email":[{"description":"…","error":"DuplicateValue"}]}}
//	{"error":"RecordNotFound","description":"Not found"}
//	{"errors":[{"code":"TooManyRequests","title":"…"}]}
//	{"errors":{"locale":["has already been taken"]}} (the Help Center's 400s)
//	{"error":"Couldn't authenticate you"}
//	plain text (API-level errors such as a 500)
type APIError struct {
	Method string // the request's method
	Path   string // the request's path, without the query
	Status int    // the HTTP status

	Code        string // "RecordInvalid", "RecordNotFound", "TooManyJobs", …; may be empty
	Description string // Zendesk's sentence, or the text of a plain body
	// Details are RecordInvalid's problems by field: what the user needs
	// to fix the record.
	Details map[string][]ErrorDetail

	// RetryAfter is the Retry-After the answer carried, if any.
	RetryAfter time.Duration
	// CurrentJobIDs lists the jobs a TooManyJobs answer names.
	CurrentJobIDs []string
}

// ErrorDetail is one problem with one field of a RecordInvalid answer.
type ErrorDetail struct {
	Code        string `json:"error"`
	Description string `json:"description"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "zendesk: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if d := e.DetailText(); d != "" {
		b.WriteString(" (" + d + ")")
	}
	if e.Status == http.StatusUnauthorized {
		fmt.Fprintf(&b, " (check %s and %s: an API token of that user, an admin, for the account %s or %s names; tokens are made in Admin Center > Apps and integrations > Zendesk API)", EnvEmail, EnvToken, EnvSubdomain, EnvBaseURL)
	}
	return b.String()
}

// DetailText renders Details as one line, fields in order: "email:
// Email: a@b.c is already being used by another user".
func (e *APIError) DetailText() string {
	fields := make([]string, 0, len(e.Details))
	for f := range e.Details {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var parts []string
	for _, f := range fields {
		for _, d := range e.Details[f] {
			parts = append(parts, f+": "+d.Description)
		}
	}
	return strings.Join(parts, "; ")
}

// Temporary reports whether the same request may succeed later unchanged:
// 429s, 409 conflicts and 5xx answers.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusConflict || e.Status >= 500
}

// Is makes errors.Is(err, ErrNotFound) and the like work on an APIError.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrRecordInvalid:
		return e.Code == "RecordInvalid"
	case ErrTooManyJobs:
		return e.Code == "TooManyJobs"
	case ErrTranslationExists:
		return localeTaken(e)
	}
	return false
}

// Sentinels for errors.Is against an *APIError.
var (
	ErrNotFound      = errors.New("zendesk: not found")
	ErrUnauthorized  = errors.New("zendesk: not authenticated")
	ErrForbidden     = errors.New("zendesk: forbidden")
	ErrRecordInvalid = errors.New("zendesk: record invalid")
	ErrTooManyJobs   = errors.New("zendesk: too many jobs")
)

// ErrMaybeSent marks a request that Zendesk may or may not have carried
// out: the connection broke, the attempt timed out or the server failed
// after the request was sent, and the request is not one Zendesk lets us
// repeat safely. Resolve it by asking Zendesk (external ids, tags,
// search) before sending it again.
var ErrMaybeSent = errors.New("zendesk: request may have been carried out")

// MaybeSentError is the error of a request that may have been carried out.
// errors.Is(err, ErrMaybeSent) is true; Err is what went wrong (an
// *APIError for a 5xx answer, else a network error).
type MaybeSentError struct {
	Method, Path string
	Err          error
}

func (e *MaybeSentError) Error() string {
	return fmt.Sprintf("zendesk: %s %s may have been carried out (ask Zendesk before sending it again): %v", e.Method, e.Path, e.Err)
}

// Unwrap returns both ErrMaybeSent and the cause.
func (e *MaybeSentError) Unwrap() []error { return []error{ErrMaybeSent, e.Err} }

// ErrUploadTooLarge is returned, before anything is sent, for a file over
// Config.MaxUploadSize.
var ErrUploadTooLarge = errors.New("zendesk: file is over the upload size limit")

// ErrJobGone is returned by Job.Wait when Zendesk no longer knows the job
// (its status expired): the items' outcome must be found by asking for the
// records themselves.
var ErrJobGone = errors.New("zendesk: job status is no longer available")

// decodeError reads an error answer. body is at most a few kilobytes.
func decodeError(method, path string, status int, h http.Header, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	if d, ok := throttle.RetryAfter(h, time.Now()); ok {
		e.RetryAfter = d
	}
	var shape struct {
		Error         json.RawMessage          `json:"error"`
		Description   string                   `json:"description"`
		Details       map[string][]ErrorDetail `json:"details"`
		CurrentJobIDs []string                 `json:"current_job_ids"`
		Errors        json.RawMessage          `json:"errors"`
	}
	var list []struct {
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	var byField map[string][]string
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &shape) == nil {
		e.Description = shape.Description
		e.Details = shape.Details
		e.CurrentJobIDs = shape.CurrentJobIDs
		var code string
		var obj struct{ Title, Message string }
		switch {
		case json.Unmarshal(shape.Error, &code) == nil:
			// "Couldn't authenticate you" is a sentence, not a code.
			if strings.ContainsAny(code, " '") && e.Description == "" {
				e.Description = code
			} else {
				e.Code = code
			}
		case json.Unmarshal(shape.Error, &obj) == nil && (obj.Title != "" || obj.Message != ""):
			e.Code = obj.Title
			if e.Description == "" {
				e.Description = obj.Message
			}
		}
		if json.Unmarshal(shape.Errors, &byField) == nil && len(byField) > 0 && e.Details == nil {
			e.Details = map[string][]ErrorDetail{}
			for field, msgs := range byField {
				for _, m := range msgs {
					e.Details[field] = append(e.Details[field], ErrorDetail{Description: m})
				}
			}
		}
		if json.Unmarshal(shape.Errors, &list) == nil && len(list) > 0 {
			first := list[0]
			if e.Code == "" {
				e.Code = first.Code
			}
			if e.Description == "" {
				e.Description = strings.TrimSpace(first.Title + " " + first.Detail)
			}
		}
		return e
	}
	// A plain body: keep its first line, short.
	text := string(trimmed)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	if text == "" {
		text = http.StatusText(status)
	}
	e.Description = text
	return e
}
