package apply

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// readExport decodes every record of one type of an export directory.
func readExport(t testing.TB, dir, file string) []any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		rec, err := record.DecodeJSON(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

// checkFidelity holds the Zendesk simulator's state against the Kustomer
// export for every rule of a faithful migration the edge dataset exercises.
func checkFidelity(t *testing.T, r *rig, st zendesksim.State, plan *engine.PlanResult) {
	ext := func(tk zendesksim.TicketState) string {
		if tk.ExternalID == nil {
			return ""
		}
		return *tk.ExternalID
	}
	byExt := map[string]zendesksim.TicketState{}
	for _, tk := range st.Tickets {
		byExt[ext(tk)] = tk
	}
	users := map[int64]zendesksim.User{}
	for _, u := range st.Users {
		users[u.ID] = u
	}

	// Attachments: every file Kustomer had arrives with the same bytes.
	zHashes := map[string]int{}
	for _, tk := range st.Tickets {
		for _, c := range tk.Comments {
			for _, a := range c.Attachments {
				zHashes[a.SHA256]++
			}
			// No image still points at Kustomer.
			if strings.Contains(c.HTMLBody, "kustomerapp.com/v1/attachments/") {
				t.Errorf("ticket %s: html still points at Kustomer: %.200s", ext(tk), c.HTMLBody)
			}
		}
	}
	files, _ := os.ReadDir(filepath.Join(r.Export, "files"))
	matched := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(r.Export, "files", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if zHashes[hex.EncodeToString(sum[:])] > 0 {
			matched++
		}
	}
	if matched < len(files)*9/10 || matched == 0 {
		t.Errorf("only %d of %d Kustomer files arrived in Zendesk byte for byte", matched, len(files))
	}

	// Conversations: every one a ticket (archive-only ones too), long
	// bodies whole, split conversations complete and in order.
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	convs := readExport(t, r.Export, "conversations.ndjson")
	archived := 0
	for _, c := range convs {
		conv := c.(*record.Conversation)
		if _, ok := byExt["kustomer:conversation:"+conv.ID]; !ok {
			t.Errorf("conversation %s has no ticket", conv.ID)
		}
		if conv.UpdatedAt.Before(now.AddDate(0, 0, -730)) {
			archived++
		}
	}
	if archived == 0 {
		t.Error("the edge dataset has no archive-only conversation to check")
	}
	parts := map[string][]zendesksim.TicketState{}
	for _, tk := range st.Tickets {
		for _, tag := range tk.Tags {
			if id, ok := strings.CutPrefix(tag, "kz_conversation_"); ok {
				parts[id] = append(parts[id], tk)
			}
		}
	}
	if len(parts) == 0 {
		t.Error("no conversation was split")
	}
	for id, ps := range parts {
		sort.Slice(ps, func(i, j int) bool { return len(ext(ps[i])) < len(ext(ps[j])) || ext(ps[i]) < ext(ps[j]) })
		var last time.Time
		total := 0
		for _, p := range ps {
			for _, c := range p.Comments {
				if c.CreatedAt.Before(last) {
					t.Errorf("conversation %s: comments out of order across parts", id)
				}
				last = c.CreatedAt
			}
			total += len(p.Comments)
		}
		if total < zendesk.MaxCommentsPerTicket {
			t.Errorf("conversation %s: %d comments over %d parts", id, total, len(ps))
		}
	}
	msgs := readExport(t, r.Export, "messages.ndjson")
	long := 0
	for _, m := range msgs {
		msg := m.(*record.Message)
		if utf8.RuneCountInString(msg.Body) <= zendesk.MaxCommentChars {
			continue
		}
		long++
		var all strings.Builder
		for _, tk := range st.Tickets {
			if strings.HasPrefix(ext(tk), "kustomer:conversation:"+msg.ConversationID) {
				for _, c := range tk.Comments {
					all.WriteString(c.Body)
				}
			}
		}
		// A body sent as HTML parts comes back as their text: compare
		// without whitespace, which the HTML does not keep.
		if !strings.Contains(squash(all.String()), squash(msg.Body)) {
			t.Errorf("message %s: its %d-character body is not whole in Zendesk", msg.ID, utf8.RuneCountInString(msg.Body))
		}
	}
	if long == 0 {
		t.Error("the edge dataset has no body over 65,535 characters to check")
	}

	// One user per email, in any case.
	owner := map[string]int64{}
	for _, u := range st.Users {
		if u.Email != nil {
			e := strings.ToLower(*u.Email)
			if prev, ok := owner[e]; ok && prev != u.ID {
				t.Errorf("email %s belongs to users %d and %d", e, prev, u.ID)
			}
			owner[e] = u.ID
		}
	}
	for _, id := range st.Identities {
		if id.Type == "email" {
			e := strings.ToLower(id.Value)
			if prev, ok := owner[e]; ok && prev != id.UserID {
				t.Errorf("email %s belongs to users %d and %d", e, prev, id.UserID)
			}
			owner[e] = id.UserID
		}
	}

	// Assignees are agents, and members of the ticket's group.
	member := map[[2]int64]bool{}
	for _, m := range st.GroupMemberships {
		member[[2]int64{m.UserID, m.GroupID}] = true
	}
	for _, tk := range st.Tickets {
		if tk.AssigneeID == nil {
			continue
		}
		if u := users[*tk.AssigneeID]; u.Role != "agent" && u.Role != "admin" {
			t.Errorf("ticket %s: assignee %d is a %s", ext(tk), *tk.AssigneeID, u.Role)
		}
		if tk.GroupID != nil && !member[[2]int64{*tk.AssigneeID, *tk.GroupID}] {
			t.Errorf("ticket %s: assignee %d is not in group %d", ext(tk), *tk.AssigneeID, *tk.GroupID)
		}
	}

	// Every KObject is a record, or reported as unwritable.
	records := map[string]bool{}
	for _, o := range st.CustomObjects {
		for _, rec := range o.Records {
			if rec.ExternalID != nil {
				records[strings.SplitN(*rec.ExternalID, "#", 2)[0]] = true
			}
		}
	}
	kobjects := readExport(t, r.Export, "kobjects.ndjson")
	missing := 0
	for _, k := range kobjects {
		if !records["kustomer:kobject:"+k.(*record.KObject).ID] {
			missing++
		}
	}
	if unw := plan.Summary.Counts["custom_object_record"]["unwritable"]; missing != unw {
		t.Errorf("%d KObjects have no record; the plan reported %d unwritable", missing, unw)
	}
	b, _ := json.Marshal(plan.Summary.Counts)
	t.Logf("fidelity: %d files byte-equal, %d archive-only conversations, %d long bodies, %d split conversations, %d KObjects; plan %s",
		matched, archived, long, len(parts), len(kobjects), b)
}

// squash drops every space.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
