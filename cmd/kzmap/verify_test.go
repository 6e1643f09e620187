package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/verify"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// zendeskSim serves an empty Zendesk simulator on loopback and points the
// environment at it.
func zendeskSim(t *testing.T) *zendesk.Client {
	t.Helper()
	const email, token = "admin@verify.example", "kzsim-verify-token"
	srv := httptest.NewServer(zendesksim.New(zendesksim.Options{Email: email, Token: token, Limit: 4000, Window: time.Second,
		BulkImportEnabled: true, PlanTier: zendesksim.PlanEnterprise}))
	t.Cleanup(srv.Close)
	t.Setenv("ZENDESK_BASE_URL", srv.URL)
	t.Setenv("ZENDESK_SUBDOMAIN", "")
	t.Setenv("ZENDESK_EMAIL", email)
	t.Setenv("ZENDESK_API_TOKEN", token)
	t.Setenv("KZMAP_RATE_WINDOW", "1s")
	c, err := zendesk.New(zendesk.Config{BaseURL: srv.URL, Email: email, Token: zendesk.NewSecret(token), RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVerifyCommand applies a small organisation, verifies it (text,
// JSON, HTML), edits a ticket through Zendesk's API and verifies again.
func TestVerifyCommand(t *testing.T) {
	export := filepath.Join(t.TempDir(), "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: "small", Seed: 31}, export); err != nil {
		t.Fatal(err)
	}
	client := zendeskSim(t)
	m := mappingDir(t)

	if _, errs, code := kzmap(t, "-chdir", m, "verify", "--from-export", export); code != 1 || !strings.Contains(errs, "nothing was applied yet") {
		t.Fatalf("verify before apply: exit %d, %s", code, errs)
	}
	if out, errs, code := kzmap(t, "-chdir", m, "apply", "--from-export", export, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errs)
	}

	out, errs, code := kzmap(t, "-chdir", m, "verify", "--from-export", export, "--seed", "3", "--report", "verify.html")
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"kind ", "ticket ", "total ", ": no differences.", "Seed 3: 20 random records", "Where to look:", "--seed 3", "verify.html"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(strings.Split(out, "\n\n")[1], "Verified ") {
		t.Errorf("the summary line after the table should start with Verified:\n%s", out)
	}
	st, err := os.Stat(filepath.Join(m, "verify.html"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, want 0600", st.Mode().Perm())
	}

	out, _, code = kzmap(t, "-chdir", m, "verify", "--from-export", export, "--seed", "3", "--json")
	var doc struct {
		FormatVersion string            `json:"format_version"`
		Seed          int64             `json:"seed"`
		Kinds         []json.RawMessage `json:"kinds"`
		Differences   []json.RawMessage `json:"differences"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("verify --json: exit %d, %v\n%s", code, err, out)
	}
	if doc.FormatVersion != formatVersion || doc.Seed != 3 || len(doc.Kinds) != len(kind.All) || doc.Differences == nil || len(doc.Differences) != 0 {
		t.Errorf("JSON document: %+v", doc)
	}

	// Someone edits a ticket in Zendesk after the import.
	var id int64
	for tk, err := range client.ListTickets(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != "closed" {
			id = tk.ID
			break
		}
	}
	if _, err := client.UpdateTicket(context.Background(), id, zendesk.TicketUpdate{Subject: "<script>alert(1)</script>"}); err != nil {
		t.Fatal(err)
	}
	out, errs, code = kzmap(t, "-chdir", m, "verify", "--from-export", export, "--sample", "1000", "--report", "verify.html")
	if code != 1 {
		t.Fatalf("verify after the edit: exit %d\n%s%s", code, out, errs)
	}
	want := fmt.Sprintf(`(Zendesk #%d): subject is "<script>alert(1)</script>", expected "`, id)
	if !strings.Contains(out, "\nDifferences:\n  ticket.conversation:") || !strings.Contains(out, want) || !strings.Contains(out, ": 1 difference (1 listed, in 1 record).") {
		t.Errorf("verify output lacks the difference %q:\n%s", want, out)
	}
	page, err := os.ReadFile(filepath.Join(m, "verify.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<script>") || !strings.Contains(string(page), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the report does not escape the edited subject")
	}
	if !strings.Contains(string(page), fmt.Sprintf(`href="%s/agent/tickets/%d"`, os.Getenv("ZENDESK_BASE_URL"), id)) {
		t.Error("the report does not link to the ticket")
	}
}

// TestVerifyTextHelpCenterLocales prints the articles per locale under
// the kinds when the report has them, marking a locale that disagrees,
// and prints nothing of them when it has none.
func TestVerifyTextHelpCenterLocales(t *testing.T) {
	rep := &verify.Report{Seed: 4, Kinds: []verify.KindCount{{Kind: kind.HCArticle, Desired: 3, Checkpoint: 3, Zendesk: 3}},
		HelpCenterLocales: []verify.LocaleCount{{Locale: "de", Desired: 1, Zendesk: 0}, {Locale: "en-us", Desired: 3, Zendesk: 3}}}
	var out strings.Builder
	writeVerify(&out, rep, "")
	for _, want := range []string{"hc_article ", "\nHelp Center locale      mapping  Zendesk\n", "\nde                            1        0  ≠\n", "\nen-us                         3        3\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	rep.HelpCenterLocales = nil
	out.Reset()
	writeVerify(&out, rep, "")
	if strings.Contains(out.String(), "Help Center locale") {
		t.Errorf("locales printed for a report without them:\n%s", out.String())
	}
}
