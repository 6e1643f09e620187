//go:build unix

package kustomersim

import (
	"os"
	"syscall"
)

// mapFile maps f read-only for the life of the process.
func mapFile(f *os.File, size int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}
