package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kzmap/kzmap/boltfile"
)

// MaxAttachment is the largest attachment Zendesk accepts (50 MB); larger
// files are recorded as oversize, not downloaded.
const MaxAttachment = 50 << 20

// FileState says what happened to an attachment's bytes.
type FileState string

const (
	// FileOK: the bytes are staged and their size matches the metadata.
	FileOK FileState = "ok"
	// FileSizeMismatch: the bytes are staged but their size differs from
	// the attachment's contentLength.
	FileSizeMismatch FileState = "size_mismatch"
	// FileMissing: Kustomer has no content for the attachment.
	FileMissing FileState = "missing"
	// FileOversize: over MaxAttachment (or the configured limit).
	FileOversize FileState = "oversize"
	// FileRefused: the download URL is on a host kzmap does not fetch
	// from (neither the Kustomer API host nor a configured CDN host).
	FileRefused FileState = "refused"
	// FileFailed: the download kept failing.
	FileFailed FileState = "failed"
)

// Staged reports whether the state has bytes on disk.
func (s FileState) Staged() bool { return s == FileOK || s == FileSizeMismatch }

// File is the state of one attachment's bytes.
type File struct {
	State  FileState `json:"state"`
	SHA256 string    `json:"sha256,omitempty"`
	// Size is the number of bytes staged; for a file not staged, the size
	// announced by the metadata or seen before giving up (0 unknown).
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
	// Host is where the bytes came from or would have come from; never
	// the full URL, which may carry a signature.
	Host   string    `json:"host,omitempty"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// SetFile records the state of an attachment's bytes. The digest follows
// the state without its time, so recording the same outcome again changes
// nothing.
func (t *Tx) SetFile(id string, f File) error {
	if id == "" || len(id) > 256 || strings.ContainsRune(id, 0) {
		return fmt.Errorf("file state: bad attachment id %q", id)
	}
	b := t.tx.Bucket(bFiles)
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	content := fileContent(f)
	if old := b.Get([]byte(id)); old != nil {
		var of File
		if json.Unmarshal(old, &of) == nil {
			oc := fileContent(of)
			if string(oc) == string(content) {
				return nil
			}
			t.mix(itemHash("file", id, oc))
		}
	}
	t.mix(itemHash("file", id, content))
	return b.Put([]byte(id), v)
}

func fileContent(f File) []byte {
	f.At = time.Time{}
	v, _ := json.Marshal(f)
	return v
}

// File returns the state of an attachment's bytes.
func (s *Store) File(id string) (f File, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bFiles).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		if err := json.Unmarshal(v, &f); err != nil {
			return fmt.Errorf("%w: file state %s: %v", ErrCorrupt, id, err)
		}
		return nil
	})
	return f, ok, err
}

// Files returns the recorded states of the given attachments, in one read;
// an attachment with no state is absent from the map.
func (s *Store) Files(ids []string) (map[string]File, error) {
	out := map[string]File{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bFiles)
		for _, id := range ids {
			v := b.Get([]byte(id))
			if v == nil {
				continue
			}
			var f File
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("%w: file state %s: %v", ErrCorrupt, id, err)
			}
			out[id] = f
		}
		return nil
	})
	return out, err
}

// ForEachFile calls fn for every recorded file state, in attachment id
// order. fn runs inside a read transaction and must not write.
func (s *Store) ForEachFile(fn func(id string, f File) error) error {
	return s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bFiles).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var f File
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("%w: file state %s: %v", ErrCorrupt, k, err)
			}
			id := string(k)
			err := boltfile.Call(func() error { return fn(id, f) })
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// AttachmentsDir is where attachment bytes are staged.
func (s *Store) AttachmentsDir() string { return s.files }

func (s *Store) blobPath(sum string) string {
	return filepath.Join(s.files, "sha256", sum[:2], sum)
}

// AttachmentPath returns where an attachment's bytes are staged and their
// size. ok is false when they are not staged (see File for why); an error
// says the staged file is gone or does not have the size recorded.
func (s *Store) AttachmentPath(id string) (path string, size int64, ok bool, err error) {
	f, found, err := s.File(id)
	if err != nil || !found || !f.State.Staged() {
		return "", 0, false, err
	}
	if len(f.SHA256) != 64 {
		return "", 0, false, fmt.Errorf("%w: file state %s has no usable sha256", ErrCorrupt, id)
	}
	path = s.blobPath(f.SHA256)
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, false, fmt.Errorf("attachment %s: staged file: %w (run kzmap extract to fetch it again)", id, err)
	}
	if st.Size() != f.Size {
		return "", 0, false, fmt.Errorf("attachment %s: staged file %s has %d bytes, %d were recorded (run kzmap extract to fetch it again)", id, path, st.Size(), f.Size)
	}
	return path, f.Size, true, nil
}

// StageFile copies an attachment's bytes from r into the content-addressed
// store and records its state: ok, size_mismatch when want (the
// metadata's contentLength, -1 unknown) differs, or oversize when r holds
// more than limit bytes (nothing is kept). meta supplies ContentType and
// Host. The bytes are synced and renamed into place before the state is
// committed, so a state of ok always has its file.
func (s *Store) StageFile(id string, r io.Reader, want, limit int64, meta File) (File, error) {
	if s.readOnly {
		return File{}, ErrReadOnly
	}
	if limit <= 0 {
		limit = MaxAttachment
	}
	f := meta
	f.At = time.Now().UTC()
	tmpDir := filepath.Join(s.files, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return File{}, err
	}
	tmp, err := os.CreateTemp(tmpDir, "dl-*")
	if err != nil {
		return File{}, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, limit+1))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("stage attachment %s: %w", id, err)
	}
	switch {
	case n > limit:
		f.State, f.Size = FileOversize, n
		f.Reason = fmt.Sprintf("over the %d MB limit (more than %d bytes)", limit>>20, limit)
		if limit < 1<<20 {
			f.Reason = fmt.Sprintf("over the limit of %d bytes", limit)
		}
	default:
		f.SHA256 = hex.EncodeToString(h.Sum(nil))
		f.Size = n
		f.State = FileOK
		if want >= 0 && n != want {
			f.State = FileSizeMismatch
			f.Reason = fmt.Sprintf("downloaded %d bytes, the attachment's contentLength is %d", n, want)
		}
		dst := s.blobPath(f.SHA256)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return File{}, err
		}
		if st, err := os.Stat(dst); err != nil || st.Size() != n {
			if err := os.Rename(tmp.Name(), dst); err != nil {
				return File{}, fmt.Errorf("stage attachment %s: %w", id, err)
			}
		}
	}
	err = s.Batch(func(tx *Tx) error { return tx.SetFile(id, f) })
	return f, err
}

// RecordFile records the state of an attachment whose bytes are not
// staged (missing, refused, failed, oversize by its metadata).
func (s *Store) RecordFile(id string, f File) error {
	if f.State.Staged() {
		return errors.New("record file: use StageFile for staged bytes")
	}
	if f.At.IsZero() {
		f.At = time.Now().UTC()
	}
	return s.Batch(func(tx *Tx) error { return tx.SetFile(id, f) })
}
