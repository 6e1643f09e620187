package verify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/enginetest"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

func logReport(t *testing.T, rep *Report) {
	t.Helper()
	for _, k := range rep.Kinds {
		t.Logf("%+v", k)
	}
	for i, d := range rep.Differences {
		if i == 30 {
			t.Logf("… %d more", len(rep.Differences)-i)
			break
		}
		t.Logf("difference: %s", d.Message)
	}
	t.Log(rep.Summary())
}

// TestVerifyAfterApply compares every record of a small organisation
// (a sample larger than the organisation) after a complete apply: no
// differences, counts that agree three ways, and the attachments missing
// from the export stated as notes.
func TestVerifyAfterApply(t *testing.T) {
	r := newApplied(t, "small", 21)
	rep := r.verify(7, 100000)
	if !rep.OK() {
		logReport(t, rep)
		t.Fatalf("%d differences after a complete apply", len(rep.Differences))
	}
	for _, k := range rep.Kinds {
		if k.Desired == 0 || k.Desired != k.Checkpoint || k.Checkpoint != k.Zendesk || k.Compared != k.Zendesk {
			t.Errorf("%s: mapping %d, checkpoint %d, Zendesk %d, compared %d; want all equal and > 0", k.Kind, k.Desired, k.Checkpoint, k.Zendesk, k.Compared)
		}
	}
	notes := 0
	for _, n := range rep.Notes {
		if n.What == "attachment_missing" {
			notes++
		}
	}
	if notes == 0 {
		t.Errorf("no note for the attachments missing from the export; notes: %+v", rep.Notes)
	}
	if !strings.HasSuffix(rep.Summary(), "no differences.") {
		t.Errorf("summary %q", rep.Summary())
	}
}

// TestVerifyEdgeOrganisation compares every record of the edge dataset:
// split conversations, split and attached bodies, inline images, merged
// users, split Klasses and records, departed authors.
func TestVerifyEdgeOrganisation(t *testing.T) {
	if testing.Short() {
		t.Skip("edge dataset")
	}
	r := newApplied(t, "edge", 11)
	rep := r.verify(3, 100000)
	if !rep.OK() {
		logReport(t, rep)
		t.Fatalf("%d differences after a complete apply", len(rep.Differences))
	}
	var split bool
	for _, c := range rep.Compared {
		split = split || strings.Contains(c.Key, "#")
	}
	if !split {
		t.Error("no split record was compared")
	}
}

// TestVerifyDefaultSample checks the sample: the seed picks the same
// records again, the ugliest tickets are among them, and every compared
// record says why it was chosen.
func TestVerifyDefaultSample(t *testing.T) {
	r := newApplied(t, "small", 22)
	a, b := r.verify(5, 0), r.verify(5, 0)
	if !a.OK() {
		logReport(t, a)
		t.Fatal("differences after a complete apply")
	}
	keys := func(rep *Report) []string {
		var out []string
		for _, c := range rep.Compared {
			out = append(out, string(c.Kind)+" "+c.Key)
		}
		return out
	}
	if ka, kb := keys(a), keys(b); strings.Join(ka, "\n") != strings.Join(kb, "\n") {
		t.Errorf("the same seed compared other records:\n%v\n%v", ka, kb)
	}
	why := map[string]bool{}
	for _, c := range a.Compared {
		if len(c.Why) == 0 {
			t.Errorf("%s compared without a reason", c.Key)
		}
		for _, w := range c.Why {
			why[strings.SplitN(w, " (", 2)[0]] = true
		}
		if c.Kind == "ticket" && !strings.HasPrefix(c.URL, "https://acme.zendesk.example/agent/tickets/") {
			t.Errorf("ticket link %q", c.URL)
		}
	}
	for _, w := range []string{"random", "most comments", "oldest", "most assignees", "most attachments", "merged from 2 customers", "largest"} {
		if !why[w] {
			t.Errorf("no record compared as %q; reasons: %v", w, why)
		}
	}
	for _, k := range a.Kinds {
		if k.Kind == "ticket" && (k.Compared < DefaultSample || k.Compared >= k.Zendesk) {
			t.Errorf("compared %d of %d tickets", k.Compared, k.Zendesk)
		}
	}
}

