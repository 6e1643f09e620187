// Command scale is kzmap's scale proof (bench/RESULTS.md §13): it
// generates a large Kustomer organisation on disk, serves it and an empty
// Zendesk account from the simulators in this process, and runs the kzmap
// binary through the whole migration — extract, plan, apply, a second
// plan that must find nothing to do, verify — one process per phase, so
// each phase's peak memory is its own. It prints per phase the wall time,
// the peak resident memory, the requests each simulator answered and the
// stores' sizes, checks that every ticket landed exactly once against the
// simulator's own state, and draws apply's per-10,000-ticket curves
// (resident memory, batch latency) as an SVG.
//
//	go run ./bench/scale -conversations 1000000 -svg bench/scale-1M.svg
//
// took 54 minutes on two cores (RESULTS §13) and about 20 GB of disk. Rate
// windows are compressed (-window): the Zendesk tier is Enterprise Plus
// (2,500 requests a minute) and Kustomer's 1,000, each "minute" lasting
// -window, so the run is bound by kzmap and the simulators, not by
// waiting for the budget. -plot redraws the SVG from a saved progress log.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kzmap/kzmap/internal/procstatus"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/simkit"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// conversationsPerCustomer is what the large profile makes on average
// (3,490 conversations for 2,000 customers at seed 1); the run reports
// the count it got.
const conversationsPerCustomer = 1.745

