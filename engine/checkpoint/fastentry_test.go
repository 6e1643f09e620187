package checkpoint

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomEntry makes an entry with the shapes apply writes: comment keys,
// applied fields holding JSON text (escaped quotes), non-ASCII, times with
// and without fractions and zones.
func randomEntry(r *rand.Rand) Entry {
	pick := func(l ...string) string { return l[r.IntN(len(l))] }
	text := func() string {
		return pick("", "plain", `"quoted"`, "line\nbreak\ttab", "café 日本 😀", `{"a":[1,"b"]}`, "<p>x</p>", `back\slash`, "\u2028")
	}
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -5*3600-1800)}
	at := time.Unix(r.Int64N(2e9), r.Int64N(3)*int64(r.IntN(1e9))).In(zones[r.IntN(len(zones))])
	e := Entry{ZendeskID: fmt.Sprint(r.Int64N(1e12)), Hash: fmt.Sprintf("%032x", r.Uint64()), At: at}
	if r.IntN(2) == 0 {
		e.Batch, e.Run = fmt.Sprintf("b-%d", r.IntN(1e6)), fmt.Sprintf("r-%d", r.IntN(100))
	}
	for range r.IntN(12) {
		e.Comments = append(e.Comments, fmt.Sprintf("message/%024x#%d", r.Uint64(), r.IntN(3)))
	}
	if r.IntN(3) == 0 {
		e.Object, e.Drift, e.URL = text(), text(), "https://x.example/"+text()
	}
	if r.IntN(2) == 0 {
		e.Written = at.Add(time.Duration(r.IntN(1e6)) * time.Millisecond)
	}
	if n := r.IntN(6); n > 0 {
		e.Applied = map[string]string{}
		for range n {
			e.Applied[pick("subject", "status", "tags", "custom_fields", "requester_id")] = text()
		}
	}
	return e
}

// The entries the checkpoint writes take the fast path, and decode to
// what encoding/json makes of them.
func TestFastEntryReadsWhatIsWritten(t *testing.T) {
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 7))
		for i := range 500 {
			e := randomEntry(r)
			v, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var fast, want Entry
			if !fastEntry(v, &fast) {
				t.Fatalf("seed %d entry %d: fast path declined %s", seed, i, v)
			}
			if err := json.Unmarshal(v, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("seed %d entry %d: %s\nfast %#v\njson %#v", seed, i, v, fast, want)
			}
		}
	}
}

// FuzzFastEntry: whatever fastEntry accepts, encoding/json accepts and
// decodes the same; and decode's answer is encoding/json's either way.
func FuzzFastEntry(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 8 {
		v, _ := json.Marshal(randomEntry(r))
		f.Add(v)
	}
	for _, s := range []string{`{"hash":null}`, `{"Hash":"x"}`, `{"hash":"a","hash":"b"}`, `{"at":"2024-13-01T00:00:00Z"}`,
		`{"comments":["a",1]}`, `{"applied":{"a":"x","a":"y"}}`, `{"applied":{"\u0061":"x"}}`, `{"zendesk_id":5}`, `{"x":[{}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var fast, want Entry
		ok := fastEntry(v, &fast)
		jerr := json.Unmarshal(v, &want)
		if ok && (jerr != nil || !reflect.DeepEqual(fast, want)) {
			t.Fatalf("fastEntry(%q) = %#v; encoding/json: %#v, %v", v, fast, want, jerr)
		}
		var got Entry
		err := decode(v, &got, "ticket", "k")
		if (err == nil) != (jerr == nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decode(%q) = %#v, %v; encoding/json: %#v, %v", v, got, err, want, jerr)
		}
	})
}
