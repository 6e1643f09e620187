package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/snapshot"
)

// attachment is what the download needs of an attachment resource.
type attachment struct {
	ID         string `json:"id"`
	Attributes struct {
		ContentType   string      `json:"contentType"`
		ContentLength json.Number `json:"contentLength"`
	} `json:"attributes"`
	Links struct {
		Related string `json:"related"`
	} `json:"links"`
}

func (a attachment) length() int64 {
	n, err := a.Attributes.ContentLength.Int64()
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// url is where the bytes are: links.related, or the API's attachment
// endpoint when the resource names none. Never a URL found in a message's
// HTML: inline images are attachments of their own and arrive here by id.
func (a attachment) url() string {
	if a.Links.Related != "" {
		return a.Links.Related
	}
	return "/v1/attachments/" + url.PathEscape(a.ID)
}

// phaseFiles downloads the bytes of every attachment that has none staged
// yet (or whose download failed before, or whose host has since been
// allowed), in attachment id order, a chunk at a time.
func (e *engine) phaseFiles(ctx context.Context) error {
	if !e.scope["attachment"] {
		return nil
	}
	sum, err := FileSummary(e.store)
	if err != nil {
		return err
	}
	e.setStep("attachment", "download links.related (API host and cdn_hosts only)", sum.Pending+sum.Failed, "one request per file; attachment records came with messages or their conversation's list")
	e.prog.Expect(sum.Pending + sum.Failed)
	after := ""
	for {
		var batch []attachment
		err := e.store.ForEachAfter("attachment", after, 256, func(id string, raw []byte) error {
			var a attachment
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("stored attachment %s: %w", id, err)
			}
			a.ID = id
			batch = append(batch, a)
			return nil
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		after = batch[len(batch)-1].ID
		ids := make([]string, len(batch))
		for i, a := range batch {
			ids[i] = a.ID
		}
		states, err := e.store.Files(ids)
		if err != nil {
			return err
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(e.opts.Workers)
		for _, a := range batch {
			st, has := states[a.ID]
			if has && !e.refetch(a, st) {
				continue
			}
			g.Go(func() error { return e.fetch(gctx, a) })
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
}

// refetch says whether an attachment with a recorded state is downloaded
// again.
func (e *engine) refetch(a attachment, st snapshot.File) bool {
	switch st.State {
	case snapshot.FileOK, snapshot.FileSizeMismatch:
		_, _, ok, _ := e.store.AttachmentPath(a.ID)
		return !ok // the staged file went missing
	case snapshot.FileFailed:
		return true
	case snapshot.FileRefused:
		u, err := url.Parse(a.url())
		return err == nil && u.IsAbs() && e.src.Allowed(u)
	}
	return false // missing, oversize: the answer would be the same
}

func (e *engine) fetch(ctx context.Context, a attachment) error {
	want := a.length()
	host := ""
	if u, err := url.Parse(a.url()); err == nil {
		host = u.Host
	}
	meta := snapshot.File{ContentType: a.Attributes.ContentType, Host: host}
	record := func(state snapshot.FileState, size int64, reason string) error {
		f := meta
		f.State, f.Size, f.Reason = state, size, reason
		e.files.Add(1)
		e.prog.Records(1)
		return e.store.RecordFile(a.ID, f)
	}
	if want > e.opts.MaxAttachment {
		return record(snapshot.FileOversize, want, fmt.Sprintf("contentLength %d is over the %d MB limit; not downloaded", want, e.opts.MaxAttachment>>20))
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if err := e.acquire(ctx); err != nil {
			return err
		}
		body, _, ct, err := e.src.Download(kustomer.WithCounter(ctx, e.reqs["attachment"]), a.url())
		if err != nil {
			e.release()
			var he *kustomer.HostError
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.As(err, &he):
				if meta.Host == "" {
					meta.Host = he.Host
				}
				return record(snapshot.FileRefused, max(want, 0), he.Error())
			case kustomer.IsNotFound(err):
				return record(snapshot.FileMissing, max(want, 0), "Kustomer has no content for it (404)")
			}
			return record(snapshot.FileFailed, max(want, 0), err.Error())
		}
		if meta.ContentType == "" {
			meta.ContentType = ct
		}
		_, err = e.store.StageFile(a.ID, netReader{body}, want, e.opts.MaxAttachment, meta)
		body.Close()
		e.release()
		if err == nil {
			e.files.Add(1)
			e.prog.Records(1)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ne netError
		if !errors.As(err, &ne) {
			return err // the disk, not the network: stop the run
		}
		// The connection broke while the bytes streamed: try again.
		lastErr = err
	}
	return record(snapshot.FileFailed, max(want, 0), "download kept breaking off: "+strings.TrimSpace(lastErr.Error()))
}

// netReader marks errors of reading a download, so they can be told from
// errors of writing it to disk.
type netReader struct{ r io.Reader }

type netError struct{ error }

func (e netError) Unwrap() error { return e.error }

func (n netReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil && err != io.EOF {
		err = netError{err}
	}
	return k, err
}
