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
		s := settle
		if kind.Kind(b.Kind).HelpCenter() {
			// A Help Center write is done when Zendesk answers, not by a
			// job (as in runBatch): past a moment for a request still on
			// its way, Zendesk says whether it was, and what it lacks is
			// sent again rather than waited for.
			if wait := hcSettle - now().Sub(b.SentAt); wait > 0 {
				if err := sleep(ctx, wait); err != nil {
					return 0, err
				}
			}
			s = -1
		}
		err := resolve(ctx, st, c, b, s, now)
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
// A negative settle says the caller has waited already.
func resolve(ctx context.Context, st *checkpoint.Store, c *zendesk.Client, b checkpoint.Batch, settle time.Duration, now func() time.Time) error {
	if settle == 0 {
		settle = DefaultSettle
	}
	switch kind.Action(b.Op) {
	case kind.Replace:
		return resolveReplace(ctx, st, c, b, settle, now)
	case kind.Delete:
		if kind.Kind(b.Kind).HelpCenter() {
			return resolveHCDelete(ctx, st, c, b)
		}
		return resolveDelete(ctx, st, c, b)
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
			records, dead := confirm(b, outs, c.ServerTime(), nil)
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
	records, _ := confirm(b, outs, c.ServerTime(), nil)
	return st.CompleteBatch(b.ID, records, nil)
}

// lookupConfirms says whether lookup can see a kind's records; for the
// others (custom objects and Help Center translations, finished
// idempotently by the next apply) waiting gains nothing.
func lookupConfirms(k kind.Kind) bool {
	return k != kind.CustomObject && k != kind.HCTranslation
}

// lookup asks Zendesk which records of a batch exist. Updates and
// appended comments are left unconfirmed: the next plan sends them again.
// An update is idempotent; a comment that did land would be added twice,
// which is why appends are sent one ticket at a time. A custom object may
// exist with only some of its fields: it too is left for the next apply,
// which creates objects idempotently and adds what is missing.
func lookup(ctx context.Context, c *zendesk.Client, refs *refs, b checkpoint.Batch, outs []outcome) error {
	find := finders[kind.Kind(b.Kind)]
	if kind.Action(b.Op) != kind.Create || find == nil {
		return nil
	}
	var keys []string
	for _, e := range b.ExternalIDs {
		if e != "" {
			keys = append(keys, e)
		}
	}
	have, err := find(ctx, c, refs, keys)
	if err != nil {
		return err
	}
	for i, e := range b.ExternalIDs {
		if id, ok := have[e]; ok && e != "" && outs[i].id == "" {
			outs[i] = outcome{id: id}
		}
	}
	return nil
}

// A finder returns, of the keys a batch names its records by (externalID),
// those Zendesk holds, with their Zendesk ids.
type finder func(ctx context.Context, c *zendesk.Client, refs *refs, keys []string) (map[string]string, error)

var finders = map[kind.Kind]finder{
	kind.TicketField:       fieldFinder(kind.TicketField),
	kind.UserField:         fieldFinder(kind.UserField),
	kind.OrganizationField: fieldFinder(kind.OrganizationField),
	kind.Organization: func(ctx context.Context, c *zendesk.Client, _ *refs, keys []string) (map[string]string, error) {
		orgs, err := c.ShowManyOrganizationsByExternalID(ctx, keys)
		return index(orgs, err, func(o zendesk.Organization) (string, int64) { return o.ExternalID, o.ID })
	},
	kind.User: func(ctx context.Context, c *zendesk.Client, _ *refs, keys []string) (map[string]string, error) {
		users, err := c.ShowManyUsersByExternalID(ctx, keys)
		return index(users, err, func(u zendesk.User) (string, int64) { return u.ExternalID, u.ID })
	},
	kind.Group: func(ctx context.Context, c *zendesk.Client, _ *refs, _ []string) (map[string]string, error) {
		groups, err := c.ListGroups(ctx)
		return index(groups, err, func(g zendesk.Group) (string, int64) { return g.Name, g.ID })
	},
	kind.Ticket: func(ctx context.Context, c *zendesk.Client, _ *refs, keys []string) (map[string]string, error) {
		out := map[string]string{}
		for _, ext := range keys {
			ts, err := c.TicketsByExternalID(ctx, ext)
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				out[t.ExternalID] = strconv.FormatInt(t.ID, 10)
			}
		}
		return out, nil
	},
	kind.CustomObjectRecord: func(ctx context.Context, c *zendesk.Client, _ *refs, keys []string) (map[string]string, error) {
		byObj := map[string][]string{}
		for _, e := range keys {
			obj, ext, _ := strings.Cut(e, "\x00")
			byObj[obj] = append(byObj[obj], ext)
		}
		out := map[string]string{}
		for obj, exts := range byObj {
			recs, err := c.CustomObjectRecordsByExternalID(ctx, obj, exts)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				out[obj+"\x00"+r.ExternalID] = r.ID
			}
		}
		return out, nil
	},
	kind.GroupMembership: func(ctx context.Context, c *zendesk.Client, refs *refs, keys []string) (map[string]string, error) {
		ms, err := c.ListGroupMemberships(ctx)
		if err != nil {
			return nil, err
		}
		have := map[[2]int64]int64{}
		for _, m := range ms {
			have[[2]int64{m.UserID, m.GroupID}] = m.ID
		}
		out := map[string]string{}
		for _, e := range keys {
			u, g, _ := strings.Cut(e, "/")
			uid, err := refs.ID("user", u)
			if err != nil {
				return nil, err
			}
			gid, err := refs.ID("team", g)
			if err != nil {
				return nil, err
			}
			if id, ok := have[[2]int64{uid, gid}]; ok && uid != 0 {
				out[e] = strconv.FormatInt(id, 10)
			}
		}
		return out, nil
	},
}

// index maps Zendesk records by the key they were asked for.
func index[T any](list []T, err error, key func(T) (string, int64)) (map[string]string, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, v := range list {
		k, id := key(v)
		out[k] = strconv.FormatInt(id, 10)
	}
	return out, nil
}

// fieldFinder finds fields by key, or a ticket field by title.
func fieldFinder(k kind.Kind) finder {
	return func(ctx context.Context, c *zendesk.Client, _ *refs, _ []string) (map[string]string, error) {
		have, err := accountFields(ctx, c, k)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for name, f := range have {
			out[name] = strconv.FormatInt(f.ID, 10)
		}
		return out, nil
	}
}
