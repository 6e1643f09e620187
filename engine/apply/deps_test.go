package apply

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/kind"
)

// TestBrokenDependencyWaits: a customer Zendesk refuses is a dead letter;
// its tickets are dead letters naming it, none is written with another
// requester; once the customer lands, the retry writes them with the
// right requester and authors.
func TestBrokenDependencyWaits(t *testing.T) {
	for _, seed := range []int64{31, 32} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := newRig(t, "small", seed, "")
			ctx := context.Background()
			// The customer with the most conversations.
			byCustomer := map[string][]string{}
			emails := map[string]string{}
			err := engine.NewGenerator(r.Cfg, r.Snap).Run(ctx, func(d *engine.Desired) error {
				switch {
				case d.Kind == kind.User && d.Payload["role"] == "end-user":
					if e, _ := d.Payload["email"].(string); e != "" && len(d.Sources) == 1 {
						_, id, _ := strings.Cut(d.Sources[0], "/")
						emails[id] = e
					}
				case d.Kind == kind.Ticket && d.Unwritable == "":
					req, _ := d.Payload["requester"].(string)
					byCustomer[req] = append(byCustomer[req], d.Payload["external_id"].(string))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var victim string
			for c, ts := range byCustomer {
				if emails[c] != "" && (victim == "" || len(ts) > len(byCustomer[victim]) || len(ts) == len(byCustomer[victim]) && c < victim) {
					victim = c
				}
			}
			if victim == "" {
				t.Fatal("no customer with an email and a ticket")
			}
			r.Sim.Block(emails[victim])
			if _, _, err := r.planApply(ctx, false); err != nil {
				t.Fatal(err)
			}
			waiting := 0
			dead, _ := r.Store.DeadLetters()
			for _, d := range dead {
				if d.Kind == string(kind.Ticket) {
					if !strings.Contains(d.Error, "requester customer/"+victim) {
						t.Errorf("ticket %s: dead letter %q does not name its requester", d.Key, d.Error)
					}
					waiting++
				}
			}
			if waiting != len(byCustomer[victim]) {
				t.Errorf("%d tickets wait, want the victim's %d", waiting, len(byCustomer[victim]))
			}
			mine := map[string]bool{}
			for _, ext := range byCustomer[victim] {
				mine[ext] = true
			}
			for _, tk := range r.Sim.Dump().Tickets {
				if mine[*tk.ExternalID] {
					t.Errorf("ticket %s was written while its requester is a dead letter", *tk.ExternalID)
				}
			}
			// The customer lands on retry, and so do the tickets, with it.
			r.Sim.Unblock(emails[victim])
			if _, _, err := r.planApply(ctx, true); err != nil {
				t.Fatal(err)
			}
			if dead, _ := r.Store.DeadLetters(); len(dead) != 0 {
				t.Fatalf("after the retry: %d dead letters, first %+v", len(dead), dead[0])
			}
			st := r.Sim.Dump()
			var uid int64
			for _, u := range st.Users {
				if u.Email != nil && strings.EqualFold(*u.Email, emails[victim]) {
					uid = u.ID
				}
			}
			got := 0
			for _, tk := range st.Tickets {
				if mine[*tk.ExternalID] {
					got++
					if tk.RequesterID != uid {
						t.Errorf("ticket %s: requester %d, want %d", *tk.ExternalID, tk.RequesterID, uid)
					}
				}
			}
			if got != len(mine) {
				t.Errorf("%d of the victim's %d tickets landed", got, len(mine))
			}
			r.checkLanded()
		})
	}
}
