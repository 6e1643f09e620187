package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Format and Version identify the directory format in manifest.json.
const (
	Format  = "kustomer-export"
	Version = 1
)

// ManifestFile is the name of the manifest inside a dataset directory.
const ManifestFile = "manifest.json"

// FilesDir is the directory, inside a dataset, that holds the bytes of
// attachments and of knowledge base media.
const FilesDir = "files"

// ErrDirNotEmpty is returned by NewWriter for a directory that already
// holds something: writing over an older dataset would leave its stray
// files mixed into the new one.
var ErrDirNotEmpty = errors.New("directory is not empty")

// ErrClosed is returned by a Writer used after Close.
var ErrClosed = errors.New("dataset writer is closed")

// types lists the resource types in the format's order, with their files.
var types = [...]struct{ name, file string }{
	{"company", "companies.ndjson"},
	{"customer", "customers.ndjson"},
	{"user", "users.ndjson"},
	{"team", "teams.ndjson"},
	{"conversation", "conversations.ndjson"},
	{"message", "messages.ndjson"},
	{"note", "notes.ndjson"},
	{"klass", "klasses.ndjson"},
	{"kobject", "kobjects.ndjson"},
	{"attachment", "attachments.ndjson"},
	{"kb_category", "kb_categories.ndjson"},
	{"kb_article", "kb_articles.ndjson"},
	{"media", "kb_media.ndjson"},
}

// Types returns the resource types of the format, in the order the format
// document lists their files.
func Types() []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.name
	}
	return out
}

// FileName returns the ndjson file that holds resources of type typ.
func FileName(typ string) (string, bool) {
	if i := typeIndex(typ); i >= 0 {
		return types[i].file, true
	}
	return "", false
}

func typeIndex(typ string) int {
	for i, t := range types {
		if t.name == typ {
			return i
		}
	}
	return -1
}

// Indexes into types, for the generator's direct writes.
const (
	tCompany = iota
	tCustomer
	tUser
	tTeam
	tConversation
	tMessage
	tNote
	tKlass
	tKObject
	tAttachment
	tKBCategory
	tKBArticle
	tMedia
	numTypes
)

// Manifest is the content of manifest.json.
type Manifest struct {
	Org string
	// Now is the dataset's "today" for the two-year search window; zero
	// leaves it out, and readers then use the wall clock.
	Now time.Time
}

func (m Manifest) encode() []byte {
	var e enc
	e.obj()
	e.kstr("format", Format)
	e.kint("version", Version)
	if m.Org != "" {
		e.kstr("org", m.Org)
	}
	if !m.Now.IsZero() {
		e.ktime("now", m.Now.UnixMilli())
	}
	e.end()
	return append(e.b, '\n')
}

// Writer writes a dataset directory one resource at a time. Each type's
// file is opened on its first resource and buffered; attachment files are
// written by a few background goroutines, because creating a file costs a
// filesystem round trip that would otherwise stall the caller. The first
// error is kept and returned by every later call and by Close.
// manifest.json is written last, by Close, so a directory with a manifest
// is complete. A Writer is not safe for concurrent use.
type Writer struct {
	dir      string
	manifest Manifest
	files    [numTypes]*os.File
	bufs     [numTypes]*bufio.Writer
	counts   [numTypes]int
	nfiles   int
	bytes    int64
	closed   bool
	err      error

	// Attachment files in flight.
	jobs    chan fileJob
	workers sync.WaitGroup
	mu      sync.Mutex // guards fileErr
	fileErr error
}

type fileJob struct {
	path string
	data []byte
}

// fileWorkers is how many attachment files may be in creation at once.
const fileWorkers = 4

const bufSize = 256 << 10

// NewWriter prepares dir (created if missing, refused if not empty) for a
// new dataset.
func NewWriter(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("dataset: %s: %w", dir, ErrDirNotEmpty)
	}
	return &Writer{dir: dir}, nil
}

// SetManifest sets what Close writes to manifest.json (format and version
// are always added).
func (w *Writer) SetManifest(m Manifest) { w.manifest = m }

