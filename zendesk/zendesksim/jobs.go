package zendesksim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/simkit"
)

// maxInflightJobs is the account's limit of queued or running jobs [RL-DOC].
const maxInflightJobs = 30

// job is a queued background job. Its effects are applied by run when the
// clock reaches created + 2×JobDelay.
type job struct {
	JobStatus
	seq     int64
	created time.Time
	run     func(now time.Time) []JobResult
	done    bool
}

func (j *job) render() JobStatus {
	out := j.JobStatus
	out.Results = slices.Clone(j.Results)
	if out.Total != nil {
		out.Total = ptr(*out.Total)
	}
	if out.Progress != nil {
		out.Progress = ptr(*out.Progress)
	}
	return out
}

// startJob queues a job of total items, or refuses it when 30 jobs are
// already queued or running. The HTTP status of that refusal is not
// documented; the simulator answers 429 with Retry-After (inferred) and the
// documented TooManyJobs body. Caller holds s.mu.
func (s *Server) startJob(c *call, status int, jobType, idPrefix string, total int, run func(now time.Time) []JobResult) reply {
	st := s.st
	resets := simkit.RetryAfterSeconds(s.scaled(time.Minute))
	inflight := len(st.pending)
	if inflight >= maxInflightJobs {
		c.hdr.Set("zendesk-ratelimit-inflight-jobs", fmt.Sprintf("total=%d; remaining=0; resets=%d", maxInflightJobs, resets))
		wait := st.pending[0].created.Add(2 * s.opts.JobDelay).Sub(c.now)
		c.hdr.Set("Retry-After", strconv.Itoa(simkit.RetryAfterSeconds(wait)))
		ids := make([]string, len(st.pending))
		for i, j := range st.pending {
			ids[i] = j.ID
		}
		return reply{http.StatusTooManyRequests, struct {
			Error         string   `json:"error"`
			Description   string   `json:"description"`
			CurrentJobIDs []string `json:"current_job_ids"`
		}{"TooManyJobs", fmt.Sprintf("Too many %s jobs are currently queued or running. Try again later.", jobType), ids}}
	}
	c.hdr.Set("zendesk-ratelimit-inflight-jobs", fmt.Sprintf("total=%d; remaining=%d; resets=%d", maxInflightJobs, maxInflightJobs-inflight-1, resets))
	n := st.next("job")
	id := idPrefix + token("job", n, 32)
	j := &job{
		JobStatus: JobStatus{
			ID: id, URL: fmt.Sprintf("%s/api/v2/job_statuses/%s.json", c.base, id),
			JobType: jobType, Status: "queued", Total: ptr(total),
		},
		seq: n, created: c.now, run: run,
	}
	st.jobs[id] = j
	st.pending = append(st.pending, j)
	st.jobAge = append(st.jobAge, j)
	return reply{status, map[string]any{"job_status": j.render()}}
}

// advance moves jobs along to now: completes those due, marks the rest
// queued or working, and forgets statuses older than JobTTL. Jobs complete
// in creation order, so their effects apply in the order they were sent.
// Caller holds s.mu.
func (s *Server) advance(now time.Time) {
	st := s.st
	s.closeSolved(now)
	delay := s.opts.JobDelay
	for len(st.pending) > 0 {
		j := st.pending[0]
		if now.Before(j.created.Add(2 * delay)) {
			break
		}
		j.Results = j.run(now)
		if j.Results == nil {
			j.Results = []JobResult{}
		}
		j.run = nil
		j.done = true
		j.Status = "completed"
		j.Progress = ptr(*j.Total)
		j.Message = ptr("Completed at " + now.Format("2006-01-02 15:04:05 -0700"))
		st.pending = st.pending[1:]
	}
	for _, j := range st.pending {
		started := j.created.Add(delay)
		if now.Before(started) {
			continue
		}
		j.Status = "working"
		frac := float64(now.Sub(started)) / float64(delay)
		j.Progress = ptr(min(int(frac*float64(*j.Total)), *j.Total))
	}
	for len(st.jobAge) > 0 {
		j := st.jobAge[0]
		if !j.done || now.Before(j.created.Add(s.opts.JobTTL)) {
			break
		}
		delete(st.jobs, j.ID)
		st.jobAge = st.jobAge[1:]
	}
}

// itemFault reports whether the fault switch fails this job item, and the
// result to record. Caller holds s.mu.
func (s *Server) itemFault(index int, action string) (JobResult, bool) {
	if !s.faults.JobFail() {
		return JobResult{}, false
	}
	return failed(index, action, nil, "InternalError", "The item could not be processed (simulated fault). Retry it."), true
}

func failed(index int, action string, id any, code, details string) JobResult {
	return JobResult{ID: id, Index: index, Action: action, Success: ptr(false), Error: code, Details: details}
}

func (s *Server) showJob(c *call) reply {
	j, ok := s.st.jobs[c.r.PathValue("id")]
	if !ok {
		return notFound()
	}
	return reply{http.StatusOK, map[string]any{"job_status": j.render()}}
}

func (s *Server) showManyJobs(c *call) reply {
	raw := c.r.URL.Query().Get("ids")
	if raw == "" {
		return badRequest("ids is required")
	}
	ids := strings.Split(raw, ",")
	if len(ids) > 100 {
		return badRequest("Too many ids (the limit is 100)")
	}
	out := []JobStatus{}
	for _, id := range ids {
		if j, ok := s.st.jobs[strings.TrimSpace(id)]; ok {
			out = append(out, j.render())
		}
	}
	return reply{http.StatusOK, map[string]any{"job_statuses": out}}
}

// listJobs answers the newest 100 jobs, the ones Zendesk keeps listed
// (secondary source).
func (s *Server) listJobs(c *call) reply {
	jobs := make([]*job, 0, len(s.st.jobs))
	for _, j := range s.st.jobs {
		jobs = append(jobs, j)
	}
	slices.SortFunc(jobs, func(a, b *job) int { return cmpInt(b.seq, a.seq) })
	out := []JobStatus{}
	for _, j := range jobs[:min(len(jobs), 100)] {
		out = append(out, j.render())
	}
	return reply{http.StatusOK, map[string]any{"job_statuses": out}}
}
