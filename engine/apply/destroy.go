package apply

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

// Target is one record a batch created, as destroy sees it.
type Target struct {
	Kind                   kind.Kind
	Key, ZendeskID, Object string
	Aliases                []checkpoint.Alias
}

// Targets lists what the given batches created that the checkpoint still
// holds, by kind and key.
func Targets(st *checkpoint.Store, batches []checkpoint.Batch) ([]Target, error) {
	var out []Target
	for _, b := range batches {
		if a := kind.Action(b.Op); a != kind.Create && a != kind.Replace {
			continue // updates and appended comments created no record
		}
		created := map[string]string{}
		for _, c := range b.Created {
			if k, id, ok := strings.Cut(c, "="); ok {
				created[k] = id
			}
		}
		for i, key := range b.Keys {
			e, ok, err := st.Get(b.Kind, key)
			if err != nil {
				return nil, err
			}
			if !ok || e.ZendeskID != created[b.Kind+"/"+key] {
				continue // deleted already, or not this batch's record any more
			}
			t := Target{Kind: kind.Kind(b.Kind), Key: key, ZendeskID: e.ZendeskID, Object: e.Object}
			if i < len(b.Sources) {
				for _, src := range strings.Split(b.Sources[i], ",") {
					if typ, id, ok := strings.Cut(src, "/"); ok {
						t.Aliases = append(t.Aliases, checkpoint.Alias{SourceType: typ, SourceID: id})
					}
				}
			}
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind.Index() < out[j].Kind.Index()
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// Destroyed is what a destroy did. Only what Zendesk confirmed is
// forgotten: Deleted (its job said so) and Gone (Zendesk had no such
// record: deleted already, by hand or by an earlier destroy). Failed are
// the records Zendesk refused or said nothing about, kept in the
// checkpoint, with the reason.
type Destroyed struct {
	Deleted, Gone int
	Failed        []string // "kind key: reason"
}

// Destroy deletes the deletable targets from Zendesk, 100 at a time
// through bulk jobs (the Help Center's one at a time, destroyHC), and
// removes from the checkpoint what Zendesk confirmed deleted.
func Destroy(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, targets []Target) (Destroyed, error) {
	var tickets []Target
	records := map[string][]Target{}
	for _, t := range targets {
		switch t.Kind {
		case kind.Ticket:
			tickets = append(tickets, t)
		case kind.CustomObjectRecord:
			records[t.Object] = append(records[t.Object], t)
		}
	}
	var out Destroyed
	if err := destroyHC(ctx, st, c, targets, &out); err != nil {
		return out, err
	}
	err := inJobs(ctx, st, &out, tickets, func(batch []Target) (*zendesk.Job, error) {
		ids := make([]int64, 0, len(batch))
		for _, t := range batch {
			id, err := strconv.ParseInt(t.ZendeskID, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("ticket %s: checkpoint id %q is not a number", t.Key, t.ZendeskID)
			}
			ids = append(ids, id)
		}
		return c.DestroyManyTickets(ctx, ids)
	})
	if err != nil {
		return out, err
	}
	for _, obj := range slices.Sorted(maps.Keys(records)) {
		err := inJobs(ctx, st, &out, records[obj], func(batch []Target) (*zendesk.Job, error) {
			ids := make([]string, len(batch))
			for i, t := range batch {
				ids[i] = t.ZendeskID
			}
			return c.DeleteRecords(ctx, obj, ids, false)
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// inJobs deletes targets 100 at a time through the bulk jobs start makes,
// forgetting what each job confirms before the next starts: an item whose
// result says deleted, or RecordNotFound (gone already). An item with no
// result, or another failure, stays in the checkpoint.
func inJobs(ctx context.Context, st *checkpoint.Store, out *Destroyed, targets []Target, start func([]Target) (*zendesk.Job, error)) error {
	for len(targets) > 0 {
		n := min(zendesk.MaxBatch, len(targets))
		batch := targets[:n]
		targets = targets[n:]
		job, err := start(batch)
		if err != nil {
			return err
		}
		res, err := job.Wait(ctx)
		if err != nil {
			return err
		}
		results := map[int]zendesk.JobResult{}
		for _, r := range res.Results {
			results[r.Index] = r
		}
		var gone []checkpoint.Forgotten
		for i, t := range batch {
			r, ok := results[i]
			switch {
			case ok && r.Success && !r.Unknown:
				out.Deleted++
			case ok && r.Error == "RecordNotFound":
				out.Gone++
			default:
				why := "Zendesk's job said nothing about it"
				if ok && !r.Unknown {
					why = strings.Trim(strings.TrimSpace(r.Error+": "+r.Details), ": ")
				}
				out.Failed = append(out.Failed, fmt.Sprintf("%s %s (Zendesk %s): %s", t.Kind, t.Key, t.ZendeskID, why))
				continue
			}
			gone = append(gone, checkpoint.Forgotten{Kind: string(t.Kind), Key: t.Key, Aliases: t.Aliases})
		}
		if err := st.Forget(gone); err != nil {
			return err
		}
	}
	return nil
}
