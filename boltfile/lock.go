package boltfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrLocked is wrapped by a *LockedError when another process holds a
// store.
var ErrLocked = errors.New("store is locked")

// LockedError says who holds a store's lock: bbolt's file lock is the
// state lock, and a small file beside the store names the writer.
type LockedError struct {
	Path  string
	PID   int // 0 when unknown (a reader, or a process that is gone)
	Since time.Time
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is locked by another kzmap process; wait for it to finish", e.Path)
	}
	return fmt.Sprintf("%s is locked by another kzmap (pid %d since %s); wait for it to finish", e.Path, e.PID, e.Since.Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

func lockPath(path string) string { return path + ".lock" }

// WriteLockInfo records this process as the writer of the store at path.
func WriteLockInfo(path string) error {
	info := fmt.Sprintf("%d %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
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
		if len(f) == 2 {
			pid, _ := strconv.Atoi(f[0])
			since, _ := time.Parse(time.RFC3339, f[1])
			if pid > 0 && alive(pid) {
				e.PID, e.Since = pid, since
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
