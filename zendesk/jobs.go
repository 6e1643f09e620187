package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// JobStatus is a background job as Zendesk reports it. Status is queued,
// working, completed, failed or (in older accounts) killed.
type JobStatus struct {
	ID       string          `json:"id"`
	URL      string          `json:"url"`
	JobType  string          `json:"job_type"`
	Status   string          `json:"status"`
	Total    *int            `json:"total"`
	Progress *int            `json:"progress"`
	Message  *string         `json:"message"`
	Results  json.RawMessage `json:"results"`
}

// Done reports whether the job has stopped (completed, failed or killed).
func (s JobStatus) Done() bool {
	switch s.Status {
	case "completed", "failed", "killed":
		return true
	}
	return false
}

// JobResult is the outcome of one item of a bulk request, matched back to
// the item by its position (Index) in the request.
type JobResult struct {
	Index   int
	ID      string // the record's id: an integer for Support resources, a string for custom object records
	Action  string // create, update, import, delete… when Zendesk says
	Status  string // Created, Updated, Deleted… when Zendesk says
	Success bool
	Error   string // Zendesk's code, e.g. DuplicateValue
	Details string // Zendesk's message, e.g. "Email: a@b.c is already being used by another user"
	// Unknown is set when Zendesk gave no result for the item (the job
	// failed or its results were cut short): whether it was carried out
	// must be found by asking for the record.
	Unknown bool
}

// IntID returns ID as an integer, for Support resources.
func (r JobResult) IntID() (int64, bool) {
	n, err := strconv.ParseInt(r.ID, 10, 64)
	return n, err == nil
}

// JobOutcome is a finished job: its last status and one result per item
// sent, in request order (Results[i].Index == i).
type JobOutcome struct {
	Status  JobStatus
	Results []JobResult
}

// Failed returns the items that did not succeed, including unknown ones.
func (o *JobOutcome) Failed() []JobResult {
	var out []JobResult
	for _, r := range o.Results {
		if !r.Success {
			out = append(out, r)
		}
	}
	return out
}

// Job is a bulk request Zendesk accepted. Wait for its outcome; the slot
// it holds among the 30 jobs Zendesk allows is freed when it stops,
// whether or not anyone waits.
type Job struct {
	t         *jobTracker
	id        string
	items     int
	submitted time.Time
	foreign   bool // someone else's job named by TooManyJobs; holds no slot

	misses  int
	done    chan struct{}
	outcome *JobOutcome
	err     error
}

// ID is Zendesk's job id, to record before waiting so that a resumed run
// can find the job again (Client.ResumeJob).
func (j *Job) ID() string { return j.id }

// Items is the number of items the request carried.
func (j *Job) Items() int { return j.items }

// Wait polls until the job stops and returns its outcome. Polls are
// shared: all jobs pending on the client are asked for in one show_many
// request, so waiting on many jobs at once costs no more requests.
func (j *Job) Wait(ctx context.Context) (*JobOutcome, error) {
	err := j.t.wait(ctx, func() bool {
		select {
		case <-j.done:
			return true
		default:
			return false
		}
	})
	if err != nil {
		return nil, err
	}
	return j.outcome, j.err
}

// ResumeJob returns a handle on a job submitted earlier (perhaps by a
// run that crashed) with the number of items its request carried.
func (c *Client) ResumeJob(id string, items int) *Job {
	return c.jobs.track(id, items, false, false)
}

// jobTracker polls the pending jobs of one client. There is no background
// goroutine: whoever is blocked on jobs (a Wait, or a submit waiting for
// a free slot) takes turns at polling for everyone.
type jobTracker struct {
	c *Client

	mu       sync.Mutex
	pending  map[string]*Job // not yet stopped, ours and foreign
	ours     int             // slots held: jobs pending plus submits in progress
	foreign  int             // foreign jobs pending
	changed  chan struct{}   // closed and replaced on every change
	polling  bool            // someone is polling
	est      time.Duration   // how long jobs take, smoothed
	lastPoll time.Time
	idle     int // polls in a row that saw no job stop
}

