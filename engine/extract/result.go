package extract

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// What a run reports: per type, how it was read, the requests it sent,
// the reconciliation with the API's counts, the attachment bytes.

// Result is the account of a run.
type Result struct {
	RunID      uint64    `json:"run_id"`
	Mode       string    `json:"mode"` // full, incremental, window
	Resumed    bool      `json:"resumed"`
	Org        string    `json:"org"`
	ServerTime time.Time `json:"server_time"`
	// Plan says, per type, how it was read and why.
	Plan     []Step         `json:"plan"`
	Requests Requests       `json:"requests"`
	Written  map[string]int `json:"written"` // new or changed records per type
	Counts   map[string]int `json:"counts"`  // records per type in the snapshot
	Checks   []Check        `json:"reconciliation"`
	Files    Files          `json:"files"`
	Notes    []string       `json:"notes,omitempty"`
	Elapsed  time.Duration  `json:"elapsed_ns"`
}

// Step is how one type was read.
type Step struct {
	Type     string `json:"type"`
	Strategy string `json:"strategy"`
	// Estimate is the requests the chosen strategy was expected to need,
	// Requests what it took in this run (retries included).
	Estimate int    `json:"estimate,omitempty"`
	Requests int    `json:"requests"`
	Why      string `json:"why,omitempty"`
}

// Requests counts what the run sent.
type Requests struct {
	Total     int64 `json:"total"`
	Search    int64 `json:"search"`
	Downloads int64 `json:"downloads"`
	Retries   int64 `json:"retries"`
	TooMany   int64 `json:"too_many"`
	// Remaining is what the server last said is left in its window, and
	// Limit its limit per window; -1 unknown.
	Remaining int `json:"remaining"`
	Limit     int `json:"limit"`
}

// Check reconciles one type: what the API says there is against what the
// snapshot holds.
type Check struct {
	Type      string `json:"type"`
	Expected  int    `json:"expected"` // -1: the API gave no figure this run
	Source    string `json:"source"`   // where Expected comes from
	Extracted int    `json:"extracted"`
	OK        bool   `json:"ok"`
}

// Files sums up the attachment bytes.
type Files struct {
	Attachments  int   `json:"attachments"`
	Staged       int   `json:"staged"`
	Bytes        int64 `json:"bytes"`
	Missing      int   `json:"missing"`
	Oversize     int   `json:"oversize"`
	Refused      int   `json:"refused"`
	Failed       int   `json:"failed"`
	SizeMismatch int   `json:"size_mismatch"`
	Pending      int   `json:"pending"`    // no state yet
	Downloaded   int   `json:"downloaded"` // this run
}

// searchable lists the types search (and for all but notes, archive
// search) serves, in the order they are read.
var searchable = []string{"company", "customer", "conversation", "kobject", "message", "note"}

func (e *engine) result(ctx context.Context, before kustomer.Stats, start time.Time) (*Result, error) {
	checks, err := e.reconcile(ctx)
	if err != nil {
		return nil, err
	}
	after := e.src.Stats()
	res := &Result{
		RunID: e.run.ID, Mode: e.run.Mode, Resumed: e.run.Resumed > 0, ServerTime: e.now,
		Written: map[string]int{},
		Requests: Requests{
			Total: after.Requests - before.Requests, Search: after.Searches - before.Searches,
			Downloads: after.Downloads - before.Downloads, Retries: after.Retries - before.Retries,
			TooMany: after.TooMany - before.TooMany, Remaining: after.Remaining, Limit: after.Limit,
		},
		Elapsed: e.opts.Clock().Sub(start),
	}
	res.Org, _ = e.store.Org()
	if res.Mode == "incremental" {
		// Some types may have been read whole: never read before, or only
		// in a window.
		for _, typ := range searchable {
			if plan, ok, _ := e.planned(typ); ok && plan.Mode != "incremental" {
				res.Mode = "full"
			}
		}
	}
	e.mu.Lock()
	for t, n := range e.written {
		res.Written[t] = n
	}
	res.Notes = append(res.Notes, e.notes...)
	if n := e.reqs["repair"].Load(); n > 0 {
		var parts []string
		for _, what := range slices.Sorted(maps.Keys(e.repaired)) {
			parts = append(parts, fmt.Sprintf("%d for %s", e.repaired[what], what))
		}
		e.steps["repair"] = &Step{Type: "repair", Strategy: "per-conversation lists", Why: "conversations whose stored thread fell short of their counts: " + strings.Join(parts, ", ")}
	}
	meta := 0
	for _, r := range record.AttributeResources {
		if e.scope[r] {
			meta++
		}
	}
	e.steps["org"] = &Step{Type: "org", Strategy: "GET /v1/auth/tokens/current, /v1/metadata/{resource}", Estimate: 1 + meta,
		Why: "the key's org, so a snapshot never mixes two orgs; the custom attributes' metadata"}
	for _, t := range append(append([]string{"org"}, record.Types...), "repair") {
		s, ok := e.steps[t]
		if !ok {
			continue
		}
		st := *s
		st.Requests = int(e.reqs[t].Load())
		res.Plan = append(res.Plan, st)
	}
	e.mu.Unlock()
	counts, err := e.store.Counts()
	if err != nil {
		return nil, err
	}
	res.Counts = counts
	res.Checks = checks
	res.Files, err = FileSummary(e.store)
	if err != nil {
		return nil, err
	}
	res.Files.Downloaded = int(e.files.Load())
	return res, nil
}

// FileSummary counts attachments and the states of their bytes.
func FileSummary(s *snapshot.Store) (Files, error) {
	media, err := mediaIDs(s)
	if err != nil {
		return Files{}, err
	}
	return summary(s, "attachment", func(id string) bool { return !media[id] })
}

// MediaSummary counts the knowledge base's media and the states of their
// bytes (staged beside the attachments').
func MediaSummary(s *snapshot.Store) (Files, error) {
	media, err := mediaIDs(s)
	if err != nil {
		return Files{}, err
	}
	return summary(s, "media", func(id string) bool { return media[id] })
}

// mediaIDs are the media the snapshot holds: a knowledge base's few
// hundred, held in memory to tell their files from attachments'.
func mediaIDs(s *snapshot.Store) (map[string]bool, error) {
	ids := map[string]bool{}
	err := s.ForEach("media", func(id string, _ []byte) error {
		ids[id] = true
		return nil
	})
	return ids, err
}

func summary(s *snapshot.Store, typ string, mine func(id string) bool) (Files, error) {
	var f Files
	n, err := s.Count(typ)
	if err != nil {
		return f, err
	}
	f.Attachments = n
	states := 0
	err = s.ForEachFile(func(id string, st snapshot.File) error {
		if !mine(id) {
			return nil
		}
		states++
		switch st.State {
		case snapshot.FileOK:
			f.Staged++
			f.Bytes += st.Size
		case snapshot.FileSizeMismatch:
			f.Staged++
			f.SizeMismatch++
			f.Bytes += st.Size
		case snapshot.FileMissing:
			f.Missing++
		case snapshot.FileOversize:
			f.Oversize++
		case snapshot.FileRefused:
			f.Refused++
		case snapshot.FileFailed:
			f.Failed++
		}
		return nil
	})
	f.Pending = max(0, n-states)
	return f, err
}
