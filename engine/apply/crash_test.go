package apply

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/pgtest"
	"github.com/kzmap/kzmap/throttle"
	"github.com/kzmap/kzmap/zendesk"
)

var (
	crashKills   = flag.Int("crash-kills", 12, "how many times TestApplySurvivesKill9 kills apply")
	crashProfile = flag.String("crash-profile", "small", "dataset profile of TestApplySurvivesKill9 (edge for the long suite)")
	crashBackend = flag.String("crash-backend", "local", "where the killed applies keep the checkpoint: local or pg (TestApplySurvivesKill9, TestReplaceSurvivesKill9)")
)

// TestApplySurvivesKill9 runs apply in a child process and kills it with
// SIGKILL at seeded random moments, then resumes, until apply completes;
// Zendesk must then hold every record exactly once.
func TestApplySurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	// A slow Zendesk (30 requests a second) makes apply long enough to be
	// killed at many different points.
	r := newRigLimit(t, *crashProfile, 21, 30, crashPG(t))
	kills := killApply(t, r, *crashKills, 21)
	r.OpenStore()
	if inflight, _ := r.Store.InFlight(); len(inflight) > 0 {
		t.Errorf("%d batches still in flight", len(inflight))
	}
	// The kills must have hit applies at work, not only start-up.
	runs, _ := r.Store.Runs()
	interrupted := 0
	for _, run := range runs {
		if run.Status == "interrupted" {
			interrupted++
		}
	}
	if interrupted < *crashKills/2 {
		t.Errorf("only %d of %d kills interrupted an apply", interrupted, kills)
	}
	st := r.checkLanded()
	again, err := engine.Plan(context.Background(), engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes != 0 {
		t.Errorf("after %d kills, the plan still has %d changes: %v", kills, again.Summary.Changes, again.Summary.Counts)
		b, _ := os.ReadFile(filepath.Join(r.Dir, "child.log"))
		t.Logf("last child:\n%s", b)
		dl, _ := r.Store.DeadLetters()
		for _, d := range dl[:min(3, len(dl))] {
			t.Logf("dead letter: %+v", d)
		}
	}
	// Every desired record is in Zendesk: compare counts by kind.
	want, _ := r.Store.Count("user")
	endUsers := 0
	for _, u := range st.Users {
		if u.Role != "admin" {
			endUsers++
		}
	}
	if endUsers != want {
		t.Errorf("Zendesk has %d users, the checkpoint %d", endUsers, want)
	}
	t.Logf("KZSUITE %s=%d records_lost=%d records_duplicated=%d", suiteKey("apply_kills"), kills, r.lost, r.dups)
	t.Logf("%d kills, %d during apply; Zendesk: %d tickets, %d users, %d organizations", kills, interrupted, len(st.Tickets), endUsers, len(st.Organizations))
}

// killApply runs apply in child processes over the rig and kills each
// with SIGKILL at a seeded random moment after it starts applying, until
// kills kills landed (or four times as many tries), then runs one to the
// end. The rig's store is closed while the children hold it.
func killApply(t *testing.T, r *rig, want int, seed uint64) int {
	t.Helper()
	r.Store.Close() // the children hold it
	rng := rand.New(rand.NewPCG(seed, 1))
	mark := filepath.Join(r.Dir, "applying")
	env := append(os.Environ(), "KZ_CRASH_CHILD=1", "KZ_EXPORT="+r.Export, "KZ_DIR="+r.Dir, "KZ_URL="+r.URL, "KZ_MARK="+mark)
	if r.PG != nil {
		env = append(env, "KZ_PG_URL="+r.PG.URL, "KZ_PG_WORKSPACE="+r.PG.Workspace)
	}
	if r.mapping != "" {
		env = append(env, "KZ_MAPPING="+r.mapping)
	}
	// run starts a child; with kill > 0 it kills it that long after the
	// child starts applying (it writes the mark then), so every kill lands
	// in apply itself, however slow the machine.
	run := func(kill time.Duration) (killed bool) {
		os.Remove(mark)
		cmd := exec.Command(os.Args[0], "-test.run=^TestApplyCrashChild$", "-test.v")
		cmd.Env = env
		out, _ := os.Create(filepath.Join(r.Dir, "child.log"))
		defer out.Close()
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kill > 0 {
			var fire <-chan time.Time
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case err := <-done:
					if err != nil {
						b, _ := os.ReadFile(filepath.Join(r.Dir, "child.log"))
						t.Fatalf("child failed: %v\n%s", err, b)
					}
					return false
				case <-tick.C:
					if _, err := os.Stat(mark); err == nil && fire == nil {
						fire = time.After(kill)
					}
				case <-fire:
					cmd.Process.Signal(syscall.SIGKILL)
					<-done
					return true
				}
			}
		}
		if err := <-done; err != nil {
			b, _ := os.ReadFile(filepath.Join(r.Dir, "child.log"))
			t.Fatalf("final run failed: %v\n%s", err, b)
		}
		return false
	}
	kills := 0
	for attempt := 0; kills < want && attempt < want*4; attempt++ {
		if run(time.Duration(rng.IntN(700)) * time.Millisecond) {
			kills++
		}
	}
	if kills < want {
		t.Logf("apply finished before %d kills (%d kills)", want, kills)
	}
	run(0)
	return kills
}

