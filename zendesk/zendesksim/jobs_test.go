package zendesksim

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/simkit"
)

func orgBatch(prefix string, n int) map[string]any {
	var items []any
	for i := range n {
		items = append(items, map[string]any{"name": prefix + itoa(int64(i))})
	}
	return map[string]any{"organizations": items}
}

func TestJobLifecycleAndShowMany(t *testing.T) {
	h := newHarness(t, Options{JobDelay: time.Second})
	a := h.startJob(200, "POST", "/api/v2/organizations/create_many", orgBatch("a", 4))
	b := h.startJob(200, "POST", "/api/v2/organizations/create_many", orgBatch("b", 2))
	if r := h.job(a); r.str("job_status", "status") != "queued" || r.get("job_status", "results") != nil {
		t.Errorf("before JobDelay: %s", r.raw)
	}
	h.clock.Advance(1500 * time.Millisecond)
	if r := h.job(a); r.str("job_status", "status") != "working" || num(r.get("job_status", "progress")) != 2 {
		t.Errorf("halfway through working: %s", r.raw)
	}
	if n := len(h.srv.Dump().Organizations); n != 0 {
		t.Errorf("organizations visible before the job completed: %d", n)
	}
	h.clock.Advance(time.Second)
	r := h.must(200, "GET", "/api/v2/job_statuses/show_many?ids="+a+","+b+",nope", nil)
	var got []string
	for _, js := range r.get("job_statuses").([]any) {
		got = append(got, dig(js, "id").(string)+"="+dig(js, "status").(string))
	}
	if d := cmp.Diff([]string{a + "=completed", b + "=completed"}, got); d != "" {
		t.Errorf("show_many (-want +got):\n%s", d)
	}
	if msg := r.str("job_statuses", "0", "message"); !strings.HasPrefix(msg, "Completed at ") {
		t.Errorf("message = %q", msg)
	}
	if n := len(h.srv.Dump().Organizations); n != 6 {
		t.Errorf("organizations after both jobs = %d, want 6", n)
	}
	if r := h.do("GET", "/api/v2/job_statuses/show_many", nil); r.status != 400 {
		t.Errorf("show_many without ids = %d, want 400", r.status)
	}
}

func TestJobStatusExpires(t *testing.T) {
	h := newHarness(t, Options{JobTTL: time.Hour})
	id := h.startJob(200, "POST", "/api/v2/organizations/create_many", orgBatch("x", 1))
	h.job(id)
	h.clock.Advance(time.Hour)
	r := h.do("GET", "/api/v2/job_statuses/"+id, nil)
	if r.status != 404 || r.str("error") != "RecordNotFound" {
		t.Errorf("expired job = %d %s", r.status, r.raw)
	}
	if r := h.must(200, "GET", "/api/v2/job_statuses/show_many?ids="+id, nil); len(r.get("job_statuses").([]any)) != 0 {
		t.Errorf("show_many lists an expired job: %s", r.raw)
	}
}

func TestInflightJobLimit(t *testing.T) {
	h := newHarness(t, Options{JobDelay: time.Minute})
	for i := range 30 {
		h.startJob(200, "POST", "/api/v2/organizations/create_many", orgBatch("o"+itoa(int64(i))+"-", 1))
	}
	r := h.do("POST", "/api/v2/organizations/create_many", orgBatch("late", 1))
	if r.status != 429 || r.str("error") != "TooManyJobs" || len(r.get("current_job_ids").([]any)) != 30 {
		t.Fatalf("31st job = %d %s", r.status, r.raw)
	}
	if r.header.Get("Retry-After") == "" || !strings.Contains(r.header.Get("zendesk-ratelimit-inflight-jobs"), "remaining=0") {
		t.Errorf("headers = %v", r.header)
	}
	h.clock.Advance(2 * time.Minute)
	h.startJob(200, "POST", "/api/v2/organizations/create_many", orgBatch("late", 1))
}

func TestJobItemFaults(t *testing.T) {
	f, err := simkit.ParseFaults("jobfail=0.5,seed=3")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{Faults: f})
	r := h.runJob(200, "POST", "/api/v2/organizations/create_many", orgBatch("f", 20))
	failedN := 0
	for _, res := range r.get("job_status", "results").([]any) {
		if dig(res, "success") == false {
			failedN++
		}
	}
	if failedN == 0 || failedN == 20 {
		t.Errorf("jobfail=0.5 failed %d of 20 items", failedN)
	}
	if n := len(h.srv.Dump().Organizations); n != 20-failedN {
		t.Errorf("organizations = %d, want %d", n, 20-failedN)
	}
}

func TestGroupMembershipsCreateMany(t *testing.T) {
	h := newHarness(t, Options{})
	agent := h.user("Agent", "a@example.test", "agent")
	end := h.user("End", "e@example.test", "end-user")
	g := h.group("G")
	r := h.runJob(200, "POST", "/api/v2/group_memberships/create_many", map[string]any{"group_memberships": []any{
		map[string]any{"user_id": agent, "group_id": g},
		map[string]any{"user_id": end, "group_id": g},
		map[string]any{"user_id": agent, "group_id": g},
	}})
	res := r.get("job_status", "results").([]any)
	if dig(res, "0", "success") != nil || dig(res, "1", "details") != "User: is not an agent" || dig(res, "2", "error") != "DuplicateValue" {
		t.Errorf("results = %s", r.raw)
	}
}