func main() {
	var (
		conversations = flag.Int("conversations", 1_000_000, "conversations to generate (about 9.5 messages each)")
		dir           = flag.String("dir", "", "work directory (default: a new one under $TMPDIR, removed unless -keep)")
		keep          = flag.Bool("keep", false, "keep the work directory")
		seed          = flag.Int64("seed", 1, "dataset seed")
		window        = flag.Duration("window", time.Second, "length of a rate limit \"minute\"")
		zLimit        = flag.Int("zendesk-limit", 2500, "Zendesk requests per window (Enterprise Plus: 2,500)")
		kLimit        = flag.Int("kustomer-limit", 1000, "Kustomer requests per window")
		sample        = flag.Int("sample", 50, "records of each kind verify compares")
		svg           = flag.String("svg", "", "draw apply's curves to this SVG file")
		jsonOut       = flag.String("json", "", "write the figures as JSON to this file")
		plot          = flag.String("plot", "", "only redraw -svg from this progress log (JSON lines)")
		simMemory     = flag.Int64("sim-memory", 11, "soft memory limit of this process, which holds the simulators, in GiB")
		profile       = flag.Bool("cpuprofile", false, "write each phase's CPU profile to PHASE.pprof in the work directory")
		heapProfile   = flag.Bool("heapprofile", false, "write the heap profile of each phase at its highest live heap to PHASE.heap.pprof in the work directory")
	)
	if len(os.Args) > 2 && os.Args[1] == measureArg {
		os.Exit(measured(os.Args[2:]))
	}
	flag.Parse()
	// The simulators hold a million tickets' state in this process (7.8 GB
	// live after apply at a million): a soft limit keeps the collector's
	// headroom within the machine instead of doubling the heap, which
	// would take the page cache the stores are read through (at 16 GiB
	// the read phases of the sixth 1M run read 8-15 GB each from the disk).
	debug.SetMemoryLimit(*simMemory << 30)
	if *plot != "" {
		if err := redraw(*plot, *svg); err != nil {
			fatal(err)
		}
		return
	}
	r := &run{conversations: *conversations, seed: *seed, window: *window, zLimit: *zLimit, kLimit: *kLimit, sample: *sample, profile: *profile, heapProfile: *heapProfile}
	if err := r.setup(*dir); err != nil {
		fatal(err)
	}
	if !*keep && *dir == "" {
		defer os.RemoveAll(r.root)
	}
	err := r.all()
	r.report(os.Stdout)
	if *svg != "" && len(r.curve) > 0 {
		if werr := writeSVG(*svg, r.curve, r.label()); werr != nil && err == nil {
			err = werr
		}
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if werr := os.WriteFile(*jsonOut, b, 0o644); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		if *keep || *dir != "" {
			fmt.Fprintf(os.Stderr, "work directory kept: %s\n", r.root)
		}
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

// run is one scale run and its figures.
type run struct {
	conversations int
	seed          int64
	window        time.Duration
	zLimit        int
	kLimit        int
	sample        int
	profile       bool
	heapProfile   bool

	root, bin, export, mapping string
	env                        []string
	ksrv                       *kustomersim.Server
	khttp                      *http.Server
	kustomerDone               int64 // requests kustomersim answered before it stopped
	zsrv                       *zendesksim.Server

	Started string            `json:"started"`
	Cores   int               `json:"cores"`
	Dataset map[string]int    `json:"dataset"`
	Phases  []phase           `json:"phases"`
	Stores  []storeSize       `json:"stores"`
	Census  zendesksim.Census `json:"census"`
	Planned int               `json:"tickets_planned"`
	Checks  []check           `json:"checks"`
	Total   float64           `json:"total_s"`
	// MeasureS is the driver's own time after apply: the census, the
	// walk over every page of both stores, reading the plan's counts.
	MeasureS float64 `json:"measure_s"`
	// Measures splits MeasureS: census, heap (a collection of the
	// simulators' heap), stores, planned.
	Measures  map[string]float64 `json:"measures_s"`
	LoadS     float64            `json:"simulator_load_s"`   // kustomersim loading the export
	SimHeapMB float64            `json:"simulators_heap_mb"` // both simulators' live heap after apply
	CurveFile string             `json:"progress_log"`
	curve     []point
}

type phase struct {
	Name      string  `json:"name"`
	WallS     float64 `json:"wall_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// PeakAnonMB is the most private memory seen (sampled every 100 ms):
	// the rest of the peak is the stores' file pages, read through
	// bbolt's memory map.
	PeakAnonMB float64 `json:"peak_anon_mb"`
	Kustomer   int64   `json:"kustomer_requests"`
	Zendesk    int64   `json:"zendesk_requests"`
	// What the kernel counted for the phase's process: CPU seconds, page
	// faults that had to wait for the disk, and bytes read from the disk
	// (not from the page cache) — where a phase waits for a store that
	// no longer fits in memory.
	UserS      float64 `json:"user_s"`
	SysS       float64 `json:"sys_s"`
	MajorFault int64   `json:"major_faults"`
	DiskReadMB float64 `json:"disk_read_mb"`
}

type check struct {
	What string `json:"what"`
	OK   bool   `json:"ok"`
	Got  string `json:"got"`
	// Info marks a figure shown beside the checks, not judged.
	Info bool `json:"info,omitempty"`
}

func (c check) String() string {
	mark := "FAIL"
	switch {
	case c.Info:
		mark = "info"
	case c.OK:
		mark = "ok  "
	}
	return fmt.Sprintf("%s %s: %s", mark, c.What, c.Got)
}

func (r *run) label() string {
	return fmt.Sprintf("%d conversations, %d tickets", r.Dataset["conversation"], r.Census.Tickets)
}

func (r *run) setup(dir string) error {
	r.Started, r.Cores = time.Now().UTC().Format(time.RFC3339), runtime.NumCPU()
	var err error
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kzmap-scale-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r.root = dir
	r.bin = filepath.Join(dir, "kzmap")
	r.export = filepath.Join(dir, "export")
	r.mapping = filepath.Join(dir, "mapping")
	r.CurveFile = filepath.Join(dir, "apply-progress.jsonl")
	build := exec.Command("go", "build", "-o", r.bin, "./cmd/kzmap")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/kzmap (run from the repository's root): %w", err)
	}
	return nil
}

func (r *run) all() error {
	start := time.Now()
	defer func() { r.Total = time.Since(start).Seconds() }()
	customers := int(float64(r.conversations)/conversationsPerCustomer + 0.5)
	if _, err := os.Stat(filepath.Join(r.export, "manifest.json")); err != nil {
		os.RemoveAll(r.export)
		if err := r.phase("generate", "sim", "generate", "--profile", "large", "--seed", fmt.Sprint(r.seed),
			"--customers", fmt.Sprint(customers), "--out", r.export); err != nil {
			return err
		}
	}
	if err := r.serve(); err != nil {
		return err
	}
	os.RemoveAll(r.mapping)
	os.Remove(r.CurveFile)
	if err := r.phase("init", "init", "--template", "default", r.mapping); err != nil {
		return err
	}
	steps := [][]string{
		{"extract", "extract"},
		{"plan", "plan", "-out", "plan.kzplan"},
		{"apply", "apply", "--auto-approve", "--progress-log", r.CurveFile, "plan.kzplan"},
	}
	for _, s := range steps {
		if err := r.phase(s[0], append([]string{"-chdir", r.mapping}, s[1:]...)...); err != nil {
			return err
		}
		if s[0] == "extract" {
			r.stopKustomer()
		}
	}
	t0 := time.Now()
	r.Measures = map[string]float64{}
	took := func(what string, since time.Time) time.Time {
		now := time.Now()
		r.Measures[what] = now.Sub(since).Seconds()
		return now
	}
	r.Census = r.zsrv.Census()
	t := took("census", t0)
	r.SimHeapMB = simHeap()
	if r.profile {
		if f, err := os.Create(filepath.Join(r.root, "simulators.heap.pprof")); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	t = took("heap", t)
	r.Stores = append(r.Stores, r.storeSizes()...)
	t = took("stores", t)
	if err := r.plannedTickets(); err != nil {
		return err
	}
	took("planned", t)
	r.MeasureS = time.Since(t0).Seconds()
	r.curve, _ = readCurve(r.CurveFile, "ticket")
	r.checkOnce()
	r.checkCurves() // before the phases that may fail, so that they are always shown
	if err := r.phase("plan again", "-chdir", r.mapping, "plan", "-detailed-exitcode"); err != nil {
		r.Checks = append(r.Checks, check{What: "a second plan finds no changes", Got: err.Error()})
		return err
	}
	r.Checks = append(r.Checks, check{What: "a second plan finds no changes", OK: true, Got: "exit 0"})
	if err := r.phase("verify", "-chdir", r.mapping, "verify", "--sample", fmt.Sprint(r.sample), "--seed", "1"); err != nil {
		r.Checks = append(r.Checks, check{What: "verify finds no differences", Got: err.Error()})
		return err
	}
	r.Checks = append(r.Checks, check{What: "verify finds no differences", OK: true, Got: fmt.Sprintf("exit 0, %d sampled per kind", r.sample)})
	return nil
}

// serve starts both simulators on loopback, over the generated export.
func (r *run) serve() error {
	t0 := time.Now()
	ds, err := kustomersim.Load(r.export)
	if err != nil {
		return err
	}
	r.Dataset, r.LoadS = ds.Counts(), time.Since(t0).Seconds()
	kl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	zl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	kURL, zURL := "http://"+kl.Addr().String(), "http://"+zl.Addr().String()
	const kKey, zEmail, zToken = "scale-kustomer-key", "admin@scale.example", "scale-zendesk-token"
	r.ksrv = kustomersim.New(ds, kustomersim.Options{APIKey: kKey, Limit: r.kLimit, SearchLimit: 100, Window: r.window, BaseURL: kURL})
	anchor, _ := ds.Now()
	// A bulk job takes Zendesk's few seconds, compressed as the window is.
	// Zendesk's timings are compressed as the window is: a bulk job's few
	// seconds, and how long job statuses (a day) and idempotency keys (two
	// hours) are kept, so a million tickets' jobs do not pile up in the
	// simulator for a day of its time.
	scaled := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(r.window) / float64(time.Minute))
	}
	r.zsrv = zendesksim.New(zendesksim.Options{Email: zEmail, Token: zToken, Limit: r.zLimit, Window: r.window, BulkImportEnabled: true,
		PlanTier: zendesksim.PlanEnterprisePlus, BaseURL: zURL, JobDelay: scaled(3 * time.Second), JobTTL: scaled(24 * time.Hour),
		IdempotencyTTL: scaled(2 * time.Hour), Now: simkit.Anchored(anchor, time.Now)})
	r.khttp = &http.Server{Handler: r.ksrv}
	go r.khttp.Serve(kl)
	go (&http.Server{Handler: r.zsrv}).Serve(zl)
	r.env = append(os.Environ(),
		"KUSTOMER_BASE_URL="+kURL, "KUSTOMER_API_KEY="+kKey,
		"ZENDESK_BASE_URL="+zURL, "ZENDESK_EMAIL="+zEmail, "ZENDESK_API_TOKEN="+zToken, "ZENDESK_SUBDOMAIN=",
		"KZMAP_RATE_WINDOW="+r.window.String(), "KZMAP_BACKEND=local", "NO_COLOR=1")
	return nil
}

// stopKustomer shuts kustomersim down once extract is done: nothing after
// it reads Kustomer (plan and verify read the snapshot), and its indexes
// over the export would otherwise share this process's heap with the
// million tickets zendesksim is about to hold.
func (r *run) stopKustomer() {
	r.kustomerDone = r.ksrv.Stats().Total
	r.khttp.Close()
	r.ksrv, r.khttp = nil, nil
	runtime.GC()
	debug.FreeOSMemory()
}

func (r *run) kustomerRequests() int64 {
	if r.ksrv == nil {
		return r.kustomerDone
	}
	return r.ksrv.Stats().Total
}

// phase runs the kzmap binary once, recording its wall time, its peak
// resident memory and the requests each simulator answered meanwhile.
func (r *run) phase(name string, args ...string) error {
	var k0, z0 int64
	if r.zsrv != nil {
		k0, z0 = r.kustomerRequests(), r.zsrv.Stats().Total
	}
	logPath := filepath.Join(r.root, strings.ReplaceAll(name, " ", "-")+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return err
	}
	defer rd.Close()
	cmd := exec.Command(self, append([]string{measureArg, r.bin}, args...)...)
	cmd.Env = r.env
	if r.profile {
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], "KZMAP_CPUPROFILE="+strings.TrimSuffix(logPath, ".log")+".pprof")
	}
	if r.heapProfile {
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], "KZMAP_HEAPPROFILE="+strings.TrimSuffix(logPath, ".log")+".heap.pprof")
	}
	cmd.ExtraFiles = []*os.File{wr}

	cmd.Stdout, cmd.Stderr = logf, logf
	fmt.Fprintf(os.Stderr, "%s  %-10s kzmap %s\n", time.Now().Format("15:04:05"), name, strings.Join(args, " "))
	t0 := time.Now()
	err = cmd.Start()
	wr.Close()
	if err != nil {
		return err
	}
	peak, _ := io.ReadAll(rd)
	err = cmd.Wait()
	p := phase{Name: name, WallS: time.Since(t0).Seconds()}
	var rssKB, anonKB float64
	if _, perr := fmt.Sscan(string(peak), &rssKB, &anonKB); perr == nil {
		p.PeakRSSMB, p.PeakAnonMB = rssKB*1024/1e6, anonKB*1024/1e6
	}
	if r.zsrv != nil {
		p.Kustomer, p.Zendesk = r.kustomerRequests()-k0, r.zsrv.Stats().Total-z0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// wait4 counts the measuring process and the kzmap it waited for.
		p.UserS, p.SysS = time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Stime.Nano()).Seconds()
		p.MajorFault, p.DiskReadMB = ru.Majflt, float64(ru.Inblock)*512/1e6
	}
	r.Phases = append(r.Phases, p)
	fmt.Fprintf(os.Stderr, "          %.1f s, peak RSS %.1f MB (private %.1f MB), requests Kustomer %d, Zendesk %d; CPU %.1f s user %.1f s system, %d major faults, %.1f MB read from disk\n",
		p.WallS, p.PeakRSSMB, p.PeakAnonMB, p.Kustomer, p.Zendesk, p.UserS, p.SysS, p.MajorFault, p.DiskReadMB)
	if err != nil {
		return fmt.Errorf("%s: %w; its output: %s (last lines: %s)", name, err, logPath, tail(logPath, 5))
	}
	return nil
}

// measureArg makes the program run a command and write its peak resident
// memory (kB) to file descriptor 3. The phases run through it because a
// child's ru_maxrss starts at its parent's high-water mark (Linux carries
// it over exec): run from this process, which holds the simulators, every
// phase would seem to need as much memory as they do.
const measureArg = "-measure-child"

func measured(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The private part of the peak is sampled: /proc only keeps the
	// high-water mark of the whole.
	var anon atomic.Int64
	stop := make(chan struct{})
	go func() {
		pid := strconv.Itoa(cmd.Process.Pid)
		for {
			if kb, _ := procstatus.KB(pid, "RssAnon"); kb[0] > anon.Load() {
				anon.Store(kb[0])
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	out := os.NewFile(3, "peak")
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		fmt.Fprintf(out, "%d %d\n", ru.Maxrss, anon.Load())
	}
	out.Close()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// plannedTickets reads how many tickets the saved plan creates.
func (r *run) plannedTickets() error {
	cmd := exec.Command(r.bin, "-chdir", r.mapping, "show", "-json", "plan.kzplan")
	cmd.Env = r.env
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("kzmap show -json plan.kzplan: %w", err)
	}
	var doc struct {
		Summary struct {
			Counts map[string]map[string]int `json:"counts"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return fmt.Errorf("kzmap show -json: %w", err)
	}
	r.Planned = doc.Summary.Counts["ticket"]["create"]
	return nil
}

// checkOnce compares what Zendesk holds with what the plan created.
func (r *run) checkOnce() {
	c := r.Census
	r.Checks = append(r.Checks,
		check{What: "tickets in Zendesk = tickets planned", OK: c.Tickets == r.Planned && r.Planned > 0, Got: fmt.Sprintf("%d in Zendesk, %d planned", c.Tickets, r.Planned)},
		check{What: "no external id on two tickets", OK: c.DuplicateExternalIDs == 0, Got: fmt.Sprint(c.DuplicateExternalIDs)})
}

// checkCurves checks apply's curves from the 100,000th ticket on: the
// process's own (private) memory, the mean of the last tenth within ±20%
// of the mean of the first tenth and every sample within ±20% of the
// median; and the mean batch latency of the last tenth within ±25% of
// the first tenth's. All it has resident is shown, not judged: it holds
// the stores' pages mapped as they are read — the kernel's page cache,
// which the process keeps mapped until it holds half the machine's memory
// (boltfile/release.go) — so it grows with what apply has read.
func (r *run) checkCurves() {
	r.Checks = append(r.Checks, curveChecks(r.curve)...)
}

func curveChecks(curve []point) []check {
	var out []check
	var from []point
	for _, p := range curve {
		if p.Done >= 100_000 {
			from = append(from, p)
		}
	}
	if len(from) >= 10 {
		anon := make([]float64, len(from))
		rss := make([]float64, len(from))
		for i, p := range from {
			anon[i], rss[i] = p.AnonMB, p.RSSMB
		}
		n := len(from) / 10
		first, last := meanOf(anon[:n]), meanOf(anon[len(anon)-n:])
		out = append(out, check{What: "apply's private memory does not grow (last tenth within ±20% of the first, from the 100,000th ticket)", OK: last <= first*1.2 && last >= first*0.8,
			Got: fmt.Sprintf("first %.1f MB, last %.1f MB (%.2f×)", first, last, last/first)})
		med := median(anon)
		lo, hi := slices.Min(anon), slices.Max(anon)
		dev := max(hi/med-1, 1-lo/med)
		out = append(out, check{What: "apply's private memory within ±20% of its median from the 100,000th ticket", OK: dev <= 0.20,
			Got: fmt.Sprintf("%.1f–%.1f MB, median %.1f MB, ±%.1f%%", lo, hi, med, dev*100)})
		first, last = meanOf(rss[:n]), meanOf(rss[len(rss)-n:])
		out = append(out, check{What: "apply's resident memory, the stores' mapped pages included (first and last tenth, from the 100,000th ticket)", Info: true,
			Got: fmt.Sprintf("first %.1f MB, last %.1f MB (%.2f×); samples %.1f–%.1f MB", first, last, last/first, slices.Min(rss), slices.Max(rss))})
	}
	if n := len(curve); n >= 10 {
		first, last := meanLatency(curve[:n/10]), meanLatency(curve[n-n/10:])
		out = append(out, check{What: "batch latency, last tenth within ±25% of the first", OK: last <= first*1.25 && last >= first*0.75,
			Got: fmt.Sprintf("first %.1f ms, last %.1f ms (%.2f×)", first, last, last/first)})
	}
	return out
}

func meanOf(v []float64) float64 {
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(max(1, len(v)))
}

// simHeap is this process's live heap after a collection: the two
// simulators' state.
func simHeap() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / 1e6
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

func meanLatency(ps []point) float64 {
	var sum float64
	var n int
	for _, p := range ps {
		sum += p.LatencyMS * float64(p.Batches)
		n += p.Batches
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func (r *run) report(w io.Writer) {
	fmt.Fprintf(w, "\n# kzmap scale run — %s, %d cores, window %s, Zendesk %d and Kustomer %d requests per window\n\n", r.Started, r.Cores, r.window, r.zLimit, r.kLimit)
	if r.Dataset != nil {
		fmt.Fprintf(w, "dataset: %d customers, %d conversations, %d messages, %d notes, %d attachments\n\n",
			r.Dataset["customer"], r.Dataset["conversation"], r.Dataset["message"], r.Dataset["note"], r.Dataset["attachment"])
	}
	fmt.Fprintln(w, "| phase | wall | peak RSS | of it private | Kustomer requests | Zendesk requests | CPU user + system | major faults | read from disk |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "| %s | %.1f s | %.1f MB | %.1f MB | %d | %d | %.1f + %.1f s | %d | %.1f MB |\n", p.Name, p.WallS, p.PeakRSSMB, p.PeakAnonMB, p.Kustomer, p.Zendesk, p.UserS, p.SysS, p.MajorFault, p.DiskReadMB)
	}
	fmt.Fprintf(w, "\ntotal %.1f s (%.1f min), of which the Kustomer simulator loading the export %.1f s and the driver's measurements after apply %.1f s (census %.1f, the simulators' heap %.1f, the stores' pages %.1f, the plan's counts %.1f)\n\n",
		r.Total, r.Total/60, r.LoadS, r.MeasureS, r.Measures["census"], r.Measures["heap"], r.Measures["stores"], r.Measures["planned"])
	for _, s := range r.Stores {
		fmt.Fprintf(w, "%s: %.1f MB, %.0f bytes per %s; pages %.0f%% of the file, filled %.0f%%; largest buckets:", s.Name, float64(s.Bytes)/1e6, float64(s.Bytes)/float64(max(1, s.Per)), s.PerWhat,
			100*float64(s.Pages)/float64(max(1, s.Bytes)), 100*float64(s.Used)/float64(max(1, s.Pages)))
		for _, b := range s.Buckets[:min(len(s.Buckets), 5)] {
			fmt.Fprintf(w, " %s %.0f%% (%.0f B per %s)", b.Name, 100*float64(b.Bytes)/float64(max(1, s.Used)), float64(b.Bytes)/float64(max(1, s.Per)), s.PerWhat)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nZendesk holds %d tickets, %d comments, %d users, %d organizations (the simulators' live heap after apply: %.0f MB)\n\n", r.Census.Tickets, r.Census.Comments, r.Census.Users, r.Census.Organizations, r.SimHeapMB)
	for _, c := range r.Checks {
		fmt.Fprintln(w, c)
	}
}

// point is one line of apply's progress log.
type point struct {
	At        float64 `json:"at_s"`
	Kind      string  `json:"kind"`
	Done      int     `json:"done"`
	Batches   int     `json:"batches"`
	LatencyMS float64 `json:"batch_latency_ms"`
	MaxMS     float64 `json:"batch_latency_max_ms"`
	RSSMB     float64 `json:"rss_mb"`
	AnonMB    float64 `json:"anon_mb"`
	HeapMB    float64 `json:"heap_mb"`
}

func readCurve(path, kind string) ([]point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []point
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p point
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	return out, sc.Err()
}

func redraw(log, svg string) error {
	if svg == "" {
		return errors.New("-plot needs -svg FILE")
	}
	curve, err := readCurve(log, "ticket")
	if err != nil {
		return err
	}
	if len(curve) == 0 {
		return fmt.Errorf("%s has no ticket lines", log)
	}
	for _, c := range curveChecks(curve) {
		fmt.Println(c)
	}
	return writeSVG(svg, curve, fmt.Sprintf("%d tickets", curve[len(curve)-1].Done))
}
