package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/engine/audit"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/snapshot"
)

// kustomerSim serves a generated dataset on loopback with a one-second
// rate limit window and points the environment at it.
func kustomerSim(t *testing.T, profile string, seed int64) string {
	t.Helper()
	return kustomerSimAt(t, profile, seed, time.Now)
}

// kustomerSimAt is kustomerSim on a machine clock of the test's choosing.
func kustomerSimAt(t *testing.T, profile string, seed int64, machine func() time.Time) string {
	t.Helper()
	export := filepath.Join(t.TempDir(), "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: profile, Seed: seed}, export); err != nil {
		t.Fatal(err)
	}
	ds, err := kustomersim.Load(export)
	if err != nil {
		t.Fatal(err)
	}
	const key = "kzsim-test-key"
	srv := httptest.NewServer(kustomersim.New(ds, kustomersim.Options{APIKey: key, Window: time.Second, Limit: 2000, SearchLimit: 500, Clock: machine}))
	t.Cleanup(srv.Close)
	t.Setenv("KUSTOMER_BASE_URL", srv.URL)
	t.Setenv("KUSTOMER_API_KEY", key)
	t.Setenv("KZMAP_RATE_WINDOW", "1s")
	return export
}

func kzmap(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return kzmapAt(t, time.Now, args...)
}

// kzmapAt runs kzmap in-process on the given machine clock.
func kzmapAt(t *testing.T, machine func() time.Time, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runClock(append([]string{"kzmap"}, args...), &out, &errb, machine)
	return out.String(), errb.String(), code
}

func mappingDir(t *testing.T) string {
	t.Helper()
	m := filepath.Join(t.TempDir(), "m")
	if _, errs, code := kzmap(t, "init", m); code != 0 {
		t.Fatal(errs)
	}
	return m
}

