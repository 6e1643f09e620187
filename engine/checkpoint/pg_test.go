package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/kzmap/kzmap/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// forBackends runs a test on a new local store and a new PostgreSQL
// workspace.
func forBackends(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Run("local", func(t *testing.T) {
		s, _ := open(t)
		fn(t, s)
	})
	t.Run("pg", func(t *testing.T) {
		s, _ := openPG(t, "")
		fn(t, s)
	})
}

// openPG opens a workspace for writing (a new one when ws is "").
func openPG(t *testing.T, ws string) (*Store, PG) {
	t.Helper()
	loc := PG{URL: pgtest.URL(t), Workspace: ws}
	if ws == "" {
		loc.Workspace = pgtest.Workspace()
	}
	s, err := OpenPG(context.Background(), loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, loc
}

func TestPGSecondWriterFailsAtOnceNamingTheHolder(t *testing.T) {
	_, loc := openPG(t, "")
	start := time.Now()
	_, err := OpenPG(context.Background(), loc, Options{})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want a LockedError", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the second writer waited %s", took)
	}
	host, _ := os.Hostname()
	if le.PID != os.Getpid() || le.Host != host || le.User == "" || le.Since.IsZero() || !strings.HasPrefix(le.ID, "pg-") {
		t.Errorf("holder: %+v", le)
	}
	for _, want := range []string{"PostgreSQL workspace " + loc.Workspace, fmt.Sprintf("pid %d", os.Getpid()), "kzmap state unlock " + le.ID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), loc.URL) {
		t.Errorf("the error quotes the connection string: %v", err)
	}
}

