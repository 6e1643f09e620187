package apply

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kzmap/kzmap/record"
)

// Getter reads one raw resource, as the snapshots do.
type Getter interface {
	Get(typ, id string) ([]byte, bool, error)
}

// DirFiles serves the attachments of an export directory: metadata from
// its attachment records, bytes from files/<id>.
type DirFiles struct {
	Dir  string
	Snap Getter
}

// Open implements Files.
func (f DirFiles) Open(id string) (io.ReadCloser, FileInfo, error) {
	info := attachmentInfo(f.Snap, id)
	if !validID(id) {
		return nil, info, fmt.Errorf("attachment id %q: %w", id, ErrMissingFile)
	}
	return openFile(filepath.Join(f.Dir, "files", id), id, info)
}

func attachmentInfo(g Getter, id string) FileInfo {
	var info FileInfo
	if raw, ok, err := g.Get("attachment", id); ok && err == nil {
		if rec, err := record.DecodeJSON(raw); err == nil {
			a := rec.(*record.Attachment)
			info = FileInfo{Name: a.Name, ContentType: a.ContentType, Size: a.ContentLength}
		}
	}
	return info
}

// StagedFiles serves the attachments extract staged beside the snapshot.
type StagedFiles struct {
	Snap interface {
		Getter
		AttachmentPath(id string) (path string, size int64, ok bool, err error)
	}
}

// Open implements Files.
func (f StagedFiles) Open(id string) (io.ReadCloser, FileInfo, error) {
	info := attachmentInfo(f.Snap, id)
	path, _, ok, err := f.Snap.AttachmentPath(id)
	if err != nil {
		return nil, info, err
	}
	if !ok {
		return nil, info, fmt.Errorf("attachment %s was not downloaded (missing in Kustomer, or over the size limit): %w", id, ErrMissingFile)
	}
	return openFile(path, id, info)
}

func openFile(path, id string, info FileInfo) (io.ReadCloser, FileInfo, error) {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, info, fmt.Errorf("attachment %s: %w", id, ErrMissingFile)
	}
	if err != nil {
		return nil, info, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, info, err
	}
	info.Size = st.Size()
	return fh, info, nil
}

// validID keeps attachment ids from naming paths outside files/.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
