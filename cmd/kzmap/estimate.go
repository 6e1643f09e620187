package main

import (
	"fmt"
	"io"

	"github.com/kzmap/kzmap/engine/planfile"
)

// writeEstimate is the plan's estimate of what apply will cost: Zendesk
// requests and time at the plan's share of the tier limit.
func writeEstimate(w io.Writer, h planfile.Header, e planfile.Estimate) {
	fmt.Fprintf(w, "\nEstimate: %d Zendesk requests, about %.1f minutes at %.0f requests/minute", e.ZendeskRequests, e.Minutes, e.RequestsPerMin)
	if h.ZendeskPlan != "" {
		fmt.Fprintf(w, " (%s plan, limit %d/min)", h.ZendeskPlan, h.RateLimit)
	}
	fmt.Fprintf(w, "; %d attachment downloads from Kustomer.\n", e.KustomerRequests)
	if e.Lookups > 0 {
		fmt.Fprintf(w, "  Of these, %d look for records Zendesk already holds before creating; up to %d more if it does hold some (none for an empty account).\n", e.Lookups, e.LookupsMore)
	}
}
