package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kzmap/kzmap/engine/planfile"
)

// writeEstimate is the plan's estimate of what apply will cost: Zendesk
// requests and the time they take at the plan's share of the tier limit,
// then what they are for, the largest term first (engine/estimate.go
// counts them); how the time splits, what is assumed, and the refresh a
// `kzmap apply` without a plan file makes first.
func writeEstimate(w io.Writer, h planfile.Header, e planfile.Estimate) {
	fmt.Fprintf(w, "\nEstimate: %d Zendesk requests, about %s at %.0f requests/minute", e.ZendeskRequests, estimateTime(e.Seconds, e.Minutes), e.RequestsPerMin)
	if h.ZendeskPlan != "" {
		fmt.Fprintf(w, " (%s plan, limit %d/min)", h.ZendeskPlan, h.RateLimit)
	}
	var terms []string
	for i, t := range e.Terms {
		s := fmt.Sprintf("%s %d", t.Term, t.Requests)
		if i == 0 && t.Detail != "" {
			s += " (" + t.Detail + ")"
		}
		terms = append(terms, s)
	}
	if len(terms) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(terms, ", "))
	}
	fmt.Fprintln(w, ".")
	if e.Seconds == 0 {
		return // a plan from an older kzmap: no terms, no time split
	}
	fmt.Fprintf(w, "  Time: %s sending, %s waiting for Zendesk's jobs (%.0f s a job, assumed); no 429 expected at this share.\n",
		estimateTime(e.Seconds-e.WaitSeconds, 0), estimateTime(e.WaitSeconds, 0), e.JobSeconds)
	if e.Lookups > 0 {
		fmt.Fprintf(w, "  Of these, %d look for records Zendesk already holds before creating; up to %d more if it holds records kzmap did not write.\n", e.Lookups, e.LookupsMore)
	}
	if e.LostFiles > 0 {
		fmt.Fprintf(w, "  %s not in the snapshot: not uploaded, each ticket says which are missing.\n", plural(e.LostFiles, "attachment file"))
	}
	if e.RefreshRequests > 0 {
		fmt.Fprintf(w, "  Not counted: kzmap apply without a plan file first reads back what the checkpoint holds, %s more (about %s). No Kustomer requests: the files come from the snapshot.\n",
			plural(e.RefreshRequests, "request"), estimateTime(e.RefreshSeconds, 0))
	} else {
		fmt.Fprintln(w, "  Nothing to read back first (the checkpoint is empty). No Kustomer requests: the files come from the snapshot.")
	}
}

// estimateTime says a time in minutes, or hours when long; minutes, the
// rounded figure of older plans, when seconds is not known.
func estimateTime(seconds, minutes float64) string {
	if seconds <= 0 && minutes > 0 {
		seconds = minutes * 60
	}
	m := seconds / 60
	switch {
	case m >= 90:
		return fmt.Sprintf("%.1f hours", m/60)
	case m >= 10:
		return fmt.Sprintf("%.0f minutes", m)
	}
	return fmt.Sprintf("%.1f minutes", m)
}
