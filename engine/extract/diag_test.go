package extract

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
)

type capW struct {
	http.ResponseWriter
	status int
}

func (c *capW) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }

func TestDiagEarly(t *testing.T) {
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{RetryAfter: true, Faults: simkit.Faults{
		Error5xx: 0.06, Reset: 0.03, Burst429: 0.02, BurstLen: 2, Seed: 11,
	}})
	var mu sync.Mutex
	var lines []string
	t0 := time.Now()
	s.hook = func(w http.ResponseWriter, r *http.Request) bool {
		arr := time.Since(t0)
		cw := &capW{ResponseWriter: w}
		s.server.ServeHTTP(cw, r)
		mu.Lock()
		lines = append(lines, fmt.Sprintf("%8.3f..%8.3f %d RA=%s %s", arr.Seconds(), time.Since(t0).Seconds(), cw.status, w.Header().Get("Retry-After"), r.URL.Path))
		mu.Unlock()
		return true
	}
	st := openStore(t, t.TempDir())
	c := s.client(t, kustomer.Options{})
	Run(context.Background(), c, st, Options{})
	if s.server.Stats().EarlyRetries > 0 {
		for _, l := range lines {
			t.Log(l)
		}
		t.Error(s.server.Stats().EarlyByKey)
	}
}
