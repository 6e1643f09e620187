//go:build linux

package boltfile

import (
	"bytes"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const canRelease = true

// dropMapped unmaps the pages of [addr, addr+n) from the process
// (MADV_DONTNEED: for a shared file mapping, they stay in the page cache
// and are read back on the next touch).
func dropMapped(addr uintptr, n int64) error {
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, uintptr(n), unix.MADV_DONTNEED); errno != 0 {
		return errno
	}
	return nil
}

// mappedBytes is the process's resident file-backed memory: the third
// field of /proc/self/statm (resident shared pages: mapped files, the
// binary's own text among them).
func mappedBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

// memoryLimit is the memory this process may use: the tightest limit of
// its cgroup (v2 memory.max, on the way up to the root) when there is
// one, else the machine's (MemTotal); 0 when neither can be read, which
// makes every tick drop.
func memoryLimit() int64 {
	var limit int64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range bytes.Lines(b) {
			if rest, ok := bytes.CutPrefix(line, []byte("MemTotal:")); ok {
				if f := bytes.Fields(rest); len(f) > 0 {
					kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
					limit = kb << 10
				}
			}
		}
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return limit
	}
	for line := range bytes.Lines(b) {
		// "0::/path" (cgroup v2) or "4:memory:/path" (v1)
		f := strings.SplitN(strings.TrimSpace(string(line)), ":", 3)
		if len(f) != 3 {
			continue
		}
		root, file := "/sys/fs/cgroup", "memory.max"
		switch {
		case f[0] == "0" && f[1] == "":
		case slices.Contains(strings.Split(f[1], ","), "memory"):
			root, file = "/sys/fs/cgroup/memory", "memory.limit_in_bytes"
		default:
			continue
		}
		for d := path.Join(root, f[2]); strings.HasPrefix(d, root); d = path.Dir(d) {
			v, err := os.ReadFile(path.Join(d, file))
			if err != nil {
				continue
			}
			// "max", or v1's unlimited (a page short of 2^63), never win.
			if n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil && n > 0 && (limit == 0 || n < limit) {
				limit = n
			}
		}
	}
	return limit
}
