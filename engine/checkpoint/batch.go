package checkpoint

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/kzmap/kzmap/boltfile"
)

// Batch is one request (or one bulk job) to Zendesk. It is written to
// inflight/ before it is sent; after a crash, every in-flight batch is
// resolved by asking Zendesk before anything is sent again.
type Batch struct {
	ID     string   `json:"id"`
	Run    string   `json:"run"`
	Kind   string   `json:"kind"`
	Op     string   `json:"op"`   // create, update, append_comments, delete
	Keys   []string `json:"keys"` // target keys, in request order
	Hashes []string `json:"hashes,omitempty"`
	// ExternalIDs (or names, for groups) let a crashed batch be resolved
	// by asking Zendesk which of its records exist.
	ExternalIDs []string `json:"external_ids,omitempty"`
	// Sources are the source records of each key ("type/id,type/id").
	Sources  []string   `json:"sources,omitempty"`
	Comments [][]string `json:"comments,omitempty"`
	JobID    string     `json:"job_id,omitempty"`
	SentAt   time.Time  `json:"sent_at"`
	// Done is set once the batch is confirmed: the keys it wrote (a key may
	// have failed and gone to the dead letters).
	DoneAt  time.Time `json:"done_at,omitzero"`
	Created []string  `json:"created,omitempty"`
}

// DeadLetter is a record that kept failing, with Zendesk's reason.
type DeadLetter struct {
	Kind     string    `json:"kind"`
	Key      string    `json:"key"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	Batch    string    `json:"batch,omitempty"`
	At       time.Time `json:"at"`
}

// Run is one apply.
type Run struct {
	ID       string         `json:"id"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished,omitzero"`
	Status   string         `json:"status"` // running, done, failed, interrupted
	Counts   map[string]int `json:"counts,omitempty"`
	// Command is what made the run: "" for apply, or "refresh",
	// "state rm", "import" (records kzmap adopted or forgot by hand).
	Command string `json:"command,omitempty"`
}

// NewBatchID returns a fresh batch id.
func NewBatchID() string { return "b" + boltfile.NewID() }

// NewRunID returns a fresh run id.
func NewRunID() string { return "r" + boltfile.NewID() }

// BeginBatch records b as in flight. Call it before sending the request.
func (s *Store) BeginBatch(b Batch) error {
	if b.ID == "" {
		return fmt.Errorf("begin batch: no id")
	}
	return s.kv.update(func(tx txn) error {
		v, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if err := tx.put(tInflight, "", b.ID, v); err != nil {
			return err
		}
		return bumpSerial(tx)
	})
}

