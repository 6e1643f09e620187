package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/kind"
)

// The progress log writes a line each time a kind passes another step and
// when it ends, with the batches since the line before.
func TestProgressLogLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "progress.jsonl")
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	l, err := openProgressLog(path, 250, now)
	if err != nil {
		t.Fatal(err)
	}
	l.update(apply.Progress{Kind: kind.User, Done: 30, Total: 30, Batch: 30, Latency: 5 * time.Millisecond})
	for done := 100; done <= 1000; done += 100 {
		l.update(apply.Progress{Kind: kind.Ticket, Done: done, Total: 1000, Batch: 100, Latency: time.Duration(done) * time.Millisecond})
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []progressLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ln progressLine
		if err := json.Unmarshal(sc.Bytes(), &ln); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, ln)
	}
	// user ends at 30; ticket passes 250 at 300, 500, 750, and ends at 1000.
	want := []struct {
		kind          string
		done, batches int
		meanMS, maxMS float64
	}{{"user", 30, 1, 5, 5}, {"ticket", 300, 3, 200, 300}, {"ticket", 500, 2, 450, 500}, {"ticket", 800, 3, 700, 800}, {"ticket", 1000, 2, 950, 1000}}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.Done != w.done || g.Batches != w.batches || g.LatencyMS != w.meanMS || g.MaxMS != w.maxMS {
			t.Errorf("line %d = %+v, want %+v", i, g, w)
		}
		if g.RSSMB <= 0 || g.AnonMB <= 0 || g.At <= 0 {
			t.Errorf("line %d has no memory or time: %+v", i, g)
		}
	}
}
