package kustomersim

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is an error response in Kustomer's main shape (spec/kustomer.md §6):
// {"errors":[{"code","message","meta"}]}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "bad_request", msg}
}

func notFound(msg string) *apiError {
	return &apiError{http.StatusNotFound, "not_found", msg}
}

// codeFor is the error code for a status the simulator answers without a
// more specific one (the fault switch, 413).
func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	}
	return "internal_server_error"
}

func writeError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{
		"code":    e.code,
		"message": e.message,
		"meta":    map[string]any{},
	}}})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	w.Write(body)
}

// renderFault writes a response of the fault switch in Kustomer's shape.
func renderFault(w http.ResponseWriter, _ *http.Request, status int) {
	writeError(w, &apiError{status, codeFor(status), http.StatusText(status) + " (injected fault)"})
}
