package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
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
