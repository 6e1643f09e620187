package apply

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// TestApplyWithTimeoutsAndSlowJobs: answers slower than the client waits
// (so writes end "maybe sent") and slow jobs. Batches whose answer was lost
// are resolved by asking Zendesk, and wait for their jobs to settle
// rather than being sent twice; runs are repeated until everything landed.
func TestApplyWithTimeoutsAndSlowJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("fault run")
	}
	r := newRigWith(t, "small", 15, "slow=0.15:700ms,latency=2ms,seed=9", func(o *zendesksim.Options) {
		o.JobDelay = 100 * time.Millisecond
	})
	r.settle = 1500 * time.Millisecond
	r.Timeout = 400 * time.Millisecond
	r.workers = 1
	ctx := context.Background()
	unsettled, rounds, lost := 0, 0, 0
	for ; rounds < 30; rounds++ {
		_, res, err := r.planApply(ctx, true)
		if res != nil {
			for _, by := range res.Counts {
				lost += by["answers_lost"]
			}
		}
		var ue *UnsettledError
		switch {
		case errors.As(err, &ue), errors.Is(err, zendesk.ErrMaybeSent):
			unsettled++
			time.Sleep(300 * time.Millisecond)
			continue
		case err != nil:
			t.Fatalf("round %d: %v", rounds, err)
		}
		inflight, _ := r.Store.InFlight()
		again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
		if err != nil {
			t.Fatal(err)
		}
		if len(inflight) == 0 && again.Summary.Changes == 0 {
			break
		}
	}
	r.checkLanded()
	stats := r.Sim.Stats()
	t.Logf("KZSUITE faults_injected=%d records_lost=%d records_duplicated=%d", lost+unsettled, r.lost, r.dups)
	t.Logf("%d rounds; %d batches lost their answer, %d runs stopped on one that had not settled; %d requests", rounds+1, lost, unsettled, stats.Total)
	if rounds == 30 {
		t.Fatal("apply did not converge")
	}
	if lost+unsettled == 0 {
		t.Error("no write lost its answer: the test exercised nothing")
	}
}

// TestRecoverAfterJobStatusExpired: a batch whose job finished while kzmap
// was down, and whose status Zendesk no longer keeps, is resolved by
// looking its records up.
func TestRecoverAfterJobStatusExpired(t *testing.T) {
	r := newRigWith(t, "small", 16, "", func(o *zendesksim.Options) { o.JobTTL = 300 * time.Millisecond })
	ctx := context.Background()
	c := r.Client()
	b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: "organization", Op: "create", SentAt: time.Now().UTC(),
		Keys: []string{"organization.company:x1", "organization.company:x2"}, Hashes: []string{"h1", "h2"},
		ExternalIDs: []string{"kustomer:company:x1", "kustomer:company:x2"}, Sources: []string{"company/x1", "company/x2"}}
	if err := r.Store.BeginBatch(b); err != nil {
		t.Fatal(err)
	}
	job, err := c.CreateManyOrganizations(ctx, []zendesk.Organization{{Name: "Expired A", ExternalID: "kustomer:company:x1"}, {Name: "Expired B", ExternalID: "kustomer:company:x2"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Store.SetJob(b.ID, job.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := job.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // the job status expires
	if _, err := Recover(ctx, r.Store, r.Client(), time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	for _, key := range b.Keys {
		if e, ok, _ := r.Store.Get("organization", key); !ok || e.ZendeskID == "" {
			t.Errorf("%s not recovered", key)
		}
	}
	if kind, _, ok, _ := r.Store.Resolve("company", "x2"); !ok || kind != "organization" {
		t.Error("alias company/x2 not recorded")
	}
	if inflight, _ := r.Store.InFlight(); len(inflight) != 0 {
		t.Errorf("%d batches still in flight", len(inflight))
	}
}

// TestApplyWithExpiringUploadTokens: upload tokens that expire before the
// import that uses them (a short token life and a slow network) fail those
// tickets; they go to the dead letters with Zendesk's reason, and a retry
// uploads the files again and lands them.
func TestApplyWithExpiringUploadTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("fault run")
	}
	r := newRigWith(t, "small", 17, "latency=8ms,seed=4", func(o *zendesksim.Options) {
		o.UploadTTL = 250 * time.Millisecond
	})
	r.workers = 1
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	dead, _ := r.Store.DeadLetters()
	expired := 0
	for _, d := range dead {
		if d.Kind == "ticket" {
			expired++
		}
	}
	if expired == 0 {
		t.Fatal("no upload token expired: the test exercised nothing")
	}
	t.Logf("first run: %d tickets failed on expired upload tokens, e.g. %s", expired, dead[0].Error)
	for round := 0; round < 6; round++ {
		if dead, _ = r.Store.DeadLetters(); len(dead) == 0 {
			break
		}
		if _, _, err := r.planApply(ctx, true); err != nil {
			t.Fatal(err)
		}
	}
	if dead, _ = r.Store.DeadLetters(); len(dead) > 0 {
		t.Errorf("%d dead letters left; first: %+v", len(dead), dead[0])
	}
	r.checkLanded()
	t.Logf("KZSUITE faults_injected=%d dead_letters_retried=%d records_lost=%d records_duplicated=%d", expired, expired, r.lost, r.dups)
}
