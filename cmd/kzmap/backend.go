package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/checkpoint"
)

// stateLoc is where the checkpoint lives: a bbolt file under the state
// directory (local), or a PostgreSQL workspace (pg) that a team shares.
// The snapshot and the staged attachments stay local either way: they can
// be extracted again.
type stateLoc struct {
	backend string // "local" or "pg"
	from    string // what chose it, for messages
	path    string // local: the file
	pg      checkpoint.PG
}

// describe names the checkpoint in messages (never the connection
// string).
func (l stateLoc) describe() string {
	if l.backend == "pg" {
		return "PostgreSQL workspace " + l.pg.Workspace
	}
	return l.path
}

// resolveState finds the backend: --backend, then KZMAP_BACKEND, then the
// mapping directory's state block, then local; the workspace likewise
// (--workspace, KZMAP_WORKSPACE, the block, "default").
func resolveState(c *cli.Context) (stateLoc, error) {
	st, diags := dsl.ReadState(".")
	if diags.HasErrors() {
		return stateLoc{}, fmt.Errorf("the state block: %s (kzmap validate shows where)", diags.Error())
	}
	loc := stateLoc{path: checkpointPath()}
	loc.backend, loc.from = pick(
		[2]string{c.String("backend"), "--backend"},
		[2]string{os.Getenv("KZMAP_BACKEND"), "KZMAP_BACKEND"},
		[2]string{st.Backend, "the state block"},
		[2]string{"local", "the default"})
	if !slices.Contains(dsl.Backends, loc.backend) {
		return loc, fmt.Errorf("%s says backend %q: the backends are %s", loc.from, loc.backend, strings.Join(dsl.Backends, " and "))
	}
	ws, wsFrom := pick(
		[2]string{c.String("workspace"), "--workspace"},
		[2]string{os.Getenv("KZMAP_WORKSPACE"), "KZMAP_WORKSPACE"},
		[2]string{st.Workspace, "the state block"},
		[2]string{checkpoint.DefaultWorkspace, "the default"})
	loc.pg = checkpoint.PG{URL: os.Getenv("KZMAP_PG_URL"), Workspace: ws}
	if loc.backend == "pg" {
		if _, err := checkpoint.SchemaName(ws); err != nil {
			return loc, fmt.Errorf("%s: %w", wsFrom, err)
		}
	}
	return loc, nil
}

func pick(choices ...[2]string) (value, from string) {
	for _, c := range choices {
		if c[0] != "" {
			return c[0], c[1]
		}
	}
	return "", ""
}

// heldCheckpoint is the checkpoint a command that writes it several
// times keeps open throughout (sync: its passes), so that the state lock
// is held from the first pass to the last.
var heldCheckpoint *checkpoint.Store

// openCheckpointRW opens the checkpoint for writing: the state lock is
// taken here and held until Close.
func openCheckpointRW(c *cli.Context) (*checkpoint.Store, error) {
	if heldCheckpoint != nil {
		return heldCheckpoint.Share(), nil
	}
	loc, err := resolveState(c)
	if err != nil {
		return nil, err
	}
	return openAt(c, loc, checkpoint.Options{})
}

func openAt(c *cli.Context, loc stateLoc, opts checkpoint.Options) (*checkpoint.Store, error) {
	if loc.backend == "pg" {
		// Not cancelled by Ctrl-C: an interrupted command still records
		// how it ended (the connection has its own timeout).
		return checkpoint.OpenPG(context.WithoutCancel(c.Context), loc.pg, opts)
	}
	return checkpoint.Open(loc.path, opts)
}