// Readers never wait for the writer, even inside its transaction, and
// see what it committed.
func TestPGReadersNeverBlock(t *testing.T) {
	w, loc := openPG(t, "")
	b := Batch{ID: NewBatchID(), Run: "r1", Kind: "user", Op: "create", Keys: []string{"user.customer:1"}}
	if err := w.BeginBatch(b); err != nil {
		t.Fatal(err)
	}
	r, err := OpenPG(context.Background(), loc, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = w.kv.update(func(tx txn) error {
		if err := tx.put(tRecords, "user", "user.customer:1", []byte(`{"zendesk_id":"7"}`)); err != nil {
			return err
		}
		if err := tx.(*pgTxn).flush(); err != nil { // the row is written, not committed
			return err
		}
		done := make(chan error, 1)
		go func() {
			_, ok, err := r.Get("user", "user.customer:1")
			if ok {
				err = errors.New("the reader saw an uncommitted write")
			}
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("the reader waited for the writer's transaction")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if e, ok, err := r.Get("user", "user.customer:1"); err != nil || !ok || e.ZendeskID != "7" {
		t.Errorf("after commit the reader sees %+v %v %v", e, ok, err)
	}
	if in, _ := r.InFlight(); len(in) != 1 || in[0].ID != b.ID {
		t.Errorf("in flight as the reader sees it: %+v", in)
	}
	if _, err := r.Runs(); err != nil {
		t.Error(err)
	}
	if err := r.PutRun(Run{ID: "x"}); err == nil {
		t.Error("a reader wrote")
	}
}

// A writer that dies without closing (kill -9) leaves no lock: the server
// ends its session. The holder is a child process, killed.
func TestPGLockFreedWhenTheHolderIsKilled(t *testing.T) {
	if os.Getenv("KZ_PG_HOLDER") != "" {
		holdForever(t)
		return
	}
	loc := PG{URL: pgtest.URL(t), Workspace: pgtest.Workspace()}
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command(os.Args[0], "-test.run=^TestPGLockFreedWhenTheHolderIsKilled$")
	cmd.Env = append(os.Environ(), "KZ_PG_HOLDER="+loc.Workspace, "KZ_PG_READY="+ready, pgtest.EnvURL+"="+loc.URL)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the holder did not start:\n%s", out)
		}
	}
	_, err := OpenPG(context.Background(), loc, Options{})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("while the child holds it: %v (child pid %d)", err, cmd.Process.Pid)
	}
	cmd.Process.Kill() // SIGKILL: no Close, no unlock
	cmd.Wait()
	s, err := OpenPG(context.Background(), loc, Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	defer s.Close()
	if in, err := s.InFlight(); err != nil || len(in) != 1 {
		t.Errorf("the killed writer's batch: %v %v", in, err)
	}
}

func holdForever(t *testing.T) {
	loc := PG{URL: os.Getenv(pgtest.EnvURL), Workspace: os.Getenv("KZ_PG_HOLDER")}
	s, err := OpenPG(context.Background(), loc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.BeginBatch(Batch{ID: NewBatchID(), Kind: "user", Op: "create", Keys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(os.Getenv("KZ_PG_READY"), nil, 0o600)
	time.Sleep(time.Hour)
}

// state unlock: a lock whose holder is alive in the server's eyes is
// broken only under the id the lock error named, and the old holder can
// write nothing more.
func TestPGUnlockEndsTheHoldersSession(t *testing.T) {
	old, loc := openPG(t, "")
	_, err := OpenPG(context.Background(), loc, Options{})
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatal(err)
	}
	if _, err := UnlockPG(context.Background(), loc, "pg-0000"); err == nil || !strings.Contains(err.Error(), "changed hands") {
		t.Errorf("unlock with another id: %v", err)
	}
	held, err := UnlockPG(context.Background(), loc, le.ID)
	if err != nil || held.PID != os.Getpid() {
		t.Fatalf("unlock: %+v %v", held, err)
	}
	s, err := OpenPG(context.Background(), loc, Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	defer s.Close()
	err = old.PutRun(Run{ID: "late"})
	if err == nil || !strings.Contains(err.Error(), "lock") {
		t.Errorf("the old holder's write after unlock: %v", err)
	}
	if runs, _ := s.Runs(); len(runs) != 0 {
		t.Errorf("runs: %+v", runs)
	}
	if _, err := UnlockPG(context.Background(), loc, "x"); err == nil {
		t.Error("unlocked a lock held under another id")
	}
	s.Close()
	if _, err := UnlockPG(context.Background(), loc, "x"); !errors.Is(err, ErrNotLocked) {
		t.Errorf("unlock of a free workspace: %v", err)
	}
}

func TestPGMigrationsRunInOrderAndRefuseTheFuture(t *testing.T) {
	loc := PG{URL: pgtest.URL(t), Workspace: pgtest.Workspace()}
	cfg, err := connConfig(loc.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := openPGReader(context.Background(), loc, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if b.conn, err = pgx.ConnectConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if err := b.lock(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	v2 := append(append([]string{}, pgSteps...), `CREATE TABLE %[1]s.v2 (x int)`)
	if err := b.migrate(context.Background(), pgSteps); err != nil {
		t.Fatal(err)
	}
	version := func() int {
		v, _, err := b.version(context.Background(), b.pool)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	lineage := func() string {
		var l []byte
		b.view(func(tx txn) (err error) { l, err = tx.get(tMeta, "", kLineage); return err })
		return string(l)
	}
	lin := lineage()
	// A step that fails leaves the schema as it was.
	bad := append(append([]string{}, pgSteps...), `CREATE TABLE %[1]s.v2 (x int); SELECT 1/0`)
	if err := b.migrate(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "schema step 1 → 2") {
		t.Errorf("a failing step: %v", err)
	}
	if v := version(); v != 1 {
		t.Errorf("after a failed step: version %d", v)
	}
	if err := b.migrate(context.Background(), v2); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != 2 || lineage() != lin {
		t.Errorf("after v2: version %d, lineage %q (was %q)", v, lineage(), lin)
	}
	if err := b.migrate(context.Background(), pgSteps); err == nil || !strings.Contains(err.Error(), "newer than this kzmap") {
		t.Errorf("an older build: %v", err)
	}
	b.close()
	if _, err := OpenPG(context.Background(), loc, Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "newer than this kzmap") {
		t.Errorf("a reader of a newer schema: %v", err)
	}
}

func TestPGSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		loc  PG
		want string
	}{
		{PG{Workspace: "acme"}, "needs KZMAP_PG_URL"},
		{PG{URL: "postgres://u:s3cret@host:notaport/db", Workspace: "acme"}, "KZMAP_PG_URL is not"},
		{PG{URL: "postgres://u@127.0.0.1:1/db", Workspace: "Acme Corp"}, "lower-case letters"},
	} {
		_, err := OpenPG(context.Background(), c.loc, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%+v: %v", c.loc, err)
		}
	}
	_, err := OpenPG(context.Background(), PG{URL: "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2", Workspace: "acme"}, Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("an unreachable server: %v", err)
	}
	if loc := (PG{URL: pgtest.URL(t), Workspace: pgtest.Workspace()}); true {
		_, err := OpenPG(context.Background(), loc, Options{ReadOnly: true})
		if !errors.Is(err, ErrNoCheckpoint) {
			t.Errorf("a reader of a workspace never written: %v", err)
		}
	}
}

// state migrate both ways: the same records, runs, batches, serial and
// lineage; the source refuses writers afterwards; a checkpoint of another
// migration is never overwritten.
func TestCopyBothWays(t *testing.T) {
	local, path := open(t)
	fill(t, local, 40)
	want, err := survey(local)
	if err != nil {
		t.Fatal(err)
	}
	pg, loc := openPG(t, "")
	got, err := Copy(pg, local)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copied to pg (-local +pg):\n%s", diff)
	}
	if pg.Lineage() != local.Lineage() {
		t.Errorf("lineage %s, want %s", pg.Lineage(), local.Lineage())
	}
	if got.Counts["records/ticket"] != 40 || got.Counts["aliases/conversation"] != 40 || got.Counts["runs"] != 1 {
		t.Errorf("counts %v", got.Counts)
	}
	local.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrMoved) || !strings.Contains(err.Error(), "PostgreSQL workspace "+loc.Workspace) {
		t.Errorf("a writer of the moved file: %v", err)
	}
	// More work in pg, then back to the file.
	fill(t, pg, 45)
	back, err := Open(path, Options{Migrating: true})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	want2, _ := survey(pg)
	got2, err := Copy(back, pg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want2, got2); diff != "" {
		t.Errorf("copied back (-pg +local):\n%s", diff)
	}
	if moved, _ := back.MovedTo(); moved != "" {
		t.Errorf("the file still says it moved: %s", moved)
	}
	if _, err := OpenPG(context.Background(), loc, Options{Timeout: time.Second}); !errors.Is(err, ErrLocked) {
		t.Errorf("pg while it is open: %v", err)
	}
	// Another migration's checkpoint is not overwritten, nor a newer copy.
	other, _ := openPG(t, "")
	fill(t, other, 3)
	if _, err := Copy(other, back); !errors.Is(err, ErrOtherLineage) {
		t.Errorf("onto another lineage: %v", err)
	}
	fill(t, pg, 46)
	if _, err := Copy(pg, back); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("onto a newer copy: %v", err)
	}
}

// fill applies n tickets through the batch protocol, with an alias, a
// dead letter and a run.
func fill(t *testing.T, s *Store, n int) {
	t.Helper()
	run := Run{ID: NewRunID(), Started: time.Unix(1700000000, 0).UTC(), Status: "done"}
	if err := s.PutRun(run); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var recs []Record
	for i := range n {
		k := fmt.Sprintf("ticket.conversation:%04d", i)
		keys = append(keys, k)
		recs = append(recs, Record{Kind: "ticket", Key: k, Entry: Entry{ZendeskID: fmt.Sprint(1000 + i), Hash: "h"},
			Aliases: []Alias{{"conversation", fmt.Sprintf("%04d", i)}}})
	}
	b := Batch{ID: NewBatchID(), Run: run.ID, Kind: "ticket", Op: "create", Keys: keys}
	if err := s.BeginBatch(b); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteBatch(b.ID, recs, []DeadLetter{{Kind: "user", Key: "user.customer:x", Error: "Email: is invalid"}}); err != nil {
		t.Fatal(err)
	}
}

// An update's writes go in one pipeline: when one statement fails, none
// of them is kept.
func TestPGUpdateIsAllOrNothing(t *testing.T) {
	s, _ := openPG(t, "")
	serial, _ := s.Serial()
	err := s.kv.update(func(tx txn) error {
		if err := tx.put(tRuns, "", "r1", []byte(`{"id":"r1"}`)); err != nil {
			return err
		}
		if err := bumpSerial(tx); err != nil {
			return err
		}
		tx.(*pgTxn).queue.Queue("SELECT 1/0") // a statement that fails, after the writes
		return nil
	})
	if err == nil {
		t.Fatal("the failing statement was not reported")
	}
	if runs, _ := s.Runs(); len(runs) != 0 {
		t.Errorf("a write of the failed update was kept: %+v", runs)
	}
	if n, _ := s.Serial(); n != serial {
		t.Errorf("serial %d, was %d", n, serial)
	}
	// The session is still good.
	if err := s.PutRun(Run{ID: "r2"}); err != nil {
		t.Fatal(err)
	}
}

// The writer's session asks the server to probe a silent client, so the
// lock of a machine that vanished from the network is not kept for hours.
func TestPGWriterSessionIsProbed(t *testing.T) {
	s, _ := openPG(t, "")
	var idle string
	if err := s.kv.(*pgBackend).conn.QueryRow(context.Background(), "SHOW tcp_keepalives_idle").Scan(&idle); err != nil {
		t.Fatal(err)
	}
	if idle != "30" {
		t.Errorf("tcp_keepalives_idle = %s, want 30", idle)
	}
}
