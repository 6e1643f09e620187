package verify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/engine/readback"
	"github.com/kzmap/kzmap/zendesk"
)

// DefaultSample is how many random records of each kind are compared when
// Options.Sample is zero.
const DefaultSample = 20

// defaultMaxListed bounds the differences listed per kind and category;
// the counts stay exact.
const defaultMaxListed = 100

// Options configure Run.
type Options struct {
	Config   *dsl.Config
	Snapshot engine.Snapshot
	Store    *checkpoint.Store
	Client   *zendesk.Client
	// Files, when set, gives the attachment files apply uploaded (their
	// names and sizes). Without it, names and sizes come from the
	// snapshot's attachment records.
	Files apply.Files
	// ReadBack is how tickets are read back (engine/readback; Auto picks
	// the cheaper way).
	ReadBack readback.Mode
	// Sample is how many random records of each kind are compared field
	// by field, besides the ugliest ones (0: DefaultSample; negative: no
	// random records).
	Sample int
	// Seed picks the random records; 0 picks one from the clock. The
	// report carries the seed, so a run can be repeated exactly.
	Seed int64
	// BaseURL is the Zendesk account's address, for links to records.
	BaseURL string
	// MaxListed bounds the differences listed per kind and category
	// (default 100); the counts are always exact.
	MaxListed int
}

// Report is what verify found.
type Report struct {
	Seed int64 `json:"seed"`
	// Sample is the number of random records compared per kind.
	Sample int `json:"sample"`
	// ZendeskURL is the account's address (links are made from it).
	ZendeskURL string      `json:"zendesk_url,omitempty"`
	Kinds      []KindCount `json:"kinds"`
	// HelpCenterLocales counts the migrated articles per locale, when
	// the mapping writes the Help Center (helpcenter.go).
	HelpCenterLocales []LocaleCount `json:"help_center_locales,omitempty"`
	// Compared lists the records compared field by field, and why each
	// was chosen.
	Compared []Compared `json:"compared"`
	// Differences make verify fail; Notes are known, stated losses (an
	// attachment Kustomer did not have, a record the mapping cannot
	// write) that plan and apply already reported: every one, sampled or
	// not (losses.go says where the lost files are found).
	Differences []Difference `json:"differences"`
	Notes       []Difference `json:"notes,omitempty"`
	// Unlisted counts the differences left out of Differences.
	Unlisted int `json:"unlisted,omitempty"`
	// Elapsed is how long verify took.
	Elapsed time.Duration `json:"elapsed_ns"`
	// MaxListed is the most differences listed per kind and category.
	MaxListed int `json:"max_listed"`
}

// KindCount is one kind counted three ways.
type KindCount struct {
	Kind kind.Kind `json:"kind"`
	// Desired is the writable records the mapping makes of the snapshot.
	Desired int `json:"desired"`
	// Unwritable is the records the mapping makes but Zendesk cannot take.
	Unwritable int `json:"unwritable"`
	// Checkpoint is the records the checkpoint says were written.
	Checkpoint int `json:"checkpoint"`
	// Zendesk is the checkpoint's records found when read back.
	Zendesk int `json:"zendesk"`
	// MissingInZendesk is the checkpoint's records Zendesk does not have.
	MissingInZendesk int `json:"missing_in_zendesk"`
	// NotInCheckpoint is the desired records never written (dead letters
	// aside).
	NotInCheckpoint int `json:"not_in_checkpoint"`
	// DeadLetters is the records Zendesk refused.
	DeadLetters int `json:"dead_letters"`
	// Outdated is the records written whose mapping or data changed since.
	Outdated int `json:"outdated"`
	// NotDesired is the checkpoint's records the mapping no longer makes.
	NotDesired int `json:"not_desired"`
	// Compared is the records compared field by field.
	Compared int `json:"compared"`
	// Differences counts this kind's differences, listed or not.
	Differences int `json:"differences"`

	inCheckpoint int // desired records found in the checkpoint
}

