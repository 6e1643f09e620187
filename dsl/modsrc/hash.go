package modsrc

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// HashDir returns the hash of the files below dir in Go's dirhash "h1:"
// scheme (golang.org/x/mod/sumdb/dirhash.Hash1, as in go.sum): the sha256
// of the lines "<hex sha256 of content>  <slash path relative to dir>\n",
// one per regular file, sorted by path, base64 (standard encoding) with
// the prefix "h1:". Only names and contents count: not modes, not times,
// not empty directories.
//
// Symbolic links and other non-regular files are refused with an error,
// as are file names containing a newline.
func HashDir(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if p == dir {
			return fmt.Errorf("%s is not a directory", dir)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			if d.Type()&fs.ModeSymlink != 0 {
				return fmt.Errorf("%s is a symbolic link; a module must contain regular files only", rel)
			}
			return fmt.Errorf("%s is not a regular file", rel)
		}
		if strings.Contains(rel, "\n") {
			return fmt.Errorf("%q: file names with newlines are not supported", rel)
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing module directory %s: %w", dir, err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, rel := range files {
		sum, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return "", fmt.Errorf("hashing module directory %s: %w", dir, err)
		}
		fmt.Fprintf(h, "%x  %s\n", sum, rel)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

func hashFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
