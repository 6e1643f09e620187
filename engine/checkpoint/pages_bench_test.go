package checkpoint

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkApplyPages writes tickets to a checkpoint as apply does — a
// batch recorded in flight, then completed with its records and their
// aliases, 100 tickets a batch — in stores made with 4 KB and with 16 KB
// pages. Run it at a fixed size, for example -benchtime=2000x (200,000
// tickets), and compare:
//
//   - heap-MB, the live heap once the tickets are written: bbolt's
//     freelist keeps an entry for every live page it handed out again
//     (freelist.allocs), so it grows with the file's pages;
//   - B/ticket, the file's size;
//   - ns/op, a batch (making its records and its two transactions), and
//     last/first, the mean of the last tenth's transactions over the first
//     tenth's (growth shows above 1).
func BenchmarkApplyPages(b *testing.B) {
	for _, size := range []int{4096, 16384} {
		b.Run(fmt.Sprintf("page=%d", size), func(b *testing.B) {
			defer func(was int) { spec.PageSize = was }(spec.PageSize)
			spec.PageSize = size
			path := filepath.Join(b.TempDir(), "checkpoint.db")
			s, err := Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			rng := rand.New(rand.NewPCG(1, 2)) // the same tickets for both sizes
			id := func() string { return fmt.Sprintf("%024x", rng.Uint64()) }
			run := NewRunID()
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for n := range b.N {
				bt := Batch{ID: NewBatchID(), Run: run, Kind: "ticket", Op: "create"}
				var recs []Record
				for i := range 100 {
					// Keys as Kustomer's ids are: time first, so a run's
					// tickets mostly land at the end of the bucket.
					key := fmt.Sprintf("%08x%016x", n*100+i, rng.Uint64())
					comments := make([]string, 10)
					for c := range comments {
						comments[c] = "message/" + id()
					}
					bt.Keys = append(bt.Keys, key)
					bt.ExternalIDs = append(bt.ExternalIDs, "kustomer-conversation-"+key)
					recs = append(recs, Record{Kind: "ticket", Key: key,
						Entry: Entry{ZendeskID: strconv.Itoa(n*100 + i + 1), Hash: id()[:16], Comments: comments,
							Applied: map[string]string{"status": `"solved"`, "subject": `"Order ` + key[:8] + `"`, "requester_id": `"customer/` + id() + `"`}},
						Aliases: []Alias{{SourceType: "conversation", SourceID: key}}})
				}
				start := time.Now()
				bt.SentAt = start
				if err := s.BeginBatch(bt); err != nil {
					b.Fatal(err)
				}
				if err := s.CompleteBatch(bt.ID, recs, nil); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "heap-MB")
			if fi, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(fi.Size())/float64(b.N*100), "B/ticket")
			}
			if tenth := len(took) / 10; tenth > 0 {
				mean := func(d []time.Duration) float64 {
					var t time.Duration
					for _, x := range d {
						t += x
					}
					return float64(t) / float64(len(d))
				}
				b.ReportMetric(mean(took[len(took)-tenth:])/mean(took[:tenth]), "last/first")
			}
		})
	}
}
