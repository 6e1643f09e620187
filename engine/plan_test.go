package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/examples/mappings"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

func genDir(t testing.TB, profile string, seed int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := dataset.Generate(context.Background(), dataset.Options{Profile: profile, Seed: seed}, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func defaultConfig(t testing.TB) *dsl.Config {
	t.Helper()
	cfg, diags := dsl.Load(filepath.Join("..", "examples", "mappings", "default"), dsl.LoadOptions{Templates: mappings.FS()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func hazard(s planfile.Summary, code string) *planfile.Hazard {
	for i := range s.Hazards {
		if s.Hazards[i].Code == code {
			return &s.Hazards[i]
		}
	}
	return nil
}

func TestPlanSmallDataset(t *testing.T) {
	dir := genDir(t, "small", 1)
	snap, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig(t)
	out := filepath.Join(t.TempDir(), "plan.kzplan")
	res, err := Plan(context.Background(), PlanOptions{Config: cfg, Snapshot: snap, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if n := len(snap.ids["conversation"]); s.Counts["ticket"]["create"] < n-5 {
		t.Errorf("tickets to create %d for %d conversations", s.Counts["ticket"]["create"], n)
	}
	names := map[string]int{}
	for _, id := range snap.ids["company"] {
		rec, err := record.DecodeJSON(snap.byType["company"][id])
		if err != nil {
			t.Fatal(err)
		}
		names[strings.ToLower(strings.TrimSpace(rec.(*record.Company).Name))]++
	}
	groups := 0
	for _, n := range names {
		if n > 1 {
			groups++
		}
	}
	if s.Counts["organization"]["create"] != len(names) || len(names) == len(snap.ids["company"]) {
		t.Errorf("organizations %v for %d companies of %d names", s.Counts["organization"], len(snap.ids["company"]), len(names))
	}
	if hz := hazard(s, "organizations_merged"); hz == nil || hz.Count != groups {
		t.Errorf("organizations_merged: %+v", hz)
	}
	for _, code := range []string{"users_merged", "departed_assignees", "no_sla"} {
		if hazard(s, code) == nil {
			t.Errorf("no %s hazard in %+v", code, s.Hazards)
		}
	}
	if hz := hazard(s, "mapping_errors"); hz != nil {
		t.Errorf("mapping errors on generated data: %+v", hz)
	}
	if s.Estimate.ZendeskRequests == 0 || s.Estimate.Minutes <= 0 {
		t.Errorf("estimate %+v", s.Estimate)
	}

	// Deterministic: the same inputs give the same plan file.
	out2 := filepath.Join(t.TempDir(), "plan2.kzplan")
	if _, err := Plan(context.Background(), PlanOptions{Config: cfg, Snapshot: snap, Out: out2}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Error("two plans of the same inputs differ")
	}
}

func TestPlanEdgeCases(t *testing.T) {
	if testing.Short() {
		t.Skip("edge dataset")
	}
	dir := genDir(t, "edge", 2)
	snap, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Plan(context.Background(), PlanOptions{Config: defaultConfig(t), Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	for _, code := range []string{"conversations_split", "bodies_split", "klasses_split",
		"empty_conversations", "users_merged", "departed_assignees", "truncated_messages"} {
		if hazard(s, code) == nil {
			var codes []string
			for _, h := range s.Hazards {
				codes = append(codes, h.Code)
			}
			t.Errorf("no %s hazard; hazards: %s", code, strings.Join(codes, ", "))
		}
	}
	if hz := hazard(s, "mapping_errors"); hz != nil {
		t.Errorf("mapping errors on generated data: %+v", hz)
	}
}

// TestReplanAfterApplyShowsNoChanges is spec/rules.md rule 21, and rule 22's delta: with
// the checkpoint holding what the plan promised, a new plan is empty; a new
// message on one conversation becomes one append_comments.
func TestReplanAfterApplyShowsNoChanges(t *testing.T) {
	dir := genDir(t, "small", 3)
	snap, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig(t)
	cp, err := checkpoint.Open(filepath.Join(t.TempDir(), "checkpoint.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	// Record every desired record as applied, as apply would.
	gen := NewGenerator(cfg, snap)
	b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: "all", Op: "create"}
	cp.BeginBatch(b)
	var recs []checkpoint.Record
	var convID string
	err = gen.Run(context.Background(), func(d *Desired) error {
		if d.Unwritable != "" {
			return nil
		}
		rec := checkpoint.Record{Kind: string(d.Kind), Key: d.Key, Entry: checkpoint.Entry{ZendeskID: "z", Hash: d.Hash(), Comments: d.CommentKeys()}}
		for _, src := range d.Sources { // as apply records them
			typ, id, _ := strings.Cut(src, "/")
			rec.Aliases = append(rec.Aliases, checkpoint.Alias{SourceType: typ, SourceID: id})
		}
		recs = append(recs, rec)
		if d.Kind == "ticket" && len(d.Comments) > 1 && convID == "" {
			convID = strings.TrimPrefix(d.Sources[0], "conversation/")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.CompleteBatch(b.ID, recs, nil); err != nil {
		t.Fatal(err)
	}
	res, err := Plan(context.Background(), PlanOptions{Config: cfg, Snapshot: snap, Checkpoint: cp})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Changes != 0 {
		t.Errorf("replan after apply: %d changes: %+v", res.Summary.Changes, res.Ops[:min(5, len(res.Ops))])
	}

	// Delta: one new message on one conversation.
	msgs, _ := os.ReadFile(filepath.Join(dir, "messages.ndjson"))
	msg := `{"type":"message","id":"ffffffffffffffffffff0001","attributes":{"direction":"in","channel":"email","body":"One more thing.","createdAt":"2026-11-27T10:00:00.000Z","updatedAt":"2026-11-27T10:00:00.000Z"},"relationships":{"conversation":{"data":{"type":"conversation","id":"` + convID + `"}}}}` + "\n"
	os.WriteFile(filepath.Join(dir, "messages.ndjson"), append(msgs, msg...), 0o644)
	snap2, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err = Plan(context.Background(), PlanOptions{Config: cfg, Snapshot: snap2, Checkpoint: cp})
	if err != nil {
		t.Fatal(err)
	}
	// The changed conversation is re-imported in place of its ticket.
	if got := res.Summary.Counts["ticket"]["replace"]; got != 1 || res.Summary.Changes != 1 {
		t.Fatalf("delta: %+v", res.Summary.Counts)
	}
	for _, op := range res.Ops {
		if op.Action == "replace" && (len(op.NewComments) != 1 || op.NewComments[0] != "message/ffffffffffffffffffff0001" || op.ZendeskID == "") {
			t.Errorf("replace: %+v", op)
		}
	}
}

// TestRecordOver32KB: a KObject that stays over Zendesk's 32 KB even in its
// own object is planned as unwritable with the reason, not sent.
func TestRecordOver32KB(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 40*1024)
	files := map[string]string{
		"klasses.ndjson":  `{"type":"klass","id":"aaaaaaaaaaaaaaaaaaaaaaa1","attributes":{"name":"notes","status":"enabled","metadata":{"properties":{"textTxt":{"type":"text"}}}}}`,
		"kobjects.ndjson": `{"type":"kobject","id":"bbbbbbbbbbbbbbbbbbbbbbb1","attributes":{"title":"Big","custom":{"textTxt":"` + big + `"}},"relationships":{"klass":{"data":{"type":"klass","id":"aaaaaaaaaaaaaaaaaaaaaaa1"}}}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Plan(context.Background(), PlanOptions{Config: defaultConfig(t), Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Counts["custom_object_record"]["unwritable"] != 1 || hazard(res.Summary, "records_over_32kb") == nil {
		t.Errorf("counts %v, hazards %+v", res.Summary.Counts, res.Summary.Hazards)
	}
	// With on_oversize = "truncate" the record is written, shortened.
	cfg := defaultConfig(t)
	cfg.Mapping("custom_object_record.kobject").Options.Record.OnOversize = "truncate"
	res, err = Plan(context.Background(), PlanOptions{Config: cfg, Snapshot: snap, Samples: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Counts["custom_object_record"]["create"] != 1 || hazard(res.Summary, "records_truncated") == nil {
		t.Fatalf("truncate: counts %v, hazards %+v", res.Summary.Counts, res.Summary.Hazards)
	}
	for _, s := range res.Samples {
		if s.Kind == "custom_object_record" {
			b, _ := json.Marshal(s.Payload)
			if len(b) > zendesk.MaxRecordBytes || !strings.Contains(string(b), "shortened by kzmap") {
				t.Errorf("truncated record is %d bytes", len(b))
			}
		}
	}
}

// TestMalformedRecordsAreReportedNotFatal: records that parse as resources
// but carry wrong types, bad timestamps or invalid UTF-8 become unwritable
// operations with the reason, and the rest of the plan goes on.
func TestMalformedRecordsAreReportedNotFatal(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"customers.ndjson": `{"type":"customer","id":"aaaaaaaaaaaaaaaaaaaaaaa1","attributes":{"name":"Good","emails":[{"email":"good@example.com"}]}}
{"type":"customer","id":"aaaaaaaaaaaaaaaaaaaaaaa2","attributes":{"name":"Bad emails","emails":"not-a-list"}}
{"type":"customer","id":"aaaaaaaaaaaaaaaaaaaaaaa3","attributes":{"name":"` + "Bad \xff\xfe UTF-8" + `","emails":[{"email":"utf@example.com"}]}}`,
		"conversations.ndjson": `{"type":"conversation","id":"bbbbbbbbbbbbbbbbbbbbbbb1","attributes":{"status":"open","createdAt":"yesterday"},"relationships":{"customer":{"data":{"type":"customer","id":"aaaaaaaaaaaaaaaaaaaaaaa1"}}}}
{"type":"conversation","id":"bbbbbbbbbbbbbbbbbbbbbbb2","attributes":{"status":"open","priority":"very high"},"relationships":{"customer":{"data":{"type":"customer","id":"aaaaaaaaaaaaaaaaaaaaaaa1"}}}}
{"type":"conversation","id":"bbbbbbbbbbbbbbbbbbbbbbb3","attributes":{"status":"open","createdAt":"2024-01-01T00:00:00.000Z"},"relationships":{"customer":{"data":{"type":"customer","id":"aaaaaaaaaaaaaaaaaaaaaaa1"}}}}`,
		"messages.ndjson": `{"type":"message","id":"ccccccccccccccccccccccc1","attributes":{"direction":"in","body":42,"createdAt":"2024-01-01T00:00:00.000Z"},"relationships":{"conversation":{"data":{"type":"conversation","id":"bbbbbbbbbbbbbbbbbbbbbbb3"}}}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Plan(context.Background(), PlanOptions{Config: defaultConfig(t), Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Summary.Counts
	if c["user"]["unwritable"] != 1 || c["user"]["create"] != 2 {
		t.Errorf("users: %v", c["user"])
	}
	if c["ticket"]["unwritable"] != 2 || c["ticket"]["create"] != 1 {
		t.Errorf("tickets: %v", c["ticket"])
	}
	hz := hazard(res.Summary, "malformed_records")
	if hz == nil || hz.Count != 4 {
		t.Fatalf("malformed_records hazard: %+v", hz)
	}
	for _, want := range []string{`attribute "emails"`, `attribute "createdAt": invalid timestamp "yesterday"`, `attribute "priority"`} {
		found := false
		for _, ex := range hz.Examples {
			found = found || strings.Contains(ex, want)
		}
		if !found {
			t.Errorf("no example mentions %s: %v", want, hz.Examples)
		}
	}
	if hazard(res.Summary, "comments_skipped") == nil {
		t.Error("the message with a numeric body was not reported")
	}
	t.Logf("KZSUITE bad_inputs=%d", hz.Count) // the malformed records, each reported once
}
