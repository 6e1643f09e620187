package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/planfile"
	"github.com/kzmap/kzmap/zendesk"
)

// The estimate is what `kzmap apply PLAN` will cost: every request
// engine/apply sends for the plan, counted by what it is for (a term), and
// the time they take on Zendesk's real minute at the plan's share of its
// tier limit. Apply goes kind by kind (kind.All), each kind a phase that
// ends when its last job has: the time is the requests, paced (ticket
// updates and exports also at their own limits), plus each phase's wait
// for its last round of jobs.
//
// What apply sends (engine/apply: executor.go, lookups.go, writes.go,
// fields.go, objects.go, tickets.go, replace.go):
//   - who imports (users/me), and the custom object limit when the plan
//     creates objects (the preflight);
//   - fields one at a time, each after a look at the account's list of
//     the kind; an update reads the list, then writes;
//   - custom objects: the object list, the object, then each of its fields;
//   - groups one by one, after one listing;
//   - organizations, users, memberships, tickets and custom object records
//     in bulk jobs of 100 (a replace adds a delete and a purge job);
//   - every file a ticket's comments carry, uploaded before its import;
//   - before creating, a listing or a count per kind, and, when the account
//     holds records of the kind, users by show_many and tickets by the
//     export or one by one (adoption);
//   - job polls: apply's workers send batches a round at a time, and the
//     client polls every pending job in one request, first when jobs are
//     expected to be done, then backing off (zendesk/jobs.go). Polls
//     depend on time, so they are modelled from JobTime.
//
// Assumed, and said with the estimate: the account holds what the
// checkpoint says kzmap wrote, and nothing else; a bulk job takes JobTime;
// no 429 at the plan's share (TooManyShare); a file the snapshot did not
// stage is not uploaded (an export directory's files are all counted).
// `kzmap apply` without a plan file first reads back what the checkpoint
// holds (apply.Refresh): that is RefreshRequests, apart from the total.

// JobTime is how long a bulk job of up to 100 records is assumed to take at
// Zendesk, from its request to its end. Zendesk documents no figure; the
// benchmarks (bench/) simulate this.
const JobTime = 6 * time.Second

// TooManyShare is the share of requests assumed to be answered 429 and
// sent again: none were at the default share of 0.8 in the benchmarks
// (bench/RESULTS.md §1 and §9), since the limiter paces below the limit.
const TooManyShare = 0.0

// ApplyWorkers is how many batches apply keeps in flight unless told
// otherwise (apply.Options.Workers, kzmap apply --workers); the estimate
// times its rounds of jobs by it.
const ApplyWorkers = 6

// The client's job poll cadence, which the estimate follows.
const (
	pollMin = zendesk.DefaultPollMin
	pollMax = zendesk.DefaultPollMax
)

// Estimate terms: what requests are for.
const (
	termUploads     = "attachment uploads"
	termHelpCenter  = "help center writes"
	termObjects     = "custom object schemas"
	termFields      = "fields"
	termGroups      = "groups"
	termLookups     = "look-ups"
	termPolls       = "job polls"
	termUpdates     = "ticket updates"
	termAppends     = "comments appended"
	termRetire      = "ticket deletes and purges"
	termRetries     = "retries after 429"
	termPreflight   = "preflight"
	termTicketBulk  = "ticket imports"
	termUserBulk    = "user imports"
	termOrgBulk     = "organization imports"
	termMemberBulk  = "group memberships"
	termRecordBulk  = "custom object records"
	termOrgUpdates  = "organization updates"
	termUserUpdates = "user updates"
)

// staged is the part of a snapshot that knows which attachment files it
// holds (snapshot.Store); an export directory does not say.
type staged interface {
	AttachmentPath(id string) (path string, size int64, ok bool, err error)
}

// counter is the part of a checkpoint that counts its records
// (checkpoint.Store).
type counter interface {
	Count(kind string) (int, error)
}

