//go:build !unix

package kustomersim

import (
	"errors"
	"os"
)

// mapFile is not available here: files are read into memory.
func mapFile(f *os.File, size int64) ([]byte, error) {
	return nil, errors.New("no memory maps on this platform")
}