// Compared is one record compared field by field.
type Compared struct {
	Kind      kind.Kind `json:"kind"`
	Key       string    `json:"key"`
	ZendeskID string    `json:"zendesk_id"`
	// Name is what a reader knows the record by: a ticket's subject, a
	// user's or organization's name, a field's title (refs.title).
	Name string `json:"name,omitempty"`
	// Requester names a ticket's requester, as Kustomer calls them.
	Requester string `json:"requester,omitempty"`
	// Why says how it was chosen: "random", "most comments (812)", ...
	Why         []string `json:"why"`
	URL         string   `json:"url,omitempty"`
	Differences int      `json:"differences"`
}

// Difference is one thing that is not as the mapping says, in words.
type Difference struct {
	Kind      kind.Kind `json:"kind"`
	Key       string    `json:"key,omitempty"`
	ZendeskID string    `json:"zendesk_id,omitempty"`
	// Name is the record's subject or name, when verify read it.
	Name string `json:"name,omitempty"`
	// What is the category: missing_in_zendesk, not_in_checkpoint,
	// dead_letter, outdated, field, comment, attachment, unlisted; for a
	// Help Center translation also body (its text), image and link; for
	// notes: unwritable, attachment_missing, not_desired, not_checked.
	What string `json:"what"`
	// Field names what differs: "subject", "comment 4 author", ...
	Field string `json:"field,omitempty"`
	Got   string `json:"got,omitempty"`
	Want  string `json:"want,omitempty"`
	// Message is the whole difference in plain words, record named.
	Message string `json:"message"`
	URL     string `json:"url,omitempty"`

	seq int
}

// OK reports whether verify found no difference.
func (r *Report) OK() bool { return len(r.Differences) == 0 && r.Unlisted == 0 }

// Total sums the counts of every kind.
func (r *Report) Total() KindCount {
	var t KindCount
	for _, k := range r.Kinds {
		t.Desired += k.Desired
		t.Unwritable += k.Unwritable
		t.Checkpoint += k.Checkpoint
		t.Zendesk += k.Zendesk
		t.MissingInZendesk += k.MissingInZendesk
		t.NotInCheckpoint += k.NotInCheckpoint
		t.DeadLetters += k.DeadLetters
		t.Outdated += k.Outdated
		t.NotDesired += k.NotDesired
		t.Compared += k.Compared
		t.Differences += k.Differences
	}
	t.Kind = "total"
	return t
}

// Summary is the report in one sentence.
func (r *Report) Summary() string {
	t := r.Total()
	s := fmt.Sprintf("Verified %d records in Zendesk against the checkpoint and the mapping; compared %d field by field", t.Zendesk, t.Compared)
	if r.OK() {
		return s + ": no differences."
	}
	records := map[string]bool{}
	listed := 0
	for _, d := range r.Differences {
		if d.What != "unlisted" {
			records[string(d.Kind)+"\x00"+d.Key] = true
			listed++
		}
	}
	n := listed + r.Unlisted
	return fmt.Sprintf("%s: %d %s (%d listed, in %d %s).", s, n, plural(n, "difference", "differences"), listed, len(records), plural(len(records), "record", "records"))
}

