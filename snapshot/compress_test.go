package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// thread makes n messages spread over convs conversations, with bodies of
// varied words and lengths, some naming attachments, the way a seed
// shapes them: nothing here is tuned to compress well.
func thread(seed uint64, n, convs int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	words := strings.Fields("order refund shipping delayed thanks please invoice account password reset " +
		"tracking number damaged replacement café 注文 返金 größe numéro ¿dónde está mi pedido?")
	var out [][]byte
	for i := range n {
		var body strings.Builder
		for range 5 + r.IntN(120) {
			body.WriteString(words[r.IntN(len(words))])
			body.WriteByte(' ')
		}
		att := ""
		if r.IntN(10) == 0 {
			att = fmt.Sprintf(`,"attachments":{"data":[{"type":"attachment","id":"f%d"}]}`, i)
		}
		out = append(out, fmt.Appendf(nil, `{"type":"message","id":"m%05d","attributes":{"createdAt":"2024-%02d-%02dT%02d:%02d:00.000Z","direction":%q,"preview":%s,"body":%s},"relationships":{"conversation":{"data":{"type":"conversation","id":"v%03d"}}%s}}`,
			i, 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), []string{"in", "out"}[r.IntN(2)], jsonString(body.String()[:min(40, body.Len())]), jsonString(body.String()), r.IntN(convs), att))
	}
	return out
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(strings.ToValidUTF8(s, ""))
	return b
}

// stored reads the bytes kept for each resource of typ, as bbolt holds
// them.
func stored(t *testing.T, path, typ string) map[string][]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bResources).Bucket([]byte(typ)).ForEach(func(k, v []byte) error {
			out[string(k)] = bytes.Clone(v)
			return nil
		})
	})
	return out
}

func TestCompressedRecordsReadAsWritten(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			msgs := thread(seed, 400+int(seed)*37, 9)
			dir := t.TempDir()
			plain, err := Open(filepath.Join(dir, "plain.db"), Options{DictSamples: 1 << 30})
			if err != nil {
				t.Fatal(err)
			}
			defer plain.Close()
			path := filepath.Join(dir, "snapshot.db")
			s, err := Open(path, Options{DictSamples: 50})
			if err != nil {
				t.Fatal(err)
			}
			// In pages of 60, as an extract writes them.
			for i := 0; i < len(msgs); i += 60 {
				put(t, s, msgs[i:min(i+60, len(msgs))]...)
				put(t, plain, msgs[i:min(i+60, len(msgs))]...)
			}
			check := func(s *Store) {
				t.Helper()
				want := map[string]string{}
				for _, m := range msgs {
					meta, _ := ParseMeta(m)
					want[meta.ID] = string(m)
				}
				got := map[string]string{}
				if err := s.ForEach("message", func(id string, raw []byte) error { got[id] = string(raw); return nil }); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("ForEach: %s", diff)
				}
				for id, w := range want {
					if raw, ok, err := s.Get("message", id); err != nil || !ok || string(raw) != w {
						t.Fatalf("Get %s: ok %v err %v", id, ok, err)
					}
				}
				for c := range 9 {
					conv := fmt.Sprintf("v%03d", c)
					var n int
					err := s.ForEachChild("conversation", conv, "message", func(id string, raw []byte) error {
						n++
						if string(raw) != want[id] {
							return fmt.Errorf("child %s differs", id)
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					pm, _, prefs, err := plain.Thread(conv)
					if err != nil {
						t.Fatal(err)
					}
					sm, _, srefs, err := s.Thread(conv)
					if err != nil || sm != pm || sm != n || !slicesEqual(prefs, srefs) {
						t.Fatalf("thread %s: %d messages %v, plain %d %v, walked %d, err %v", conv, sm, srefs, pm, prefs, n, err)
					}
				}
				// The digest follows the JSON, not how it is stored.
				verifiedAsPlain(t, s, plain)
			}
			check(s)
			// Putting the same JSON again changes nothing.
			before, _ := s.Serial()
			put(t, s, msgs[len(msgs)-1], msgs[0])
			if after, _ := s.Serial(); after != before {
				t.Errorf("same records put again: serial %d → %d", before, after)
			}
			s.Close()

			vals := stored(t, path, "message")
			var packed, whole, size, rawSize int
			for _, m := range msgs {
				meta, _ := ParseMeta(m)
				v := vals[meta.ID]
				size += len(v)
				rawSize += len(m)
				if v[0] == compressedValue {
					packed++
				} else if v[0] == '{' {
					whole++
				} else {
					t.Fatalf("%s stored starting with %#x", meta.ID, v[0])
				}
			}
			// The first 49 stay as they are; with the 50th the sample is
			// full, and it and every later one are compressed.
			if whole != 49 || packed != len(msgs)-49 {
				t.Errorf("%d of %d stored compressed, %d as JSON", packed, len(msgs), whole)
			}
			if size > rawSize*2/3 {
				t.Errorf("stored %d bytes for %d of JSON", size, rawSize)
			}
			t.Logf("%d messages, %d bytes of JSON stored in %d", len(msgs), rawSize, size)

			// Reopened, it reads the same, and new records use the
			// dictionary it holds instead of training another.
			s, err = OpenReadOnly(path)
			if err != nil {
				t.Fatal(err)
			}
			check(s)
			s.Close()
			s, err = Open(path, Options{DictSamples: 50})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			extra := thread(seed+100, 70, 9)
			for i := range extra {
				extra[i] = bytes.Replace(extra[i], []byte(`"id":"m`), []byte(`"id":"x`), 1)
			}
			put(t, s, extra...)
			put(t, plain, extra...)
			msgs = append(msgs, extra...)
			check(s)
			if n := len(s.codec.byID); n != 1 {
				t.Errorf("%d dictionaries after reopening, want 1", n)
			}
		})
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// A batch that trains a dictionary and then fails rolls the dictionary
// back with it; the records of the next one must still be readable.
func TestDictionaryOfARolledBackTransaction(t *testing.T) {
	msgs := thread(9, 200, 4)
	path := filepath.Join(t.TempDir(), "snapshot.db")
	s, err := Open(path, Options{DictSamples: 40})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Update(func(tx *Tx) error {
		for _, m := range msgs[:100] {
			if _, err := tx.Put(m); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) || len(s.codec.byID) != 1 {
		t.Fatalf("err %v, %d dictionaries in memory", err, len(s.codec.byID))
	}
	put(t, s, msgs[100:]...)
	s.Close()
	s, err = OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	err = s.ForEach("message", func(id string, raw []byte) error { n++; return nil })
	if err != nil || n != 100 {
		t.Fatalf("read %d messages: %v", n, err)
	}
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}

// A snapshot of schema 3 holds every value as JSON; upgraded, it keeps
// them and compresses what comes after.
func TestSchema3ValuesStayReadable(t *testing.T) {
	msgs := thread(4, 300, 5)
	path := filepath.Join(t.TempDir(), "snapshot.db")
	s, err := Open(path, Options{DictSamples: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, msgs[:150]...)
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bDicts) })
	db.Close()
	setVersion(t, path, 3)

	s, err = Open(path, Options{DictSamples: 30})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, msgs[150:]...)
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.ForEach("message", func(id string, raw []byte) error { n++; return nil })
	s.Close()
	if n != 300 {
		t.Fatalf("%d messages read", n)
	}
	packed := 0
	for _, v := range stored(t, path, "message") {
		if v[0] == compressedValue {
			packed++
		}
	}
	if packed < 100 {
		t.Errorf("%d of the 150 written after the upgrade compressed", packed)
	}
}

