package planfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kzmap/kzmap/engine/kind"
)

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.kzplan")
	h := Header{Lineage: "l1", Serial: 7, MappingHash: "m", SnapshotDigest: "s", MarkerTag: "kustomer-import"}
	w, err := Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	ops := []Op{
		{Action: "create", Kind: "organization", Key: "organization.company:a", Sources: []string{"company/a"}, Hash: "h"},
		{Action: "append_comments", Kind: "ticket", Key: "ticket.conversation:c", ZendeskID: "9", NewComments: []string{"message/m2"}},
	}
	for _, op := range ops {
		w.Op(op)
	}
	sum := Summary{Counts: map[kind.Kind]map[kind.Action]int{kind.Ticket: {kind.AppendComments: 1}}, Changes: 2}
	if err := w.Close(sum); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h.Format, h.FormatVersion = Format, FormatVersion
	if diff := cmp.Diff(h, r.Header); diff != "" {
		t.Error(diff)
	}
	var got []Op
	for {
		op, s, err := r.Next()
		if errors.Is(err, io.EOF) {
			if diff := cmp.Diff(sum, *s); diff != "" {
				t.Error(diff)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *op)
	}
	if diff := cmp.Diff(ops, got); diff != "" {
		t.Error(diff)
	}
}

func TestDamagedPlans(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.kzplan")
	w, _ := Create(path, Header{})
	for i := 0; i < 100; i++ {
		w.Op(Op{Action: "create", Kind: "user", Key: strings.Repeat("k", i)})
	}
	w.Close(Summary{})
	data, _ := os.ReadFile(path)
	cut := filepath.Join(dir, "cut.kzplan")
	os.WriteFile(cut, data[:len(data)-30], 0o600)
	_, _, err := ReadSummary(cut)
	if err == nil {
		t.Error("a truncated plan was read")
	}
	junk := filepath.Join(dir, "junk.kzplan")
	os.WriteFile(junk, []byte("hello"), 0o600)
	if _, err := Open(junk); !errors.Is(err, ErrNotPlan) {
		t.Errorf("junk: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte("x"))
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.kzplan")
	if w, err := Create(p, Header{Lineage: "l"}); err == nil {
		w.Op(Op{Action: "create", Kind: "ticket", Key: "k"})
		w.Close(Summary{Changes: 1})
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll("f", io.NopCloser(bytes.NewReader(data)))
	})
}