// Hints says where to look next, for the kinds of differences found.
func (r *Report) Hints() []string {
	seen := map[string]bool{}
	for _, d := range r.Differences {
		seen[d.What] = true
	}
	var out []string
	if seen["missing_in_zendesk"] {
		out = append(out, "Missing in Zendesk: deleted there after apply? kzmap state show KIND KEY names the batch that wrote a record, and kzmap state batch ID what that batch created.")
	}
	if seen["not_in_checkpoint"] {
		out = append(out, "Not written: kzmap plan shows these records as creates, and kzmap apply writes them.")
	}
	if seen["dead_letter"] {
		out = append(out, "Refused by Zendesk: kzmap state dead-letters gives each reason; fix the mapping or the data, then kzmap apply --retry-dead-letters.")
	}
	if seen["outdated"] {
		out = append(out, "Changed since apply: kzmap plan shows the updates, and kzmap apply writes them.")
	}
	if seen["field"] || seen["comment"] || seen["attachment"] {
		out = append(out, "Field, comment and attachment differences: open the record in Zendesk (the HTML report links to it); it may have been edited there after import. kzmap state show KIND KEY says when kzmap wrote it, and in which batch.")
	}
	if seen["body"] || seen["image"] || seen["link"] {
		out = append(out, "Help Center body, image and link differences: open the article in Guide (the HTML report links to its page); it may have been edited there after apply, or what it shows or links to deleted or archived since. kzmap state show hc_translation KEY says when kzmap wrote it.")
	}
	if r.Unlisted > 0 {
		out = append(out, fmt.Sprintf("%d differences are not listed (at most %d per kind and category); the counts include them.", r.Unlisted, r.MaxListed))
	}
	out = append(out, fmt.Sprintf("Run kzmap verify --seed %d to compare the same random records again, or --sample N to compare more.", r.Seed))
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Run verifies what apply wrote: counts per kind, then the sample.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Sample == 0 {
		opts.Sample = DefaultSample
	}
	if opts.Sample < 0 {
		opts.Sample = 0
	}
	if opts.Seed == 0 {
		opts.Seed = time.Now().UnixNano()%1_000_000 + 1
	}
	if opts.MaxListed <= 0 {
		opts.MaxListed = defaultMaxListed
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	r := newRunner(opts)
	if err := r.loadDeadLetters(); err != nil {
		return nil, err
	}
	if err := r.pass(ctx); err != nil {
		return nil, err
	}
	if err := r.readBack(ctx); err != nil {
		return nil, err
	}
	me, err := opts.Client.Me(ctx)
	if err != nil {
		return nil, fmt.Errorf("asking Zendesk who the importing admin is: %w", err)
	}
	r.me = me.ID
	if err := r.compareSamples(ctx); err != nil {
		return nil, err
	}
	if err := r.knownLosses(ctx); err != nil {
		return nil, err
	}
	rep := r.finish()
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// runner holds one verification's state.
type runner struct {
	opts   Options
	counts map[kind.Kind]*KindCount
	dead   map[string]checkpoint.DeadLetter // kind \x00 key
	smp    *sampler
	refs   *refs
	snap   getter // nil when the snapshot cannot look records up

	diffs    []Difference
	notes    []Difference
	listed   map[string]int // kind \x00 what → differences listed
	unlisted map[string]int // kind \x00 what → differences not listed
	seq      int

	records    map[string][]pendingRecord // object key → records to read back
	notChecked map[string]int

	picked    map[string]*candidate // kind \x00 key → record to compare
	pickOrder []*candidate
	found     map[string]any         // kind \x00 key → the Zendesk record read back
	losses    map[string]*lossTicket // ticket key → what it says was lost
	batchOps  map[string]string      // batch id → op
	me        int64                  // the importing admin: the credentials' user
	hc        *hcState               // what was read of the Help Center; nil when the mapping writes none
}

// getter reads one raw resource; both snapshots have it.
type getter interface {
	Get(typ, id string) ([]byte, bool, error)
}

func newRunner(opts Options) *runner {
	r := &runner{opts: opts, counts: map[kind.Kind]*KindCount{}, dead: map[string]checkpoint.DeadLetter{},
		listed: map[string]int{}, unlisted: map[string]int{}, records: map[string][]pendingRecord{}, notChecked: map[string]int{}, batchOps: map[string]string{}}
	r.snap, _ = opts.Snapshot.(getter)
	r.refs = newRefs(opts.Store, r.snap)
	r.smp = newSampler(opts.Sample, opts.Seed, r.snap)
	hc := writesHelpCenter(opts.Config)
	if hc {
		r.hc = newHCState()
	}
	for _, k := range kind.All { // comments are checked with their tickets
		if !k.HelpCenter() || hc { // the Help Center's when the mapping has it
			r.counts[k] = &KindCount{Kind: k}
		}
	}
	return r
}

func (r *runner) count(k kind.Kind) *KindCount {
	kc := r.counts[k]
	if kc == nil {
		kc = &KindCount{Kind: k}
		r.counts[k] = kc
	}
	return kc
}

func (r *runner) loadDeadLetters() error {
	dls, err := r.opts.Store.DeadLetters()
	if err != nil {
		return err
	}
	for _, d := range dls {
		r.dead[string(d.Kind)+"\x00"+d.Key] = d
		r.count(kind.Kind(d.Kind)).DeadLetters++
		r.add(Difference{Kind: kind.Kind(d.Kind), Key: d.Key, What: "dead_letter",
			Message: fmt.Sprintf("%s: Zendesk refused it (%d attempts): %s", d.Key, d.Attempts, d.Error)})
	}
	return nil
}

// pass evaluates the mapping over the snapshot, as plan does, and holds
// every desired record against the checkpoint: counted, sampled, and
// custom object records read back by external id on the way.
func (r *runner) pass(ctx context.Context) error {
	gen := engine.NewGenerator(r.opts.Config, r.opts.Snapshot).Known(r.opts.Store)
	err := gen.Run(ctx, func(d *engine.Desired) error {
		kc := r.count(d.Kind)
		if d.Deleted != "" {
			return r.deletedInKustomer(d)
		}
		if d.Unwritable != "" {
			kc.Unwritable++
			r.note(Difference{Kind: d.Kind, Key: d.Key, What: "unwritable", Message: fmt.Sprintf("%s: cannot be written to Zendesk: %s", d.Key, d.Unwritable)})
			return nil
		}
		kc.Desired++
		r.desiredHC(d)
		e, ok, err := r.opts.Store.Get(string(d.Kind), d.Key)
		if err != nil {
			return err
		}
		if !ok {
			if _, dead := r.dead[string(d.Kind)+"\x00"+d.Key]; dead {
				return nil // listed with the dead letters
			}
			kc.NotInCheckpoint++
			r.add(Difference{Kind: d.Kind, Key: d.Key, What: "not_in_checkpoint",
				Message: d.Key + ": not written to Zendesk (the checkpoint has no record of it; kzmap plan shows it as a create)"})
			return nil
		}
		kc.inCheckpoint++
		current := e.Hash == d.Hash()
		if !current {
			kc.Outdated++
			r.add(Difference{Kind: d.Kind, Key: d.Key, ZendeskID: e.ZendeskID, What: "outdated", URL: r.url(d.Kind, e.ZendeskID, d),
				Message: r.label(d.Kind, d.Key, e.ZendeskID) + ": the mapping or the Kustomer data changed since it was written (kzmap plan shows it as an update)"})
		}
		if d.Kind == kind.CustomObjectRecord {
			if err := r.queueRecord(ctx, d, e); err != nil {
				return err
			}
		}
		if current {
			r.smp.offer(d, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, obj := range slices.Sorted(maps.Keys(r.records)) {
		if err := r.flushRecords(ctx, obj); err != nil {
			return err
		}
	}
	for _, kc := range r.counts {
		n, err := r.opts.Store.Count(string(kc.Kind))
		if err != nil {
			return err
		}
		kc.Checkpoint = n
		if kc.NotDesired = n - kc.inCheckpoint; kc.NotDesired > 0 {
			r.note(Difference{Kind: kc.Kind, What: "not_desired",
				Message: fmt.Sprintf("%d %s records in the checkpoint are no longer made by the mapping (deleted in Kustomer, or filtered out by the mapping since)", kc.NotDesired, kc.Kind)})
		}
	}
	return nil
}

// add records a difference, listing at most MaxListed per kind and
// category.
func (r *runner) add(d Difference) {
	r.count(d.Kind).Differences++
	k := string(d.Kind) + "\x00" + d.What
	if r.listed[k] >= r.opts.MaxListed {
		r.unlisted[k]++
		return
	}
	r.listed[k]++
	r.seq++
	d.seq = r.seq
	r.diffs = append(r.diffs, d)
}

func (r *runner) note(d Difference) {
	if len(r.notes) >= r.maxNotes() {
		return
	}
	r.seq++
	d.seq = r.seq
	r.notes = append(r.notes, d)
}

// maxNotes bounds the notes listed.
func (r *runner) maxNotes() int { return 10 * r.opts.MaxListed }

// label names a record in messages: its key and its Zendesk id.
func (r *runner) label(k kind.Kind, key, zid string) string {
	if zid == "" {
		return key
	}
	switch k {
	case kind.Ticket:
		return fmt.Sprintf("%s (Zendesk #%s)", key, zid)
	case kind.GroupMembership:
		return fmt.Sprintf("%s (Zendesk membership %s)", key, zid)
	case kind.CustomObject:
		return fmt.Sprintf("%s (Zendesk object %s)", key, zid)
	case kind.CustomObjectRecord:
		return fmt.Sprintf("%s (Zendesk record %s)", key, zid)
	case kind.HCCategory, kind.HCSection, kind.HCArticle, kind.HCAttachment, kind.HCTranslation:
		return fmt.Sprintf("%s (Help Center %s %s)", key, strings.TrimPrefix(string(k), "hc_"), zid)
	}
	return fmt.Sprintf("%s (Zendesk %s %s)", key, k, zid)
}

// url links to a record in Zendesk's agent interface, when it has a page.
func (r *runner) url(k kind.Kind, zid string, d *engine.Desired) string {
	if r.opts.BaseURL == "" || zid == "" {
		return ""
	}
	switch k {
	case kind.Ticket:
		return r.opts.BaseURL + "/agent/tickets/" + zid
	case kind.User:
		return r.opts.BaseURL + "/agent/users/" + zid
	case kind.Organization:
		return r.opts.BaseURL + "/agent/organizations/" + zid
	case kind.Group:
		return r.opts.BaseURL + "/admin/people/team/groups/" + zid
	case kind.CustomObjectRecord:
		if d != nil {
			if obj, _ := d.Payload["object"].(string); obj != "" {
				return r.opts.BaseURL + "/agent/custom-objects/" + obj + "/records/" + zid
			}
		}
	}
	return ""
}

// finish orders what was found: kinds in load order, then keys, then
// the order the checks ran in.
func (r *runner) finish() *Report {
	rep := &Report{Seed: r.opts.Seed, Sample: r.opts.Sample, ZendeskURL: r.opts.BaseURL, Compared: r.smp.compared, MaxListed: r.opts.MaxListed}
	kinds := slices.Collect(maps.Keys(r.counts))
	slices.SortFunc(kinds, func(a, b kind.Kind) int { return a.Index() - b.Index() })
	for _, k := range kinds {
		rep.Kinds = append(rep.Kinds, *r.counts[k])
	}
	rep.HelpCenterLocales = r.hcLocales()
	for _, k := range slices.Sorted(maps.Keys(r.unlisted)) {
		kn, what, _ := strings.Cut(k, "\x00")
		n := r.unlisted[k]
		rep.Unlisted += n
		r.seq++
		r.diffs = append(r.diffs, Difference{Kind: kind.Kind(kn), What: "unlisted", seq: r.seq,
			Message: fmt.Sprintf("… and %d more %s differences of kind %s, not listed (the counts above include them)", n, strings.ReplaceAll(what, "_", " "), kn)})
	}
	sortDiffs := func(ds []Difference) {
		sort.SliceStable(ds, func(i, j int) bool {
			a, b := ds[i], ds[j]
			if oa, ob := a.Kind.Index(), b.Kind.Index(); oa != ob {
				return oa < ob
			}
			if (a.What == "unlisted") != (b.What == "unlisted") {
				return b.What == "unlisted"
			}
			if a.Key != b.Key {
				return a.Key < b.Key
			}
			return a.seq < b.seq
		})
	}
	sortDiffs(r.diffs)
	sortDiffs(r.notes)
	rep.Differences, rep.Notes = r.diffs, r.notes
	if rep.Differences == nil {
		rep.Differences = []Difference{}
	}
	names := map[string]string{}
	for i := range rep.Compared {
		c := &rep.Compared[i]
		names[string(c.Kind)+"\x00"+c.Key] = c.Name
		for _, d := range rep.Differences {
			if d.Kind == c.Kind && d.Key == c.Key {
				c.Differences++
			}
		}
	}
	for _, ds := range [][]Difference{rep.Differences, rep.Notes} {
		for i := range ds {
			if d := &ds[i]; d.Name == "" && d.Key != "" {
				d.Name = names[string(d.Kind)+"\x00"+d.Key]
			}
		}
	}
	return rep
}
