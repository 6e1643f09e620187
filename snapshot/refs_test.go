package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

func TestMayNameAttachments(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"attributes":{"attachments":[]}}`:                          false,
		`{"attributes":{"attachments" : [ ] }}`:                      false,
		`{"attributes":{"body":"x"}}`:                                false,
		`{"attributes":{"attachments":[{"id":"a"}]}}`:                true,
		`{"attributes":{"attachments": [ {"id":"a"}]}}`:              true,
		`{"attributes":{"tags":["attachments"],"attachments":[{}]}}`: true,
		`{"attributes":{"tags":["attachments"],"attachments":[]}}`:   false,
		`{"attributes":{"attachments":null}}`:                        true,
	} {
		if got := mayNameAttachments([]byte(raw)); got != want {
			t.Errorf("%s: %v, want %v", raw, got, want)
		}
	}
}

// msg is a message of conv naming the attachments ids.
func msg(id, conv, created string, ids ...string) []byte {
	atts := "["
	for i, a := range ids {
		if i > 0 {
			atts += ","
		}
		atts += fmt.Sprintf(`{"type":"attachment","id":%q}`, a)
	}
	atts += "]"
	return fmt.Appendf(nil, `{"type":"message","id":%q,"attributes":{"createdAt":%q,"attachments":%s},"relationships":{%s}}`,
		id, created, atts, rel("conversation", "conversation", conv))
}

// A thread's counts and the attachments its messages name come from the
// index, follow a message that changes, and are read from the message for
// an entry an older kzmap wrote without them.
func TestThreadFromTheIndex(t *testing.T) {
	s, _ := open(t)
	put(t, s,
		res("conversation", "v1", "2021-01-01T00:00:00.000Z", ""),
		res("conversation", "v2", "2021-01-01T00:00:00.000Z", ""),
		msg("m1", "v1", "2021-01-01T00:00:01.000Z", "a1", "a2"),
		msg("m2", "v1", "2021-01-01T00:00:02.000Z"),
		msg("m3", "v2", "2021-01-01T00:00:03.000Z", "a3"),
		[]byte(`{"type":"message","id":"m4","attributes":{"createdAt":"2021-01-01T00:00:04.000Z","attachments":"not a list"},"relationships":{`+rel("conversation", "conversation", "v2")+`}}`),
		res("note", "n1", "2021-01-01T00:00:02.000Z", rel("conversation", "conversation", "v1")),
		msg("m5", "", "2021-01-01T00:00:05.000Z", "a5"), // filed under no conversation
	)
	thread := func(conv string, wantM, wantN int, want ...string) {
		t.Helper()
		m, n, refs, err := s.Thread(conv)
		if err != nil {
			t.Fatal(err)
		}
		if m != wantM || n != wantN {
			t.Errorf("%s: %d messages and %d notes, want %d and %d", conv, m, n, wantM, wantN)
		}
		if diff := cmp.Diff(want, refs); diff != "" {
			t.Errorf("%s refs (-want +got):\n%s", conv, diff)
		}
	}
	all := func(wantIndexed int, want ...string) {
		t.Helper()
		var got []string
		n, err := s.MessageRefs(func(id string) { got = append(got, id) })
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if n != wantIndexed {
			t.Errorf("%d messages indexed, want %d", n, wantIndexed)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("all refs (-want +got):\n%s", diff)
		}
	}
	thread("v1", 2, 1, "a1", "a2")
	thread("v2", 2, 0, "a3")
	thread("nope", 0, 0)
	all(4, "a1", "a2", "a3")

	put(t, s, msg("m1", "v1", "2021-01-01T00:00:01.000Z", "a9"))
	thread("v1", 2, 1, "a9")
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}

	// An entry as an older kzmap wrote it: no value.
	key := childKey("v2", mustTime(t, "2021-01-01T00:00:03.000Z"), "m3")
	setEntry := func(v []byte) {
		t.Helper()
		if err := s.db.Bolt().Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bChildren).Bucket([]byte("conversation.message")).Put(key, v)
		}); err != nil {
			t.Fatal(err)
		}
	}
	setEntry(nil)
	thread("v2", 2, 0, "a3")
	all(4, "a3", "a9")
	if err := s.Verify(); err != nil {
		t.Errorf("an entry without refs is a valid older entry: %v", err)
	}

	// An entry whose refs disagree with its message is damage Verify finds.
	setEntry([]byte("ra7\x00"))
	thread("v2", 2, 0, "a7") // read from the entry, not the message
	if err := s.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify: %v, want ErrCorrupt", err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	m, err := ParseMeta(res("note", "x", s, ""))
	if err != nil {
		t.Fatal(err)
	}
	return m.CreatedAt
}
