package snapshot

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

// Compressed resources. A resource's JSON is most of a snapshot (92% at a
// million conversations, bench/RESULTS.md §13), and one record alone
// compresses badly: a message is some 800 bytes, too few for a
// compressor to find the repeats. What repeats is across records (the
// keys, the relationships, the attribute names an organisation uses), so
// each type gets a zstd dictionary trained on its own first records, kept
// in the snapshot, and every later record of that type is one zstd frame
// against it: about a fifth of its size on generated data, and a plan then
// reads a snapshot that stays in the page cache.
//
// A stored value is either the JSON itself (its first byte is '{', as
// every value before schema version 4 was, and as a type's first records
// stay) or compressed: the byte 0x01, the dictionary's id as a uvarint,
// then the frame. The digest, the counts and the indexes are computed over
// the JSON, so they do not depend on how it is stored.

const compressedValue = 0x01

// Training. A type's first dictSamples records (or dictSampleBytes of
// them) are kept in memory as they are written; then a dictionary is
// trained from them, in the write transaction that filled the sample
// (a second or two, once per type), and stored in dicts/. A record larger
// than sampleMax is left out of the sample, so that one long message does
// not fill it alone.
const (
	dictSamples     = 1000
	dictSampleBytes = 1 << 20
	sampleMax       = 64 << 10
	dictMaxSize     = 64 << 10
	// maxValue bounds what one frame may claim to decode to: a damaged
	// frame must not make a read allocate without bound.
	maxValue = 256 << 20
)

// zdict is one dictionary, able to compress and expand.
type zdict struct {
	id  uint32
	typ string
	raw []byte // the dictionary as dicts/ holds it
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// codec holds a store's dictionaries. Expanding and compressing
// (compress, from Store.Prepare) run on any goroutine; sampling and
// training (compact) only inside bbolt's one write transaction.
type codec struct {
	mu     sync.RWMutex
	byID   map[uint32]*zdict
	byType map[string]*zdict // the dictionary new records of a type use
	// Used only inside the write transaction.
	samples     map[string][][]byte
	sampleBytes map[string]int
	failed      map[string]bool
	after       int // records sampled before training (dictSamples unless a test says)
}

func newCodec() *codec {
	return &codec{byID: map[uint32]*zdict{}, byType: map[string]*zdict{}, samples: map[string][][]byte{},
		sampleBytes: map[string]int{}, failed: map[string]bool{}, after: dictSamples}
}

// dictKey is a dictionary's key in dicts/: its id, 4 bytes big-endian.
func dictKey(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }

// load reads every dictionary the snapshot holds. A value in dicts/ is
// the type's name, a NUL byte, and the zstd dictionary.
func (c *codec) load(tx *bolt.Tx) error {
	b := tx.Bucket(bDicts)
	if b == nil {
		return nil // schema 3, opened read-only: nothing is compressed
	}
	return b.ForEach(func(k, v []byte) error {
		if len(k) != 4 {
			return fmt.Errorf("%w: dicts/ has a key %q that is not a dictionary id", ErrCorrupt, k)
		}
		id := binary.BigEndian.Uint32(k)
		var typ string
		var raw []byte
		for i, ch := range v {
			if ch == 0 {
				typ, raw = string(v[:i]), v[i+1:]
				break
			}
		}
		if typ == "" {
			return fmt.Errorf("%w: dictionary %d in dicts/ names no type", ErrCorrupt, id)
		}
		d, err := openDict(id, typ, bytes.Clone(raw))
		if err != nil {
			return fmt.Errorf("%w: dictionary %d (%s) in dicts/: %v", ErrCorrupt, id, typ, err)
		}
		c.byID[id] = d
		if cur := c.byType[typ]; cur == nil || cur.id < id {
			c.byType[typ] = d
		}
		return nil
	})
}

func openDict(id uint32, typ string, raw []byte) (*zdict, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDicts(raw), zstd.WithDecoderMaxMemory(maxValue), zstd.WithDecoderConcurrency(2))
	if err != nil {
		return nil, err
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderDict(raw))
	if err != nil {
		dec.Close()
		return nil, err
	}
	return &zdict{id: id, typ: typ, raw: raw, enc: enc, dec: dec}, nil
}

func (c *codec) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.byID {
		d.enc.Close()
		d.dec.Close()
	}
	c.byID, c.byType = map[uint32]*zdict{}, map[string]*zdict{}
}

