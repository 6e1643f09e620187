package dataset

import (
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kzmap/kzmap/record"
)

var benchCustomers = flag.Int("customers", 10_000, "customers per BenchmarkGenerate run")

func TestWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.SetManifest(Manifest{Org: "acme", Now: DefaultNow})
	type attrs struct {
		Name string `json:"name"`
	}
	company := struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Attributes attrs  `json:"attributes"`
	}{"company", "64f0c0ffee0000000000a001", attrs{"Acme <Inc>"}}
	if err := w.Write("company", company); err != nil {
		t.Fatal(err)
	}
	raw := "{\n  \"type\": \"customer\",\n  \"id\": \"64f0c0ffee0000000000a002\",\n  \"attributes\": {\"name\": \"Bob\\nSmith\"}\n}"
	if err := w.Write("customer", json.RawMessage(raw)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("customer", []byte(`{"type":"customer","id":"64f0c0ffee0000000000a003","attributes":{}}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("ticket", company); err == nil || !strings.Contains(err.Error(), "unknown resource type") {
		t.Errorf("unknown type: err = %v", err)
	}
	if err := w.Write("customer", []byte(`{"type":`)); err == nil {
		t.Error("invalid JSON accepted")
	}
	if err := w.Write("customer", []byte(`[1]`)); err == nil {
		t.Error("a JSON array accepted as a resource")
	}
	if err := w.Write("customer", company); err == nil {
		t.Error("a company accepted as a customer")
	}
	if err := w.Write("customer", []byte(`{"type":"customer","id":"64F0C0FFEE0000000000A004"}`)); err == nil {
		t.Error("an upper-case id accepted")
	}
	if err := w.WriteFile("../../etc/passwd", []byte("x")); err == nil {
		t.Error("attachment id with a path accepted")
	}
	if err := w.WriteFile("64f0c0ffee0000000000b001", []byte("PNG")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("company", company); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: err = %v", err)
	}

	got := map[string]string{}
	for _, name := range []string{"manifest.json", "companies.ndjson", "customers.ndjson", "files/64f0c0ffee0000000000b001"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got[name] = string(b)
	}
	want := map[string]string{
		"manifest.json":    `{"format":"kustomer-export","version":1,"org":"acme","now":"2026-11-28T00:00:00.000Z"}` + "\n",
		"companies.ndjson": `{"type":"company","id":"64f0c0ffee0000000000a001","attributes":{"name":"Acme \u003cInc\u003e"}}` + "\n",
		"customers.ndjson": `{"type":"customer","id":"64f0c0ffee0000000000a002","attributes":{"name":"Bob\nSmith"}}` + "\n" +
			`{"type":"customer","id":"64f0c0ffee0000000000a003","attributes":{}}` + "\n",
		"files/64f0c0ffee0000000000b001": "PNG",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("written files (-want +got):\n%s", d)
	}
	if _, err := os.Stat(filepath.Join(dir, "messages.ndjson")); !os.IsNotExist(err) {
		t.Errorf("a type never written has a file: %v", err)
	}

	if _, err := NewWriter(dir); !errors.Is(err, ErrDirNotEmpty) {
		t.Errorf("NewWriter on a dataset: err = %v, want ErrDirNotEmpty", err)
	}
}

func TestTypesMatchRecordModel(t *testing.T) {
	got := Types()
	for _, typ := range got {
		if !record.KnownType(typ) {
			t.Errorf("type %s is unknown to the record model", typ)
		}
	}
	if len(got) != len(record.Types) {
		t.Errorf("%d types, the record model has %d", len(got), len(record.Types))
	}
}

func TestAppendTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []int64{0, -1, 951782400000, 4102444799999, DefaultNow.UnixMilli()}
	for i := 0; i < 10000; i++ {
		cases = append(cases, r.Int64N(5_000_000_000_000)-1_000_000_000_000)
	}
	for _, ms := range cases {
		got := string(appendTime(nil, ms))
		want := `"` + record.FormatTime(time.UnixMilli(ms)) + `"`
		if got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", ms, got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "line\nbreak\r\ttab", "\x01\x1f\x7f",
		"sep\u2028par\u2029", "emoji 👨\u200d👩\u200d👧 and \ufeffBOM", "مرحبا", "e\u0301", "<b>&amp;</b>",
		"\xe2\x82\xac euro and \xe2\x80\xa8 again",
	} {
		b := appendJSONString(nil, s)
		if !json.Valid(b) {
			t.Errorf("%q: invalid JSON %s", s, b)
			continue
		}
		var back string
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%q: round trip gave %q (%v)", s, back, err)
		}
		if strings.ContainsAny(string(b), "\u2028\u2029") {
			t.Errorf("%q: U+2028/U+2029 left unescaped", s)
		}
	}
}

func TestMakeIDUnique(t *testing.T) {
	seen := map[oid]bool{}
	for owner := uint32(0); owner < 50; owner++ {
		for seq := uint32(0); seq < 200; seq++ {
			id := makeID(1700000000000, kindMessage, owner, seq)
			if seen[id] {
				t.Fatalf("id %s repeated", id)
			}
			seen[id] = true
		}
	}
	if s := makeID(DefaultNow.UnixMilli(), kindMessage, 1, 2).String(); s != "6b0a19800600000001000002" {
		t.Errorf("id = %s", s)
	}
}
