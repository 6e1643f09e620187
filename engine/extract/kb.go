package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

// The knowledge base (spec/kustomer-kb.md): categories, then articles with
// every language version's body, then the media their bodies embed and
// the media's bytes. A knowledge base is small (hundreds or a few thousand
// articles) and its articles carry no cursor Kustomer's search can use, so
// every run reads it whole, like the reference data.

func (e *engine) phaseKB(ctx context.Context) error {
	if !e.scope["kb_category"] && !e.scope["kb_article"] {
		return nil
	}
	e.setStep("kb_category", "list /v1/kb/categories", 1, "")
	if _, err := e.listAll(ctx, "kb_category", "kb_category", "kb/categories", nil, kustomer.MaxListPageSize); err != nil {
		return fmt.Errorf("knowledge base categories: %w", err)
	}
	langs, err := e.kbLangs()
	if err != nil {
		return err
	}
	// Versions are populated only for the languages asked for, and their
	// bodies only with includeBody.
	q := url.Values{"includeLang": {strings.Join(langs, ",")}, "includeBody": {"true"}}
	e.setStep("kb_article", "list /v1/kb/articles?includeLang=…&includeBody=true", 1, "every language of the knowledge base in one list")
	if _, err := e.listAll(ctx, "kb_article", "kb_article", "kb/articles", q, kustomer.MaxListPageSize); err != nil {
		return fmt.Errorf("knowledge base articles: %w", err)
	}
	return e.kbMedia(ctx)
}

// kbLangs are the languages the categories and articles name.
func (e *engine) kbLangs() ([]string, error) {
	set := map[string]bool{}
	err := e.store.ForEach("kb_category", func(id string, raw []byte) error {
		var c struct {
			Attributes struct {
				Langs map[string]json.RawMessage `json:"langs"`
			} `json:"attributes"`
		}
		if json.Unmarshal(raw, &c) == nil {
			for l := range c.Attributes.Langs {
				set[l] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(set) == 0 {
		set["en_us"] = true
	}
	return record.SortedKeys(set), nil
}

// kbMedia reads the media record of every id an article body names, then
// the bytes of each (into the snapshot's files, beside attachments). A
// media Kustomer does not have is a dead link the plan reports.
func (e *engine) kbMedia(ctx context.Context) error {
	want := map[string]bool{}
	err := e.store.ForEach("kb_article", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil // the plan reports it
		}
		a := rec.(*record.KBArticle)
		for _, v := range a.Versions {
			for _, m := range record.MediaIDs(v.Body) {
				want[m] = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ids := record.SortedKeys(want)
	e.setStep("media", "GET /v1/media/{id} for each embedded id, then its download", 2*len(ids), "one request for the record and one for the bytes")
	e.prog.Expect(2 * len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.opts.Workers)
	for _, id := range ids {
		g.Go(func() error { return e.media(gctx, id) })
	}
	return g.Wait()
}

func (e *engine) media(ctx context.Context, id string) error {
	// kzmap takes a media as never changed in place (spec/kustomer-kb.md;
	// an edited image is a new upload): once
	// its record and bytes are here, a later run has nothing to ask.
	if _, ok, err := e.store.Get("media", id); err != nil {
		return err
	} else if ok {
		if st, held, err := e.fileState(id); err != nil {
			return err
		} else if held && st.State == snapshot.FileOK {
			return nil
		}
	}
	p, err := e.list(ctx, "media", "media/"+url.PathEscape(id), nil, 1, 1)
	if kustomer.IsNotFound(err) {
		e.note(fmt.Sprintf("media %s, embedded in an article, is not in Kustomer (404): the plan reports it as a missing image", id))
		return nil
	}
	if err != nil {
		return fmt.Errorf("media %s: %w", id, err)
	}
	if len(p.Data) == 0 {
		return nil
	}
	var a attachment
	if err := json.Unmarshal(p.Data[0], &a); err != nil {
		return fmt.Errorf("media %s: %w", id, err)
	}
	a.ID = id
	// The bytes are served by the API that served the record, whatever
	// host the record's url names.
	a.Links.Related = "/v1/media/" + url.PathEscape(id) + "/download"
	if st, ok, err := e.fileState(id); err != nil {
		return err
	} else if !ok || e.refetch(a, st) {
		if err := e.fetch(ctx, a); err != nil {
			return err
		}
	}
	// The record last: a run cut between the two asks for both again,
	// never for the record alone.
	_, err = e.write(p.Data[:1], nil, nil)
	return err
}

func (e *engine) fileState(id string) (snapshot.File, bool, error) {
	states, err := e.store.Files([]string{id})
	if err != nil {
		return snapshot.File{}, false, err
	}
	st, ok := states[id]
	return st, ok, nil
}
