//go:build !linux

package boltfile

const canRelease = false

func dropMapped(addr uintptr, n int64) error { return nil }