// expand returns the JSON a stored value holds: the value itself when it
// is not compressed (no copy), or a new slice.
func (c *codec) expand(typ string, id, v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != compressedValue {
		return v, nil
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || n > 1<<32-1 {
		return nil, fmt.Errorf("%w: resources/%s/%s has a damaged header", ErrCorrupt, typ, id)
	}
	c.mu.RLock()
	d := c.byID[uint32(n)]
	c.mu.RUnlock()
	if d == nil {
		return nil, fmt.Errorf("%w: resources/%s/%s is compressed with dictionary %d, which dicts/ does not hold", ErrCorrupt, typ, id, n)
	}
	out, err := d.dec.DecodeAll(v[1+k:], nil)
	if err != nil {
		return nil, fmt.Errorf("%w: resources/%s/%s does not expand: %v", ErrCorrupt, typ, id, err)
	}
	return out, nil
}

// compress is what to store for a resource's JSON when its type has a
// dictionary: the compressed value and that dictionary, or a copy of raw
// when compressing does not make it smaller. Without a dictionary it
// returns nil: the write transaction decides (compact), since that is
// where a type's sample fills. It runs on any goroutine.
func (c *codec) compress(typ string, raw []byte) ([]byte, *zdict) {
	c.mu.RLock()
	d := c.byType[typ]
	c.mu.RUnlock()
	if d == nil {
		return nil, nil
	}
	out := binary.AppendUvarint(append(make([]byte, 0, 8+len(raw)/3), compressedValue), uint64(d.id))
	out = d.enc.EncodeAll(raw, out)
	if len(out) >= len(raw) {
		return bytes.Clone(raw), nil
	}
	return out, d
}

// compact is compress inside the write transaction: it samples a type
// that has no dictionary yet, trains it once the sample is full, and
// makes sure the dictionary a value names is in this transaction's
// dicts/.
func (c *codec) compact(t *Tx, typ string, raw []byte) ([]byte, error) {
	out, d := c.compress(typ, raw)
	if out == nil {
		var err error
		if d, err = c.sample(typ, raw); err != nil || d == nil {
			return bytes.Clone(raw), err
		}
		if out, d = c.compress(typ, raw); d == nil {
			return out, nil
		}
	}
	if d != nil {
		if err := t.haveDict(d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sample keeps raw for its type's training and, once the sample is full,
// trains the dictionary, stores it and returns it. A type whose records
// the trainer cannot use (too few distinct bytes) stays uncompressed for
// the rest of the process.
func (c *codec) sample(typ string, raw []byte) (*zdict, error) {
	if c.failed[typ] || len(raw) > sampleMax {
		return nil, nil
	}
	c.samples[typ] = append(c.samples[typ], append([]byte(nil), raw...))
	c.sampleBytes[typ] += len(raw)
	if len(c.samples[typ]) < c.after && c.sampleBytes[typ] < dictSampleBytes {
		return nil, nil
	}
	samples := c.samples[typ]
	delete(c.samples, typ)
	delete(c.sampleBytes, typ)
	c.mu.RLock()
	id := uint32(1)
	for have := range c.byID {
		id = max(id, have+1)
	}
	c.mu.RUnlock()
	built, err := train(id, samples)
	if err != nil {
		c.failed[typ] = true
		return nil, nil
	}
	d, err := openDict(id, typ, built)
	if err != nil {
		c.failed[typ] = true
		return nil, nil
	}
	c.mu.Lock()
	c.byID[id] = d
	c.byType[typ] = d
	c.mu.Unlock()
	return d, nil
}

// train builds a dictionary; the trainer's own failures, panics included,
// are an error, never a crash on user data.
func train(id uint32, samples [][]byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("training a dictionary: %v", p)
		}
	}()
	return dict.BuildZstdDict(samples, dict.Options{MaxDictSize: dictMaxSize, HashBytes: 6, ZstdDictID: id, ZstdLevel: zstd.SpeedFastest})
}

// haveDict makes sure this transaction's dicts/ holds d, which a value
// is about to name: a batch that failed may have rolled back the
// transaction that first stored it.
func (t *Tx) haveDict(d *zdict) error {
	if t.dicts[d.id] {
		return nil
	}
	b := t.tx.Bucket(bDicts)
	if b.Get(dictKey(d.id)) == nil {
		if err := b.Put(dictKey(d.id), append(append([]byte(d.typ), 0), d.raw...)); err != nil {
			return err
		}
	}
	if t.dicts == nil {
		t.dicts = map[uint32]bool{}
	}
	t.dicts[d.id] = true
	return nil
}
