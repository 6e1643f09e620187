package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/internal/procstatus"
)

// progressLog writes apply's progress as JSON lines, one each time a kind
// passes another step of records and one when it ends, for watching a
// long migration from another terminal or charting it afterwards
// (bench/scale draws its curves from one). Each line holds the batches
// done since the line before: how many, their mean and slowest latency,
// and the process's resident memory then.
type progressLog struct {
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	now   func() time.Time
	start time.Time
	step  int
	err   error

	kind                kind.Kind
	next                int // the Done that writes the next line
	batches             int
	latency, maxLatency time.Duration
}

// progressLine is one line of the log.
type progressLine struct {
	At        float64 `json:"at_s"` // since apply started
	Kind      string  `json:"kind"`
	Done      int     `json:"done"`
	Total     int     `json:"total"`
	Requests  int     `json:"requests"`
	Batches   int     `json:"batches"`
	LatencyMS float64 `json:"batch_latency_ms"`     // mean over Batches
	MaxMS     float64 `json:"batch_latency_max_ms"` // slowest of Batches
	// RSSMB is all the process has resident, the pages of the snapshot
	// and checkpoint files it has read through their memory maps
	// included (page cache the kernel takes back when it needs it);
	// AnonMB is its private memory alone.
	RSSMB  float64 `json:"rss_mb"`
	AnonMB float64 `json:"anon_mb"`
	HeapMB float64 `json:"heap_mb"`
}

func openProgressLog(path string, step int, now func() time.Time) (*progressLog, error) {
	if step <= 0 {
		return nil, fmt.Errorf("--progress-every must be positive, not %d", step)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--progress-log: %w", err)
	}
	return &progressLog{f: f, w: bufio.NewWriter(f), now: now, start: now(), step: step}, nil
}

// update takes one batch's progress.
func (l *progressLog) update(p apply.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.Kind != l.kind {
		l.kind, l.next = p.Kind, l.step
		l.batches, l.latency, l.maxLatency = 0, 0, 0
	}
	l.batches++
	l.latency += p.Latency
	l.maxLatency = max(l.maxLatency, p.Latency)
	if p.Done < l.next && p.Done < p.Total {
		return
	}
	for l.next <= p.Done {
		l.next += l.step
	}
	l.line(p)
}

func (l *progressLog) line(p apply.Progress) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ln := progressLine{At: l.now().Sub(l.start).Seconds(), Kind: string(p.Kind), Done: p.Done, Total: p.Total, Requests: p.RequestsUsed,
		Batches: l.batches, MaxMS: float64(l.maxLatency) / 1e6, HeapMB: float64(ms.HeapAlloc) / 1e6}
	ln.RSSMB, ln.AnonMB = resident(ms.Sys)
	if l.batches > 0 {
		ln.LatencyMS = float64(l.latency) / float64(l.batches) / 1e6
	}
	l.batches, l.latency, l.maxLatency = 0, 0, 0
	b, _ := json.Marshal(ln)
	l.w.Write(append(b, '\n'))
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
}

// close flushes the log; a write that failed is said once, here.
func (l *progressLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if l.err != nil {
		err = l.err
	}
	if err != nil {
		return fmt.Errorf("--progress-log %s: %w", l.f.Name(), err)
	}
	return nil
}

// resident is the process's resident and private (anonymous) memory from
// /proc (Linux); where there is none, what the Go runtime holds from the
// system, for both.
func resident(sys uint64) (rss, anon float64) {
	kb, ok := procstatus.KB(procstatus.Self, "VmRSS", "RssAnon")
	if !ok {
		return float64(sys) / 1e6, float64(sys) / 1e6
	}
	return float64(kb[0]) * 1024 / 1e6, float64(kb[1]) * 1024 / 1e6
}
