package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// A message's entry in the conversation → message index holds the ids of
// the attachments the message names, so that extract's thread check and
// its reconciliation count a thread's messages and their attachments from
// the index alone: reading every message again was minutes at a million
// conversations (bench/RESULTS.md §13). The value is refsMark, then each
// id followed by a NUL byte. An entry with an empty value was written by a
// kzmap before this one; its message is read instead.
const refsMark = 'r'

// AttachmentRefs are the ids of the attachments a message names in
// attributes.attachments; a malformed list names none, and an id holding
// a NUL byte is left out (no stored record can have it: ParseMeta refuses
// such ids, and the index value ends each id with one).
func AttachmentRefs(raw []byte) []string {
	if !mayNameAttachments(raw) {
		return nil
	}
	var r struct {
		Attributes struct {
			Attachments []struct {
				ID string `json:"id"`
			} `json:"attachments"`
		} `json:"attributes"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return nil
	}
	var ids []string
	for _, a := range r.Attributes.Attachments {
		if a.ID != "" && !strings.ContainsRune(a.ID, 0) {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// mayNameAttachments is a cheap test before decoding a message: most say
// "attachments":[] or nothing. It errs only towards true.
func mayNameAttachments(raw []byte) bool {
	key := []byte(`"attachments"`)
	for {
		i := bytes.Index(raw, key)
		if i < 0 {
			return false
		}
		raw = raw[i+len(key):]
		rest := bytes.TrimLeft(raw, " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			continue // the word as a value, not the key
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '[' {
			return true // not an array: let the decoder say
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		return len(rest) > 0 && rest[0] != ']'
	}
}

// indexValue is what a child's index entry holds: a message's attachment
// ids, nothing for other children.
func indexValue(m Meta, raw []byte) []byte {
	if m.Type != "message" {
		return nil
	}
	v := []byte{refsMark}
	for _, id := range AttachmentRefs(raw) {
		v = append(append(v, id...), 0)
	}
	return v
}

// decodeRefs reads an index value; ok is false for an entry that holds no
// refs (written before refs were indexed) or one that does not parse.
func decodeRefs(v []byte) (ids []string, ok bool) {
	if len(v) == 0 || v[0] != refsMark {
		return nil, false
	}
	v = v[1:]
	for len(v) > 0 {
		i := bytes.IndexByte(v, 0)
		if i < 0 {
			return nil, false
		}
		ids = append(ids, string(v[:i]))
		v = v[i+1:]
	}
	return ids, true
}

// Thread counts one conversation's messages and notes from the index and
// lists the attachment ids its messages name, reading only the messages
// whose entries do not hold them.
func (s *Store) Thread(conv string) (messages, notes int, refs []string, err error) {
	if conv == "" || strings.ContainsRune(conv, 0) {
		return 0, 0, nil, nil
	}
	err = s.view(func(tx *bolt.Tx) error {
		prefix := append([]byte(conv), 0)
		msgs := tx.Bucket(bResources).Bucket([]byte("message"))
		c := tx.Bucket(bChildren).Bucket([]byte("conversation.message")).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			messages++
			ids, err := s.entryRefs(msgs, k, len(prefix), v)
			if err != nil {
				return err
			}
			refs = append(refs, ids...)
		}
		c = tx.Bucket(bChildren).Bucket([]byte("conversation.note")).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			notes++
		}
		return nil
	})
	return messages, notes, refs, err
}

// MessageRefs calls fn with the attachment ids every message filed under a
// conversation names, over the whole index, and returns how many messages
// the index holds: a caller compares that with Count("message") to know
// whether messages without a conversation were left out.
func (s *Store) MessageRefs(fn func(ref string)) (indexed int, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(bResources).Bucket([]byte("message"))
		return tx.Bucket(bChildren).Bucket([]byte("conversation.message")).ForEach(func(k, v []byte) error {
			indexed++
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("%w: children/conversation.message has a stray key %q", ErrCorrupt, k)
			}
			ids, err := s.entryRefs(msgs, k, i+1, v)
			for _, id := range ids {
				fn(id)
			}
			return err
		})
	})
	return indexed, err
}

// entryRefs are the refs of one index entry whose parent prefix (with its
// NUL) is n bytes long: from the value, or from the message itself.
func (s *Store) entryRefs(msgs *bolt.Bucket, k []byte, n int, v []byte) ([]string, error) {
	if ids, ok := decodeRefs(v); ok {
		return ids, nil
	}
	if len(k) < n+8 {
		return nil, fmt.Errorf("%w: index key %q in children/conversation.message is too short", ErrCorrupt, k)
	}
	id := k[n+8:]
	raw, err := s.codec.expand("message", id, msgs.Get(id))
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: children/conversation.message lists message %s, which is not stored", ErrCorrupt, id)
	}
	return AttachmentRefs(raw), nil
}