// A damaged compressed value, or one that names a dictionary the file
// does not hold, is ErrCorrupt from every read, never a panic or wrong
// JSON.
func TestDamagedCompressedValue(t *testing.T) {
	msgs := thread(5, 200, 3)
	path := filepath.Join(t.TempDir(), "snapshot.db")
	s, err := Open(path, Options{DictSamples: 40})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, msgs...)
	s.Close()
	var victim string
	for id, v := range stored(t, path, "message") {
		if v[0] == compressedValue {
			victim = id
			break
		}
	}
	for name, damage := range map[string]func(v []byte) []byte{
		"flipped byte":    func(v []byte) []byte { v[len(v)/2] ^= 0x40; return v },
		"truncated":       func(v []byte) []byte { return v[:len(v)-7] },
		"unknown dict":    func(v []byte) []byte { return append([]byte{compressedValue, 0x7f}, v[2:]...) },
		"damaged header":  func(v []byte) []byte { return []byte{compressedValue, 0xff, 0xff} },
		"only the marker": func(v []byte) []byte { return []byte{compressedValue} },
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "snapshot.db")
			copyFile(t, path, p)
			db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bResources).Bucket([]byte("message"))
				return b.Put([]byte(victim), damage(bytes.Clone(b.Get([]byte(victim)))))
			})
			db.Close()
			s, err := OpenReadOnly(p)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, _, err := s.Get("message", victim); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), victim) {
				t.Errorf("Get: %v", err)
			}
			if err := s.ForEach("message", func(string, []byte) error { return nil }); !errors.Is(err, ErrCorrupt) {
				t.Errorf("ForEach: %v", err)
			}
			if err := s.Verify(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// An extract prepares its pages on several goroutines and writes them in
// shared transactions, while a type's dictionary is trained inside one of
// them: values prepared before the dictionary stay JSON, those after are
// compressed, and every one reads back as written.
func TestPreparedPagesAcrossTraining(t *testing.T) {
	msgs := thread(11, 900, 12)
	path := filepath.Join(t.TempDir(), "snapshot.db")
	s, err := Open(path, Options{DictSamples: 60})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Open(filepath.Join(t.TempDir(), "plain.db"), Options{DictSamples: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	put(t, plain, msgs...)
	const lanes = 4
	errs := make(chan error, lanes)
	for l := range lanes {
		go func() {
			for i := l * 20; i < len(msgs); i += lanes * 20 {
				page := msgs[i:min(i+20, len(msgs))]
				ready := make([]Prepared, len(page))
				for j, raw := range page {
					var err error
					if ready[j], err = s.Prepare(raw); err != nil {
						errs <- err
						return
					}
				}
				err := s.Batch(func(tx *Tx) error {
					for _, p := range ready {
						if _, err := tx.PutPrepared(p); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range lanes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	verifiedAsPlain(t, s, plain)
	s.Close()
	packed := 0
	for _, v := range stored(t, path, "message") {
		if v[0] == compressedValue {
			packed++
		}
	}
	if packed < len(msgs)/2 {
		t.Errorf("%d of %d compressed", packed, len(msgs))
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// verifiedAsPlain checks s whole (Store.Verify) and that its digest, which
// follows the records' JSON, is that of plain, the same records stored
// uncompressed.
func verifiedAsPlain(t *testing.T, s, plain *Store) {
	t.Helper()
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	d1, err1 := s.Digest()
	d2, err2 := plain.Digest()
	if err1 != nil || err2 != nil || d1 != d2 {
		t.Fatalf("digest %s (%v), the uncompressed store's %s (%v)", d1, err1, d2, err2)
	}
}