// estimator counts, while the plan is made, what each kind's operations
// will need; finish turns the counts into requests and time.
type estimator struct {
	snap    Snapshot
	cp      Checkpoint
	n       map[kind.Kind]map[kind.Action]int
	records map[string]int // custom object → records written (bulk, per object)
	// objectFields are the fields of the custom objects created.
	objectFields int
	// uploads are the files tickets carry that apply uploads; lost those
	// the snapshot does not hold, which go in as a note instead.
	uploads, lost int
	comments      int // comments appended, one ticket update each
	notes         int // appends with files lost: one more update says so
	unwritable    map[kind.Kind]int
}

func newEstimator(snap Snapshot, cp Checkpoint) *estimator {
	return &estimator{snap: snap, cp: cp, n: map[kind.Kind]map[kind.Action]int{}, records: map[string]int{}, unwritable: map[kind.Kind]int{}}
}

func (e *estimator) add(op planfile.Op, d *Desired) {
	switch op.Action {
	case kind.Noop:
		return
	case kind.Unwritable:
		// Never sent, but counted among the changes apply expects of a
		// kind (which decides how tickets are looked up).
		e.unwritable[op.Kind]++
		return
	}
	if e.n[op.Kind] == nil {
		e.n[op.Kind] = map[kind.Action]int{}
	}
	e.n[op.Kind][op.Action]++
	switch op.Kind {
	case kind.CustomObject:
		if op.Action == kind.Create {
			fields, _ := d.Payload["fields"].([]any)
			e.objectFields += len(fields)
		}
	case kind.CustomObjectRecord:
		obj, _ := d.Payload["object"].(string)
		e.records[obj]++
	case kind.Ticket:
		switch op.Action {
		case kind.Create, kind.Replace:
			e.files(d.Comments)
		case kind.AppendComments:
			want := map[string]bool{}
			for _, k := range op.NewComments {
				want[k] = true
			}
			var add []Comment
			for _, c := range d.Comments {
				if want[c.Key] {
					add = append(add, c)
				}
			}
			e.comments += len(add)
			if e.files(add) > 0 {
				e.notes++ // the note that names the files missing
			}
		}
	}
}

// files counts the uploads of a ticket's comments as engine/render's
// CommentFiles lists them (its attachments and the inline images its HTML
// shows, each once a ticket, and the body when it goes as a file);
// TestEstimateUploadsAsRendered holds the two together.
func (e *estimator) files(comments []Comment) (lost int) {
	seen := map[string]bool{}
	for _, c := range comments {
		ids := dsl.Strings(c.Payload["attachments"])
		for _, id := range InlineRefs(str(c.Payload, "html_body")) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if e.held(id) {
				e.uploads++
			} else {
				e.lost++
				lost++
			}
		}
		if b, _ := c.Payload["attach_body"].(bool); b {
			e.uploads++
		}
	}
	return lost
}

// held says whether apply will find the attachment's file to upload. A
// staged file that is damaged (an error) stops apply, which the estimate
// cannot count: it is not uploaded.
func (e *estimator) held(id string) bool {
	s, ok := e.snap.(staged)
	if !ok {
		return true
	}
	_, size, ok, err := s.AttachmentPath(id)
	return err == nil && ok && size <= zendesk.MaxUploadBytes
}

// held is what the checkpoint says Zendesk holds, by kind.
func (e *estimator) holds() map[kind.Kind]int {
	out := map[kind.Kind]int{}
	c, ok := e.cp.(counter)
	if !ok || e.cp == nil {
		return out
	}
	for _, k := range kind.All {
		if n, err := c.Count(string(k)); err == nil {
			out[k] = n
		}
	}
	return out
}

// terms adds up requests by term, with what each is made of.
type terms struct {
	n      map[string]int
	detail map[string][]string
}

func (t *terms) add(term string, n int, detail string, args ...any) {
	if n == 0 {
		return
	}
	t.n[term] += n
	if detail != "" {
		t.detail[term] = append(t.detail[term], fmt.Sprintf(detail, args...))
	}
}

// phase is one kind's part of the apply, for its time.
type phase struct {
	kind     kind.Kind
	requests int // paced at the account's share, the two below included
	updates  int // ticket updates, also paced at their own limit
	exports  int // export pages, also paced at theirs
	// rounds of jobs: batches go out ApplyWorkers at a time, each job of a
	// batch after the one before (chain: a replace imports, deletes, then
	// purges).
	batches, chain int
}

