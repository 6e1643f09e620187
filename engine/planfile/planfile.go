// Package planfile is the on-disk format of a kzmap plan (plan.kzplan): a
// gzip stream of JSON lines — a header that says what the plan was made
// against, one line per operation in apply order, and a closing summary.
// Operations carry hashes, not payloads: apply re-evaluates the mapping
// over the same snapshot and refuses a record whose payload hash differs,
// so a plan stays small at millions of tickets and cannot drift from what
// is applied. Files are written 0600 and read back with version checks.
package planfile

import (
	"github.com/kzmap/kzmap/engine/kind"

	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Format and FormatVersion identify plan files.
const (
	Format        = "kzplan"
	FormatVersion = 1
)

// Header says what a plan was made against. Apply refuses a plan whose
// checkpoint lineage or serial, mapping hash or snapshot digest differ
// from the current ones.
type Header struct {
	Format         string `json:"format"`
	FormatVersion  int    `json:"format_version"`
	KzmapVersion   string `json:"kzmap_version"`
	Lineage        string `json:"checkpoint_lineage"`
	Serial         uint64 `json:"checkpoint_serial"`
	MappingHash    string `json:"mapping_hash"`
	SnapshotDigest string `json:"snapshot_digest"`
	MarkerTag      string `json:"marker_tag"`
	ZendeskPlan    string `json:"zendesk_plan"`
	RateLimit      int    `json:"rate_limit"`
	// ZendeskAccount (the host the Zendesk settings pointed at, "" for a
	// plan made offline) and KustomerOrg bind the plan to the accounts it
	// was made for; apply refuses it against others.
	ZendeskAccount string `json:"zendesk_account,omitempty"`
	KustomerOrg    string `json:"kustomer_org,omitempty"`
	// Modules are the git modules of the mapping at the commits their lock
	// pins (the mapping hash covers their files).
	Modules []Module `json:"modules,omitempty"`
}

// Module is a git module a plan was made with.
type Module struct {
	Address string `json:"address"`
	Source  string `json:"source"`
	Commit  string `json:"commit"`
}

// Op is one planned write.
type Op struct {
	Action  kind.Action `json:"action"` // create, update, append_comments, unwritable
	Kind    kind.Kind   `json:"kind"`
	Key     string      `json:"key"`
	Mapping string      `json:"mapping"`
	Pos     string      `json:"pos,omitempty"` // file:line of the mapping block
	Sources []string    `json:"sources"`       // "type/id" of the Kustomer records
	Hash    string      `json:"hash,omitempty"`
	// ZendeskID is the record's id when it is updated.
	ZendeskID string `json:"zendesk_id,omitempty"`
	// Comments is the number of comments (for tickets); NewComments those
	// appended by an append_comments op.
	Comments    int      `json:"comments,omitempty"`
	NewComments []string `json:"new_comments,omitempty"`
	Attachments int      `json:"attachments,omitempty"`
	Reason      string   `json:"reason,omitempty"` // why unwritable
	// Private says appended comments go in as private notes by the
	// importing admin, their original time and author in the text (a
	// ticket changed in Zendesk, or on_change = "append_private").
	Private bool `json:"private,omitempty"`
	// Changes are the fields an update, replace or append changes, from
	// what the checkpoint says was last written to what the mapping gives
	// now (each value's JSON text, cut at 200 characters). Absent: the
	// checkpoint holds no earlier values; empty: only comments or text
	// beyond the cut changed.
	Changes []FieldChange `json:"changes,omitzero"`
}

// FieldChange is one field of an update: its JSON text before and after;
// Old "" is a field added, New "" one removed.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// Hazard is one kind of risk the plan carries, with a count and examples.
type Hazard struct {
	Code     string   `json:"code"`
	Severity string   `json:"severity"` // info, warning, error
	Message  string   `json:"message"`
	Pos      string   `json:"pos,omitempty"` // file:line:col of the mapping block that raised it
	Count    int      `json:"count"`
	Examples []string `json:"examples,omitempty"`
}

// Estimate is what applying the plan costs (engine/estimate.go says how
// it is counted and what it assumes).
type Estimate struct {
	ZendeskRequests int `json:"zendesk_requests"`
	// Terms break ZendeskRequests down by what the requests are for, the
	// largest first.
	Terms []EstimateTerm `json:"terms,omitempty"`
	// Lookups are the requests, included in ZendeskRequests, that look
	// for records Zendesk already holds before creating (counts and
	// listings); LookupsMore is at most how many more they take when
	// Zendesk holds records of the kinds created that the checkpoint does
	// not know (users by show_many, tickets one by one).
	Lookups     int `json:"lookups"`
	LookupsMore int `json:"lookups_more"`
	// KustomerRequests are the requests apply makes to Kustomer: none,
	// it reads the files from the snapshot (extract downloaded them).
	KustomerRequests int `json:"kustomer_requests"`
	// LostFiles are files the tickets refer to that the snapshot does not
	// hold (not uploaded: the ticket says they are missing).
	LostFiles int `json:"lost_files,omitempty"`
	// Seconds is the wall time on Zendesk's real minute: the requests
	// paced at RequestsPerMin (the plan's share of its tier limit, and the
	// ticket update and export limits), plus WaitSeconds, the waits for
	// each kind's last jobs, of JobSeconds each (assumed). Minutes is
	// Seconds rounded to a tenth of a minute.
	Minutes        float64 `json:"minutes"`
	RequestsPerMin float64 `json:"requests_per_minute"`
	Seconds        float64 `json:"seconds,omitempty"`
	WaitSeconds    float64 `json:"wait_seconds,omitempty"`
	JobSeconds     float64 `json:"job_seconds,omitempty"`
	// RefreshRequests (and RefreshSeconds) are what `kzmap apply` without
	// a plan file reads back before it plans (what the checkpoint holds),
	// not included above: a saved plan is applied without it.
	RefreshRequests int     `json:"refresh_requests,omitempty"`
	RefreshSeconds  float64 `json:"refresh_seconds,omitempty"`
}

// EstimateTerm is one part of an estimate: requests sent for one purpose
// ("attachment uploads", "job polls"), and what they are made of.
type EstimateTerm struct {
	Term     string `json:"term"`
	Requests int    `json:"requests"`
	Detail   string `json:"detail,omitempty"`
}

// Summary closes a plan.
type Summary struct {
	Counts   map[kind.Kind]map[kind.Action]int `json:"counts"` // kind → action → n (noop included)
	Hazards  []Hazard                          `json:"hazards"`
	Estimate Estimate                          `json:"estimate"`
	Changes  int                               `json:"changes"`
}

type line struct {
	Header  *Header  `json:"header,omitempty"`
	Op      *Op      `json:"op,omitempty"`
	Summary *Summary `json:"summary,omitempty"`
}

// Writer writes a plan file. Close writes the summary and makes the file
// visible; until then it is a temporary file, so a crash never leaves a
// half plan under the final name.
type Writer struct {
	f    *os.File
	gz   *gzip.Writer
	bw   *bufio.Writer
	enc  *json.Encoder
	path string
	err  error
}

// Create starts a plan file at path.
func Create(path string, h Header) (*Writer, error) {
	h.Format, h.FormatVersion = Format, FormatVersion
	f, err := os.CreateTemp(filepath.Dir(path), ".kzplan-*")
	if err != nil {
		return nil, fmt.Errorf("create plan: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	w := &Writer{f: f, path: path}
	w.gz = gzip.NewWriter(f)
	w.bw = bufio.NewWriterSize(w.gz, 1<<16)
	w.enc = json.NewEncoder(w.bw)
	w.enc.SetEscapeHTML(false)
	w.write(line{Header: &h})
	return w, w.err
}

func (w *Writer) write(l line) {
	if w.err == nil {
		w.err = w.enc.Encode(l)
	}
}

// Op appends an operation.
func (w *Writer) Op(op Op) error {
	w.write(line{Op: &op})
	return w.err
}

// Close writes the summary and renames the file into place.
func (w *Writer) Close(s Summary) error {
	w.write(line{Summary: &s})
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		w.err = w.gz.Close()
	}
	if w.err == nil {
		w.err = w.f.Sync()
	}
	if cerr := w.f.Close(); w.err == nil {
		w.err = cerr
	}
	if w.err == nil {
		w.err = os.Rename(w.f.Name(), w.path)
	}
	if w.err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("write plan %s: %w", w.path, w.err)
	}
	return nil
}

// Abort discards a plan being written.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// ErrNotPlan marks a file that is not a kzmap plan.
var ErrNotPlan = errors.New("not a kzmap plan file")

// Reader reads a plan file.
type Reader struct {
	Header Header
	f      io.Closer
	gz     *gzip.Reader
	dec    *json.Decoder
	n      int
}

// Open opens a plan and reads its header.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := newReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// newReader reads a plan from f; Close closes f.
func newReader(path string, f io.ReadCloser) (*Reader, error) {
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrNotPlan, err)
	}
	r := &Reader{f: f, gz: gz, dec: json.NewDecoder(gz)}
	var l line
	if err := r.dec.Decode(&l); err != nil || l.Header == nil || l.Header.Format != Format {
		r.Close()
		return nil, fmt.Errorf("%s: %w", path, ErrNotPlan)
	}
	if l.Header.FormatVersion != FormatVersion {
		r.Close()
		return nil, fmt.Errorf("%s: plan format version %d; this kzmap reads version %d: make the plan again with this kzmap", path, l.Header.FormatVersion, FormatVersion)
	}
	r.Header = *l.Header
	return r, nil
}

