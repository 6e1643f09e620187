//go:build !linux

package boltfile

const canRelease = false

func dropMapped(addr uintptr, n int64) error { return nil }

func mappedBytes() (int64, bool) { return 0, false }

func memoryLimit() int64 { return 0 }
