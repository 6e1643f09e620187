package checkpoint

import "errors"

// The checkpoint's logic (the batch protocol, aliases, dead letters,
// serials) is written once, over a small transactional key-value layer
// with two backends: bbolt files (local, the default) and PostgreSQL
// (pg, for a team). Each collection is a table of (group, key) → value,
// keys in byte order; in bbolt a top-level bucket, with a bucket per group
// for the grouped ones; in PostgreSQL one table of the workspace's schema.

// table names one collection of the checkpoint.
type table uint8

const (
	tMeta     table = iota // settings: schema version, lineage, serial, binding
	tRecords               // group: kind; key: target key; value: Entry
	tAliases               // group: source type; key: source id; value: "<kind>\x00<key>"
	tInflight              // key: batch id; value: Batch, written before it is sent
	tBatches               // key: batch id; value: Batch once confirmed
	tDead                  // group: kind; key: target key; value: DeadLetter
	tRuns                  // key: run id; value: Run

	nTables = iota
)

// tables lists every collection with its name (a bbolt bucket, a
// PostgreSQL table) and whether it holds groups.
var tables = []struct {
	name    string
	grouped bool
	// inOrder marks the tables apply writes nearly in key order (a
	// plan's records come sorted by key), whose bbolt pages can be left
	// full when they split (bench/RESULTS.md §13); batch and run ids are
	// random, so their tables keep bbolt's default.
	inOrder bool
}{
	tMeta:     {"meta", false, false},
	tRecords:  {"records", true, true},
	tAliases:  {"aliases", true, true},
	tInflight: {"inflight", false, false},
	tBatches:  {"batches", false, false},
	tDead:     {"dead", true, false},
	tRuns:     {"runs", false, false},
}

// txn is one transaction of a backend. A value handed out by get or each
// is valid until the transaction ends. Inside each, the callback must not
// call the same transaction's get, each, groups or count (PostgreSQL
// streams the rows on the transaction's connection); put and del are fine.
type txn interface {
	get(t table, grp, key string) ([]byte, error)
	put(t table, grp, key string, v []byte) error
	del(t table, grp, key string) error
	// each calls fn for every key of a group, in byte order.
	each(t table, grp string, fn func(key string, v []byte) error) error
	// groups calls fn for every group of a grouped table that has keys
	// (bbolt: that was ever created), in byte order.
	groups(t table, fn func(grp string) error) error
	count(t table, grp string) (int, error)
}

// backend is where a checkpoint lives.
type backend interface {
	view(fn func(txn) error) error
	// read is a view of one statement: it needs no snapshot of its own
	// (PostgreSQL: no transaction, one round trip).
	read(fn func(txn) error) error
	update(fn func(txn) error) error
	// call runs a caller's callback from inside a transaction (bbolt marks
	// its panics as the caller's, not signs of damage).
	call(fn func() error) error
	close() error
}

// errNested is returned when a callback of each queries its own
// transaction: a mistake in kzmap, said plainly rather than as a busy
// connection.
var errNested = errors.New("checkpoint: a query inside each on the same transaction")
