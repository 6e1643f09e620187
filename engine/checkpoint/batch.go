package checkpoint

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/kzmap/kzmap/boltfile"
	bolt "go.etcd.io/bbolt"
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
	return s.db.Update(func(tx *bolt.Tx) error {
		v, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bInflight).Put([]byte(b.ID), v); err != nil {
			return err
		}
		return bumpSerial(tx)
	})
}

// InFlight lists the batches that were begun and not completed.
func (s *Store) InFlight() ([]Batch, error) {
	var out []Batch
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bInflight).ForEach(func(k, v []byte) error {
			var b Batch
			if err := decode(v, &b, "inflight", string(k)); err != nil {
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
	return s.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bInflight)
		v := bk.Get([]byte(batchID))
		if v == nil {
			return fmt.Errorf("batch %s is not in flight", batchID)
		}
		var b Batch
		if err := decode(v, &b, "inflight", batchID); err != nil {
			return err
		}
		b.JobID = jobID
		nv, err := json.Marshal(b)
		if err != nil {
			return err
		}
		return bk.Put([]byte(batchID), nv)
	})
}

// CompleteBatch atomically stores the confirmed records and dead letters
// of a batch and moves it from inflight/ to batches/.
func (s *Store) CompleteBatch(batchID string, records []Record, dead []DeadLetter) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		inflight := tx.Bucket(bInflight)
		v := inflight.Get([]byte(batchID))
		if v == nil {
			return fmt.Errorf("batch %s is not in flight", batchID)
		}
		var b Batch
		if err := decode(v, &b, "inflight", batchID); err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, r := range records {
			if err := putRecord(tx, r, b, now); err != nil {
				return err
			}
			b.Created = append(b.Created, r.Kind+"/"+r.Key+"="+r.Entry.ZendeskID)
		}
		deadRoot := tx.Bucket(bDead)
		for _, d := range dead {
			kb, err := deadRoot.CreateBucketIfNotExists([]byte(d.Kind))
			if err != nil {
				return err
			}
			if prev := kb.Get([]byte(d.Key)); prev != nil {
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
			if err := kb.Put([]byte(d.Key), dv); err != nil {
				return err
			}
		}
		b.DoneAt = now
		bv, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bBatches).Put([]byte(batchID), bv); err != nil {
			return err
		}
		if err := inflight.Delete([]byte(batchID)); err != nil {
			return err
		}
		return bumpSerial(tx)
	})
}

func putRecord(tx *bolt.Tx, r Record, b Batch, now time.Time) error {
	kb, err := tx.Bucket(bRecords).CreateBucketIfNotExists([]byte(r.Kind))
	if err != nil {
		return err
	}
	e := r.Entry
	e.Batch, e.Run = b.ID, b.Run
	if e.At.IsZero() {
		e.At = now
	}
	if b.Op == "append_comments" && e.Drift == "" {
		// Appending notes to a ticket changed in Zendesk leaves it
		// changed: the drift stays until the mapping overwrites it.
		if old := kb.Get([]byte(r.Key)); old != nil {
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
	if err := kb.Put([]byte(r.Key), ev); err != nil {
		return err
	}
	// A record that succeeded is no longer dead.
	if db := tx.Bucket(bDead).Bucket([]byte(r.Kind)); db != nil {
		if err := db.Delete([]byte(r.Key)); err != nil {
			return err
		}
	}
	for _, a := range r.Aliases {
		ab, err := tx.Bucket(bAliases).CreateBucketIfNotExists([]byte(a.SourceType))
		if err != nil {
			return err
		}
		if err := ab.Put([]byte(a.SourceID), []byte(r.Kind+"\x00"+r.Key)); err != nil {
			return err
		}
	}
	return nil
}

// Batch returns a completed or in-flight batch.
func (s *Store) Batch(id string) (Batch, bool, error) {
	var b Batch
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bBatches, bInflight} {
			if v := tx.Bucket(name).Get([]byte(id)); v != nil {
				ok = true
				return decode(v, &b, string(name), id)
			}
		}
		return nil
	})
	return b, ok, err
}

// DeadLetters lists the dead letters, by kind and key.
func (s *Store) DeadLetters() ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDead).ForEachBucket(func(kind []byte) error {
			return tx.Bucket(bDead).Bucket(kind).ForEach(func(k, v []byte) error {
				var d DeadLetter
				if err := decode(v, &d, "dead/"+string(kind), string(k)); err != nil {
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
	return s.db.Update(func(tx *bolt.Tx) error {
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return tx.Bucket(bRuns).Put([]byte(r.ID), v)
	})
}

// Runs lists the runs, oldest first.
func (s *Store) Runs() ([]Run, error) {
	var out []Run
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bRuns).ForEach(func(k, v []byte) error {
			var r Run
			if err := decode(v, &r, "runs", string(k)); err != nil {
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
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bBatches).ForEach(func(k, v []byte) error {
			var b Batch
			if err := decode(v, &b, "batches", string(k)); err != nil {
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
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, r := range records {
			if kb := tx.Bucket(bRecords).Bucket([]byte(r.Kind)); kb != nil {
				if err := kb.Delete([]byte(r.Key)); err != nil {
					return err
				}
			}
			for _, a := range r.Aliases {
				ab := tx.Bucket(bAliases).Bucket([]byte(a.SourceType))
				if ab == nil {
					continue
				}
				if v := ab.Get([]byte(a.SourceID)); string(v) == r.Kind+"\x00"+r.Key {
					if err := ab.Delete([]byte(a.SourceID)); err != nil {
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, d := range drift {
			kb := tx.Bucket(bRecords).Bucket([]byte(d.Kind))
			if kb == nil {
				continue
			}
			v := kb.Get([]byte(d.Key))
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
			if err := kb.Put([]byte(d.Key), ev); err != nil {
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		kb := tx.Bucket(bRecords).Bucket([]byte(kind))
		if kb == nil {
			return nil
		}
		drop := map[string]bool{}
		for _, k := range keys {
			if kb.Get([]byte(k)) == nil {
				continue
			}
			if err := kb.Delete([]byte(k)); err != nil {
				return err
			}
			drop[kind+"\x00"+k] = true
			n++
		}
		if n == 0 {
			return nil
		}
		err := tx.Bucket(bAliases).ForEachBucket(func(name []byte) error {
			ab := tx.Bucket(bAliases).Bucket(name)
			var dead [][]byte
			if err := ab.ForEach(func(k, v []byte) error {
				if drop[string(v)] {
					dead = append(dead, append([]byte(nil), k...))
				}
				return nil
			}); err != nil {
				return err
			}
			for _, k := range dead {
				if err := ab.Delete(k); err != nil {
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
