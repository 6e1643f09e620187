package zendesksim

import (
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// A client killed while it sends a file (or a batch of tickets) leaves a
// body that ends short.
// Zendesk has no whole request to answer, so the simulator counts it as
// abandoned, not as a 400 it refused, keeps no upload from it, and goes on
// serving.
func TestUploadCutShortIsAbandonedNotRefused(t *testing.T) {
	for _, c := range []struct {
		path string
		sent int
	}{
		{"/api/v2/uploads?filename=a.txt", 0}, {"/api/v2/uploads?filename=a.txt", 1}, {"/api/v2/uploads?filename=a.txt", 700},
		{"/api/v2/imports/tickets", 0}, {"/api/v2/imports/tickets", 300}, // a JSON body: the same
	} {
		path, sent := c.path, c.sent
		t.Run(fmt.Sprint(path, sent), func(t *testing.T) {
			h := newHarness(t, Options{MaxUploadSize: 4096})
			conn, err := net.Dial("tcp", h.http.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			auth := base64.StdEncoding.EncodeToString([]byte(h.email + "/token:" + h.token))
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: sim\r\nAuthorization: Basic %s\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n%s",
				path, auth, strings.Repeat("x", sent))
			conn.Close()
			deadline := time.Now().Add(10 * time.Second)
			for h.srv.Stats().Abandoned == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no abandoned request counted: %+v", h.srv.Stats())
				}
				time.Sleep(5 * time.Millisecond)
			}
			st := h.srv.Stats()
			if len(st.Refused) != 0 || st.ByStatus[400] != 0 || st.Abandoned != 1 {
				t.Errorf("stats after a cut-short upload: %+v", st)
			}
			if n := len(h.srv.Dump().Uploads); n != 0 {
				t.Errorf("%d uploads kept from a cut-short body", n)
			}
			// The next, whole upload is answered as usual.
			up := h.must(201, "POST", "/api/v2/uploads?filename=b.txt", []byte("hello"))
			if up.str("upload", "token") == "" {
				t.Errorf("upload after: %s", up.raw)
			}
		})
	}
}
