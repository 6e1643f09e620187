//go:build linux

package boltfile

import "golang.org/x/sys/unix"

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
