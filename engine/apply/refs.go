package apply

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/kzmap/kzmap/engine/checkpoint"
)

// refs resolves Kustomer ids to Zendesk ids through the checkpoint's
// aliases, caching what it found: agents and groups are asked for by
// every ticket.
type refs struct {
	store *checkpoint.Store
	mu    sync.Mutex
	cache map[string]int64
}

func newRefs(s *checkpoint.Store) *refs { return &refs{store: s, cache: map[string]int64{}} }

// id returns the Zendesk id the source record became, or 0.
func (r *refs) ID(sourceType, sourceID string) (int64, error) {
	if sourceID == "" {
		return 0, nil
	}
	key := sourceType + "/" + sourceID
	r.mu.Lock()
	v, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return v, nil
	}
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
	if len(r.cache) < 200_000 {
		r.cache[key] = n
	}
	r.mu.Unlock()
	return n, nil
}

// person resolves an author: a customer or an agent.
func (r *refs) Person(id string) (int64, error) {
	n, err := r.ID("customer", id)
	if err != nil || n != 0 {
		return n, err
	}
	return r.ID("user", id)
}
