package extract

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kzmap/kzmap/dataset"
	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// host is a server standing for another host: a CDN, or anywhere a
// message's HTML points.
type host struct {
	srv  *httptest.Server
	hits atomic.Int64
	auth atomic.Int64 // requests that carried an Authorization header
}

func newHost(t *testing.T, body string) *host {
	h := &host{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			h.auth.Add(1)
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *host) name() string {
	u, _ := url.Parse(h.srv.URL)
	return u.Host
}

// Attachment bytes come only from the API host and the configured CDN
// hosts: an attachment served from another host is refused (and fetched
// once its host is allowed, without the API key), and an <img src> in a
// message's HTML is never fetched at all.
func TestAttachmentHostsAreAllowListed(t *testing.T) {
	cdn := newHost(t, "bytes from the cdn")
	evil := newHost(t, "should never be fetched")
	at := record.FormatTime(synthNow.AddDate(0, -1, 0))
	conv, msg := hexID(0x60, 1), hexID(0x61, 1)
	onAPI, onCDN, onEvil := hexID(0x62, 1), hexID(0x62, 2), hexID(0x62, 3)
	apiBytes := []byte("bytes from the API")
	dir := synth(t, func(w *dataset.Writer) {
		w.Write("conversation", []byte(fmt.Sprintf(`{"type":"conversation","id":%q,"attributes":{"messageCount":1,"noteCount":0,"createdAt":%q,"updatedAt":%q}}`, conv, at, at)))
		w.Write("message", []byte(fmt.Sprintf(`{"type":"message","id":%q,"attributes":{"channel":"email","direction":"in","body":"see","htmlBody":"<p>see <img src=\"%s/tracker.png\"> and <img src=\"%s/v1/attachments/%s\"></p>","createdAt":%q,"updatedAt":%q,"attachments":[{"id":%q},{"id":%q},{"id":%q}]},"relationships":{"conversation":{"data":{"type":"conversation","id":%q}}}}`,
			msg, evil.srv.URL, evil.srv.URL, onEvil, at, at, onAPI, onCDN, onEvil, conv)))
		att := func(id, related string, n int) {
			links := ""
			if related != "" {
				links = fmt.Sprintf(`,"links":{"related":%q}`, related)
			}
			w.Write("attachment", []byte(fmt.Sprintf(`{"type":"attachment","id":%q,"attributes":{"name":"f","contentType":"text/plain","contentLength":%d},"relationships":{"message":{"data":{"type":"message","id":%q}}}%s}`, id, n, msg, links)))
		}
		att(onAPI, "", len(apiBytes))
		att(onCDN, cdn.srv.URL+"/files/1", len("bytes from the cdn"))
		att(onEvil, evil.srv.URL+"/files/2", 10)
		w.WriteFile(onAPI, apiBytes)
	})
	s := startSim(t, dir, kustomersim.Options{})
	st := openStore(t, t.TempDir())
	res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	state := func(id string) snapshot.File {
		f, _, _ := st.File(id)
		return f
	}
	if f := state(onAPI); f.State != snapshot.FileOK {
		t.Errorf("API attachment: %+v", f)
	}
	for _, id := range []string{onCDN, onEvil} {
		if f := state(id); f.State != snapshot.FileRefused || f.Host == "" || !strings.Contains(f.Reason, "cdn_hosts") {
			t.Errorf("attachment %s on another host: %+v", id, f)
		}
	}
	if cdn.hits.Load()+evil.hits.Load() != 0 {
		t.Errorf("other hosts were fetched from: cdn %d, evil %d", cdn.hits.Load(), evil.hits.Load())
	}
	if res.Files.Refused != 2 {
		t.Errorf("files: %+v", res.Files)
	}

	// Once the CDN is allowed, the next run fetches what was refused
	// there, without the key; the other host stays refused.
	res, err = Run(context.Background(), s.client(t, kustomer.Options{CDNHosts: []string{cdn.name()}}), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f := state(onCDN); f.State != snapshot.FileOK || f.Host != cdn.name() {
		t.Errorf("CDN attachment after allowing the host: %+v", f)
	}
	if path, _, ok, _ := st.AttachmentPath(onCDN); !ok || !strings.HasPrefix(path, st.AttachmentsDir()) {
		t.Errorf("CDN bytes not staged: %s %v", path, ok)
	}
	if f := state(onEvil); f.State != snapshot.FileRefused {
		t.Errorf("attachment on the other host: %+v", f)
	}
	if cdn.hits.Load() != 1 || cdn.auth.Load() != 0 {
		t.Errorf("cdn: %d requests, %d with the API key", cdn.hits.Load(), cdn.auth.Load())
	}
	if evil.hits.Load() != 0 {
		t.Errorf("the host named only in HTML and by a refused attachment was fetched %d times", evil.hits.Load())
	}
	t.Logf("files %+v", res.Files)
}

// An attachment over the size limit is recorded as oversize from its
// metadata and not downloaded.
func TestOversizeAttachmentsAreRecordedNotFetched(t *testing.T) {
	dir := generated(t, "small")
	s := startSim(t, dir, kustomersim.Options{})
	st := openStore(t, t.TempDir())
	res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{MaxAttachment: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files.Oversize == 0 {
		t.Fatalf("no attachment over 3000 bytes: %+v", res.Files)
	}
	downloads := count(s.requests(), "/v1/attachments/")
	if downloads+res.Files.Oversize != res.Files.Attachments {
		t.Errorf("%d downloads + %d oversize, %d attachments", downloads, res.Files.Oversize, res.Files.Attachments)
	}
	err = st.ForEachFile(func(id string, f snapshot.File) error {
		if f.State == snapshot.FileOversize && (f.Size <= 3000 || !strings.Contains(f.Reason, "limit")) {
			t.Errorf("%s: %+v", id, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
