package engine

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// Snapshot is what the planner reads Kustomer data from: the extraction
// snapshot (snapshot.Store) or an export directory (DirSnapshot).
type Snapshot interface {
	// ForEach calls fn for every resource of a Kustomer type, in id order.
	ForEach(typ string, fn func(id string, raw []byte) error) error
	// ForEachChild calls fn for the children of a parent (messages and
	// notes of a conversation, attachments of a message), in (createdAt,
	// id) order.
	ForEachChild(parentType, parentID, childType string, fn func(id string, raw []byte) error) error
	// Get returns one resource.
	Get(typ, id string) (raw []byte, ok bool, err error)
	// Digest changes whenever any resource changes.
	Digest() (string, error)
	// Org is the Kustomer org the data came from ("" when unknown).
	Org() (string, error)
}

// Counter is a Snapshot that knows how many resources of a type it holds
// (the snapshot store keeps the counts); the planner sizes its tables by
// it so they are allocated once.
type Counter interface {
	Count(typ string) (int, error)
}

// count is how many resources of typ snap holds, or 0 when it cannot say.
func count(snap Snapshot, typ string) int {
	c, ok := snap.(Counter)
	if !ok {
		return 0
	}
	n, err := c.Count(typ)
	if err != nil {
		return 0
	}
	return n
}

// Checkpoint is what the planner reads of the checkpoint store.
type Checkpoint interface {
	Get(kind, key string) (checkpoint.Entry, bool, error)
	// Resolve says which record a Kustomer source id became.
	Resolve(sourceType, sourceID string) (kind, key string, ok bool, err error)
	Lineage() string
	Serial() (uint64, error)
}

// DirSnapshot serves an export directory (formats/kustomer-export.md) as a
// Snapshot, held in memory: for planning from an export without extracting,
// and for tests. Large organisations go through extract and snapshot.db.
type DirSnapshot struct {
	byType   map[string]map[string][]byte
	ids      map[string][]string
	children map[string][]string // "parentType/parentID/childType" → ids in order
	digest   string
	org      string
	dir      string
}

var childOf = map[string]struct{ parentType, rel string }{
	"message":    {"conversation", "conversation"},
	"note":       {"conversation", "conversation"},
	"attachment": {"message", "message"},
	"kobject":    {"klass", "klass"},
}

// OpenDir reads an export directory. A malformed line is an error that
// names the file and line.
func OpenDir(dir string) (*DirSnapshot, error) {
	s := &DirSnapshot{byType: map[string]map[string][]byte{}, ids: map[string][]string{}, children: map[string][]string{}, dir: dir}
	h := sha256.New()
	var kids []child
	for _, typ := range record.Types {
		m, k, err := readExportFile(filepath.Join(dir, exportFile(typ)), typ, h)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		kids = append(kids, k...)
		s.byType[typ], s.ids[typ] = m, slices.Sorted(maps.Keys(m))
	}
	sort.SliceStable(kids, func(i, j int) bool {
		if kids[i].at != kids[j].at {
			return kids[i].at < kids[j].at
		}
		return kids[i].id < kids[j].id
	})
	for _, k := range kids {
		s.children[k.key] = append(s.children[k.key], k.id)
	}
	s.digest = "dir:" + hex.EncodeToString(h.Sum(nil))[:32]
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		var m struct {
			Org string `json:"org"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
		}
		s.org = m.Org
	}
	return s, nil
}

// child is a child resource (a message of a conversation, say) waiting to
// be put in its parent's order.
type child struct {
	key, id string
	at      string
}

// readExportFile reads one type's file (nil when there is none), hashing
// every line into h, and returns its resources by id and its children.
func readExportFile(path, typ string, h io.Writer) (map[string][]byte, []child, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	m := map[string][]byte{}
	var kids []child
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		r, err := record.ParseResource(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if r.Type != typ {
			return nil, nil, fmt.Errorf("%s:%d: a %s in the %s file", path, line, r.Type, typ)
		}
		if _, dup := m[r.ID]; dup {
			return nil, nil, fmt.Errorf("%s:%d: duplicate %s id %s", path, line, typ, r.ID)
		}
		m[r.ID] = append([]byte(nil), raw...)
		h.Write(raw)
		if c, ok := childOf[typ]; ok {
			pid, err := r.RelID(c.rel)
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			var at string
			json.Unmarshal(r.Attributes["createdAt"], &at)
			if pid != "" {
				kids = append(kids, child{key: c.parentType + "/" + pid + "/" + typ, id: r.ID, at: at})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return m, kids, nil
}

// exportFile names the file of a type in an export directory.
func exportFile(typ string) string {
	switch typ {
	case "company":
		return "companies.ndjson"
	case "klass":
		return "klasses.ndjson"
	case "kb_category":
		return "kb_categories.ndjson"
	case "media":
		return "kb_media.ndjson"
	}
	return typ + "s.ndjson"
}

// ForEach implements Snapshot.
func (s *DirSnapshot) ForEach(typ string, fn func(id string, raw []byte) error) error {
	for _, id := range s.ids[typ] {
		if err := fn(id, s.byType[typ][id]); err != nil {
			return err
		}
	}
	return nil
}

// ForEachChild implements Snapshot.
func (s *DirSnapshot) ForEachChild(parentType, parentID, childType string, fn func(id string, raw []byte) error) error {
	for _, id := range s.children[parentType+"/"+parentID+"/"+childType] {
		if err := fn(id, s.byType[childType][id]); err != nil {
			return err
		}
	}
	return nil
}

// Digest implements Snapshot.
func (s *DirSnapshot) Digest() (string, error) { return s.digest, nil }

// Get returns one resource.
func (s *DirSnapshot) Get(typ, id string) ([]byte, bool, error) {
	b, ok := s.byType[typ][id]
	return b, ok, nil
}

// Org implements Snapshot: the manifest's org.
func (s *DirSnapshot) Org() (string, error) { return s.org, nil }

// File says whether the export holds a file's bytes (files/<id>), as the
// snapshot's file states do.
func (s *DirSnapshot) File(id string) (snapshot.File, bool, error) {
	if strings.ContainsAny(id, `/\`) || id == "" || id[0] == '.' {
		return snapshot.File{State: snapshot.FileMissing}, true, nil
	}
	st, err := os.Stat(filepath.Join(s.dir, "files", id))
	if err != nil {
		return snapshot.File{State: snapshot.FileMissing}, true, nil
	}
	return snapshot.File{State: snapshot.FileOK, Size: st.Size()}, true, nil
}
