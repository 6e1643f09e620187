package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// addReply appends an inbound message to a conversation of the rig's
// export and reopens the snapshot; it returns the conversation's ticket
// key and external id.
func addReply(t *testing.T, r *rig, at time.Time) (key, ext string) {
	t.Helper()
	var conv, customer string
	err := r.Snap.ForEach("conversation", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if c, ok := rec.(*record.Conversation); err == nil && ok && conv == "" && c.CustomerID != "" && c.MessageCount > 0 && c.MessageCount < 50 {
			conv, customer = id, c.CustomerID
		}
		return nil
	})
	if err != nil || conv == "" {
		t.Fatalf("no conversation: %v", err)
	}
	stamp := at.UTC().Format("2006-01-02T15:04:05.000Z")
	msg := fmt.Sprintf(`{"type":"message","id":"ffffffffffffffffffff%04d","attributes":{"direction":"in","channel":"email","body":"One more question.","createdAt":%q,"updatedAt":%q},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}},"customer":{"data":{"type":"customer","id":%q}}}}`+"\n",
		at.Unix()%10000, stamp, stamp, conv, customer)
	f, err := os.OpenFile(filepath.Join(r.Export, "messages.ndjson"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(msg)
	f.Close()
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	return "ticket.conversation:" + conv, "kustomer:conversation:" + conv
}

// liveTickets are the live tickets with an external id.
func liveTickets(r *rig, ext string) []int64 {
	var out []int64
	for _, tk := range r.Sim.Dump().Tickets {
		if tk.ExternalID != nil && *tk.ExternalID == ext {
			out = append(out, tk.ID)
		}
	}
	return out
}

// TestChangedConversationIsReimported: a reply in Kustomer re-imports the
// conversation in place of its ticket: one live ticket, every comment with
// its source time, the old ticket gone from the deleted tickets too, nobody
// emailed, and a second plan with no changes.
func TestChangedConversationIsReimported(t *testing.T) {
	for _, seed := range []int64{91, 92} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := newRig(t, "small", seed, "")
			ctx := context.Background()
			if _, _, err := r.planApply(ctx, false); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
			key, ext := addReply(t, r, at)
			before, _, _ := r.Store.Get(string(kind.Ticket), key)
			pr, res, err := r.planApply(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if pr.Summary.Counts[kind.Ticket][kind.Replace] != 1 || res.Counts[kind.Ticket]["replaced"] != 1 {
				t.Fatalf("plan %v, apply %v", pr.Summary.Counts[kind.Ticket], res.Counts[kind.Ticket])
			}
			live := liveTickets(r, ext)
			after, _, _ := r.Store.Get(string(kind.Ticket), key)
			if len(live) != 1 || strconv.FormatInt(live[0], 10) != after.ZendeskID || after.ZendeskID == before.ZendeskID {
				t.Fatalf("live %v, checkpoint %s (was %s)", live, after.ZendeskID, before.ZendeskID)
			}
			st := r.Sim.Dump()
			old, _ := strconv.ParseInt(before.ZendeskID, 10, 64)
			if !slicesContains(st.PurgedTicketIDs, old) || slicesContains(st.DeletedTicketIDs, old) {
				t.Errorf("the replaced ticket %d: purged %v, deleted %v", old, st.PurgedTicketIDs, st.DeletedTicketIDs)
			}
			for _, tk := range st.Tickets {
				if tk.ID == live[0] {
					last := tk.Comments[len(tk.Comments)-1]
					if !last.CreatedAt.Equal(at) || len(tk.Comments) != len(after.Comments) {
						t.Errorf("the reply: %v, %d comments (checkpoint %d)", last.CreatedAt, len(tk.Comments), len(after.Comments))
					}
				}
			}
			if len(st.Emails) != 0 || len(st.Flags) != 0 {
				t.Errorf("emails %v, flags %v", st.Emails, st.Flags)
			}
			r.checkLanded()
			again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
			if err != nil || again.Summary.Changes != 0 {
				t.Errorf("plan after the replace: %v, %v", again.Summary.Counts, err)
			}
		})
	}
}

