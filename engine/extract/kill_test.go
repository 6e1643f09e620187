package extract

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/snapshot"
)

var killRounds = flag.Int("kill9", 0, "kill -9 the extraction this many times in TestKill9 (default 6, 2 with -short)")

// Environment of the child process TestKill9 starts.
const (
	childURL = "KZMAP_EXTRACT_TEST_URL"
	childDir = "KZMAP_EXTRACT_TEST_DIR"
)

// runChild is the extraction the child process runs: it is killed with
// SIGKILL at a random moment, or finishes.
func runChild() {
	st, err := snapshot.Open(snapshot.DefaultPath(os.Getenv(childDir)), snapshot.Options{Timeout: 5 * time.Second, DictSamples: 25})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	c, err := kustomer.New(os.Getenv(childURL), testKey, kustomer.Options{Window: time.Second, Limit: 2000, SearchLimit: 1000, Backoff: 5 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	force := map[string]string{"conversation": "search", "message": "search", "note": "search", "customer": "search"}
	if _, err := Run(context.Background(), c, st, Options{Strategies: force, SearchPageSize: 25}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	st.Close()
	os.Exit(0)
}

// TestKill9 kills extraction processes with SIGKILL at random moments and
// starts them again until one finishes; the snapshot then equals the
// dataset, its content matches its digest, and the killed runs resumed
// rather than started over.
func TestKill9(t *testing.T) {
	t.Parallel()
	rounds := *killRounds
	if rounds == 0 {
		rounds = 6
		if testing.Short() {
			rounds = 2
		}
	}
	dir := generated(t, "small")
	// A little latency stretches the run, so kills land all over it.
	s := startSim(t, dir, kustomersim.Options{Faults: simkit.Faults{Latency: 3 * time.Millisecond}})
	work := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	kills := 0
	for attempt := 0; ; attempt++ {
		if attempt > rounds+20 {
			t.Fatalf("no run finished after %d attempts", attempt)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childURL+"="+s.srv.URL, childDir+"="+work)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		if kills < rounds {
			select {
			case err = <-done:
			case <-time.After(time.Duration(10+rng.IntN(200)) * time.Millisecond):
				cmd.Process.Signal(syscall.SIGKILL)
				err = <-done
				kills++
			}
		} else {
			err = <-done
		}
		if err == nil {
			break
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child failed: %v", err)
		}
	}
	st, err := snapshot.OpenReadOnly(snapshot.DefaultPath(work))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Verify(); err != nil {
		t.Fatal(err)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkFiles(t, st, dir)
	runs, _ := st.Runs()
	if len(runs) != 1 || runs[0].Status != "complete" {
		t.Errorf("runs: %+v", runs)
	} else {
		t.Logf("%d kills; the run resumed %d times; %d requests in all", kills, runs[0].Resumed, len(s.requests()))
	}
}
