package dataset

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Options says what Generate makes.
//
// The profiles differ in size and in how often the ugly cases occur on
// their own; each of them also plants every edge case but the huge
// conversation on a customer of its own, so with enough customers (one
// per planted case, 24) every Edge is present:
//
//   - small: 50 customers (~1,000 messages, ~1.3 MB, well under a second),
//     for unit tests; ugly cases rare beyond the planted ones.
//   - edge: 300 customers (~10,000 messages) with the ugly cases common,
//     plus a chat of more than 5,000 messages.
//   - large: 100,000 customers (~1.8 million messages, ~1.8 GB), ugly
//     cases at realistic rates.
//
// Each profile has a knowledge base of its own size, whatever Customers
// says: small 10 categories and 25 articles, edge 30 and 90 (with its odd
// cases), large 120 and MaxKBArticles.
type Options struct {
	// Profile is "small" (the default), "edge" or "large".
	Profile string
	// Seed fixes the output: the same options give the same bytes.
	Seed int64
	// Customers overrides the profile's number of customers when > 0.
	Customers int
	// Now is the dataset's "today", recorded in the manifest; every
	// timestamp but scheduled snoozes lies before it. Zero means
	// DefaultNow, never the wall clock.
	Now time.Time
	// Org is the Kustomer org name used in attachment URLs and agent
	// emails: lowercase letters, digits and hyphens; empty means "acme".
	Org string
}

// DefaultNow is the "today" of generated datasets unless Options.Now says
// otherwise.
var DefaultNow = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// ErrUnknownProfile is returned for a profile name Generate does not know.
var ErrUnknownProfile = errors.New("unknown profile")

// Summary tells what Generate wrote.
type Summary struct {
	Profile   string
	Seed      int64
	Customers int
	// Counts holds the number of resources written per type.
	Counts map[string]int
	// Files is the number of attachment files written; Bytes counts every
	// byte written (ndjson lines and files; not the manifest).
	Files int
	Bytes int64
	// Edges counts the records the generator made to show each edge case;
	// an edge case it did not make is absent. Fixed vocabulary may show
	// some by the way (a team named with an emoji) without being counted.
	Edges map[Edge]int
}

// Has reports whether the dataset contains edge case e.
func (s Summary) Has(e Edge) bool { return s.Edges[e] > 0 }

// profile holds a profile's size and how often each ugly case occurs on
// its own, besides the planted ones.
type profile struct {
	customers int
	huge      bool // plant the conversation of more than 5,000 messages
	boundary  bool // plant the conversation of bodies at the comment limit

	// per customer
	dupEmail, multiEmail, multiPhone, phoneOnly, noContact float64
	oddName                                                float64
	largeKObject                                           float64
	// per conversation
	multiAssignee, emptyConv, oddTag float64
	// per message
	longBody, previewOnly, oddText float64
	attach                         float64 // per message, more on email
	emptyBody                      float64 // per message with attachments
	missingFile                    float64 // per attachment
	maxMessages                    int     // the tail of natural conversation lengths
	// custom attributes: every suffix on conversations, and the share of
	// values that do not fit their suffix
	allSuffixes bool
	unfitCustom float64
	// the knowledge base (kb.go), the same whatever the customers
	kb kbProfile
}

var profiles = map[string]profile{
	"small": {
		customers: 50,
		dupEmail:  0.04, multiEmail: 0.10, multiPhone: 0.06, phoneOnly: 0.05, noContact: 0.02,
		oddName: 0.05, largeKObject: 0.01,
		multiAssignee: 0.04, emptyConv: 0.01, oddTag: 0.10,
		longBody: 0.001, emptyBody: 0.05, previewOnly: 0.005, oddText: 0.01,
		attach: 0.04, missingFile: 0.03, maxMessages: 60,
		kb: kbProfile{categories: 10, articles: 25},
	},
	"edge": {
		customers: 300, huge: true, boundary: true,
		dupEmail: 0.10, multiEmail: 0.15, multiPhone: 0.10, phoneOnly: 0.06, noContact: 0.04,
		oddName: 0.15, largeKObject: 0.05,
		multiAssignee: 0.08, emptyConv: 0.03, oddTag: 0.25,
		longBody: 0.003, emptyBody: 0.08, previewOnly: 0.005, oddText: 0.02,
		attach: 0.10, missingFile: 0.05, maxMessages: 400,
		allSuffixes: true, unfitCustom: 0.05,
		kb: kbProfile{categories: 30, articles: 90, odd: true},
	},
	"large": {
		customers: 100_000,
		dupEmail:  0.015, multiEmail: 0.07, multiPhone: 0.04, phoneOnly: 0.03, noContact: 0.01,
		oddName: 0.02, largeKObject: 0.002,
		multiAssignee: 0.02, emptyConv: 0.005, oddTag: 0.08,
		longBody: 0.0001, emptyBody: 0.03, previewOnly: 0.002, oddText: 0.005,
		attach: 0.012, missingFile: 0.005, maxMessages: 400,
		kb: kbProfile{categories: 120, articles: MaxKBArticles},
	},
}

