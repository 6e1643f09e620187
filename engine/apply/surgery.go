package apply

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// State surgery, as Terraform has it: a record adopted by hand (Import)
// or forgotten without being deleted (Forget). Each is a run of its own
// in the checkpoint's history.

// Import adopts the Zendesk record zendeskID as the desired record d: it
// checks that Zendesk holds it, and records it as an adoption batch. Its
// hash is left empty, so the next plan writes the mapping over it (an
// update, and for a ticket the comments it lacks: an imported ticket is
// taken to hold as many of the thread's comments as Zendesk counts).
func Import(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, d *engine.Desired, zendeskID string, now func() time.Time) (checkpoint.Run, error) {
	if now == nil {
		now = time.Now
	}
	if _, ok, err := st.Get(string(d.Kind), d.Key); err != nil {
		return checkpoint.Run{}, err
	} else if ok {
		return checkpoint.Run{}, fmt.Errorf("%s is in the checkpoint already: kzmap state rm it first to import another Zendesk record in its place", d.Key)
	}
	comments, err := holds(ctx, c, d.Kind, zendeskID)
	if err != nil {
		return checkpoint.Run{}, err
	}
	run := checkpoint.Run{ID: checkpoint.NewRunID(), Started: now().UTC(), Status: "running", Command: "import"}
	if err := st.PutRun(run); err != nil {
		return run, err
	}
	ex := &executor{opts: Options{Store: st, Client: c, Clock: now}, res: &Result{RunID: run.ID, Counts: map[kind.Kind]map[string]int{}}}
	b := ex.newBatch([]item{{op: planOp(d), d: d}}, kind.Adopt)
	b.ExternalIDs[0], b.Hashes[0] = zendeskID, ""
	if d.Kind == kind.Ticket {
		b.Comments[0] = b.Comments[0][:min(comments, len(b.Comments[0]))]
	}
	if err := st.BeginBatch(b); err != nil {
		return run, err
	}
	records, _ := confirm(b, []outcome{{id: zendeskID}}, c.ServerTime(), nil)
	if err := st.CompleteBatch(b.ID, records, nil); err != nil {
		return run, err
	}
	run.Finished, run.Status, run.Counts = now().UTC(), "done", map[string]int{string(d.Kind) + ".imported": 1}
	return run, st.PutRun(run)
}

// holds checks that Zendesk holds the record, and for a ticket says how
// many comments it has.
func holds(ctx context.Context, c *zendesk.Client, k kind.Kind, zendeskID string) (int, error) {
	id, err := strconv.ParseInt(zendeskID, 10, 64)
	if err != nil && k != kind.CustomObjectRecord && k != kind.CustomObject {
		return 0, fmt.Errorf("%q is not a Zendesk %s id (a number)", zendeskID, k)
	}
	missing := fmt.Errorf("Zendesk holds no %s %s", k, zendeskID)
	switch k {
	case kind.Ticket:
		ts, err := c.ShowManyTicketsCounted(ctx, []int64{id})
		if err != nil {
			return 0, err
		}
		if len(ts) == 0 {
			return 0, missing
		}
		return ts[0].CommentCount, nil
	case kind.User:
		us, err := c.ShowManyUsers(ctx, []int64{id})
		if err == nil && len(us) == 0 {
			err = missing
		}
		return 0, err
	case kind.Organization:
		os, err := c.ShowManyOrganizations(ctx, []int64{id})
		if err == nil && len(os) == 0 {
			err = missing
		}
		return 0, err
	case kind.Group:
		gs, err := c.ListGroups(ctx)
		for _, g := range gs {
			if g.ID == id && !g.Deleted {
				return 0, err
			}
		}
		if err == nil {
			err = missing
		}
		return 0, err
	}
	return 0, fmt.Errorf("kzmap import takes organizations, users, groups and tickets; a %s is adopted by the next apply on its own", k)
}

// planOp is the operation of a record adopted by hand.
func planOp(d *engine.Desired) planfile.Op {
	return planfile.Op{Kind: d.Kind, Key: d.Key, Action: kind.Adopt, Hash: d.Hash(), Mapping: d.Mapping, Sources: d.Sources}
}

// Forget removes records from the checkpoint without deleting them from
// Zendesk (state rm), as a run of its own. keys are by kind.
func Forget(st *checkpoint.Store, keys map[kind.Kind][]string, now func() time.Time) (checkpoint.Run, int, error) {
	if now == nil {
		now = time.Now
	}
	run := checkpoint.Run{ID: checkpoint.NewRunID(), Started: now().UTC(), Status: "done", Command: "state rm", Counts: map[string]int{}}
	total := 0
	var missing []string
	for k, ks := range keys {
		n, err := st.ForgetKeys(string(k), ks)
		if err != nil {
			return run, total, err
		}
		total += n
		if n > 0 {
			run.Counts[string(k)+".forgotten"] = n
		}
		if n < len(ks) {
			missing = append(missing, fmt.Sprintf("%d %s", len(ks)-n, k))
		}
	}
	run.Finished = now().UTC()
	if total > 0 {
		if err := st.PutRun(run); err != nil {
			return run, total, err
		}
	}
	if len(missing) > 0 {
		return run, total, fmt.Errorf("not in the checkpoint: %s", strings.Join(missing, ", "))
	}
	return run, total, nil
}