func slicesContains(l []int64, v int64) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// TestReplaceRecoversAtEveryStep: a replace batch left in flight after the
// new ticket was imported, or after the old one was deleted too, is
// finished by Recover (the new ticket recorded, the old one retired); one
// left before anything was sent keeps the old ticket and its entry, and
// the next plan replaces it again. Never two live tickets, never none.
func TestReplaceRecoversAtEveryStep(t *testing.T) {
	for _, stage := range []string{"nothing sent", "imported", "imported and deleted"} {
		t.Run(stage, func(t *testing.T) {
			r := newRig(t, "small", 93, "")
			ctx := context.Background()
			if _, _, err := r.planApply(ctx, false); err != nil {
				t.Fatal(err)
			}
			key, ext := addReply(t, r, time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC))
			e, _, _ := r.Store.Get(string(kind.Ticket), key)
			old, _ := strconv.ParseInt(e.ZendeskID, 10, 64)
			c := r.Client()
			b := checkpoint.Batch{ID: checkpoint.NewBatchID(), Kind: string(kind.Ticket), Op: string(kind.Replace), Keys: []string{key},
				Hashes: []string{"new-hash"}, ExternalIDs: []string{replaceExternal(e.ZendeskID, ext)}, SentAt: time.Now().Add(-time.Hour)}
			if err := r.Store.BeginBatch(b); err != nil {
				t.Fatal(err)
			}
			var fresh int64
			if stage != "nothing sent" {
				me, _ := c.Me(ctx)
				tk, err := c.ImportTicket(ctx, zendesk.TicketImport{ExternalID: ext, Subject: "again", RequesterID: me.ID,
					Comments: []zendesk.Comment{{AuthorID: me.ID, Body: "x", CreatedAt: time.Now().Add(-time.Hour)}}}, zendesk.ImportOptions{})
				if err != nil {
					t.Fatal(err)
				}
				fresh = tk.ID
			}
			if stage == "imported and deleted" {
				if _, err := c.DestroyManyTickets(ctx, []int64{old}); err != nil {
					t.Fatal(err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if _, err := Recover(ctx, r.Store, c, time.Minute, nil); err != nil {
				t.Fatal(err)
			}
			live := liveTickets(r, ext)
			got, _, _ := r.Store.Get(string(kind.Ticket), key)
			switch stage {
			case "nothing sent":
				if len(live) != 1 || live[0] != old || got.ZendeskID != e.ZendeskID {
					t.Errorf("live %v, checkpoint %s; want the old ticket %d kept", live, got.ZendeskID, old)
				}
			default:
				if len(live) != 1 || live[0] != fresh || got.ZendeskID != strconv.FormatInt(fresh, 10) {
					t.Errorf("live %v, checkpoint %s; want the new ticket %d", live, got.ZendeskID, fresh)
				}
				if !slicesContains(r.Sim.Dump().PurgedTicketIDs, old) {
					t.Errorf("the old ticket %d was not purged", old)
				}
			}
			if inflight, _ := r.Store.InFlight(); len(inflight) != 0 {
				t.Errorf("%d batches still in flight", len(inflight))
			}
		})
	}
}

// TestEditedTicketIsNeverReplaced: a ticket an agent changed in Zendesk
// after kzmap imported it keeps its id when its conversation gets a
// reply: the reply goes in as a private note by the importer, naming its
// author and time, nobody is emailed, and the plan lists a conflict.
func TestEditedTicketIsNeverReplaced(t *testing.T) {
	clk := &enginetest.Clock{}
	r := newRigWith(t, "small", 94, "", func(o *zendesksim.Options) { o.Now = clk.Now })
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	key, ext := addReply(t, r, at)
	clk.Advance(2 * time.Second)
	if err := r.Sim.EditTicket(ext, map[string]string{"priority": "urgent"}); err != nil {
		t.Fatal(err)
	}
	before, _, _ := r.Store.Get(string(kind.Ticket), key)
	if _, err := Refresh(ctx, r.Store, r.Client()); err != nil {
		t.Fatal(err)
	}
	pr, res, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	hz := map[string]int{}
	for _, h := range pr.Summary.Hazards {
		hz[h.Code] = h.Count
	}
	if pr.Summary.Counts[kind.Ticket][kind.Replace] != 0 || res.Counts[kind.Ticket]["appended"] != 1 || hz["conflicts"] != 1 {
		t.Fatalf("plan %v, apply %v, hazards %v", pr.Summary.Counts[kind.Ticket], res.Counts[kind.Ticket], hz)
	}
	live := liveTickets(r, ext)
	if len(live) != 1 || strconv.FormatInt(live[0], 10) != before.ZendeskID {
		t.Fatalf("live %v, was %s", live, before.ZendeskID)
	}
	me, _ := r.Client().Me(ctx)
	st := r.Sim.Dump()
	for _, tk := range st.Tickets {
		if tk.ID == live[0] {
			note := tk.Comments[len(tk.Comments)-1]
			if note.Public || note.AuthorID != me.ID || !strings.Contains(note.Body, "[From Kustomer: public comment by ") || !strings.Contains(note.Body, at.Format(time.RFC3339)) {
				t.Errorf("the reply as a note: %+v", note)
			}
		}
	}
	for _, e := range st.Emails {
		if e.Trigger == zendesksim.TriggerNotifyRequester {
			t.Errorf("the customer was emailed: %+v", e)
		}
	}
	// A second reply, refreshed again: still never replaced.
	addReply(t, r, at.Add(time.Hour))
	if _, err := Refresh(ctx, r.Store, r.Client()); err != nil {
		t.Fatal(err)
	}
	pr, _, err = r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Summary.Counts[kind.Ticket][kind.Replace] != 0 || pr.Summary.Counts[kind.Ticket][kind.AppendComments] != 1 {
		t.Errorf("second reply: %v", pr.Summary.Counts[kind.Ticket])
	}
	if live := liveTickets(r, ext); len(live) != 1 || strconv.FormatInt(live[0], 10) != before.ZendeskID {
		t.Errorf("after the second reply: live %v, was %s", live, before.ZendeskID)
	}
}

// TestNewCustomerSharingAnEmailInTheWindow: a customer created during the
// window with an existing customer's email in upper case (and an id that
// sorts first) joins that customer's Zendesk user: the user keeps its key
// and id, the newcomer's conversation lands with that user as requester,
// nothing is a dead letter, and the next plan has no changes.
func TestNewCustomerSharingAnEmailInTheWindow(t *testing.T) {
	r := newRig(t, "small", 95, "")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	var email, cust string
	err := r.Snap.ForEach("customer", func(id string, raw []byte) error {
		rec, _ := record.DecodeJSON(raw)
		if c, ok := rec.(*record.Customer); ok && email == "" && len(c.Emails) == 1 {
			email, cust = c.Emails[0].Email, id
		}
		return nil
	})
	if err != nil || email == "" {
		t.Fatalf("no customer with one email: %v", err)
	}
	userKey := "user.customer:" + cust
	before, ok, _ := r.Store.Get(string(kind.User), userKey)
	if !ok {
		t.Fatalf("customer %s has no user %s", cust, userKey)
	}
	const newcomer, conv = "000000000000000000000c01", "000000000000000000000d01"
	at := "2026-11-30T10:00:00.000Z"
	appendLine := func(file, line string) {
		f, err := os.OpenFile(filepath.Join(r.Export, file), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(line + "\n")
		f.Close()
	}
	appendLine("customers.ndjson", fmt.Sprintf(`{"type":"customer","id":%q,"attributes":{"name":"New Person","emails":[{"email":%q}],"createdAt":%q,"updatedAt":%q}}`, newcomer, strings.ToUpper(email), at, at))
	appendLine("conversations.ndjson", fmt.Sprintf(`{"type":"conversation","id":%q,"attributes":{"name":"Hello again","status":"open","messageCount":1,"createdAt":%q,"updatedAt":%q},"relationships":{"customer":{"data":{"type":"customer","id":%q}}}}`, conv, at, at, newcomer))
	appendLine("messages.ndjson", fmt.Sprintf(`{"type":"message","id":"000000000000000000000e01","attributes":{"direction":"in","channel":"email","body":"Hi, it is me with a new address case.","createdAt":%q,"updatedAt":%q},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}},"customer":{"data":{"type":"customer","id":%q}}}}`, at, at, conv, newcomer))
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	users := len(r.Sim.Dump().Users)
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
		t.Fatalf("%d dead letters, first %+v", len(dead), dead[0])
	}
	after, ok, _ := r.Store.Get(string(kind.User), userKey)
	if !ok || after.ZendeskID != before.ZendeskID {
		t.Fatalf("the user changed: %+v → %+v (%v)", before, after, ok)
	}
	st := r.Sim.Dump()
	if len(st.Users) != users {
		t.Errorf("Zendesk has %d users, had %d", len(st.Users), users)
	}
	found := false
	for _, tk := range st.Tickets {
		if tk.ExternalID != nil && *tk.ExternalID == "kustomer:conversation:"+conv {
			found = true
			if strconv.FormatInt(tk.RequesterID, 10) != before.ZendeskID {
				t.Errorf("the newcomer's ticket has requester %d, want %s", tk.RequesterID, before.ZendeskID)
			}
		}
	}
	if !found {
		t.Error("the newcomer's conversation has no ticket")
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil || again.Summary.Changes != 0 {
		t.Errorf("plan after: %v, %v", again.Summary.Counts, err)
	}
}

// TestReplaceSurvivesKill9: replies arrive on many conversations during
// the window; the delta pass that re-imports them is killed with SIGKILL
// at random points, again and again, then finished. Every conversation
// has exactly one live ticket, holding its reply; the replaced tickets
// are gone; nobody was emailed; the next plan has no changes.
func TestReplaceSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	r := newRigLimit(t, "small", 22, 30, crashPG(t))
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	changed := map[string]time.Time{}
	n := 0
	err := r.Snap.ForEach("conversation", func(id string, raw []byte) error {
		rec, _ := record.DecodeJSON(raw)
		c, ok := rec.(*record.Conversation)
		if !ok || c.CustomerID == "" || c.MessageCount == 0 || n == 30 {
			return nil
		}
		n++
		when := at.Add(time.Duration(n) * time.Minute)
		stamp := when.Format("2006-01-02T15:04:05.000Z")
		line := fmt.Sprintf(`{"type":"message","id":"fffffffffffffffff%07d","attributes":{"direction":"in","channel":"email","body":"Still waiting.","createdAt":%q,"updatedAt":%q},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}},"customer":{"data":{"type":"customer","id":%q}}}}`+"\n",
			n, stamp, stamp, id, c.CustomerID)
		f, err := os.OpenFile(filepath.Join(r.Export, "messages.ndjson"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString(line)
		changed["kustomer:conversation:"+id] = when
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	kills := killApply(t, r, *crashKills, 22)
	r.OpenStore()
	if inflight, _ := r.Store.InFlight(); len(inflight) > 0 {
		t.Errorf("%d batches still in flight", len(inflight))
	}
	st := r.checkLanded()
	live := map[string]int{}
	for _, tk := range st.Tickets {
		if tk.ExternalID == nil {
			continue
		}
		live[*tk.ExternalID]++
		if when, ok := changed[*tk.ExternalID]; ok {
			if last := tk.Comments[len(tk.Comments)-1]; !last.CreatedAt.Equal(when) {
				t.Errorf("%s: the last comment is of %v, want the reply of %v", *tk.ExternalID, last.CreatedAt, when)
			}
		}
	}
	for ext := range changed {
		if live[ext] != 1 {
			t.Errorf("%s has %d live tickets", ext, live[ext])
		}
	}
	if len(st.Emails) != 0 || len(st.Flags) != 0 {
		t.Errorf("emails %d, flags %v", len(st.Emails), st.Flags)
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil || again.Summary.Changes != 0 {
		t.Errorf("after %d kills: plan %v, %v", kills, again.Summary.Counts, err)
	}
	t.Logf("KZSUITE %s=%d conversations_replaced=%d records_lost=%d records_duplicated=%d", suiteKey("replace_kills"), kills, len(changed), r.lost, r.dups)
}

// TestDeletedConversationIsDeleted: a conversation deleted in Kustomer
// during the window (search with includeDeleted returns it flagged) has
// its ticket deleted in Zendesk and removed from the deleted tickets; the
// plan lists it first; the checkpoint forgets it; the next plan has no
// changes.
func TestDeletedConversationIsDeleted(t *testing.T) {
	r := newRig(t, "small", 96, "")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(r.Export, "conversations.ndjson")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var conv map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &conv); err != nil {
		t.Fatal(err)
	}
	id := conv["id"].(string)
	attrs := conv["attributes"].(map[string]any)
	attrs["deleted"], attrs["updatedAt"] = true, "2026-11-30T12:00:00.000Z"
	b, _ := json.Marshal(conv)
	lines[0] = string(b)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	key, ext := "ticket.conversation:"+id, "kustomer:conversation:"+id
	e, ok, _ := r.Store.Get(string(kind.Ticket), key)
	if !ok {
		t.Fatalf("no ticket %s in the checkpoint", key)
	}
	pr, res, err := r.planApply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Summary.Counts[kind.Ticket][kind.Delete] != 1 || res.Counts[kind.Ticket]["deleted"] != 1 {
		t.Fatalf("plan %v, apply %v", pr.Summary.Counts[kind.Ticket], res.Counts[kind.Ticket])
	}
	if live := liveTickets(r, ext); len(live) != 0 {
		t.Errorf("live tickets %v for the deleted conversation", live)
	}
	old, _ := strconv.ParseInt(e.ZendeskID, 10, 64)
	if !slicesContains(r.Sim.Dump().PurgedTicketIDs, old) {
		t.Errorf("ticket %d not purged", old)
	}
	if _, ok, _ := r.Store.Get(string(kind.Ticket), key); ok {
		t.Error("the checkpoint still holds the deleted ticket")
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil || again.Summary.Changes != 0 {
		t.Errorf("plan after the delete: %v, %v", again.Summary.Counts, err)
	}
}

// TestRenamedCustomerInTheWindow: a customer renamed during the window,
// with a new email besides their first, has their Zendesk user updated:
// the new name, the new email as an identity, the same user.
func TestRenamedCustomerInTheWindow(t *testing.T) {
	r := newRig(t, "small", 97, "")
	ctx := context.Background()
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(r.Export, "customers.ndjson")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var id string
	for i, line := range lines {
		var c map[string]any
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		attrs := c["attributes"].(map[string]any)
		emails, _ := attrs["emails"].([]any)
		if len(emails) != 1 || id != "" {
			continue
		}
		id = c["id"].(string)
		attrs["name"], attrs["displayName"] = "Renamed Person", "Renamed Person"
		attrs["emails"] = append(emails, map[string]any{"email": "renamed.person@new-domain.example", "type": "home"})
		attrs["updatedAt"] = "2026-11-30T12:00:00.000Z"
		b, _ := json.Marshal(c)
		lines[i] = string(b)
	}
	if id == "" {
		t.Fatal("no customer with one email")
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r.Snap, err = engine.OpenDir(r.Export); err != nil {
		t.Fatal(err)
	}
	before, _, _ := r.Store.Get(string(kind.User), "user.customer:"+id)
	if _, _, err := r.planApply(ctx, false); err != nil {
		t.Fatal(err)
	}
	if dead, _ := r.Store.DeadLetters(); len(dead) > 0 {
		t.Fatalf("dead letters: %+v", dead)
	}
	after, _, _ := r.Store.Get(string(kind.User), "user.customer:"+id)
	if after.ZendeskID != before.ZendeskID {
		t.Fatalf("the user changed: %s → %s", before.ZendeskID, after.ZendeskID)
	}
	st := r.Sim.Dump()
	uid, _ := strconv.ParseInt(after.ZendeskID, 10, 64)
	for _, u := range st.Users {
		if u.ID == uid && u.Name != "Renamed Person" {
			t.Errorf("the user's name is %q", u.Name)
		}
	}
	found := false
	for _, idn := range st.Identities {
		if idn.UserID == uid && strings.EqualFold(idn.Value, "renamed.person@new-domain.example") {
			found = true
		}
	}
	if !found {
		t.Error("the new email is not an identity of the user")
	}
	again, err := engine.Plan(ctx, engine.PlanOptions{Config: r.Cfg, Snapshot: r.Snap, Checkpoint: r.Store})
	if err != nil || again.Summary.Changes != 0 {
		t.Errorf("plan after: %v, %v", again.Summary.Counts, err)
	}
}
