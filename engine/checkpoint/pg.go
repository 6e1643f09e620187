package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kzmap/kzmap/boltfile"
)

// PG locates a checkpoint in PostgreSQL: the team backend. Each workspace
// is a schema, kzmap_<workspace>, holding one table per collection
// (tables) and the writer's name; the state lock is a session advisory
// lock, held by the writer's connection for as long as it is open and
// released by the server when that session ends, however the process
// died.
type PG struct {
	// URL is the connection string (KZMAP_PG_URL). It is never printed,
	// stored or put into an error.
	URL       string
	Workspace string
}

// DefaultWorkspace is the workspace of a mapping that names none.
const DefaultWorkspace = "default"

var workspaceName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// SchemaName is the PostgreSQL schema of a workspace.
func SchemaName(workspace string) (string, error) {
	if !workspaceName.MatchString(workspace) {
		return "", fmt.Errorf("workspace %q: a workspace name is 1 to 50 lower-case letters, digits and _, starting with a letter (it names the PostgreSQL schema kzmap_NAME)", workspace)
	}
	return "kzmap_" + workspace, nil
}

// pgSteps bring a workspace's schema from version i to i+1; they run in
// order inside one transaction (PostgreSQL's DDL is transactional), so a
// schema is either fully migrated or untouched. %[1]s is the schema.
var pgSteps = []string{
	// 0 → 1: the collections, each (group, key) → value, and the writer.
	// Keys are bytea so they sort as bbolt's do (byte order, whatever the
	// cluster's collation).
	pgTables() + `
	CREATE TABLE %[1]s.writer (
		one         boolean PRIMARY KEY DEFAULT true CHECK (one),
		id          text NOT NULL,
		username    text NOT NULL,
		host        text NOT NULL,
		pid         integer NOT NULL,
		since       timestamptz NOT NULL,
		backend_pid integer NOT NULL
	);`,
}

func pgTables() string {
	var b strings.Builder
	for _, t := range tables {
		fmt.Fprintf(&b, "CREATE TABLE %%[1]s.%s (grp bytea NOT NULL, key bytea NOT NULL, val bytea NOT NULL, PRIMARY KEY (grp, key));\n", t.name)
	}
	return b.String()
}

// pgTimeout bounds each statement's round trip, so a server that stops
// answering is an error rather than a hang.
const pgTimeout = 2 * time.Minute

// pgBackend is an open workspace. Reads go through a pool (readers never
// wait for the writer: PostgreSQL's snapshots); writes go through the
// connection that holds the lock, so a writer whose session was lost
// cannot write at all.
type pgBackend struct {
	pool   *pgxpool.Pool
	schema string
	sql    pgSQL
	where  string

	mu     sync.Mutex // one write transaction at a time on conn
	conn   *pgx.Conn  // the writer's session (nil when read-only)
	lockID string
	key    int64
}

// pgSQL is each table's statements, built once.
type pgSQL struct {
	get, put, del, each, groups, count [nTables]string
}

func newPGSQL(schema string) pgSQL {
	var q pgSQL
	s := pgx.Identifier{schema}.Sanitize()
	for i, t := range tables {
		n := s + "." + t.name
		q.get[i] = "SELECT val FROM " + n + " WHERE grp = $1 AND key = $2"
		q.put[i] = "INSERT INTO " + n + " (grp, key, val) VALUES ($1, $2, $3) ON CONFLICT (grp, key) DO UPDATE SET val = excluded.val"
		q.del[i] = "DELETE FROM " + n + " WHERE grp = $1 AND key = $2"
		q.each[i] = "SELECT key, val FROM " + n + " WHERE grp = $1 ORDER BY key"
		q.groups[i] = "SELECT DISTINCT grp FROM " + n + " ORDER BY grp"
		q.count[i] = "SELECT count(*) FROM " + n + " WHERE grp = $1"
	}
	return q
}

// describe names a workspace in messages without the connection string.
func (p PG) describe(schema string) string {
	where := "PostgreSQL workspace " + p.Workspace
	if cfg, err := pgconn.ParseConfig(p.URL); err == nil {
		where += fmt.Sprintf(" (schema %s on %s:%d/%s)", schema, cfg.Host, cfg.Port, cfg.Database)
	}
	return where
}

// lockKey is the workspace's advisory lock: one 64-bit key per schema.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("kzmap checkpoint " + schema))
	return int64(h.Sum64())
}