// polls follows the zendesk client's job tracker (zendesk/jobs.go) for
// one round of jobs sent together: the first poll est after they were
// sent, then PollMin doubling up to PollMax while they run; est is
// smoothed towards how long jobs took.
type polls struct{ est time.Duration }

func (p *polls) round() (n int, took time.Duration) {
	at, idle := p.est, 0
	for n = 1; at < JobTime; n++ {
		idle++
		at += min(pollMin<<idle, pollMax)
	}
	p.est = (3*p.est + at) / 4
	return n, at
}

func batches(n int) int { return (n + zendesk.MaxBatch - 1) / zendesk.MaxBatch }

func (e *estimator) finish(cfg *dsl.Config) planfile.Estimate {
	held := e.holds()
	t := &terms{n: map[string]int{}, detail: map[string][]string{}}
	var phases []phase
	lookups, more := 0, 0
	count := func(k kind.Kind, a kind.Action) int { return e.n[k][a] }
	some := false
	for _, k := range kind.All {
		if len(e.n[k]) == 0 {
			continue
		}
		some = true
		ph := phase{kind: k}
		req := func(term string, n int, detail string, args ...any) {
			t.add(term, n, detail, args...)
			ph.requests += n
		}
		look := func(n int, detail string, args ...any) {
			req(termLookups, n, detail, args...)
			lookups += n
		}
		bulk := func(term string, n int, what string) {
			if n > 0 {
				b := batches(n)
				req(term, b, "%d %s in %s", n, what, plural(b, "job"))
				ph.batches += b
				ph.chain = max(ph.chain, 1)
			}
		}
		switch k {
		case kind.OrganizationField, kind.UserField, kind.TicketField:
			c, u := count(k, kind.Create), count(k, kind.Update)
			// Each field is looked up before it is created: the account's
			// list of the kind, a page per 100 fields.
			pages := 0
			for i := range c {
				pages += 1 + (held[k]+i)/zendesk.MaxBatch
			}
			look(pages, "the %s list before each of %d is created", noun(k), c)
			if c > 0 {
				req(termFields, c, "%s created", plural(c, noun(k)))
			}
			if u > 0 {
				req(termFields, 2*u, "%s updated (read, then written)", plural(u, noun(k)))
			}
		case kind.Organization:
			if c := count(k, kind.Create); c > 0 {
				look(1+held[k]/zendesk.MaxBatch, "the organizations listed once")
				bulk(termOrgBulk, c, "created")
			}
			req(termOrgUpdates, count(k, kind.Update), "one request each")
		case kind.User:
			if c := count(k, kind.Create); c > 0 {
				look(1, "users counted once")
				if held[k] > 0 {
					look(batches(c), "users by external id, a request per 100 created")
				} else {
					more += batches(c)
				}
				bulk(termUserBulk, c, "created")
			}
			bulk(termUserUpdates, count(k, kind.Update), "updated")
		case kind.Group:
			if c := count(k, kind.Create); c > 0 {
				look(1+(held[k]+1)/zendesk.MaxBatch, "the groups listed once")
			}
			req(termGroups, count(k, kind.Create)+count(k, kind.Update), "one request each")
		case kind.GroupMembership:
			if c := count(k, kind.Create); c > 0 {
				look(1+held[k]/zendesk.MaxBatch, "the memberships listed once")
				bulk(termMemberBulk, c, "created")
			}
		case kind.CustomObject:
			c, u := count(k, kind.Create), count(k, kind.Update)
			look(c+u, "the objects listed before each is written")
			if c > 0 {
				req(termObjects, c+e.objectFields, "%s and their %s", plural(c, "object"), plural(e.objectFields, "field"))
			}
			if u > 0 {
				req(termObjects, 2*u, "%s updated, their fields listed", plural(u, "object"))
			}
		case kind.Ticket:
			c, rp, del := count(k, kind.Create), count(k, kind.Replace), count(k, kind.Delete)
			if c > 0 {
				look(1, "tickets counted once")
				switch pages, have := (held[k]+zendesk.ExportPage-1)/zendesk.ExportPage, held[k]; {
				case have == 0:
					more += c
				case pages < c+rp+del+count(k, kind.Update)+count(k, kind.AppendComments)+e.unwritable[k]:
					look(pages, "the account's tickets exported once, %d a page", zendesk.ExportPage)
					ph.exports += pages
				default:
					look(c, "each ticket looked up by external id")
				}
			}
			req(termUploads, e.uploads, "the files of %s", plural(c+rp+count(k, kind.AppendComments), "ticket"))
			bulk(termTicketBulk, c, "created")
			if rp > 0 {
				bulk(termTicketBulk, rp, "replaced")
				ph.chain = 3
			}
			if rp+del > 0 {
				b := 2 * (batches(rp) + batches(del))
				req(termRetire, b, "a delete and a purge job per 100")
				if del > 0 {
					ph.batches += batches(del)
					ph.chain = max(ph.chain, 2)
				}
			}
			u := count(k, kind.Update)
			req(termUpdates, u, "one request each")
			req(termAppends, e.comments+e.notes, "one ticket update each, and a note on %s with files missing", plural(e.notes, "ticket"))
			ph.updates += u + e.comments + e.notes
		case kind.HCCategory, kind.HCSection, kind.HCArticle, kind.HCAttachment, kind.HCTranslation:
			// One request a record: the Help Center has no bulk writes. A
			// category's update is two (its position, then its name in
			// its translation).
			c, u, d := count(k, kind.Create), count(k, kind.Update), count(k, kind.Delete)
			if k == kind.HCCategory && c > 0 {
				look(1, "the Help Center's categories listed once (is there anything to adopt?)")
			}
			if k == kind.HCArticle && c+u > 0 {
				look(2, "the permission groups and user segments, once")
			}
			perUpdate := 1
			if k == kind.HCCategory {
				perUpdate = 2
			}
			req(termHelpCenter, c+perUpdate*u+d, "%s: %d created, %d updated, %d deleted", noun(k), c, u, d)
		case kind.CustomObjectRecord:
			for _, obj := range sortedKeys(e.records) {
				if b := batches(e.records[obj]); b > 0 {
					req(termRecordBulk, b, "%d of %s", e.records[obj], obj)
					ph.batches += b
					ph.chain = 1
				}
			}
		}
		phases = append(phases, ph)
	}
	if !some {
		return planfile.Estimate{RequestsPerMin: float64(cfg.Target.RateLimit) * cfg.Target.Share}
	}
	// Before the first write: who imports (the credentials), and room for
	// the custom objects the plan creates.
	pre := 1
	if count(kind.CustomObject, kind.Create) > 0 {
		pre++
	}
	t.add(termPreflight, pre, "")

	rate := float64(cfg.Target.RateLimit) * cfg.Target.Share // per minute
	if rate <= 0 {
		rate = math.Inf(1) // no limit known: the waits alone
	}
	p := &polls{est: pollMin}
	var paced, wait time.Duration
	for i := range phases {
		ph := &phases[i]
		if ph.batches > 0 {
			rounds := (ph.batches + ApplyWorkers - 1) / ApplyWorkers
			n, last := 0, time.Duration(0)
			for range rounds * ph.chain {
				m, took := p.round()
				n += m
				last = took
			}
			t.add(termPolls, n, "%s: %s of %s", noun(ph.kind), plural(ph.batches, "job"), plural(rounds*ph.chain, "round"))
			ph.requests += n
			// The phase ends when its last round of jobs has: the rounds
			// before it overlap with sending.
			wait += time.Duration(ph.chain) * last
		}
		d := minutes(float64(ph.requests) / rate)
		if ph.updates > 0 {
			d = max(d, minutes(float64(ph.updates)/(zendesk.TicketUpdatesPerMinute*cfg.Target.Share)))
		}
		if ph.exports > 1 {
			d = max(d, minutes(float64(ph.exports-1)/(zendesk.ExportsPerMinute*cfg.Target.Share)))
		}
		paced += d
	}
	total := 0
	for _, n := range t.n {
		total += n
	}
	if retries := int(math.Ceil(float64(total) * TooManyShare / (1 - TooManyShare))); retries > 0 {
		t.add(termRetries, retries, "")
		total += retries
		paced += minutes(float64(retries) / rate)
	}
	paced += minutes(float64(pre) / rate)

	est := planfile.Estimate{ZendeskRequests: total, Lookups: lookups, LookupsMore: more, RequestsPerMin: float64(cfg.Target.RateLimit) * cfg.Target.Share,
		JobSeconds: JobTime.Seconds(), WaitSeconds: tenths(wait.Seconds()), LostFiles: e.lost}
	est.Seconds = tenths((paced + wait).Seconds())
	est.Minutes = tenths(est.Seconds / 60)
	for term, n := range t.n {
		est.Terms = append(est.Terms, planfile.EstimateTerm{Term: term, Requests: n, Detail: strings.Join(t.detail[term], "; ")})
	}
	slices.SortFunc(est.Terms, func(a, b planfile.EstimateTerm) int {
		if a.Requests != b.Requests {
			return b.Requests - a.Requests
		}
		return strings.Compare(a.Term, b.Term)
	})
	est.RefreshRequests, est.RefreshSeconds = refreshCost(held, e.articlesWithAttachments(), cfg)
	est.RefreshSeconds = tenths(est.RefreshSeconds)
	return est
}

