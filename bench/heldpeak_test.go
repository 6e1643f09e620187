package bench

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heldPeak runs fn and returns the most heap it held above what was live
// before, in MB: the heap's objects sampled every millisecond, with the
// collector run often (GOGC 10) so that garbage waiting for it does not
// hide what fn keeps. The simulators' own state, live before fn, is not
// counted.
func heldPeak(fn func()) float64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(s); return s[0].Value.Uint64() }
	base := read()
	done, peak := make(chan struct{}), make(chan uint64)
	go func() {
		var hi uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				peak <- max(hi, read())
				return
			case <-t.C:
				hi = max(hi, read())
			}
		}
	}()
	fn()
	close(done)
	hi := <-peak
	if hi < base {
		return 0
	}
	return float64(hi-base) / 1e6
}