// TestApplyCrashChild is the child process of TestApplySurvivesKill9.
func TestApplyCrashChild(t *testing.T) {
	if os.Getenv("KZ_CRASH_CHILD") != "1" {
		t.Skip("run by TestApplySurvivesKill9")
	}
	ctx := context.Background()
	snap, err := engine.OpenDir(os.Getenv("KZ_EXPORT"))
	if err != nil {
		t.Fatal(err)
	}
	mapping := filepath.Join("..", "..", "examples", "mappings", "default")
	if m := os.Getenv("KZ_MAPPING"); m != "" {
		mapping = m
	}
	cfg, diags := dsl.Load(mapping, dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dir := os.Getenv("KZ_DIR")
	var pg *checkpoint.PG
	if u := os.Getenv("KZ_PG_URL"); u != "" {
		pg = &checkpoint.PG{URL: u, Workspace: os.Getenv("KZ_PG_WORKSPACE")}
	}
	store, err := enginetest.OpenCheckpoint(dir, pg, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := zendesk.New(zendesk.Config{BaseURL: os.Getenv("KZ_URL"), Email: enginetest.Email, Token: zendesk.NewSecret(enginetest.Token),
		Limiter: throttle.New(throttle.Options{Limit: 30, Window: time.Second}), RateLimit: 30,
		HelpCenterLimiter: throttle.New(throttle.Options{Limit: 30, Window: time.Second}),
		PollMin:           5 * time.Millisecond, PollMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// A killed request may have queued a job: wait for it to settle (a
	// second here; Zendesk's jobs take longer) rather than send twice.
	for {
		_, err := Recover(ctx, store, c, time.Second, nil)
		var ue *UnsettledError
		if errors.As(err, &ue) {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	out := filepath.Join(dir, "child.kzplan")
	if _, err := engine.Plan(ctx, engine.PlanOptions{Config: cfg, Snapshot: snap, Checkpoint: store, Out: out}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv("KZ_MARK"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, Options{Config: cfg, Snapshot: snap, Files: DirFiles{Dir: os.Getenv("KZ_EXPORT"), Snap: snap},
		Store: store, Client: c, Plan: out, Settle: time.Second}); err != nil {
		t.Fatal(err)
	}
}

// crashPG is the workspace the kill -9 tests keep the checkpoint in with
// -crash-backend=pg (nil: the rig's file).
func crashPG(t *testing.T) *checkpoint.PG {
	switch *crashBackend {
	case "local":
		return nil
	case "pg":
		return &checkpoint.PG{URL: pgtest.URL(t), Workspace: pgtest.Workspace()}
	}
	t.Fatalf("-crash-backend=%s: local or pg", *crashBackend)
	return nil
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// suiteKey names a kill count in the suites' table by backend.
func suiteKey(name string) string {
	if *crashBackend == "pg" {
		return name + "_pg"
	}
	return name
}
