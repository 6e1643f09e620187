// Package boltfile holds what kzmap's two bbolt stores (snapshot.db and
// checkpoint.db) share: Check, which refuses a damaged file before bbolt
// maps it (bbolt trusts its meta pages, and a truncated file makes it fault
// with a signal no recover() catches); the lock-owner file that lets a
// second process say who holds a store; and the schema migration runner.
package boltfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

const (
	magic      = 0xED0CDAED
	pageHeader = 16 // id, flags, count, overflow
	metaSize   = 64 // magic … checksum
	metaFlag   = 0x04
)

// ErrDamaged marks a file that is not a usable bbolt database.
var ErrDamaged = errors.New("damaged store file")

type meta struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
	ok       bool
}

// Check returns nil when path does not exist (it will be created), is
// empty, or looks like a complete bbolt file; otherwise an error wrapping
// ErrDamaged that says what is wrong.
func Check(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return check(path, f, st.Size())
}

// check reads the meta pages of a store of the given size.
func check(path string, f io.ReaderAt, size int64) error {
	if size == 0 {
		return nil
	}
	first := make([]byte, pageHeader+metaSize)
	if _, err := f.ReadAt(first, 0); err != nil {
		return fmt.Errorf("%s: %w: too short to be a store (%d bytes)", path, ErrDamaged, size)
	}
	m0 := readMeta(first)
	if m0.pageSize == 0 && !m0.ok {
		return fmt.Errorf("%s: %w: not a bbolt file (no meta page)", path, ErrDamaged)
	}
	var m1 meta
	if m0.pageSize >= 512 && m0.pageSize <= 1<<20 && int64(m0.pageSize)*2 <= size {
		second := make([]byte, pageHeader+metaSize)
		if _, err := f.ReadAt(second, int64(m0.pageSize)); err == nil {
			m1 = readMeta(second)
		}
	}
	best := m0
	if m1.ok && (!m0.ok || m1.txid > m0.txid) {
		best = m1
	}
	if !best.ok {
		return fmt.Errorf("%s: %w: both meta pages are invalid", path, ErrDamaged)
	}
	need := int64(best.pgid) * int64(best.pageSize)
	if need > size {
		return fmt.Errorf("%s: %w: truncated (the store needs %d bytes, the file has %d)", path, ErrDamaged, need, size)
	}
	return nil
}

// readMeta decodes a meta page and verifies its checksum.
func readMeta(p []byte) meta {
	le := binary.LittleEndian
	if le.Uint16(p[8:10])&metaFlag == 0 {
		return meta{}
	}
	m := p[pageHeader:]
	out := meta{pageSize: le.Uint32(m[8:12])}
	if le.Uint32(m[0:4]) != magic {
		return meta{}
	}
	out.pgid = le.Uint64(m[40:48])
	out.txid = le.Uint64(m[48:56])
	h := fnv.New64a()
	h.Write(m[:56])
	out.ok = h.Sum64() == le.Uint64(m[56:64])
	return out
}