// Write adds one resource of type typ ("customer", "message", ...). The
// resource is a value encoding/json can marshal into a resource object, or
// already-encoded JSON ([]byte or json.RawMessage), which is validated and
// compacted onto one line. Its "type" must be typ and its "id" 24
// lowercase hex digits.
func (w *Writer) Write(typ string, resource any) error {
	if err := w.check(); err != nil {
		return err
	}
	t := typeIndex(typ)
	if t < 0 {
		return fmt.Errorf("dataset: unknown resource type %q", typ)
	}
	var raw []byte
	switch r := resource.(type) {
	case json.RawMessage:
		raw = r
	case []byte:
		raw = r
	default:
		b, err := json.Marshal(resource)
		if err != nil {
			return fmt.Errorf("dataset: %s: %w", typ, err)
		}
		raw = b
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return fmt.Errorf("dataset: %s: %w", typ, err)
	}
	var head struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' || json.Unmarshal(buf.Bytes(), &head) != nil {
		return fmt.Errorf("dataset: %s: a resource must be a JSON object", typ)
	}
	if head.Type != typ {
		return fmt.Errorf("dataset: a resource of type %q written as %q", head.Type, typ)
	}
	if !validID(head.ID) {
		return fmt.Errorf("dataset: %s id %q is not 24 lowercase hex digits", typ, head.ID)
	}
	return w.writeLine(t, buf.Bytes())
}

// writeLine appends line (one compact JSON object, no newline) to the file
// of type t.
func (w *Writer) writeLine(t int, line []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	bw := w.bufs[t]
	if bw == nil {
		f, err := os.OpenFile(filepath.Join(w.dir, types[t].file), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return w.fail(err)
		}
		w.files[t] = f
		bw = bufio.NewWriterSize(f, bufSize)
		w.bufs[t] = bw
	}
	if _, err := bw.Write(line); err != nil {
		return w.fail(err)
	}
	if err := bw.WriteByte('\n'); err != nil {
		return w.fail(err)
	}
	w.counts[t]++
	w.bytes += int64(len(line)) + 1
	return nil
}

// WriteFile stores the bytes of one attachment (or knowledge base media)
// as files/<id>. It copies data and returns before the file is written;
// an error in writing it is returned by a later call or by Close.
func (w *Writer) WriteFile(attachmentID string, data []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	if !validID(attachmentID) {
		return fmt.Errorf("dataset: file id %q is not 24 lowercase hex digits", attachmentID)
	}
	if w.jobs == nil {
		if err := os.Mkdir(filepath.Join(w.dir, FilesDir), 0o755); err != nil {
			return w.fail(err)
		}
		w.jobs = make(chan fileJob, 4*fileWorkers)
		for range fileWorkers {
			w.workers.Go(w.writeFiles)
		}
	}
	w.jobs <- fileJob{filepath.Join(w.dir, FilesDir, attachmentID), bytes.Clone(data)}
	w.nfiles++
	w.bytes += int64(len(data))
	return nil
}

func (w *Writer) writeFiles() {
	for j := range w.jobs {
		if err := os.WriteFile(j.path, j.data, 0o644); err != nil {
			w.mu.Lock()
			if w.fileErr == nil {
				w.fileErr = err
			}
			w.mu.Unlock()
		}
	}
}

// check returns the error that stops the Writer, if any.
func (w *Writer) check() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return ErrClosed
	}
	w.mu.Lock()
	err := w.fileErr
	w.mu.Unlock()
	if err != nil {
		return w.fail(err)
	}
	return nil
}

func validID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("dataset: %w", err)
	}
	return w.err
}

// Close flushes and closes every file and, when nothing failed, writes
// manifest.json. It returns the first error the Writer met.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closeFiles()
	if w.err == nil {
		w.writeManifest()
	}
	return w.err
}

// abort closes the files without writing the manifest, leaving the
// directory marked incomplete.
func (w *Writer) abort() {
	if !w.closed {
		w.closeFiles()
	}
}

func (w *Writer) closeFiles() {
	w.closed = true
	if w.jobs != nil {
		close(w.jobs)
		w.workers.Wait()
		if w.fileErr != nil {
			w.fail(w.fileErr)
		}
	}
	for t, bw := range w.bufs {
		if bw == nil {
			continue
		}
		if err := bw.Flush(); err != nil {
			w.fail(err)
		}
		if err := w.files[t].Close(); err != nil {
			w.fail(err)
		}
	}
}

func (w *Writer) writeManifest() {
	// Write then rename, so a manifest is never seen half written.
	tmp := filepath.Join(w.dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, w.manifest.encode(), 0o644); err != nil {
		w.fail(err)
		return
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, ManifestFile)); err != nil {
		w.fail(err)
	}
}