// TestExtractThenAudit runs the commands as a consultant would: a full
// extract (--json), an incremental one (human view), then the audit, whose
// view is pinned by a golden file.
func TestExtractThenAudit(t *testing.T) {
	kustomerSim(t, "small", 4)
	m := mappingDir(t)

	out, errs, code := kzmap(t, "-chdir", m, "extract", "--json")
	if code != 0 {
		t.Fatalf("extract: exit %d: %s", code, errs)
	}
	var res struct {
		FormatVersion string `json:"format_version"`
		Mode          string `json:"mode"`
		Requests      struct {
			Total int `json:"total"`
		} `json:"requests"`
		Checks []struct {
			Type string `json:"type"`
			OK   bool   `json:"ok"`
		} `json:"reconciliation"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json is not one document: %v\n%s", err, out)
	}
	if res.FormatVersion != formatVersion || res.Mode != "full" || len(res.Checks) != 12 || res.Requests.Total == 0 {
		t.Errorf("extract --json: %+v", res)
	}
	for _, c := range res.Checks {
		if !c.OK {
			t.Errorf("%s did not reconcile", c.Type)
		}
	}
	if errs != "" {
		t.Errorf("stderr without a terminal: %q", errs)
	}
	for _, p := range []string{"snapshot.db", "attachments"} {
		if _, err := os.Stat(filepath.Join(m, ".kzmap", p)); err != nil {
			t.Error(err)
		}
	}

	out, errs, code = kzmap(t, "-chdir", m, "extract")
	if code != 0 {
		t.Fatalf("second extract: exit %d: %s", code, errs)
	}
	for _, want := range []string{"(run 2, incremental)", "New or changed in this run: nothing.", "Reconciliation", "Next: kzmap audit"} {
		if !strings.Contains(out, want) {
			t.Errorf("second extract does not say %q:\n%s", want, out)
		}
	}

	out, errs, code = kzmap(t, "-chdir", m, "audit")
	if code != 0 {
		t.Fatalf("audit: exit %d: %s", code, errs)
	}
	got := regexp.MustCompile(`extracted \S+,`).ReplaceAllString(out, "extracted TIME,")
	golden(t, "audit_small.golden", got)

	out, _, code = kzmap(t, "-chdir", m, "audit", "--json")
	var a struct {
		FormatVersion string         `json:"format_version"`
		Counts        map[string]int `json:"counts"`
		Customers     struct {
			DuplicateEmails int `json:"duplicate_emails"`
		} `json:"customers"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.FormatVersion != formatVersion || a.Counts["customer"] != 50 {
		t.Errorf("audit --json (exit %d): %+v\n%.500s", code, a, out)
	}
}

// TestNothingReadsTheMachineClock runs extract → audit → plan twice, the
// second time with the machine's clock (the CLI's and both simulators')
// a year ahead: every line is the same but the times the runs record,
// which move by that year. The two-year line, the archive counts and the
// plan come from Kustomer's clock, which starts at the dataset's now.
func TestNothingReadsTheMachineClock(t *testing.T) {
	export := filepath.Join(t.TempDir(), "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "small", Seed: 11}, export); err != nil {
		t.Fatal(err)
	}
	ds, err := kustomersim.Load(export)
	if err != nil {
		t.Fatal(err)
	}
	// One address for both runs: inline images name the server's URL, and
	// the plan hashes them.
	sw := &swap{}
	srv := httptest.NewServer(sw)
	t.Cleanup(srv.Close)
	const key = "kzsim-test-key"
	t.Setenv("KUSTOMER_BASE_URL", srv.URL)
	t.Setenv("KUSTOMER_API_KEY", key)
	t.Setenv("KZMAP_RATE_WINDOW", "1s")
	scenario := func(machine func() time.Time) (string, []string) {
		sw.h.Store(http.Handler(kustomersim.New(ds, kustomersim.Options{APIKey: key, Window: time.Second, Limit: 2000, SearchLimit: 500, Clock: machine, BaseURL: srv.URL})))
		m := filepath.Join(t.TempDir(), "m")
		var out strings.Builder
		for _, args := range [][]string{{"init", m}, {"-chdir", m, "extract"}, {"-chdir", m, "audit"}, {"-chdir", m, "audit", "--json"},
			{"-chdir", m, "plan", "--sample", "1"}, {"-chdir", m, "plan", "--json"}} {
			stdout, stderr, code := kzmapAt(t, machine, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			fmt.Fprintf(&out, "$ kzmap %s\n%s", strings.Join(args[min(2, len(args)-1):], " "), stdout)
		}
		runTime := regexp.MustCompile(`extracted (\d{4})-\d\d-\d\dT[0-9:]+Z|"extracted": "(\d{4})-[^"]*"|Took [^\n]*|\(\d+(\.\d+)?(ms|s|µs)[^)]*\)|in \d+(\.\d+)?(ms|s|µs)`)
		var years []string
		got := runTime.ReplaceAllStringFunc(out.String(), func(s string) string {
			if m := runTime.FindStringSubmatch(s); m[1]+m[2] != "" {
				years = append(years, m[1]+m[2])
			}
			return "RUNTIME"
		})
		return strings.ReplaceAll(got, m, "M"), years
	}
	now, nowYears := scenario(time.Now)
	ahead, aheadYears := scenario(func() time.Time { return time.Now().AddDate(1, 0, 0) })
	if diff := cmp.Diff(now, ahead); diff != "" {
		t.Errorf("output moved with the machine clock (-today +a year ahead):\n%s", diff)
	}
	if len(nowYears) == 0 || len(nowYears) != len(aheadYears) {
		t.Fatalf("run times: %v and %v", nowYears, aheadYears)
	}
	for i := range nowYears {
		if a, b := nowYears[i], aheadYears[i]; a == b {
			t.Errorf("the run time %d did not follow the machine clock (%s both times)", i, a)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/kzmap -run %s -update writes it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestExtractSaysWhoHoldsTheLock(t *testing.T) {
	kustomerSim(t, "small", 1)
	m := mappingDir(t)
	st, err := snapshot.Open(filepath.Join(m, ".kzmap", "snapshot.db"), snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, errs, code := kzmap(t, "-chdir", m, "extract")
	if code != 1 || !strings.Contains(errs, "snapshot.db is locked by another kzmap (") || !strings.Contains(errs, fmt.Sprintf("pid %d, since", os.Getpid())) {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestExtractAndAuditMistakes(t *testing.T) {
	m := mappingDir(t)
	t.Setenv("KUSTOMER_API_KEY", "")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"audit"}, "no snapshot at .kzmap/snapshot.db: run kzmap extract first"},
		{[]string{"extract"}, "KUSTOMER_API_KEY is not set"},
		{[]string{"extract", "--since", "last tuesday"}, `--since "last tuesday": want a time such as 2024-03-01`},
		{[]string{"extract", "--since", "2025-01-02", "--until", "2025-01-01"}, "is not after --since"},
		{[]string{"extract", "--only", "tickets"}, `--only: unknown type "tickets"`},
	}
	for _, c := range cases {
		_, errs, code := kzmap(t, append([]string{"-chdir", m}, c.args...)...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errs, c.want)
		}
	}
}

// TestAuditKnowledgeBase extracts only the knowledge base of edge orgs
// (several seeds) and reads the audit's account of it: the tree deeper
// than Help Center's two levels, three languages, the one media whose
// file is gone, and the links that cannot be rewritten.
func TestAuditKnowledgeBase(t *testing.T) {
	for _, seed := range []int64{3, 8} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			kustomerSim(t, "edge", seed)
			m := mappingDir(t)
			if _, errs, code := kzmap(t, "-chdir", m, "extract", "--only", "kb"); code != 0 {
				t.Fatalf("extract --only kb: exit %d: %s", code, errs)
			}
			out, errs, code := kzmap(t, "-chdir", m, "audit", "--json")
			if code != 0 {
				t.Fatalf("audit: exit %d: %s", code, errs)
			}
			var a struct {
				Counts map[string]int `json:"counts"`
				KB     audit.KBAudit  `json:"knowledge_base"`
			}
			if err := json.Unmarshal([]byte(out), &a); err != nil {
				t.Fatal(err)
			}
			k := a.KB
			if k.Articles+k.Deleted != a.Counts["kb_article"] || k.Deleted == 0 {
				t.Errorf("articles %d + deleted %d, snapshot %d", k.Articles, k.Deleted, a.Counts["kb_article"])
			}
			if k.Deepest < 3 || k.Folded == 0 || k.Categories != a.Counts["kb_category"]-1 {
				t.Errorf("tree: %d categories (snapshot %d), deepest %d, folded %d", k.Categories, a.Counts["kb_category"], k.Deepest, k.Folded)
			}
			langs := map[string]bool{}
			versions := 0
			for _, l := range k.Languages {
				langs[l.Lang] = true
				versions += l.Published + l.Draft
			}
			if !langs["en_us"] || !langs["es"] || !langs["de"] || versions < k.Articles {
				t.Errorf("languages: %+v", k.Languages)
			}
			if k.Media.Missing != 1 || k.Media.Staged != k.Media.Attachments-1 || k.Unknown != 0 || k.Images == 0 {
				t.Errorf("media: %d images, %d unknown, %+v", k.Images, k.Unknown, k.Media)
			}
			if l := k.Links; l.Help == 0 || l.App == 0 || l.ToDeleted == 0 || l.Missing == 0 {
				t.Errorf("links: %+v", l)
			}
			if k.Longest < 200_000 || k.MultiCategory == 0 || k.InRoot == 0 {
				t.Errorf("longest %d, in several %d, in none %d", k.Longest, k.MultiCategory, k.InRoot)
			}
		})
	}
}