func findCompared(t *testing.T, rep *Report, k kind.Kind, skip map[string]bool) Compared {
	t.Helper()
	for _, c := range rep.Compared {
		if c.Kind == k && !skip[c.Key] {
			skip[c.Key] = true
			return c
		}
	}
	t.Fatalf("no %s compared", k)
	return Compared{}
}

func differencesOf(rep *Report, key string) []Difference {
	var out []Difference
	for _, d := range rep.Differences {
		if d.Key == key {
			out = append(out, d)
		}
	}
	return out
}

// TestVerifyFindsChanges changes records in Zendesk through its API after
// apply, and verify names each record and what differs.
func TestVerifyFindsChanges(t *testing.T) {
	r := newApplied(t, "small", 23)
	ctx := context.Background()
	before := r.verify(9, 0)
	if !before.OK() {
		logReport(t, before)
		t.Fatal("differences after a complete apply")
	}
	c := r.Client()
	used := map[string]bool{}
	id := func(cmp Compared) int64 {
		n, err := strconv.ParseInt(cmp.ZendeskID, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A subject edited in Zendesk, with markup in it.
	subj := findCompared(t, before, "ticket", used)
	if _, err := c.UpdateTicket(ctx, id(subj), zendesk.TicketUpdate{Subject: "<script>alert(1)</script>"}); err != nil {
		t.Fatal(err)
	}
	// A comment added by hand.
	added := findCompared(t, before, "ticket", used)
	private := false
	if _, err := c.UpdateTicket(ctx, id(added), zendesk.TicketUpdate{Comment: &zendesk.Comment{Body: "Added by hand in Zendesk", Public: &private}}); err != nil {
		t.Fatal(err)
	}
	// A ticket deleted.
	gone := findCompared(t, before, "ticket", used)
	job, err := c.DestroyManyTickets(ctx, []int64{id(gone)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := job.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// A user renamed.
	user := findCompared(t, before, "user", used)
	us, err := c.ShowManyUsers(ctx, []int64{id(user)})
	if err != nil || len(us) != 1 {
		t.Fatalf("user %s: %v %v", user.ZendeskID, us, err)
	}
	if _, _, err := c.CreateOrUpdateUser(ctx, zendesk.User{ExternalID: us[0].ExternalID, Email: us[0].Email, Name: "Renamed In Zendesk"}); err != nil {
		t.Fatal(err)
	}
	// A custom object record renamed.
	rec := findCompared(t, before, "custom_object_record", used)
	var obj, ext string
	err = r.forDesired(func(d *engine.Desired) {
		if d.Key == rec.Key {
			obj, ext = str(d.Payload, "object"), str(d.Payload, "external_id")
		}
	})
	if err != nil || obj == "" {
		t.Fatalf("record %s: object %q, %v", rec.Key, obj, err)
	}
	if _, err := c.UpsertCustomObjectRecord(ctx, obj, ext, zendesk.CustomObjectRecord{Name: "Renamed record"}); err != nil {
		t.Fatal(err)
	}

	after := r.verify(9, 0)
	logReport(t, after)
	if after.OK() {
		t.Fatal("verify found nothing")
	}
	want := map[string][]string{
		subj.Key: {fmt.Sprintf(`%s (Zendesk #%s): subject is "<script>alert(1)</script>", expected "`, subj.Key, subj.ZendeskID)},
		added.Key: {
			fmt.Sprintf("%s (Zendesk #%s): has ", added.Key, added.ZendeskID),
			`is not from Kustomer: "Added by hand in Zendesk"`,
		},
		gone.Key: {fmt.Sprintf("%s (Zendesk #%s): in the checkpoint, but Zendesk does not have it", gone.Key, gone.ZendeskID)},
		user.Key: {fmt.Sprintf(`%s (Zendesk user %s): name is "Renamed In Zendesk", expected "`, user.Key, user.ZendeskID)},
		rec.Key:  {fmt.Sprintf(`%s (Zendesk record %s): name is "Renamed record", expected "`, rec.Key, rec.ZendeskID)},
	}
	wantDifferences(t, after, want)
	for _, d := range after.Differences {
		if want[d.Key] == nil {
			t.Errorf("unexpected difference: %s", d.Message)
		}
	}
	for _, k := range after.Kinds {
		if k.Kind == "ticket" && (k.MissingInZendesk != 1 || k.Zendesk != k.Checkpoint-1) {
			t.Errorf("ticket counts %+v; want one missing in Zendesk", k)
		}
	}
	var subjDiff Difference
	for _, d := range differencesOf(after, subj.Key) {
		if d.Field == "subject" {
			subjDiff = d
		}
	}
	if subjDiff.Got != "<script>alert(1)</script>" || subjDiff.What != "field" || subjDiff.URL != "https://acme.zendesk.example/agent/tickets/"+subj.ZendeskID {
		t.Errorf("subject difference %+v", subjDiff)
	}
}

// forDesired runs the mapping over the rig's snapshot.
func (r *rig) forDesired(fn func(*engine.Desired)) error {
	return engine.NewGenerator(r.Cfg, r.Snap).Run(context.Background(), func(d *engine.Desired) error {
		fn(d)
		return nil
	})
}

// TestVerifyWrongReferences points a customer's checkpoint entry at
// another Zendesk user: the tickets it requested and the comments it
// wrote now name the wrong person, and verify says who was expected.
func TestVerifyWrongReferences(t *testing.T) {
	r := newApplied(t, "small", 24)
	before := r.verify(4, 0)
	tk := findCompared(t, before, "ticket", map[string]bool{})
	convID := strings.TrimPrefix(tk.Key, "ticket.conversation:")
	raw, ok, err := r.Snap.Get("conversation", convID)
	if err != nil || !ok {
		t.Fatalf("conversation %s: %v", convID, err)
	}
	rec, err := record.DecodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	customer := rec.(*record.Conversation).CustomerID
	kind, key, ok, err := r.Store.Resolve("customer", customer)
	if err != nil || !ok {
		t.Fatalf("customer %s: %v", customer, err)
	}
	e, _, err := r.Store.Get(kind, key)
	if err != nil {
		t.Fatal(err)
	}
	var other string
	err = r.Store.ForEach("user", func(k string, oe checkpoint.Entry) error {
		if other == "" && k != key {
			other = oe.ZendeskID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: kind, Op: "update", Keys: []string{key}}
	if err := r.Store.BeginBatch(b); err != nil {
		t.Fatal(err)
	}
	moved := e
	moved.ZendeskID = other
	if err := r.Store.CompleteBatch(b.ID, []checkpoint.Record{{Kind: kind, Key: key, Entry: moved}}, nil); err != nil {
		t.Fatal(err)
	}

	after := r.verify(4, 0)
	var requester, author bool
	for _, d := range differencesOf(after, tk.Key) {
		want := fmt.Sprintf("expected %s (Kustomer customer ", other)
		if d.Field == "requester" && strings.Contains(d.Message, fmt.Sprintf("requester is %s, %s", e.ZendeskID, want)) {
			requester = true
		}
		if strings.HasSuffix(d.Field, " author") && strings.Contains(d.Message, fmt.Sprintf("author is %s, %s", e.ZendeskID, want)) && strings.Contains(d.Message, customer) {
			author = true
		}
	}
	if !requester || !author {
		logReport(t, after)
		t.Errorf("requester difference %v, comment author difference %v", requester, author)
	}
}

// TestVerifyPartialApply applies organizations only, and records one
// ticket as refused: the rest is counted as not written, listed up to
// MaxListed per kind.
func TestVerifyPartialApply(t *testing.T) {
	r := newRig(t, "small", 25)
	r.apply(map[kind.Kind]bool{kind.Organization: true})
	var refused string
	err := r.forDesired(func(d *engine.Desired) {
		if d.Kind == "ticket" && refused == "" {
			refused = d.Key
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: "ticket", Op: "create", Keys: []string{refused}}
	if err := r.Store.BeginBatch(b); err != nil {
		t.Fatal(err)
	}
	if err := r.Store.CompleteBatch(b.ID, nil, []checkpoint.DeadLetter{{Kind: "ticket", Key: refused, Error: "RecordInvalid: Requester is suspended"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Options{Config: r.Cfg, Snapshot: r.Snap, Store: r.Store, Client: r.Client(), Seed: 1, MaxListed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range rep.Kinds {
		switch k.Kind {
		case "organization", "organization_field": // the fields organizations fill come along
			if k.Desired == 0 || k.Zendesk != k.Desired || k.Differences != 0 {
				t.Errorf("%s %+v; want all written", k.Kind, k)
			}
		case "ticket":
			if k.DeadLetters != 1 || k.NotInCheckpoint != k.Desired-1 || k.Differences != k.Desired {
				t.Errorf("tickets %+v; want one dead letter, the rest not written", k)
			}
		default:
			if k.NotInCheckpoint != k.Desired || k.Checkpoint != 0 || k.Differences != k.Desired {
				t.Errorf("%s %+v; want every record not written", k.Kind, k)
			}
		}
	}
	listed := map[string]int{}
	for _, d := range rep.Differences {
		listed[string(d.Kind)+" "+d.What]++
		if d.What == "dead_letter" && d.Message != refused+": Zendesk refused it (1 attempts): RecordInvalid: Requester is suspended" {
			t.Errorf("dead letter: %s", d.Message)
		}
	}
	if listed["ticket not_in_checkpoint"] != 5 || listed["ticket unlisted"] != 1 || listed["ticket dead_letter"] != 1 {
		t.Errorf("listed %v", listed)
	}
	if rep.OK() || rep.Unlisted == 0 {
		t.Errorf("OK %v, unlisted %d", rep.OK(), rep.Unlisted)
	}
	hints := strings.Join(rep.Hints(), "\n")
	for _, h := range []string{"kzmap apply --retry-dead-letters", "kzmap plan shows these records as creates", "are not listed"} {
		if !strings.Contains(hints, h) {
			t.Errorf("hints lack %q:\n%s", h, hints)
		}
	}
}

// wantDifferences checks that the report has, for each key, a difference
// saying each message.
func wantDifferences(t *testing.T, rep *Report, want map[string][]string) {
	t.Helper()
	for key, msgs := range want {
		ds := differencesOf(rep, key)
		for _, m := range msgs {
			found := false
			for _, d := range ds {
				found = found || strings.Contains(d.Message, m)
			}
			if !found {
				t.Errorf("%s: no difference saying %q; got %+v", key, m, ds)
			}
		}
	}
}

// TestVerifyAfterClosingAutomation: days after the import, Zendesk's
// standard automation has closed the tickets imported as solved; verify
// holds them as written (closed is where solved tickets go), and still
// names a status a hand changed.
func TestVerifyAfterClosingAutomation(t *testing.T) {
	for _, seed := range []int64{23, 24} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			clk := &enginetest.Clock{}
			r := &rig{enginetest.New(t, "small", seed, enginetest.Options{Tweak: func(o *zendesksim.Options) { o.Now = clk.Now }})}
			r.apply(nil)
			c := r.Client()
			closed := 0
			count := func(et zendesk.ExportedTicket) error {
				if et.Status == "closed" {
					closed++
				}
				return nil
			}
			// The automation runs at the first request five days on; the
			// export shows what it closed once its last minute has passed.
			for _, d := range []time.Duration{5 * 24 * time.Hour, time.Hour} {
				clk.Advance(d)
				if _, err := c.ExportTickets(context.Background(), zendesk.ExportFrom{Start: time.Unix(0, 0)}, true, count); err != nil {
					t.Fatal(err)
				}
			}
			rep := r.verify(9, 100000)
			if closed == 0 {
				t.Fatal("the automation closed no ticket: the test shows nothing")
			}
			if !rep.OK() {
				logReport(t, rep)
				t.Fatalf("%d differences after the automation closed %d solved tickets", len(rep.Differences), closed)
			}
			if err := r.Sim.EditTicket("@1", map[string]string{"status": "hold"}); err != nil {
				t.Fatal(err)
			}
			rep = r.verify(9, 100000)
			var found bool
			for _, d := range rep.Differences {
				found = found || d.Field == "status"
			}
			if !found {
				logReport(t, rep)
				t.Error("a status changed by hand is not a difference")
			}
		})
	}
}