// feat is a set of ugly cases planted on one customer (or carried by a
// piece of text).
type feat uint32

const (
	fShared feat = 1 << iota
	fCase
	fMultiEmail
	fMultiPhone
	fPhoneOnly
	fNoContact
	fMultiAssignee
	fDeletedAgent
	fEmptyConv
	fHuge
	fArchive
	fTags
	fLongBody
	fEmptyBody
	fPreviewOnly
	fInline
	fExternal
	fAttach
	fMissing
	fEmoji
	fRTL
	fCombining
	fZeroWidth
	fLargeKObject
	fBoundary
	fSharedOther
)

// planted lists the cases every profile plants on a customer of its own,
// identity cases first. The huge conversation is added for "edge".
var planted = []feat{
	fShared, fCase, fMultiEmail, fMultiPhone, fPhoneOnly, fNoContact,
	fMultiAssignee, fDeletedAgent, fEmptyConv, fTags, fLongBody, fEmptyBody,
	fPreviewOnly, fInline, fExternal, fAttach, fMissing, fEmoji, fRTL,
	fCombining, fZeroWidth, fLargeKObject, fSharedOther,
}

var unicodeEdges = [...]struct {
	f feat
	e Edge
}{{fEmoji, EdgeEmoji}, {fRTL, EdgeRTL}, {fCombining, EdgeCombining}, {fZeroWidth, EdgeZeroWidth}}

// Generate writes a synthetic Kustomer export to dir (see NewWriter) and
// returns what it wrote. The org's users, teams, companies, klasses and
// knowledge base come first; then customers are generated one at a time
// with their conversations, messages, notes, KObjects and attachments, so
// memory does not grow with the dataset. On error, and when ctx is
// cancelled, the directory is left without a manifest.
func Generate(ctx context.Context, opts Options, dir string) (Summary, error) {
	g, err := newGen(opts)
	if err != nil {
		return Summary{}, err
	}
	w, err := NewWriter(dir)
	if err != nil {
		return Summary{}, err
	}
	w.SetManifest(Manifest{Org: g.org, Now: time.UnixMilli(g.now).UTC()})
	g.w = w
	if err := g.run(ctx); err != nil {
		w.abort()
		return Summary{}, err
	}
	if err := w.Close(); err != nil {
		return Summary{}, err
	}
	return g.summary(), nil
}

// gen is one run of the generator.
type gen struct {
	opts Options
	p    profile
	w    *Writer
	org  string
	seed uint64
	n    int

	// Times in Unix milliseconds.
	now      int64
	importAt int64 // the day the org imported its first customers
	bulkAt   int64 // a bulk edit that set many updatedAt to one value
	archive  int64 // records updated before this are archive-only

	nImported int
	plan      map[int]feat

	src rand.PCG
	r   *rand.Rand
	// idSrc derives a customer's identity from its index alone, so another
	// customer can copy (or case-mangle) its email.
	idSrc rand.PCG
	idr   *rand.Rand

	orgData
	orgTitle string // "Acme", as the org signs its emails
	v        vars
	used     [4]usedLines
	e        enc
	sc       scratch
	png      png.Encoder
	edges    map[Edge]int
	// Records whose updatedAt is one shared instant.
	sameCustomers, bulkConversations int
}

const day = int64(24 * time.Hour / time.Millisecond)