// refreshCost is what apply.Refresh reads back before `kzmap apply`
// plans: users and organizations by show_many (100 a request), groups and
// memberships listed, tickets through engine/readback (a count, then the
// export when its pages are fewer than show_many's, else show_many).
// hcListPage is how many records a Help Center list page holds (the
// client asks for the most).
const hcListPage = 100

// articlesWithAttachments counts the Help Center articles the checkpoint
// holds attachments of: a refresh lists each one's attachments.
func (e *estimator) articlesWithAttachments() int {
	l, ok := e.cp.(interface {
		ForEach(kind string, fn func(key string, e checkpoint.Entry) error) error
	})
	if !ok || e.cp == nil {
		return 0
	}
	arts := map[string]bool{}
	l.ForEach(string(kind.HCAttachment), func(key string, _ checkpoint.Entry) error {
		if i := strings.LastIndexByte(key, '/'); i > 0 {
			arts[key[:i]] = true
		}
		return nil
	})
	return len(arts)
}

func refreshCost(held map[kind.Kind]int, attArticles int, cfg *dsl.Config) (int, float64) {
	n, exports := 0, 0
	// The Help Center: its lists, and each article's translations and
	// attachments.
	for _, k := range []kind.Kind{kind.HCCategory, kind.HCSection, kind.HCArticle} {
		if h := held[k]; h > 0 {
			n += (h + hcListPage - 1) / hcListPage
		}
	}
	if held[kind.HCTranslation] > 0 {
		n += held[kind.HCArticle]
	}
	n += attArticles
	n += batches(held[kind.Organization]) + batches(held[kind.User])
	if g := held[kind.Group]; g > 0 {
		n += 1 + (g+1)/zendesk.MaxBatch
	}
	if m := held[kind.GroupMembership]; m > 0 {
		n += 1 + m/zendesk.MaxBatch
	}
	if tk := held[kind.Ticket]; tk > 0 {
		n++ // the count
		if pages := (tk + zendesk.ExportPage - 1) / zendesk.ExportPage; pages < batches(tk) {
			n += pages
			exports = pages
		} else {
			n += batches(tk)
		}
	}
	rate := float64(cfg.Target.RateLimit) * cfg.Target.Share
	if n == 0 || rate <= 0 {
		return n, 0
	}
	d := minutes(float64(n) / rate)
	if exports > 1 {
		d += minutes(float64(exports-1) / (zendesk.ExportsPerMinute * cfg.Target.Share))
	}
	return n, d.Seconds()
}

// noun names a kind in words: "ticket field".
func noun(k kind.Kind) string { return strings.ReplaceAll(string(k), "_", " ") }

func tenths(x float64) float64 { return math.Round(x*10) / 10 }

func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %s", n, builtin.Pluralize(what))
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