// openCheckpointRO opens the checkpoint to read (nil when nothing was
// applied yet). Readers never wait for a writer: a local file being
// written is read from the copy its writer keeps for readers (stderr says
// as of when); PostgreSQL serves the last committed state.
func openCheckpointRO(c *cli.Context) (*checkpoint.Store, error) {
	if heldCheckpoint != nil { // this command writes it: read what it wrote
		return heldCheckpoint.Share(), nil
	}
	loc, err := resolveState(c)
	if err != nil {
		return nil, err
	}
	if loc.backend == "local" {
		if _, err := os.Stat(loc.path); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	s, err := openAt(c, loc, checkpoint.Options{ReadOnly: true})
	if errors.Is(err, checkpoint.ErrNoCheckpoint) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if at, writer, ok := s.CopyOf(); ok {
		who := "another kzmap"
		if writer != nil && writer.PID != 0 {
			who = fmt.Sprintf("another kzmap (pid %d)", writer.PID)
		}
		fmt.Fprintf(c.App.ErrWriter, "kzmap: %s is writing the checkpoint; reading the copy it keeps for readers, as of %s (%s ago)\n", who, at.UTC().Format(time.RFC3339), humanDuration(time.Since(at)))
	}
	return s, nil
}

// nothingApplied is the error of a command that needs a checkpoint where
// there is none.
func nothingApplied(c *cli.Context) error {
	where := checkpointPath()
	if loc, err := resolveState(c); err == nil {
		where = loc.describe()
	}
	return fmt.Errorf("nothing was applied yet: there is no checkpoint in %s (run kzmap apply first)", where)
}

// stateUnlock breaks a stale lock: PostgreSQL keeps a session, and so the
// lock, for a writer whose machine vanished without closing its
// connection, until the server's TCP keepalive gives up. A local lock is a
// live process's file lock and goes with it.
func stateUnlock(c *cli.Context) error {
	id := c.Args().First()
	if c.NArg() != 1 {
		return errors.New("state unlock takes the lock's id, as the lock error printed it (kzmap state unlock ID)")
	}
	loc, err := resolveState(c)
	if err != nil {
		return err
	}
	if loc.backend == "local" {
		if _, err := os.Stat(loc.path); err != nil {
			return fmt.Errorf("there is no checkpoint to unlock: %w", err)
		}
		s, err := checkpoint.Open(loc.path, checkpoint.Options{})
		if err == nil {
			s.Close()
			return fmt.Errorf("%s is not locked", loc.path)
		}
		var le *checkpoint.LockedError
		if errors.As(err, &le) && le.PID != 0 {
			return fmt.Errorf("%s is locked by a live process, pid %d: the local lock is that process's file lock, released when it ends. Stop it if it hangs (kill %d); there is nothing else to unlock", loc.path, le.PID, le.PID)
		}
		return err
	}
	held, err := checkpoint.HolderPG(c.Context, loc.pg)
	if err != nil {
		return err
	}
	if held == nil {
		return fmt.Errorf("%s is not locked", loc.describe())
	}
	if held.ID != id {
		return fmt.Errorf("%s is locked under id %s, not %s; look again: %v", loc.describe(), held.ID, id, held)
	}
	fmt.Fprintf(c.App.Writer, "%v\n\nBreaking the lock ends that session in PostgreSQL: if the holder is still running, its next write fails and nothing it does after is kept; batches it had in flight are recovered by the next apply.\n", held)
	if err := approve(c, "Break the lock?", "The lock is kept.", ""); err != nil {
		return err
	}
	if _, err := checkpoint.UnlockPG(c.Context, loc.pg, id); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "Unlocked %s. The next kzmap apply recovers what the old holder had in flight.\n", loc.describe())
	return nil
}

// stateMigrate moves the checkpoint to another backend: copies it whole,
// checks the copy, and marks the source as moved, so nothing writes there
// again by mistake.
func stateMigrate(c *cli.Context) error {
	to := c.String("to")
	if !slices.Contains(dsl.Backends, to) {
		return fmt.Errorf("state migrate --to takes %s", strings.Join(dsl.Backends, " or "))
	}
	loc, err := resolveState(c)
	if err != nil {
		return err
	}
	from := c.String("from")
	if from == "" {
		from = map[string]string{"pg": "local", "local": "pg"}[to]
	}
	if from == to {
		return fmt.Errorf("state migrate: --from and --to are both %s", to)
	}
	srcLoc, dstLoc := loc, loc
	srcLoc.backend, dstLoc.backend = from, to
	if from == "local" {
		if _, err := os.Stat(srcLoc.path); err != nil {
			return fmt.Errorf("there is no local checkpoint to migrate: %s: %w", srcLoc.path, err)
		}
	}
	src, err := openAt(c, srcLoc, checkpoint.Options{Migrating: true})
	if err != nil {
		return err
	}
	defer src.Close()
	if moved, err := src.MovedTo(); err != nil {
		return err
	} else if moved != "" {
		return fmt.Errorf("%s was moved to %s already: migrate from there (kzmap state migrate --from %s --to %s)", srcLoc.describe(), moved, to, from)
	}
	if to == "local" {
		if err := os.MkdirAll(filepath.Dir(dstLoc.path), 0o700); err != nil {
			return err
		}
	}
	dst, err := openAt(c, dstLoc, checkpoint.Options{Migrating: true})
	if err != nil {
		return err
	}
	defer dst.Close()
	got, err := checkpoint.Copy(dst, src)
	if err != nil {
		return err
	}
	total := 0
	for k, n := range got.Counts {
		if strings.HasPrefix(k, "records/") {
			total += n
		}
	}
	fmt.Fprintf(c.App.Writer, "Copied %s to %s: %d records, serial %d, lineage %s; counts and contents checked (digest %s).\n",
		srcLoc.describe(), dstLoc.describe(), total, got.Serial, dst.Lineage(), got.Digest[:16])
	set := fmt.Sprintf("state {\n  backend   = %q\n", to)
	if to == "pg" {
		set += fmt.Sprintf("  workspace = %q\n", loc.pg.Workspace)
	}
	set += "}"
	fmt.Fprintf(c.App.Writer, "%s is marked as moved: kzmap refuses to write it. Point every machine at the new one, in the mapping:\n\n%s\n\n(or KZMAP_BACKEND=%s). The snapshot stays where it is.\n", srcLoc.describe(), set, to)
	return nil
}

// holdCheckpoint opens the checkpoint for writing for the whole command
// (heldCheckpoint); the returned function releases it.
func holdCheckpoint(c *cli.Context) (func(), error) {
	s, err := openCheckpointRW(c)
	if err != nil {
		return nil, err
	}
	heldCheckpoint = s
	return func() {
		heldCheckpoint = nil
		s.Close()
	}, nil
}
