package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/pgtest"
	"github.com/kzmap/kzmap/zendesk/zendesksim"
)

// TestSecretsNeverWritten plants unique credentials, runs the whole
// workflow, and scans every output and every file kzmap wrote for them.
// It also checks that stores and plans are private to their owner.
func TestSecretsNeverWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("whole workflow")
	}
	tok := func(p string) string {
		var b [16]byte
		rand.Read(b[:])
		return p + hex.EncodeToString(b[:])
	}
	kKey, zTok, zEmail := tok("kzleak-k-"), tok("kzleak-z-"), "admin@leak.example"
	secrets := []string{kKey, zTok, base64.StdEncoding.EncodeToString([]byte(zEmail + "/token:" + zTok))}

	work := t.TempDir()
	export := filepath.Join(work, "export")
	if _, err := dataset.Generate(t.Context(), dataset.Options{Profile: "small", Seed: 31}, export); err != nil {
		t.Fatal(err)
	}
	ds, err := kustomersim.Load(export)
	if err != nil {
		t.Fatal(err)
	}
	kl, _ := net.Listen("tcp", "127.0.0.1:0")
	zl, _ := net.Listen("tcp", "127.0.0.1:0")
	kURL, zURL := "http://"+kl.Addr().String(), "http://"+zl.Addr().String()
	ks := &http.Server{Handler: kustomersim.New(ds, kustomersim.Options{APIKey: kKey, Limit: 5000, Window: time.Second, BaseURL: kURL})}
	zs := &http.Server{Handler: zendesksim.New(zendesksim.Options{Email: zEmail, Token: zTok, Limit: 3000, Window: time.Second, BulkImportEnabled: true, BaseURL: zURL})}
	go ks.Serve(kl)
	go zs.Serve(zl)
	defer ks.Close()
	defer zs.Close()
	restore := setEnv(map[string]string{"KUSTOMER_BASE_URL": kURL, "KUSTOMER_API_KEY": kKey, "ZENDESK_BASE_URL": zURL,
		"ZENDESK_EMAIL": zEmail, "ZENDESK_API_TOKEN": zTok, "KZMAP_RATE_WINDOW": "1s"})
	defer restore()

	m := filepath.Join(work, "m")
	var outs bytes.Buffer
	steps := [][]string{
		{"init", m},
		{"-chdir", m, "extract"},
		{"-chdir", m, "audit", "--json"},
		{"-chdir", m, "plan", "-out", "p.kzplan", "--json"},
		{"-chdir", m, "show", "p.kzplan"},
		{"-chdir", m, "apply", "p.kzplan"},
		{"-chdir", m, "state", "list", "--json"},
		{"-chdir", m, "state", "dead-letters"},
	}
	if newApp().Command("verify") != nil {
		steps = append(steps, []string{"-chdir", m, "verify", "--report", "verify.html", "--json"})
	}
	// A wrong token must fail without repeating what was sent.
	steps = append(steps, []string{"-chdir", m, "apply", "--auto-approve"})
	for i, args := range steps {
		if i == len(steps)-1 {
			os.Setenv("ZENDESK_API_TOKEN", zTok+"-wrong")
			secrets = append(secrets, zTok+"-wrong")
		}
		var out bytes.Buffer
		code := runWith(append([]string{"kzmap"}, args...), &out, &out)
		if code != 0 && i < len(steps)-1 {
			t.Fatalf("%v: exit %d\n%s", args, code, out.String())
		}
		outs.Write(out.Bytes())
	}
	// The pg backend: a password in KZMAP_PG_URL (the test server trusts
	// its one role, so any password connects) is never printed or stored,
	// in the workspace or beside it, nor in the errors of a server that
	// cannot be reached or a URL that does not parse.
	pgSecret := tok("kzleak-pg-")
	var pgSchema string
	if u, err := pgtest.Server(); err == nil {
		cfg, err := pgconn.ParseConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		ws := pgtest.Workspace()
		pgSchema = "kzmap_" + ws
		withPass := fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, pgSecret, cfg.Host, cfg.Port, cfg.Database)
		secrets = append(secrets, pgSecret)
		for _, c := range []struct {
			url  string
			args []string
			ok   bool
		}{
			{withPass, []string{"state", "migrate", "--to", "pg"}, true},
			{withPass, []string{"--backend", "pg", "state", "list", "--json"}, true},
			{withPass, []string{"--backend", "pg", "plan"}, true},
			{withPass, []string{"--backend", "pg", "state", "unlock", "pg-0"}, false},
			{fmt.Sprintf("postgres://u:%s@127.0.0.1:1/db?connect_timeout=2", pgSecret), []string{"--backend", "pg", "state", "list"}, false},
			{fmt.Sprintf("postgres://u:%s@127.0.0.1:notaport/db", pgSecret), []string{"--backend", "pg", "state", "list"}, false},
		} {
			os.Setenv("KZMAP_PG_URL", c.url)
			os.Setenv("KZMAP_WORKSPACE", ws)
			var out bytes.Buffer
			code := runWith(append([]string{"kzmap", "-chdir", m}, c.args...), &out, &out)
			if (code == 0) != c.ok {
				t.Errorf("%v: exit %d\n%s", c.args, code, out.String())
			}
			outs.Write(out.Bytes())
		}
		os.Unsetenv("KZMAP_PG_URL")
		os.Unsetenv("KZMAP_WORKSPACE")
		pool, err := pgxpool.New(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		for _, table := range []string{"meta", "records", "aliases", "inflight", "batches", "dead", "runs"} {
			var n int
			err := pool.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{pgSchema, table}.Sanitize()+" WHERE position($1::bytea in val) > 0 OR position($1::bytea in key) > 0", []byte(pgSecret)).Scan(&n)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				t.Errorf("the workspace's %s table holds the password", table)
			}
		}
		var n int
		if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{pgSchema, "writer"}.Sanitize()+" WHERE position($1 in id||username||host) > 0", pgSecret).Scan(&n); err != nil || n > 0 {
			t.Errorf("the writer table: %d %v", n, err)
		}
	} else if pgtest.Required() {
		t.Fatalf("PostgreSQL is needed in CI: %v", err)
	}
	leaked := 0
	scan := func(what string, data []byte) {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				leaked++
				t.Errorf("%s contains a credential", what)
			}
		}
	}
	scan("command output", outs.Bytes())
	files := 0
	err = filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scan(path, data)
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				scan(path+" (unzipped)", plain)
			}
		}
		st, _ := d.Info()
		if (strings.HasSuffix(path, ".db") || strings.HasSuffix(path, ".kzplan") || strings.HasSuffix(path, ".html")) && st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", path, st.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Errorf("only %d files written: the workflow did not run", files)
	}
	t.Logf("KZSUITE secrets_planted=%d files_scanned=%d secrets_leaked=%d", len(secrets), files, leaked)
}
