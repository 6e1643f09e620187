package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/snapshot"
)

// openWorkspace is how plan, apply and verify start: the mapping, which
// must be valid, and the snapshot it maps (an export directory with
// --from-export). close releases the snapshot.
func openWorkspace(c *cli.Context) (cfg *dsl.Config, snap engine.Snapshot, close func(), err error) {
	if cfg, err = loadValid(c); err != nil {
		return nil, nil, nil, err
	}
	if snap, close, err = openSnapshot(c.String("from-export")); err != nil {
		return nil, nil, nil, err
	}
	return cfg, snap, close, nil
}

// openSnapshot opens what plan and apply read: an export directory when
// given, otherwise the snapshot extract wrote under .kzmap/.
func openSnapshot(exportDir string) (engine.Snapshot, func(), error) {
	if exportDir != "" {
		s, err := engine.OpenDir(exportDir)
		if err != nil {
			return nil, nil, err
		}
		return s, func() {}, nil
	}
	path := snapshotPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no snapshot: run kzmap extract first, or plan from an export directory with --from-export DIR")
	}
	s, err := snapshot.OpenReadOnly(path)
	if err != nil {
		return nil, nil, err
	}
	return s, func() { s.Close() }, nil
}

// attachmentFiles gives apply the bytes of attachments for a snapshot.
func attachmentFiles(snap engine.Snapshot, exportDir string) apply.Files {
	switch s := snap.(type) {
	case *engine.DirSnapshot:
		return apply.DirFiles{Dir: exportDir, Snap: s}
	case *snapshot.Store:
		return apply.StagedFiles{Snap: s}
	}
	return nil
}
