package apply

import (
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/kzmap/kzmap/engine/checkpoint"
)

// refs resolves Kustomer ids to Zendesk ids through the checkpoint's
// aliases, caching what it found: agents and groups are asked for by
// every ticket. A source type asked for often (the requesters of a big
// import) is loaded whole, in two scans, instead of two reads per id: a
// round trip each with the checkpoint in PostgreSQL.
type refs struct {
	store  *checkpoint.Store
	mu     sync.Mutex
	cache  map[string]int64
	misses map[string]int  // look-ups that went to the store, by source type
	loaded map[string]bool // source types loaded whole
	loadMu sync.Mutex      // one load at a time
}

// refsCap bounds the cache; loadAfter is how many look-ups of a source
// type go to the store before it is loaded whole (a delta pass of a few
// tickets never loads a million customers).
const (
	refsCap   = 200_000
	loadAfter = 256
)

func newRefs(s *checkpoint.Store) *refs {
	return &refs{store: s, cache: map[string]int64{}, misses: map[string]int{}, loaded: map[string]bool{}}
}

// id returns the Zendesk id the source record became, or 0.
func (r *refs) ID(sourceType, sourceID string) (int64, error) {
	if sourceID == "" {
		return 0, nil
	}
	key := sourceType + "/" + sourceID
	r.mu.Lock()
	v, ok := r.cache[key]
	load := false
	if !ok {
		// Only a look-up that goes to the store counts: counting every
		// call left a type unloaded whenever the loadAfter-th call found
		// its id cached (a requester's second comment), and the cache then
		// filled one id at a time through the first few hundred thousand
		// tickets of a large import, which was apply's memory rising from
		// the 100,000th ticket to the 300,000th (bench/RESULTS.md §13).
		r.misses[sourceType]++
		load = r.misses[sourceType] == loadAfter
	}
	r.mu.Unlock()
	if ok {
		return v, nil
	}
	if load {
		if err := r.load(sourceType); err != nil {
			return 0, err
		}
		r.mu.Lock()
		v, ok = r.cache[key]
		r.mu.Unlock()
		if ok {
			return v, nil
		}
	}
	// Not loaded, or written since: ask the store.
	kind, tkey, ok, err := r.store.Resolve(sourceType, sourceID)
	if err != nil || !ok {
		return 0, err
	}
	e, ok, err := r.store.Get(kind, tkey)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(e.ZendeskID, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint: %s/%s has Zendesk id %q, not a number", kind, tkey, e.ZendeskID)
	}
	r.mu.Lock()
	if len(r.cache) < refsCap {
		r.cache[key] = n
	}
	r.mu.Unlock()
	return n, nil
}

// load caches every record a source type became: its aliases in one
// scan, then the entries of the kinds they point at, one scan each. Only
// positive answers are cached, so what is written after the load is
// found by the store.
func (r *refs) load(sourceType string) error {
	r.loadMu.Lock()
	defer r.loadMu.Unlock()
	if r.loaded[sourceType] {
		return nil
	}
	r.loaded[sourceType] = true
	byKind := map[string]map[string][]string{} // kind → target key → source ids
	n := 0
	err := r.store.ForEachAlias(sourceType, func(id, kind, key string) error {
		if n >= refsCap {
			return errFull
		}
		if byKind[kind] == nil {
			byKind[kind] = map[string][]string{}
		}
		byKind[kind][key] = append(byKind[kind][key], id)
		n++
		return nil
	})
	if err != nil && !errors.Is(err, errFull) {
		return err
	}
	found := map[string]int64{}
	for kind, keys := range byKind {
		err := r.store.ForEach(kind, func(key string, e checkpoint.Entry) error {
			ids, ok := keys[key]
			if !ok {
				return nil
			}
			z, err := strconv.ParseInt(e.ZendeskID, 10, 64)
			if err != nil {
				return fmt.Errorf("checkpoint: %s/%s has Zendesk id %q, not a number", kind, key, e.ZendeskID)
			}
			for _, id := range ids {
				found[sourceType+"/"+id] = z
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range found {
		if len(r.cache) >= refsCap {
			break
		}
		r.cache[k] = v
	}
	return nil
}

var errFull = errors.New("refs: the cache is full")

// person resolves an author: a customer or an agent.
func (r *refs) Person(id string) (int64, error) {
	n, err := r.ID("customer", id)
	if err != nil || n != 0 {
		return n, err
	}
	return r.ID("user", id)
}