// connConfig parses the URL, naming the variable but never quoting it.
func connConfig(url string) (*pgx.ConnConfig, error) {
	if url == "" {
		return nil, errors.New("the pg backend needs KZMAP_PG_URL (postgres://USER@HOST:PORT/DATABASE; the password from PGPASSWORD or ~/.pgpass), set in the environment: it is never read from a file kzmap writes")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("KZMAP_PG_URL is not a PostgreSQL connection string (postgres://USER@HOST:PORT/DATABASE): %s", pgParseError(err))
	}
	cfg.RuntimeParams["application_name"] = "kzmap"
	// The server probes a silent client after 30 s and gives up after six
	// unanswered probes 10 s apart: the session of a writer whose machine
	// vanished (no FIN, no RST) ends, and its lock with it, in about a
	// minute and a half, not the system's two hours.
	for k, v := range map[string]string{"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "6"} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	return cfg, nil
}

// pgParseError keeps the reason of a parse error and drops the text it
// quotes, which may hold a password.
func pgParseError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return "it could not be parsed"
}

// OpenPG opens a workspace. A writer takes the workspace lock (failing at
// once, within opts.Timeout, with who holds it), creates or migrates the
// schema, and names itself; a reader only reads.
func OpenPG(ctx context.Context, loc PG, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 200 * time.Millisecond
	}
	cfg, err := connConfig(loc.URL)
	if err != nil {
		return nil, err
	}
	b, err := openPGReader(ctx, loc, 8)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Store, error) {
		b.close()
		return nil, err
	}
	if !opts.ReadOnly {
		cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
		b.conn, err = pgx.ConnectConfig(cctx, cfg)
		cancel()
		if err != nil {
			return fail(b.reach(err))
		}
		if err := b.lock(ctx, opts.Timeout); err != nil {
			return fail(err)
		}
		if err := b.migrate(ctx, pgSteps); err != nil {
			return fail(err)
		}
	}
	lineage, err := b.check(ctx, opts.ReadOnly)
	if err != nil {
		return fail(err)
	}
	s := &Store{kv: b, where: b.where, readOnly: opts.ReadOnly, lineage: lineage}
	if !opts.ReadOnly && !opts.Migrating {
		if err := s.refuseMoved(); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// reach turns a connection failure into one that says which variable to
// look at; pgx's messages name the host and user, never the password.
func (b *pgBackend) reach(err error) error {
	return fmt.Errorf("cannot reach the PostgreSQL server of KZMAP_PG_URL for %s: %w", b.where, err)
}

// lock takes the workspace's advisory lock on the writer's session, or
// says who holds it.
func (b *pgBackend) lock(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		var ok bool
		if err := b.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", b.key).Scan(&ok); err != nil {
			return b.reach(err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			held, err := b.holder(ctx)
			if err != nil {
				return err
			}
			if held == nil { // released just now: try once more
				deadline = time.Now().Add(wait)
				continue
			}
			return held
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// holder says who holds the workspace lock (nil when nobody does): the
// server's view (which session) and the writer's own note of itself.
func (b *pgBackend) holder(ctx context.Context) (*LockedError, error) {
	var backendPID int32
	var since time.Time
	err := b.pool.QueryRow(ctx, `SELECT l.pid, coalesce(a.backend_start, now())
		FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
		  AND l.classid::bigint = $1 AND l.objid::bigint = $2`,
		int64(uint64(b.key)>>32), int64(uint64(b.key)&0xffffffff)).Scan(&backendPID, &since)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading who holds the lock: %w", b.where, err)
	}
	le := &LockedError{Path: b.where, Since: since, ID: fmt.Sprintf("pid-%d", backendPID)}
	var w struct {
		id, user, host string
		pid, bpid      int32
		since          time.Time
	}
	err = b.pool.QueryRow(ctx, "SELECT id, username, host, pid, since, backend_pid FROM "+pgx.Identifier{b.schema, "writer"}.Sanitize()).
		Scan(&w.id, &w.user, &w.host, &w.pid, &w.since, &w.bpid)
	if err == nil && w.bpid == backendPID { // the note is the holder's, not a dead writer's
		le.User, le.Host, le.PID, le.Since, le.ID = w.user, w.host, int(w.pid), w.since, w.id
	}
	return le, nil
}

// migrate creates the schema or brings it to the steps' version, and
// names this process as the writer, in one transaction.
func (b *pgBackend) migrate(ctx context.Context, steps []string) error {
	return b.update(func(t txn) error {
		tx := t.(*pgTxn)
		if err := tx.begin(); err != nil { // DDL, then writes: one transaction
			return err
		}
		v, exists, err := b.version(ctx, tx.q)
		if err != nil {
			return err
		}
		if v > len(steps) {
			return fmt.Errorf("%s has schema version %d, newer than this kzmap understands (%d); use a newer kzmap", b.where, v, len(steps))
		}
		if !exists {
			if _, err := tx.q.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{b.schema}.Sanitize()); err != nil {
				return err
			}
		}
		for i := v; i < len(steps); i++ {
			if _, err := tx.q.Exec(ctx, fmt.Sprintf(steps[i], pgx.Identifier{b.schema}.Sanitize())); err != nil {
				return fmt.Errorf("%s: schema step %d → %d: %w", b.where, i, i+1, err)
			}
		}
		if v < len(steps) {
			if err := tx.put(tMeta, "", kVersion, fmt.Appendf(nil, "%d", len(steps))); err != nil {
				return err
			}
		}
		if !exists {
			if err := tx.put(tMeta, "", kLineage, []byte(boltfile.NewID())); err != nil {
				return err
			}
		}
		user, host := boltfile.Holder()
		b.lockID = "pg-" + boltfile.NewID()
		_, err = tx.q.Exec(ctx, "INSERT INTO "+pgx.Identifier{b.schema, "writer"}.Sanitize()+
			` (id, username, host, pid, since, backend_pid) VALUES ($1, $2, $3, $4, now(), pg_backend_pid())
			ON CONFLICT (one) DO UPDATE SET id = excluded.id, username = excluded.username, host = excluded.host,
			pid = excluded.pid, since = excluded.since, backend_pid = excluded.backend_pid`,
			b.lockID, user, host, os.Getpid())
		return err
	})
}

// version reads the schema's version; exists is false for a workspace
// that was never created.
func (b *pgBackend) version(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (v int, exists bool, err error) {
	var reg *string
	if err := q.QueryRow(ctx, "SELECT to_regclass($1)::text", pgx.Identifier{b.schema, "meta"}.Sanitize()).Scan(&reg); err != nil {
		return 0, false, fmt.Errorf("%s: %w", b.where, err)
	}
	if reg == nil {
		return 0, false, nil
	}
	var raw []byte
	err = q.QueryRow(ctx, b.sql.get[tMeta], []byte(""), []byte(kVersion)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, true, nil
	}
	if err != nil {
		return 0, true, fmt.Errorf("%s: %w", b.where, err)
	}
	if _, err := fmt.Sscanf(string(raw), "%d", &v); err != nil {
		return 0, true, fmt.Errorf("%s: the schema version %q is damaged", b.where, raw)
	}
	return v, true, nil
}

// check verifies a workspace is there at this build's version and
// returns its lineage.
func (b *pgBackend) check(ctx context.Context, readOnly bool) (string, error) {
	v, exists, err := b.version(ctx, b.pool)
	switch {
	case err != nil:
		return "", err
	case !exists && readOnly:
		return "", fmt.Errorf("%w: there is no checkpoint in %s (run kzmap apply first)", ErrNoCheckpoint, b.where)
	case v > len(pgSteps):
		return "", fmt.Errorf("%s has schema version %d, newer than this kzmap understands (%d); use a newer kzmap", b.where, v, len(pgSteps))
	case v < len(pgSteps):
		return "", fmt.Errorf("%s has schema version %d; run kzmap apply once with this kzmap to upgrade it to %d", b.where, v, len(pgSteps))
	}
	var lineage []byte
	err = b.view(func(t txn) (err error) {
		lineage, err = t.get(tMeta, "", kLineage)
		return err
	})
	return string(lineage), err
}

func (b *pgBackend) view(fn func(txn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return b.lost(err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(&pgTxn{ctx: ctx, q: tx, sql: &b.sql, readOnly: true}); err != nil {
		return err
	}
	return b.lost(tx.Commit(ctx))
}

func (b *pgBackend) read(fn func(txn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	return fn(&pgTxn{ctx: ctx, q: b.pool, sql: &b.sql, readOnly: true})
}

// update runs fn on the writer's session. Its reads need no transaction:
// the workspace lock makes this session the only writer, so what it reads
// cannot change under it. Its writes are queued and sent at the end in
// one pipeline, which PostgreSQL runs as one implicit transaction (one
// round trip, all or nothing). An update that must read its own queued
// writes through a scan (each, groups, count) or queues more than
// maxQueued opens an explicit transaction first.
func (b *pgBackend) update(fn func(txn) error) error {
	if b.conn == nil {
		return boltfile.ErrReadOnly
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	t := &pgTxn{ctx: ctx, q: b.conn, conn: b.conn, sql: &b.sql}
	defer func() {
		if t.tx != nil {
			t.tx.Rollback(context.Background())
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if t.tx == nil {
		return b.lost(t.send())
	}
	if err := t.flush(); err != nil {
		return b.lost(err)
	}
	err := t.tx.Commit(ctx)
	t.tx = nil
	return b.lost(err)
}

// lost says what a failed round trip means for the writer: with its
// session gone, so is the lock, and nothing more can be written.
func (b *pgBackend) lost(err error) error {
	if err == nil {
		return nil
	}
	if b.conn != nil && b.conn.IsClosed() {
		return fmt.Errorf("%s: the connection to PostgreSQL was lost, and with it the workspace lock; nothing more is written. Run the command again: batches in flight are recovered (%w)", b.where, err)
	}
	return fmt.Errorf("%s: %w", b.where, err)
}

func (*pgBackend) call(fn func() error) error { return fn() }

func (b *pgBackend) close() error {
	var err error
	if b.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if b.lockID != "" {
			_, _ = b.conn.Exec(ctx, "DELETE FROM "+pgx.Identifier{b.schema, "writer"}.Sanitize()+" WHERE id = $1", b.lockID)
		}
		// Closing the session releases the advisory lock.
		err = b.conn.Close(ctx)
		cancel()
		b.conn = nil
	}
	if b.pool != nil {
		b.pool.Close()
	}
	return err
}

// pgTxn is one transaction. Writes are queued and sent in one round
// trip (a pipeline) before anything reads the table again and at commit;
// get sees the queued writes.
type pgTxn struct {
	ctx      context.Context
	q        querier   // where statements go: the pool, a transaction, the writer's session
	conn     *pgx.Conn // an update's session (nil in views)
	tx       pgx.Tx    // an update's explicit transaction, once it needs one
	sql      *pgSQL
	readOnly bool

	queue pgx.Batch
	over  map[pgKey][]byte // queued values; a deleted key maps to nil
	busy  bool             // inside each: rows are streaming on the connection
}

// querier is what pgxpool.Pool, pgx.Tx and pgx.Conn have in common.
type querier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}

type pgKey struct {
	t        table
	grp, key string
}

// maxQueued bounds the writes held in memory before they are sent.
const maxQueued = 4096

func (t *pgTxn) get(tb table, grp, key string) ([]byte, error) {
	if v, ok := t.over[pgKey{tb, grp, key}]; ok {
		return v, nil
	}
	if t.busy {
		return nil, errNested
	}
	var v []byte
	err := t.q.QueryRow(t.ctx, t.sql.get[tb], []byte(grp), []byte(key)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (t *pgTxn) put(tb table, grp, key string, v []byte) error {
	if t.readOnly {
		return boltfile.ErrReadOnly
	}
	v = append([]byte{}, v...)
	t.queue.Queue(t.sql.put[tb], []byte(grp), []byte(key), v)
	return t.queued(pgKey{tb, grp, key}, v)
}

func (t *pgTxn) del(tb table, grp, key string) error {
	if t.readOnly {
		return boltfile.ErrReadOnly
	}
	t.queue.Queue(t.sql.del[tb], []byte(grp), []byte(key))
	return t.queued(pgKey{tb, grp, key}, nil)
}

func (t *pgTxn) queued(k pgKey, v []byte) error {
	if t.over == nil {
		t.over = map[pgKey][]byte{}
	}
	t.over[k] = v
	if t.queue.Len() >= maxQueued && !t.busy {
		return t.flush()
	}
	return nil
}

// flush sends the queued writes before the transaction reads them back
// by a scan; an update opens its explicit transaction for that.
func (t *pgTxn) flush() error {
	if t.queue.Len() == 0 {
		return nil
	}
	if t.busy {
		return errNested
	}
	if err := t.begin(); err != nil {
		return err
	}
	return t.send()
}

// begin opens an update's explicit transaction, if it has none yet.
func (t *pgTxn) begin() error {
	if t.tx != nil || t.conn == nil {
		return nil
	}
	tx, err := t.conn.Begin(t.ctx)
	if err != nil {
		return err
	}
	t.tx, t.q = tx, tx
	return nil
}

// send sends the queued writes on q in one pipeline.
func (t *pgTxn) send() error {
	if t.queue.Len() == 0 {
		return nil
	}
	err := t.q.SendBatch(t.ctx, &t.queue).Close()
	t.queue = pgx.Batch{}
	clear(t.over)
	return err
}

func (t *pgTxn) each(tb table, grp string, fn func(string, []byte) error) error {
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.q.Query(t.ctx, t.sql.each[tb], []byte(grp))
	if err != nil {
		return err
	}
	defer rows.Close()
	t.busy = true
	defer func() { t.busy = false }()
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if err := fn(string(k), v); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *pgTxn) groups(tb table, fn func(string) error) error {
	if t.busy {
		return errNested
	}
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.q.Query(t.ctx, t.sql.groups[tb])
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var g []byte
		err := r.Scan(&g)
		return string(g), err
	})
	if err != nil {
		return err
	}
	for _, g := range names { // after the rows are read: fn may query
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

func (t *pgTxn) count(tb table, grp string) (int, error) {
	if t.busy {
		return 0, errNested
	}
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := t.q.QueryRow(t.ctx, t.sql.count[tb], []byte(grp)).Scan(&n)
	return int(n), err
}

// ErrNotLocked is returned by UnlockPG when nobody holds the lock.
var ErrNotLocked = errors.New("the workspace is not locked")

// HolderPG says who holds a workspace's lock; nil when nobody does.
func HolderPG(ctx context.Context, loc PG) (*LockedError, error) {
	b, err := openPGReader(ctx, loc, 2)
	if err != nil {
		return nil, err
	}
	defer b.close()
	return b.holder(ctx)
}

// UnlockPG breaks a workspace lock whose holder is gone but whose session
// the server still keeps (a machine that lost its network mid-apply): it
// ends that session, which releases the lock and stops anything the
// session would still write. id is the one the lock error named; another
// id (the lock changed hands since) is refused.
func UnlockPG(ctx context.Context, loc PG, id string) (*LockedError, error) {
	b, err := openPGReader(ctx, loc, 2)
	if err != nil {
		return nil, err
	}
	defer b.close()
	held, err := b.holder(ctx)
	switch {
	case err != nil:
		return nil, err
	case held == nil:
		return nil, fmt.Errorf("%w: %s has no writer now, so there is nothing to unlock", ErrNotLocked, b.where)
	case held.ID != id:
		return held, fmt.Errorf("%s is locked under id %s, not %s: the lock changed hands; look again before breaking it", b.where, held.ID, id)
	}
	var ok bool
	if err := b.pool.QueryRow(ctx, "SELECT pg_terminate_backend(backend_pid) FROM "+pgx.Identifier{b.schema, "writer"}.Sanitize()+" WHERE id = $1", id).Scan(&ok); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return held, fmt.Errorf("%s: ending the holder's session: %w", b.where, err)
	}
	if !ok {
		// The note is missing (id is the backend pid itself).
		var pid int32
		if _, err := fmt.Sscanf(id, "pid-%d", &pid); err == nil {
			if err := b.pool.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil {
				return held, fmt.Errorf("%s: ending the holder's session: %w", b.where, err)
			}
		}
	}
	if !ok {
		return held, fmt.Errorf("%s: the server refused to end the holder's session (it needs the same role or pg_signal_backend)", b.where)
	}
	return held, nil
}

// openPGReader connects a pool of at most conns sessions to a workspace.
func openPGReader(ctx context.Context, loc PG, conns int32) (*pgBackend, error) {
	schema, err := SchemaName(loc.Workspace)
	if err != nil {
		return nil, err
	}
	cfg, err := connConfig(loc.URL)
	if err != nil {
		return nil, err
	}
	b := &pgBackend{schema: schema, sql: newPGSQL(schema), where: loc.describe(schema), key: lockKey(schema)}
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, err
	}
	pcfg.ConnConfig = cfg
	pcfg.MaxConns = conns
	if b.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return nil, b.reach(err)
	}
	if err := b.pool.Ping(ctx); err != nil {
		b.close()
		return nil, b.reach(err)
	}
	return b, nil
}