func newGen(opts Options) (*gen, error) {
	name := opts.Profile
	if name == "" {
		name = "small"
	}
	p, ok := profiles[name]
	if !ok {
		return nil, fmt.Errorf("dataset: profile %q: %w (want small, edge or large)", opts.Profile, ErrUnknownProfile)
	}
	if opts.Customers < 0 {
		return nil, fmt.Errorf("dataset: customers must not be negative, got %d", opts.Customers)
	}
	opts.Profile = name
	n := p.customers
	if opts.Customers > 0 {
		n = opts.Customers
	}
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	org := opts.Org
	if org == "" {
		org = "acme"
	}
	if !validOrg(org) {
		return nil, fmt.Errorf("dataset: org %q: want lowercase letters, digits and hyphens, as in <org>.api.kustomerapp.com", opts.Org)
	}
	g := &gen{opts: opts, p: p, org: org, seed: uint64(opts.Seed), n: n, edges: map[Edge]int{}}
	g.orgTitle = strings.ToUpper(org[:1]) + org[1:]
	g.png.BufferPool = &pngPool{}
	g.png.CompressionLevel = png.BestSpeed
	g.r = rand.New(&g.src)
	g.idr = rand.New(&g.idSrc)
	g.now = opts.Now.UnixMilli()
	// Seven years of history, starting with an import at 09:00 on a whole day.
	g.importAt = floorDiv(g.now-7*365*day, day)*day + 9*3600_000
	g.bulkAt = floorDiv(g.now-120*day, day)*day + 2*3600_000
	g.archive = g.now - ArchiveAfterDays*day
	g.nImported = min(n, max(SameUpdatedAtRecords+2, n/10))
	return g, nil
}

func validOrg(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0) {
			return false
		}
	}
	return s != ""
}

func (g *gen) run(ctx context.Context) error {
	g.makePlan()
	if err := g.writeOrg(); err != nil {
		return err
	}
	if err := g.writeKB(); err != nil {
		return err
	}
	for i := 0; i < g.n; i++ {
		if i&63 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := g.customer(i); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// reseed points the main generator at customer i's own stream, so what a
// customer looks like depends only on the seed and its index.
func (g *gen) reseed(i int, salt uint64) {
	g.src.Seed(g.seed^salt, mix(uint64(i)))
}

// mix is splitmix64's finaliser: it spreads consecutive indexes over the
// whole 64-bit space before they seed a PCG stream.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const (
	saltPlan     = 0x706c616e
	saltOrg      = 0x6f7267
	saltCustomer = 0x63757374
	saltIdentity = 0x6964656e
)

// makePlan picks a distinct customer for each planted case (wrapping
// around when there are fewer customers than cases) and an imported, so
// old, customer for the archive-only conversation and the huge one.
func (g *gen) makePlan() {
	g.plan = map[int]feat{}
	if g.n == 0 {
		return
	}
	g.reseed(0, saltPlan)
	var order []int
	if g.n > 1 {
		// Index 0 is never planted: shared emails need an earlier customer.
		order = g.r.Perm(g.n - 1)
		for k := range order {
			order[k]++
		}
	} else {
		order = []int{0}
	}
	for k, f := range planted {
		g.plan[order[k%len(order)]] |= f
	}
	old := g.r.IntN(g.nImported)
	g.plan[old] |= fArchive
	if g.p.huge {
		g.plan[g.r.IntN(g.nImported)] |= fHuge
	}
	if g.p.boundary {
		g.plan[order[len(planted)%len(order)]] |= fBoundary
	}
}

func (g *gen) edge(e Edge, n int) {
	if n > 0 {
		g.edges[e] += n
	}
}

func (g *gen) summary() Summary {
	for _, n := range []int{g.sameCustomers, g.bulkConversations} {
		if n >= SameUpdatedAtRecords {
			g.edge(EdgeSameUpdatedAt, n)
		}
	}
	s := Summary{
		Profile: g.opts.Profile, Seed: g.opts.Seed, Customers: g.n,
		Counts: map[string]int{}, Files: g.w.nfiles, Bytes: g.w.bytes, Edges: g.edges,
	}
	for t, c := range g.w.counts {
		s.Counts[types[t].name] = c
	}
	return s
}

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return p > 0 && g.r.Float64() < p }

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// between returns a time in [lo, hi).
func (g *gen) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + g.r.Int64N(hi-lo)
}

// logUniform returns a duration between lo and hi ms, most of them short.
func (g *gen) logUniform(lo, hi int64) int64 {
	r := g.r.Float64()
	v := float64(lo) * math.Pow(float64(hi)/float64(lo), r)
	return int64(v)
}
