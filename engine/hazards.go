package engine

import (
	"sort"

	"github.com/kzmap/kzmap/engine/planfile"
)

// maxExamples bounds the examples kept per hazard, so a plan over millions
// of records keeps flat memory.
const maxExamples = 5

// Hazards collects what a plan should warn about.
type Hazards struct {
	byCode map[string]*planfile.Hazard
}

// NewHazards returns an empty collection.
func NewHazards() *Hazards { return &Hazards{byCode: map[string]*planfile.Hazard{}} }

// Add counts one occurrence of a hazard, keeping a few examples.
func (h *Hazards) Add(code, severity, message, example string) {
	hz := h.byCode[code]
	if hz == nil {
		hz = &planfile.Hazard{Code: code, Severity: severity, Message: message}
		h.byCode[code] = hz
	}
	hz.Count++
	if len(hz.Examples) < maxExamples && example != "" {
		hz.Examples = append(hz.Examples, example)
	}
}

// Note records a hazard that is a fact about n records as a whole.
func (h *Hazards) Note(code, severity, message string, n int) {
	if _, ok := h.byCode[code]; !ok {
		h.byCode[code] = &planfile.Hazard{Code: code, Severity: severity, Message: message, Count: n}
	}
}

// List returns the hazards, errors first, then warnings, then by code.
func (h *Hazards) List() []planfile.Hazard {
	rank := map[string]int{"error": 0, "warning": 1, "info": 2}
	out := make([]planfile.Hazard, 0, len(h.byCode))
	for _, hz := range h.byCode {
		out = append(out, *hz)
	}
	sort.Slice(out, func(i, j int) bool {
		if rank[out[i].Severity] != rank[out[j].Severity] {
			return rank[out[i].Severity] < rank[out[j].Severity]
		}
		return out[i].Code < out[j].Code
	})
	return out
}