// readAll reads a whole plan from f and returns its summary.
func readAll(path string, f io.ReadCloser) (Summary, error) {
	r, err := newReader(path, f)
	if err != nil {
		return Summary{}, err
	}
	defer r.Close()
	for {
		_, s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return *s, nil
		}
		if err != nil {
			return Summary{}, err
		}
	}
}

// Next returns the next operation, or the summary with io.EOF when the
// operations are done. A file that ends before its summary is an error:
// it was cut short.
func (r *Reader) Next() (*Op, *Summary, error) {
	var l line
	if err := r.dec.Decode(&l); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, fmt.Errorf("plan ends after %d operations without its summary: the file is incomplete; make the plan again", r.n)
		}
		return nil, nil, fmt.Errorf("plan line %d: %w", r.n+2, err)
	}
	switch {
	case l.Op != nil:
		r.n++
		return l.Op, nil, nil
	case l.Summary != nil:
		return nil, l.Summary, io.EOF
	}
	return nil, nil, fmt.Errorf("plan line %d holds neither an operation nor the summary", r.n+2)
}

// Close closes the file.
func (r *Reader) Close() error {
	r.gz.Close()
	return r.f.Close()
}

// ReadSummary reads a whole plan and returns its summary.
func ReadSummary(path string) (Header, Summary, error) {
	r, err := Open(path)
	if err != nil {
		return Header{}, Summary{}, err
	}
	defer r.Close()
	for {
		_, s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Header, *s, nil
		}
		if err != nil {
			return r.Header, Summary{}, err
		}
	}
}
