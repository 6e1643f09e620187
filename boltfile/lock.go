package boltfile

import (
	"errors"
	"fmt"
	"os"
	osuser "os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrLocked is wrapped by a *LockedError when another process holds a
// store.
var ErrLocked = errors.New("store is locked")

// LockedError says who holds a store's lock: bbolt's file lock is the
// state lock, and a small file beside the store names the writer. The
// PostgreSQL checkpoint fills in the same fields from its workspace.
type LockedError struct {
	Path  string // the file, or "PostgreSQL workspace NAME"
	PID   int    // 0 when unknown (a reader, or a process that is gone)
	Since time.Time
	User  string // who runs the holder, when known
	Host  string // the machine it runs on, when known
	// ID names a lock that kzmap state unlock ID can break (PostgreSQL:
	// a session the server still keeps for a holder that is gone).
	ID string
}

func (e *LockedError) Error() string {
	if e.PID == 0 && e.User == "" {
		return fmt.Sprintf("%s is locked by another kzmap process; wait for it to finish", e.Path)
	}
	var who []string
	if e.User != "" {
		who = append(who, e.User)
	}
	if e.Host != "" {
		who = append(who, "on "+e.Host)
	}
	if e.PID != 0 {
		who = append(who, fmt.Sprintf("pid %d", e.PID))
	}
	if !e.Since.IsZero() {
		who = append(who, "since "+e.Since.UTC().Format(time.RFC3339))
	}
	msg := fmt.Sprintf("%s is locked by another kzmap (%s); wait for it to finish", e.Path, strings.Join(who, ", "))
	if e.ID != "" {
		msg += fmt.Sprintf(". If that process is gone for good and the lock stayed (its connection was not closed), break it with: kzmap state unlock %s", e.ID)
	}
	return msg
}

func (e *LockedError) Unwrap() error { return ErrLocked }

func lockPath(path string) string { return path + ".lock" }

// WriteLockInfo records this process as the writer of the store at path.
func WriteLockInfo(path string) error {
	user, host := Holder()
	info := fmt.Sprintf("%d %s %s %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339), orDash(user), orDash(host))
	return os.WriteFile(lockPath(path), []byte(info), 0o600)
}

// RemoveLockInfo forgets the writer, when it closes the store.
func RemoveLockInfo(path string) { os.Remove(lockPath(path)) }

// Locked builds the error for a lock held by someone else. The lock file
// names the last writer; when that process is gone the holder is a reader
// (plan, audit), which leaves no file.
func Locked(path string) error {
	e := &LockedError{Path: path}
	if b, err := os.ReadFile(lockPath(path)); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 2 { // "pid since", then "user host" (older files lack them)
			pid, _ := strconv.Atoi(f[0])
			since, _ := time.Parse(time.RFC3339, f[1])
			if pid > 0 && alive(pid) {
				e.PID, e.Since = pid, since
				if len(f) == 4 {
					e.User, e.Host = undash(f[2]), undash(f[3])
				}
			}
		}
	}
	return e
}

func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Holder names this process's user and machine for lock messages (empty
// when the system does not say).
func Holder() (user, host string) {
	if u, err := osuser.Current(); err == nil {
		user = u.Username
	}
	host, _ = os.Hostname()
	return user, host
}

func orDash(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return "-"
	}
	return s
}

func undash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
