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
	Get(typ, id string) ([]byte, bool)
}

// DirFiles serves the attachments of an export directory: metadata from
// its attachment records, bytes from files/<id>.
type DirFiles struct {
	Dir  string
	Snap Getter
}

// Open implements Files.
func (f DirFiles) Open(id string) (io.ReadCloser, FileInfo, error) {
	var info FileInfo
	if raw, ok := f.Snap.Get("attachment", id); ok {
		if rec, err := record.DecodeJSON(raw); err == nil {
			a := rec.(*record.Attachment)
			info = FileInfo{Name: a.Name, ContentType: a.ContentType, Size: a.ContentLength}
		}
	}
	if !validID(id) {
		return nil, info, fmt.Errorf("attachment id %q: %w", id, ErrMissingFile)
	}
	fh, err := os.Open(filepath.Join(f.Dir, "files", id))
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