func newJobTracker(c *Client) *jobTracker {
	return &jobTracker{c: c, pending: map[string]*Job{}, changed: make(chan struct{}), est: c.cfg.PollMin}
}

// broadcast wakes every waiter. Caller holds t.mu.
func (t *jobTracker) broadcast() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// track registers a pending job. holdsSlot says the caller acquired a slot
// for it, which the job now keeps until it stops.
func (t *jobTracker) track(id string, items int, holdsSlot, foreign bool) *Job {
	t.mu.Lock()
	defer t.mu.Unlock()
	if j, ok := t.pending[id]; ok {
		if holdsSlot {
			t.ours-- // already counted
		}
		return j
	}
	j := &Job{t: t, id: id, items: items, submitted: time.Now(), foreign: foreign, done: make(chan struct{})}
	t.pending[id] = j
	switch {
	case foreign:
		t.foreign++
	case !holdsSlot:
		t.ours++ // a resumed job occupies a slot like any of ours
	}
	t.broadcast()
	return j
}

// acquire takes a job slot, polling or waiting while all are in use.
func (t *jobTracker) acquire(ctx context.Context) error {
	return t.wait(ctx, func() bool {
		if t.ours+t.foreign < t.c.cfg.MaxJobs {
			t.ours++
			return true
		}
		return false
	})
}

// release gives back a slot whose submit failed.
func (t *jobTracker) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ours--
	t.broadcast()
}

// waitRoom waits, holding one slot, until ours and foreign jobs fit.
func (t *jobTracker) waitRoom(ctx context.Context) error {
	return t.wait(ctx, func() bool { return t.ours+t.foreign <= t.c.cfg.MaxJobs })
}

