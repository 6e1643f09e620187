package engine

import (
	"bytes"
	"encoding/hex"
	"slices"
	"sort"
)

// idSet is a set of Kustomer ids kept small: a 24-hex-digit id (every id
// Kustomer issues) takes 12 bytes in a sorted slice, so the planner can
// remember every customer of a large organisation in flat-ish memory.
// Other ids go to a map.
type idSet struct {
	packed [][12]byte
	sorted bool
	other  map[string]struct{}
}

func packID(id string) ([12]byte, bool) {
	var b [12]byte
	if len(id) != 24 {
		return b, false
	}
	if _, err := hex.Decode(b[:], []byte(id)); err != nil {
		return b, false
	}
	return b, true
}

// grow makes room for n more ids, so a set whose size is known (a
// snapshot counts its records) is one allocation, never copied as it
// grows: at ten million conversations the copy was the plan's peak.
func (s *idSet) grow(n int) {
	if n > 0 {
		s.packed = slices.Grow(s.packed, n)
	}
}

func (s *idSet) add(id string) {
	if b, ok := packID(id); ok {
		if n := len(s.packed); n > 0 && bytes.Compare(s.packed[n-1][:], b[:]) >= 0 {
			s.sorted = false
		} else if n == 0 {
			s.sorted = true
		}
		s.packed = append(s.packed, b)
		return
	}
	if s.other == nil {
		s.other = map[string]struct{}{}
	}
	s.other[id] = struct{}{}
}

func (s *idSet) has(id string) bool {
	b, ok := packID(id)
	if !ok {
		_, found := s.other[id]
		return found
	}
	if !s.sorted {
		sort.Slice(s.packed, func(i, j int) bool { return bytes.Compare(s.packed[i][:], s.packed[j][:]) < 0 })
		s.sorted = true
	}
	i := sort.Search(len(s.packed), func(i int) bool { return bytes.Compare(s.packed[i][:], b[:]) >= 0 })
	return i < len(s.packed) && s.packed[i] == b
}
