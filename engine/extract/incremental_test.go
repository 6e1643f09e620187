package extract

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/record"
)

// copyDataset copies a dataset directory, changing its resources with
// edit (which may return nil to keep a line as it is) and adding lines.
func copyDataset(t testing.TB, src string, edit func(typ string, r map[string]any) bool, add map[string][]string, files map[string][]byte) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "ds")
	if err := os.MkdirAll(filepath.Join(dst, dataset.FilesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(src, dataset.ManifestFile))
	os.WriteFile(filepath.Join(dst, dataset.ManifestFile), b, 0o644)
	for _, typ := range record.Types {
		name, _ := dataset.FileName(typ)
		var out strings.Builder
		if f, err := os.Open(filepath.Join(src, name)); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 256<<20)
			for sc.Scan() {
				line := sc.Text()
				var r map[string]any
				if json.Unmarshal([]byte(line), &r) == nil && edit(typ, r) {
					nb, _ := json.Marshal(r)
					line = string(nb)
				}
				out.WriteString(line + "\n")
			}
			f.Close()
		}
		for _, l := range add[typ] {
			out.WriteString(l + "\n")
		}
		os.WriteFile(filepath.Join(dst, name), []byte(out.String()), 0o644)
	}
	entries, _ := os.ReadDir(filepath.Join(src, dataset.FilesDir))
	for _, e := range entries {
		os.Link(filepath.Join(src, dataset.FilesDir, e.Name()), filepath.Join(dst, dataset.FilesDir, e.Name()))
	}
	for id, data := range files {
		os.WriteFile(filepath.Join(dst, dataset.FilesDir, id), data, 0o644)
	}
	return dst
}

// A second extract after the data changed fetches only the changes (and
// the reference lists and counts every run reads), and leaves the
// snapshot equal to the changed data.
func TestIncrementalFetchesOnlyChanges(t *testing.T) {
	dir := generated(t, "small")
	s1 := startSim(t, dir, kustomersim.Options{})
	work := t.TempDir()
	st := openStore(t, work)
	first, err := Run(context.Background(), s1.client(t, kustomer.Options{}), st, Options{})
	if err != nil {
		t.Fatal(err)
	}

	later := record.FormatTime(synthNow.Add(time.Hour))
	var newMsgConv, customerOfConv string
	var convs, custs int
	edit := func(typ string, r map[string]any) bool {
		attrs, _ := r["attributes"].(map[string]any)
		switch typ {
		case "customer":
			if custs++; custs == 2 {
				attrs["name"] = "Renamed Customer"
				attrs["updatedAt"] = later
				return true
			}
		case "conversation":
			switch convs++; convs {
			case 3, 7:
				attrs["status"] = "done"
				attrs["updatedAt"] = later
				return true
			case 5:
				newMsgConv = r["id"].(string)
				attrs["messageCount"] = attrs["messageCount"].(float64) + 1
				attrs["updatedAt"] = later
				rel := r["relationships"].(map[string]any)["customer"].(map[string]any)["data"].(map[string]any)
				customerOfConv = rel["id"].(string)
				return true
			}
		}
		return false
	}
	// The first pass finds the conversation ids; the second also adds a
	// message (with an attachment) to one of them.
	copyDataset(t, dir, edit, nil, nil)
	convs, custs = 0, 0
	msgID, attID := hexID(0x77, 1), hexID(0x78, 1)
	file := []byte("a new file, fetched by the incremental run")
	msg := fmt.Sprintf(`{"type":"message","id":%q,"attributes":{"channel":"email","direction":"in","preview":"new","body":"new","createdAt":%q,"updatedAt":%q,"attachments":[{"id":%q,"name":"n.txt","contentType":"text/plain","contentLength":%d}]},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}},"customer":{"data":{"type":"customer","id":%q}}}}`,
		msgID, later, later, attID, len(file), newMsgConv, customerOfConv)
	att := fmt.Sprintf(`{"type":"attachment","id":%q,"attributes":{"name":"n.txt","contentType":"text/plain","contentLength":%d},"relationships":{"message":{"data":{"type":"message","id":%q}}}}`, attID, len(file), msgID)
	dir2 := copyDataset(t, dir, edit, map[string][]string{"message": {msg}, "attachment": {att}}, map[string][]byte{attID: file})

	s2 := s1
	s2.swap(t, dir2)
	res, err := Run(context.Background(), s2.client(t, kustomer.Options{}), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != "incremental" {
		t.Errorf("mode %q, want incremental", res.Mode)
	}
	compare(t, expected(t, dir2, s2.srv.URL), snapshotted(t, st))
	checkFiles(t, st, dir2)
	checkReconciled(t, res)
	reqs := s2.requests()
	t.Logf("first run %d requests; incremental run %d: written %v", first.Requests.Total, len(reqs), res.Written)
	if testing.Verbose() {
		for _, r := range reqs {
			t.Log("  ", r)
		}
	}
	want := map[string]int{"conversation": 3, "customer": 1, "message": 1, "attachment": 1}
	for typ, w := range want {
		if res.Written[typ] != w {
			t.Errorf("written %s = %d, want %d", typ, res.Written[typ], w)
		}
	}
	if n := count(reqs, "GET /v1/messages?"); n > 0 {
		t.Errorf("the incremental run listed messages %d times", n)
	}
	if n := count(reqs, "/v1/attachments/"); n != 1 {
		t.Errorf("%d downloads, want only the new file", n)
	}
	if len(reqs) > 40 {
		t.Errorf("%d requests for a handful of changes", len(reqs))
	}
}

// A first extract limited by --since reads a window only: the next plain
// extract reads the whole of every type instead of going on from the
// window's cursors.
func TestWindowIsNotACursor(t *testing.T) {
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{})
	st := openStore(t, t.TempDir())
	if _, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{Since: synthNow.AddDate(0, -1, 0)}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != "full" {
		t.Errorf("second run: mode %q, want full", res.Mode)
	}
	compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
	checkReconciled(t, res)
	res, err = Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{})
	if err != nil || res.Mode != "incremental" {
		t.Errorf("third run: %v, mode %q", err, res.Mode)
	}
}
