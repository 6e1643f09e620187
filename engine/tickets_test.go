package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/kzmap/kzmap/dsl"
)

// TestEmitPartsInTimeOrder: a conversation split into linked tickets keeps
// every ticket's comments in non-decreasing created_at, the linking notes
// included (the first part ends with its note, the others open with it),
// and every comment lands in exactly one part, in order.
func TestEmitPartsInTimeOrder(t *testing.T) {
	for _, tc := range []struct{ comments, splitAt int }{{10, 4}, {9, 4}, {7, 3}, {4000, 1000}, {5001, 4000}, {3, 3}} {
		t0 := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
		var cs []Comment
		for i := range tc.comments {
			at := t0.Add(time.Duration(i/3) * time.Minute) // ties, as in Kustomer
			cs = append(cs, Comment{Key: fmt.Sprintf("message/%04d", i), Payload: dsl.Payload{"body": "x", "created_at": at.Format(time.RFC3339)}})
		}
		g := &Generator{Hz: NewHazards()}
		d := &Desired{Kind: "ticket", Key: "ticket.conversation:c1", Sources: []string{"conversation/c1"},
			Payload: dsl.Payload{"external_id": "kustomer:conversation:c1", "subject": "s", "tags": []string{"kustomer-import"}}}
		var tickets []*Desired
		if err := g.emitParts(hcl.Range{}, d, cs, tc.splitAt, func(d *Desired) error { tickets = append(tickets, d); return nil }); err != nil {
			t.Fatal(err)
		}
		seen := 0
		for n, tk := range tickets {
			if len(tk.Comments) > tc.splitAt {
				t.Errorf("%+v: ticket %d has %d comments", tc, n+1, len(tk.Comments))
			}
			prev := ""
			for i, c := range tk.Comments {
				at, _ := c.Payload["created_at"].(string)
				if at < prev {
					t.Errorf("%+v: ticket %d comment %d (%s, %s) is older than the one before (%s)", tc, n+1, i+1, c.Key, at, prev)
				}
				prev = at
				if c.Key[:8] == "message/" {
					if want := fmt.Sprintf("message/%04d", seen); c.Key != want {
						t.Errorf("%+v: ticket %d comment %d is %s, want %s", tc, n+1, i+1, c.Key, want)
					}
					seen++
				}
			}
			if len(tickets) > 1 {
				first := tk.Comments[0].Key[:8] == "message/"
				if (n == 0) != first {
					t.Errorf("%+v: ticket %d starts with %s", tc, n+1, tk.Comments[0].Key)
				}
			}
		}
		if seen != tc.comments {
			t.Errorf("%+v: %d comments landed, want %d", tc, seen, tc.comments)
		}
		if want := tc.comments <= tc.splitAt; want != (len(tickets) == 1) {
			t.Errorf("%+v: %d tickets", tc, len(tickets))
		}
	}
}
