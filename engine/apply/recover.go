package apply

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

// DefaultSettle is how long after a batch was sent kzmap waits before it
// concludes that records Zendesk does not show were never created. A bulk
// request whose answer was lost may have queued a job that is still
// running; sending its records again before the job ends could create
// them twice.
const DefaultSettle = 10 * time.Minute

// UnsettledError says a batch's records may still be on their way.
type UnsettledError struct {
	Batch   string
	Missing int
	Total   int
	Wait    time.Duration
}

func (e *UnsettledError) Error() string {
	return fmt.Sprintf("batch %s: %d of %d records are not in Zendesk yet; if the request reached Zendesk, its job may still be running. Run apply again in a few minutes: kzmap waits up to %s after a batch was sent before it sends those records again", e.Batch, e.Missing, e.Total, e.Wait.Round(time.Second))
}

// Recover resolves the batches an interrupted apply left in flight: for
// each, it reads the job Zendesk ran, or asks Zendesk which of the batch's
// records exist (by external id, name or key), and records what it finds.
// What does not exist once the batch has settled (settle after it was
// sent; 0 means DefaultSettle) is left for the next plan to send again;
// nothing is sent twice. A batch that has not settled stays in flight and
// Recover returns an *UnsettledError. now is the machine's clock, the one
// batches were stamped with when sent (nil: time.Now).
func Recover(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, settle time.Duration, now func() time.Time) (int, error) {
	if now == nil {
		now = time.Now
	}
	batches, err := st.InFlight()
	if err != nil {
		return 0, err
	}
	var unsettled error
	for _, b := range batches {
		err := resolve(ctx, st, c, b, settle, now)
		var ue *UnsettledError
		if errors.As(err, &ue) {
			unsettled = errors.Join(unsettled, err)
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("resolve interrupted batch %s (%s %s): %w", b.ID, b.Op, b.Kind, err)
		}
	}
	return len(batches), unsettled
}

// resolve settles one in-flight batch.
func resolve(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, b checkpoint.Batch, settle time.Duration, now func() time.Time) error {
	if settle <= 0 {
		settle = DefaultSettle
	}
	outs := make([]outcome, len(b.Keys))
	if b.JobID != "" {
		res, err := c.ResumeJob(b.JobID, len(b.Keys)).Wait(ctx)
		var api *zendesk.APIError
		switch {
		case err == nil:
			for _, r := range res.Results {
				if r.Index >= 0 && r.Index < len(outs) {
					if r.Success && r.ID != "" {
						outs[r.Index] = outcome{id: r.ID}
					} else if !r.Unknown {
						outs[r.Index] = outcome{err: strings.Trim(strings.TrimSpace(r.Error+": "+r.Details), ": ")}
					}
				}
			}
			records, dead := confirm(b, outs)
			return st.CompleteBatch(b.ID, records, dead)
		case errors.As(err, &api) && api.Status == 404, errors.Is(err, zendesk.ErrJobGone):
			// The job status expired: look the records up instead.
		default:
			return err
		}
	}
	if err := lookup(ctx, c, newRefs(st), b, outs); err != nil {
		return err
	}
	missing := 0
	for _, o := range outs {
		if o.id == "" {
			missing++
		}
	}
	if kind.Action(b.Op) == kind.Create && missing > 0 && now().Sub(b.SentAt) < settle && lookupConfirms(kind.Kind(b.Kind)) {
		return &UnsettledError{Batch: b.ID, Missing: missing, Total: len(outs), Wait: settle}
	}
	records, _ := confirm(b, outs)
	return st.CompleteBatch(b.ID, records, nil)
}

// lookupConfirms says whether lookup can see a kind's records; for the
// others (custom objects, finished idempotently by the next apply) waiting
// gains nothing.
func lookupConfirms(k kind.Kind) bool {
	return k != kind.CustomObject
}

// lookup asks Zendesk which records of a batch exist.
func lookup(ctx context.Context, c *zendesk.Client, refs *refs, b checkpoint.Batch, outs []outcome) error {
	found := func(key string, id string) {
		for i, e := range b.ExternalIDs {
			if e == key && outs[i].id == "" {
				outs[i] = outcome{id: id}
			}
		}
	}
	nonEmpty := func() []string {
		var out []string
		for _, e := range b.ExternalIDs {
			if e != "" {
				out = append(out, e)
			}
		}
		return out
	}
	switch {
	case kind.Action(b.Op) != kind.Create:
		// Updates and appended comments are left unconfirmed: the next
		// plan sends them again. An update is idempotent; a comment that
		// did land would be added twice, which is why appends are sent one
		// ticket at a time.
		return nil
	case kind.Kind(b.Kind) == kind.Organization:
		orgs, err := c.ShowManyOrganizationsByExternalID(ctx, nonEmpty())
		if err != nil {
			return err
		}
		for _, o := range orgs {
			found(o.ExternalID, strconv.FormatInt(o.ID, 10))
		}
	case kind.Kind(b.Kind) == kind.User:
		users, err := c.ShowManyUsersByExternalID(ctx, nonEmpty())
		if err != nil {
			return err
		}
		for _, u := range users {
			found(u.ExternalID, strconv.FormatInt(u.ID, 10))
		}
	case kind.Kind(b.Kind) == kind.Group:
		groups, err := c.ListGroups(ctx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			found(g.Name, strconv.FormatInt(g.ID, 10))
		}
	case kind.Kind(b.Kind) == kind.CustomObject:
		// An object may exist with only some of its fields: leave it
		// unconfirmed, and the next apply, which creates objects
		// idempotently, adds what is missing.
		return nil
	case kind.Kind(b.Kind) == kind.Ticket:
		for _, ext := range nonEmpty() {
			ts, err := c.TicketsByExternalID(ctx, ext)
			if err != nil {
				return err
			}
			for _, t := range ts {
				found(t.ExternalID, strconv.FormatInt(t.ID, 10))
			}
		}
	case kind.Kind(b.Kind) == kind.CustomObjectRecord:
		byObj := map[string][]string{}
		for _, e := range nonEmpty() {
			obj, ext, _ := strings.Cut(e, "\x00")
			byObj[obj] = append(byObj[obj], ext)
		}
		for obj, exts := range byObj {
			recs, err := c.CustomObjectRecordsByExternalID(ctx, obj, exts)
			if err != nil {
				return err
			}
			for _, r := range recs {
				found(obj+"\x00"+r.ExternalID, r.ID)
			}
		}
	case kind.Kind(b.Kind) == kind.GroupMembership:
		ms, err := c.ListGroupMemberships(ctx)
		if err != nil {
			return err
		}
		have := map[[2]int64]int64{}
		for _, m := range ms {
			have[[2]int64{m.UserID, m.GroupID}] = m.ID
		}
		for i, e := range b.ExternalIDs {
			u, g, _ := strings.Cut(e, "/")
			uid, err := refs.ID("user", u)
			if err != nil {
				return err
			}
			gid, err := refs.ID("team", g)
			if err != nil {
				return err
			}
			if id, ok := have[[2]int64{uid, gid}]; ok && uid != 0 {
				outs[i] = outcome{id: strconv.FormatInt(id, 10)}
			}
		}
	}
	return nil
}