// wait blocks until try (called with t.mu held) reports true. While
// nobody else polls and jobs are pending, the caller polls.
func (t *jobTracker) wait(ctx context.Context, try func() bool) error {
	leader := false
	defer func() {
		if leader {
			t.mu.Lock()
			t.polling = false
			t.broadcast()
			t.mu.Unlock()
		}
	}()
	for {
		t.mu.Lock()
		if try() {
			t.mu.Unlock()
			return nil
		}
		if !leader && !t.polling && len(t.pending) > 0 {
			t.polling, leader = true, true
		}
		if leader && len(t.pending) == 0 {
			t.polling, leader = false, false
			t.broadcast()
		}
		changed := t.changed
		if !leader {
			t.mu.Unlock()
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		now := time.Now()
		next := t.nextPoll(now)
		t.mu.Unlock()
		if d := next.Sub(now); d > 0 {
			timer := time.NewTimer(d)
			select {
			case <-timer.C:
			case <-changed:
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			}
			timer.Stop()
			continue
		}
		if err := t.poll(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The poll gave up after its retries: count it as a poll that
			// saw nothing, so the next comes later, and carry on.
			t.mu.Lock()
			t.lastPoll = time.Now()
			t.idle++
			t.mu.Unlock()
		}
	}
}

// nextPoll is when to poll next: not before the soonest pending job is
// expected to stop (by how long jobs have taken), not sooner than PollMin
// after the last poll, backing off up to PollMax while polls find nothing
// new. Caller holds t.mu.
func (t *jobTracker) nextPoll(now time.Time) time.Time {
	cfg := t.c.cfg
	gap := min(cfg.PollMin<<min(t.idle, 16), cfg.PollMax)
	earliest := t.lastPoll.Add(gap)
	var soonest time.Time
	for _, j := range t.pending {
		if at := j.submitted.Add(t.est); soonest.IsZero() || at.Before(soonest) {
			soonest = at
		}
	}
	next := earliest
	if soonest.After(next) {
		next = soonest
	}
	if latest := t.lastPoll.Add(cfg.PollMax); !t.lastPoll.IsZero() && next.After(latest) {
		next = latest
	}
	return next
}

// poll asks for up to 100 pending jobs, oldest first, in one request and
// finishes those that stopped.
func (t *jobTracker) poll(ctx context.Context) error {
	t.mu.Lock()
	jobs := make([]*Job, 0, len(t.pending))
	for _, j := range t.pending {
		jobs = append(jobs, j)
	}
	t.mu.Unlock()
	slices.SortFunc(jobs, func(a, b *Job) int { return a.submitted.Compare(b.submitted) })
	jobs = jobs[:min(len(jobs), 100)]
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.id
	}
	statuses, err := t.c.ShowManyJobStatuses(ctx, ids)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status < 500 && !apiErr.Temporary() {
		// Asking again will not help (the credentials were revoked, say):
		// the jobs end with the reason.
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, j := range jobs {
			if t.pending[j.id] == j {
				t.finish(j, nil, fmt.Errorf("polling job %s: %w", j.id, err))
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastPoll = now
	seen := map[string]bool{}
	stopped := 0
	for _, st := range statuses {
		seen[st.ID] = true
		j := t.pending[st.ID]
		if j == nil || !st.Done() {
			continue
		}
		if !j.foreign {
			// Smooth how long jobs take; what we see is an upper bound.
			took := now.Sub(j.submitted)
			t.est = (3*t.est + took) / 4
		}
		results, rerr := matchResults(st, j.items)
		t.finish(j, &JobOutcome{Status: st, Results: results}, rerr)
		stopped++
	}
	for _, j := range jobs {
		if seen[j.id] || t.pending[j.id] == nil {
			continue
		}
		// Not found: expired, or not visible yet. Three misses in a row
		// and it is gone.
		if j.misses++; j.misses >= 3 {
			t.finish(j, nil, fmt.Errorf("job %s: %w", j.id, ErrJobGone))
			stopped++
		}
	}
	if stopped > 0 {
		t.idle = 0
	} else {
		t.idle++
	}
	return nil
}

// finish stops j. Caller holds t.mu.
func (t *jobTracker) finish(j *Job, o *JobOutcome, err error) {
	delete(t.pending, j.id)
	if j.foreign {
		t.foreign--
	} else {
		t.ours--
	}
	j.outcome, j.err = o, err
	close(j.done)
	t.broadcast()
}

// submit sends a bulk request that answers with a job_status. It holds a
// job slot for the job, waits for one when all are taken, and on
// TooManyJobs polls the jobs Zendesk names until there is room again.
func (c *Client) submit(ctx context.Context, req *request, items int) (*Job, error) {
	if err := c.jobs.acquire(ctx); err != nil {
		return nil, err
	}
	for range 20 {
		var out struct {
			JobStatus JobStatus `json:"job_status"`
		}
		_, err := c.do(ctx, req, &out)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == "TooManyJobs" {
			// Not carried out. Other clients' jobs fill the account: poll
			// them along with ours until one stops.
			for _, id := range apiErr.CurrentJobIDs {
				c.jobs.track(id, 0, false, true)
			}
			if err := c.jobs.waitRoom(ctx); err != nil {
				c.jobs.release()
				return nil, err
			}
			continue
		}
		if err != nil {
			c.jobs.release()
			return nil, err
		}
		if out.JobStatus.ID == "" {
			c.jobs.release()
			return nil, &MaybeSentError{Method: req.method, Path: req.path, Err: errors.New("the answer has no job_status id")}
		}
		j := c.jobs.track(out.JobStatus.ID, items, true, false)
		if out.JobStatus.Done() { // finished before we asked
			c.jobs.mu.Lock()
			if c.jobs.pending[j.id] == j {
				results, rerr := matchResults(out.JobStatus, items)
				c.jobs.finish(j, &JobOutcome{Status: out.JobStatus, Results: results}, rerr)
			}
			c.jobs.mu.Unlock()
		}
		return j, nil
	}
	c.jobs.release()
	return nil, fmt.Errorf("zendesk: %s %s: the account stayed at its limit of %d jobs", req.method, req.path, MaxJobs)
}

// ShowJobStatus returns one job's status.
func (c *Client) ShowJobStatus(ctx context.Context, id string) (*JobStatus, error) {
	var out struct {
		JobStatus JobStatus `json:"job_status"`
	}
	if _, err := c.do(ctx, &request{method: http.MethodGet, path: "/api/v2/job_statuses/" + url.PathEscape(id), safe: true}, &out); err != nil {
		return nil, err
	}
	return &out.JobStatus, nil
}

// ShowManyJobStatuses returns the statuses of up to 100 jobs in one
// request. Jobs Zendesk no longer knows are missing from the answer.
func (c *Client) ShowManyJobStatuses(ctx context.Context, ids []string) ([]JobStatus, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > 100 {
		return nil, fmt.Errorf("zendesk: show_many takes at most 100 job ids, got %d", len(ids))
	}
	var out struct {
		JobStatuses []JobStatus `json:"job_statuses"`
	}
	req := &request{method: http.MethodGet, path: "/api/v2/job_statuses/show_many", query: url.Values{"ids": {strings.Join(ids, ",")}}, safe: true}
	if _, err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return out.JobStatuses, nil
}

// rawResult is one entry of a job's results in any of its documented
// shapes (CreateResourceResult, UpdateResourceResult, FailedResult).
type rawResult struct {
	ID      json.RawMessage `json:"id"`
	Index   *int            `json:"index"`
	Action  string          `json:"action"`
	Status  string          `json:"status"`
	Success *bool           `json:"success"`
	Error   json.RawMessage `json:"error"`
	Details json.RawMessage `json:"details"`
}

// matchResults lays a stopped job's results out by request index. Items
// without a result are Unknown.
func matchResults(st JobStatus, n int) ([]JobResult, error) {
	out := make([]JobResult, n)
	why := "Zendesk reported no result for this item"
	if st.Status != "completed" {
		why = "the job " + st.Status
		if st.Message != nil && *st.Message != "" {
			why += ": " + *st.Message
		}
	}
	for i := range out {
		out[i] = JobResult{Index: i, Unknown: true, Error: "NoResult", Details: why}
	}
	raw := bytes.TrimSpace(st.Results)
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	if raw[0] == '{' {
		// Permanent deletion answers one object for the whole job.
		var whole struct {
			Success *bool `json:"success"`
		}
		if err := json.Unmarshal(raw, &whole); err != nil {
			return out, fmt.Errorf("zendesk: job %s: reading results: %w", st.ID, err)
		}
		if whole.Success != nil {
			for i := range out {
				out[i] = JobResult{Index: i, Success: *whole.Success}
			}
		}
		return out, nil
	}
	var list []rawResult
	if err := json.Unmarshal(raw, &list); err != nil {
		return out, fmt.Errorf("zendesk: job %s: reading results: %w", st.ID, err)
	}
	// Results without an index are positional when they cover every item.
	positional := len(list) == n && !slices.ContainsFunc(list, func(r rawResult) bool { return r.Index != nil })
	for k, r := range list {
		idx := k
		if r.Index != nil {
			idx = *r.Index
		} else if !positional {
			continue
		}
		if idx < 0 || idx >= n {
			continue
		}
		res := JobResult{
			Index: idx, ID: rawText(r.ID), Action: r.Action, Status: r.Status,
			Error: rawText(r.Error), Details: rawText(r.Details),
		}
		if r.Success != nil {
			res.Success = *r.Success
		} else {
			res.Success = res.Error == "" && res.ID != ""
		}
		out[idx] = res
	}
	return out, nil
}

// rawText renders a JSON string as its text and anything else (numbers,
// objects) as its JSON.
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
