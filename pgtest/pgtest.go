// Package pgtest gives tests a real PostgreSQL server: the one named by
// KZMAP_TEST_PG_URL (.ci/run starts a throwaway cluster and sets it), or
// else a throwaway cluster this test process starts itself with
// scripts/pg-throwaway.sh and stops when its tests end (Main).
//
// Outside CI a test skips, saying why, when no server can be had (no
// PostgreSQL installed); in CI (CI=true) that is a failure, so the pg
// backend is never silently untested.
package pgtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvURL names the variable with the server's URL.
const EnvURL = "KZMAP_TEST_PG_URL"

var (
	once     sync.Once
	url      string
	startErr error
	dir      string // the cluster this process started
)

// URL returns the test server's connection string, starting a cluster
// the first time when none is named.
func URL(t testing.TB) string {
	t.Helper()
	u, err := Server()
	if err != nil {
		if Required() {
			t.Fatalf("PostgreSQL is needed in CI: %v", err)
		}
		t.Skipf("no PostgreSQL server for the pg backend's tests: %v (install Debian's postgresql, or set %s)", err, EnvURL)
	}
	return u
}

// Server is URL for code without a testing.TB (testscript commands).
func Server() (string, error) {
	once.Do(start)
	return url, startErr
}

// Required says a missing server is a failure, not a skip: in CI.
func Required() bool { return os.Getenv("CI") == "true" }

// Workspace returns a workspace name no other test uses.
func Workspace() string {
	var b [6]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return "t" + hex.EncodeToString(b[:])
}

// Main runs a package's tests and stops the cluster they started:
// func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the cluster this process started, if any.
func Stop() {
	if dir == "" {
		return
	}
	if out, err := script("stop", dir); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stopping the cluster in %s: %v\n%s", dir, err, out)
	}
	dir = ""
}

func start() {
	if u := os.Getenv(EnvURL); u != "" {
		url = u
		return
	}
	d, err := os.MkdirTemp("", "kzmap-pg-")
	if err != nil {
		startErr = err
		return
	}
	out, err := script("start", d)
	if err != nil {
		os.RemoveAll(d)
		startErr = fmt.Errorf("scripts/pg-throwaway.sh: %v: %s", err, strings.TrimSpace(string(out)))
		return
	}
	line := strings.TrimSpace(string(out))
	u, ok := strings.CutPrefix(line, "export "+EnvURL+"=")
	if !ok {
		script("stop", d)
		startErr = fmt.Errorf("scripts/pg-throwaway.sh printed %q", line)
		return
	}
	dir, url = d, strings.Trim(u, "'")
}

// script runs scripts/pg-throwaway.sh from the module's root.
func script(args ...string) ([]byte, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts", "pg-throwaway.sh")}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return append(out, stderr.Bytes()...), err
	}
	return out, nil
}

func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		d = up
	}
}