// InFlight lists the batches that were begun and not completed.
func (s *Store) InFlight() ([]Batch, error) {
	var out []Batch
	err := s.kv.read(func(tx txn) error {
		return tx.each(tInflight, "", func(k string, v []byte) error {
			var b Batch
			if err := decode(v, &b, "inflight", k); err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].SentAt.Before(out[j].SentAt) })
	return out, err
}

// SetJob records the Zendesk job id of an in-flight batch, so a crash
// after the job was queued is resolved by reading the job.
func (s *Store) SetJob(batchID, jobID string) error {
	return s.kv.update(func(tx txn) error {
		b, err := inFlight(tx, batchID)
		if err != nil {
			return err
		}
		b.JobID = jobID
		nv, err := json.Marshal(b)
		if err != nil {
			return err
		}
		return tx.put(tInflight, "", batchID, nv)
	})
}

// inFlight reads an in-flight batch.
func inFlight(tx txn, batchID string) (Batch, error) {
	var b Batch
	v, err := tx.get(tInflight, "", batchID)
	switch {
	case err != nil:
		return b, err
	case v == nil:
		return b, fmt.Errorf("batch %s is not in flight", batchID)
	}
	return b, decode(v, &b, "inflight", batchID)
}

// CompleteBatch atomically stores the confirmed records and dead letters
// of a batch and moves it from inflight/ to batches/.
func (s *Store) CompleteBatch(batchID string, records []Record, dead []DeadLetter) error {
	return s.kv.update(func(tx txn) error {
		b, err := inFlight(tx, batchID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, r := range records {
			if err := putRecord(tx, r, b, now); err != nil {
				return err
			}
			b.Created = append(b.Created, r.Kind+"/"+r.Key+"="+r.Entry.ZendeskID)
		}
		for _, d := range dead {
			prev, err := tx.get(tDead, d.Kind, d.Key)
			if err != nil {
				return err
			}
			if prev != nil {
				var p DeadLetter
				if json.Unmarshal(prev, &p) == nil {
					d.Attempts += p.Attempts
				}
			}
			if d.Attempts == 0 {
				d.Attempts = 1
			}
			d.Batch, d.At = batchID, now
			dv, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := tx.put(tDead, d.Kind, d.Key, dv); err != nil {
				return err
			}
		}
		b.DoneAt = now
		// What only resolving the batch in flight needed goes: the
		// records now hold their hashes and comments, and Zendesk's ids
		// replace the external ids (half a completed batch's bytes).
		b.Hashes, b.ExternalIDs, b.Comments = nil, nil, nil
		bv, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if err := tx.put(tBatches, "", batchID, bv); err != nil {
			return err
		}
		if err := tx.del(tInflight, "", batchID); err != nil {
			return err
		}
		return bumpSerial(tx)
	})
}

func putRecord(tx txn, r Record, b Batch, now time.Time) error {
	e := r.Entry
	e.Batch, e.Run = b.ID, b.Run
	if e.At.IsZero() {
		e.At = now
	}
	if b.Op == "append_comments" && e.Drift == "" {
		// Appending notes to a ticket changed in Zendesk leaves it
		// changed: the drift stays until the mapping overwrites it.
		old, err := tx.get(tRecords, r.Kind, r.Key)
		if err != nil {
			return err
		}
		if old != nil {
			var prev Entry
			if json.Unmarshal(old, &prev) == nil {
				e.Drift = prev.Drift
			}
		}
	}
	ev, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := tx.put(tRecords, r.Kind, r.Key, ev); err != nil {
		return err
	}
	// A record that succeeded is no longer dead.
	if err := tx.del(tDead, r.Kind, r.Key); err != nil {
		return err
	}
	for _, a := range r.Aliases {
		if err := tx.put(tAliases, a.SourceType, a.SourceID, []byte(r.Kind+"\x00"+r.Key)); err != nil {
			return err
		}
	}
	return nil
}

// Batch returns a completed or in-flight batch.
func (s *Store) Batch(id string) (Batch, bool, error) {
	var b Batch
	var ok bool
	err := s.kv.view(func(tx txn) error {
		for _, t := range []table{tBatches, tInflight} {
			v, err := tx.get(t, "", id)
			if err != nil {
				return err
			}
			if v != nil {
				ok = true
				return decode(v, &b, tables[t].name, id)
			}
		}
		return nil
	})
	return b, ok, err
}

// DeadLetters lists the dead letters, by kind and key.
func (s *Store) DeadLetters() ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.kv.view(func(tx txn) error {
		return tx.groups(tDead, func(kind string) error {
			return tx.each(tDead, kind, func(k string, v []byte) error {
				var d DeadLetter
				if err := decode(v, &d, "dead/"+kind, k); err != nil {
					return err
				}
				out = append(out, d)
				return nil
			})
		})
	})
	return out, err
}

// PutRun stores a run's state.
func (s *Store) PutRun(r Run) error {
	return s.kv.update(func(tx txn) error {
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return tx.put(tRuns, "", r.ID, v)
	})
}

// Runs lists the runs, oldest first.
func (s *Store) Runs() ([]Run, error) {
	var out []Run
	err := s.kv.read(func(tx txn) error {
		return tx.each(tRuns, "", func(k string, v []byte) error {
			var r Run
			if err := decode(v, &r, "runs", k); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out, err
}

// Batches lists the completed batches, oldest first; with run set, only
// that run's.
func (s *Store) Batches(run string) ([]Batch, error) {
	var out []Batch
	err := s.kv.read(func(tx txn) error {
		return tx.each(tBatches, "", func(k string, v []byte) error {
			var b Batch
			if err := decode(v, &b, "batches", k); err != nil {
				return err
			}
			if run == "" || b.Run == run {
				out = append(out, b)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].SentAt.Before(out[j].SentAt) })
	return out, err
}

// Forgotten is a record deleted from Zendesk, to be removed from the store
// with the aliases that pointed at it.
type Forgotten struct {
	Kind, Key string
	Aliases   []Alias
}

// Forget removes records (deleted from Zendesk by destroy) in one
// transaction, so a later plan creates them again if they are still
// wanted.
func (s *Store) Forget(records []Forgotten) error {
	return s.kv.update(func(tx txn) error {
		for _, r := range records {
			if err := tx.del(tRecords, r.Kind, r.Key); err != nil {
				return err
			}
			for _, a := range r.Aliases {
				v, err := tx.get(tAliases, a.SourceType, a.SourceID)
				if err != nil {
					return err
				}
				if string(v) == r.Kind+"\x00"+r.Key {
					if err := tx.del(tAliases, a.SourceType, a.SourceID); err != nil {
						return err
					}
				}
			}
		}
		return bumpSerial(tx)
	})
}

// Drifted is a record a refresh found changed in Zendesk.
type Drifted struct {
	Kind, Key string
	Drift     string // in words; "" clears it
}

// Refreshed records what a refresh found, in one transaction: drift on
// the records Zendesk changed, and the records Zendesk no longer holds
// forgotten, so the next plan creates them again.
func (s *Store) Refreshed(drift []Drifted, gone []Forgotten) error {
	if len(drift) == 0 && len(gone) == 0 {
		return nil
	}
	err := s.kv.update(func(tx txn) error {
		for _, d := range drift {
			v, err := tx.get(tRecords, d.Kind, d.Key)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			var e Entry
			if err := decode(v, &e, d.Kind, d.Key); err != nil {
				return err
			}
			e.Drift = d.Drift
			ev, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := tx.put(tRecords, d.Kind, d.Key, ev); err != nil {
				return err
			}
		}
		return bumpSerial(tx)
	})
	if err != nil {
		return err
	}
	return s.Forget(gone)
}

// ForgetKeys removes records by key, and every alias that resolves to
// them (state rm: forgotten without being deleted from Zendesk). It
// returns how many it found.
func (s *Store) ForgetKeys(kind string, keys []string) (int, error) {
	n := 0
	err := s.kv.update(func(tx txn) error {
		drop := map[string]bool{}
		for _, k := range keys {
			v, err := tx.get(tRecords, kind, k)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			if err := tx.del(tRecords, kind, k); err != nil {
				return err
			}
			drop[kind+"\x00"+k] = true
			n++
		}
		if n == 0 {
			return nil
		}
		err := tx.groups(tAliases, func(name string) error {
			var dead []string
			if err := tx.each(tAliases, name, func(k string, v []byte) error {
				if drop[string(v)] {
					dead = append(dead, k)
				}
				return nil
			}); err != nil {
				return err
			}
			for _, k := range dead {
				if err := tx.del(tAliases, name, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return bumpSerial(tx)
	})
	return n, err
}
