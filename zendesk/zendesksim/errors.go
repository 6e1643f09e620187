package zendesksim

import (
	"net/http"
	"sort"
	"strings"
)

// Error bodies, in the shapes of spec/zendesk.md §8.

// errorBody is the {"error","description"} shape of most errors.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"description,omitempty"`
}

func apiError(code, desc string) errorBody { return errorBody{Error: code, Description: desc} }

// errDetail is one entry of a RecordInvalid field.
type errDetail struct {
	Description string `json:"description"`
	Error       string `json:"error"`
}

// invalid collects RecordInvalid details by field, so a request can
// report every problem at once.
type invalid map[string][]errDetail

func (v invalid) add(field, code, desc string) {
	v[field] = append(v[field], errDetail{Description: desc, Error: code})
}

func (v invalid) ok() bool { return len(v) == 0 }

// summary renders the details as one line, for job results, whose
// "details" is a string.
func (v invalid) summary() (code, details string) {
	fields := make([]string, 0, len(v))
	for f := range v {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var parts []string
	for _, f := range fields {
		for _, d := range v[f] {
			if code == "" {
				code = d.Error
			}
			parts = append(parts, d.Description)
		}
	}
	return code, strings.Join(parts, " ")
}

type recordInvalidBody struct {
	Error       string  `json:"error"`
	Description string  `json:"description"`
	Details     invalid `json:"details"`
}

func recordInvalid(v invalid) reply {
	return reply{http.StatusUnprocessableEntity, recordInvalidBody{"RecordInvalid", "Record validation errors", v}}
}

func notFound() reply {
	return reply{http.StatusNotFound, apiError("RecordNotFound", "Not found")}
}

func badRequest(desc string) reply {
	// (inferred) Zendesk's 400 bodies for malformed input were not found;
	// the shape follows the other errors.
	return reply{http.StatusBadRequest, apiError("BadRequest", desc)}
}

func forbidden() reply {
	return reply{http.StatusForbidden, apiError("Forbidden",
		"You do not have access to this page. Please contact the account owner of this help desk for further help.")}
}

// errorsBody is the {"errors":[…]} shape; the OAS shows it on a 429.
type errorsBody struct {
	Errors []errorsItem `json:"errors"`
}

type errorsItem struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Status string `json:"status,omitempty"`
}

// tooManyRequests is the 429 body. The only example in the OAS (PUT
// organizations/{id}) uses the errors shape; the account-wide 429 body was
// not found, so it uses the same (inferred).
func tooManyRequests(title string) errorsBody {
	return errorsBody{Errors: []errorsItem{{Code: "TooManyRequests", Title: title, Status: "429"}}}
}
