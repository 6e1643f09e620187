package main

import (
	"fmt"

	"github.com/kzmap/kzmap/engine"
)

// openSnapshot opens what plan reads: an export directory when given,
// otherwise the extracted snapshot.
func openSnapshot(exportDir string) (engine.Snapshot, func(), error) {
	if exportDir != "" {
		s, err := engine.OpenDir(exportDir)
		if err != nil {
			return nil, nil, err
		}
		return s, func() {}, nil
	}
	return nil, nil, fmt.Errorf("no snapshot: run kzmap extract first, or plan from an export directory with --from-export DIR")
}
