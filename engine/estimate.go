package engine

import (
	"math"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// estimator counts the requests a plan needs: bulk endpoints take 100
// records and one job poll per batch; groups and custom object schemas go
// one by one; every attachment is one download and one upload.
type estimator struct {
	bulk    map[kind.Kind]int // kind → records written through bulk endpoints
	creates map[kind.Kind]int
	single  int
	uploads int
	// replaced tickets also cost a delete and a purge job per 100
	replaced int
}

func newEstimator() *estimator {
	return &estimator{bulk: map[kind.Kind]int{}, creates: map[kind.Kind]int{}}
}

func (e *estimator) add(op planfile.Op) {
	if op.Action == kind.Create {
		e.creates[op.Kind]++
	}
	switch {
	case op.Action == kind.Unwritable:
	case op.Kind == kind.Group || op.Kind == kind.CustomObject:
		e.single++
	case op.Kind == kind.TicketField || op.Kind == kind.UserField || op.Kind == kind.OrganizationField:
		e.single++
		if op.Action == kind.Update {
			e.single++ // the field is read before it is updated
		}
	case op.Action == kind.AppendComments:
		e.single += len(op.NewComments) // one ticket update per comment
	case op.Action == kind.Replace:
		e.bulk[op.Kind]++
		e.replaced++
	case op.Action == kind.Delete:
		e.replaced++ // a delete and a purge job per 100
	case op.Kind == kind.Ticket && op.Action == kind.Update:
		e.single++
	default:
		e.bulk[op.Kind]++
	}
	e.uploads += op.Attachments
}

func (e *estimator) finish(cfg *dsl.Config) planfile.Estimate {
	n := e.single + e.uploads
	for _, c := range e.bulk {
		batches := (c + zendesk.MaxBatch - 1) / zendesk.MaxBatch
		n += 2 * batches // the bulk request and its job poll
	}
	n += 4 * ((e.replaced + zendesk.MaxBatch - 1) / zendesk.MaxBatch) // delete and purge, each a request and a poll
	look, more := e.lookups()
	n += look
	rate := float64(cfg.Target.RateLimit) * cfg.Target.Share
	est := planfile.Estimate{ZendeskRequests: n, Lookups: look, LookupsMore: more, KustomerRequests: e.uploads, RequestsPerMin: rate}
	if rate > 0 {
		est.Minutes = math.Round(float64(n)/rate*10) / 10
	}
	return est
}

// lookups are the requests apply makes before creating, to adopt what
// Zendesk already holds (engine/apply, lookups.go): a count or a listing
// per kind created, always; and, only when Zendesk holds records of the
// kind, users by show_many (100 a request) and tickets by the export or
// one look-up per ticket, whichever is fewer (at most one per ticket).
func (e *estimator) lookups() (always, more int) {
	for _, k := range []kind.Kind{kind.OrganizationField, kind.Organization, kind.UserField, kind.User, kind.Group, kind.GroupMembership, kind.TicketField, kind.Ticket} {
		if e.creates[k] > 0 {
			always++
		}
	}
	more = (e.creates[kind.User]+zendesk.MaxBatch-1)/zendesk.MaxBatch + e.creates[kind.Ticket]
	return always, more
}
