package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
	"github.com/kzmap/kzmap/engine/checkpoint"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
	"github.com/urfave/cli/v2"
)

// refresh reads back from Zendesk what the checkpoint says it holds and
// prints what differs; it returns the line a plan with no changes prints
// about what it compared.
func refresh(ctx context.Context, w io.Writer, store *checkpoint.Store, client *zendesk.Client, now func() time.Time) (*apply.Drift, string, error) {
	started := now().UTC()
	d, err := apply.Refresh(ctx, store, client)
	if err != nil {
		return nil, "", err
	}
	writeDrift(w, d)
	if len(d.Gone)+len(d.Changed) > 0 {
		// What the refresh changed in the checkpoint is in its history.
		run := checkpoint.Run{ID: checkpoint.NewRunID(), Command: "refresh", Status: "done", Started: started, Finished: now().UTC(),
			Counts: map[string]int{"forgotten": len(d.Gone), "drifted": len(d.Changed)}}
		if err := store.PutRun(run); err != nil {
			return nil, "", err
		}
	}
	read := 0
	for _, n := range d.Read {
		read += n
	}
	return d, fmt.Sprintf("the mapping over the snapshot matches the checkpoint, and Zendesk was read back (%d records, %d requests)", read, d.Requests), nil
}

// notRead is what a plan that did not read Zendesk compared.
const notRead = "the mapping over the snapshot matches what the checkpoint records as written; Zendesk itself was not read (kzmap plan -refresh reads it back)"

func writeDrift(w io.Writer, d *apply.Drift) {
	var parts []string
	for _, k := range kind.All {
		if n := d.Read[k]; n > 0 {
			parts = append(parts, plural(n, string(k)))
		}
	}
	if len(parts) == 0 {
		fmt.Fprintln(w, "Refresh: the checkpoint holds nothing to read back.")
		return
	}
	fmt.Fprintf(w, "Refresh: read back %s in %d requests.\n", strings.Join(parts, ", "), d.Requests)
	if len(d.Gone) == 0 && len(d.Changed) == 0 {
		fmt.Fprintln(w, "  Zendesk holds every record as kzmap wrote it.")
	}
	if n := len(d.Gone); n > 0 {
		fmt.Fprintf(w, "  %d no longer in Zendesk (deleted there): forgotten, planned again:\n", n)
		listDrift(w, d.Gone)
	}
	if n := len(d.Changed); n > 0 {
		fmt.Fprintf(w, "  %d changed in Zendesk after kzmap wrote them: left alone (conflicts; on_conflict = \"overwrite\" on a ticket block writes over them):\n", n)
		listDrift(w, d.Changed)
	}
	if d.Closed > 0 {
		fmt.Fprintf(w, "  %d tickets imported solved were closed by Zendesk since: not a conflict.\n", d.Closed)
	}
}

func listDrift(w io.Writer, ds []apply.Drifted) {
	for i, x := range ds {
		if i == 10 {
			fmt.Fprintf(w, "    … and %d more\n", len(ds)-i)
			return
		}
		fmt.Fprintf(w, "    %s (Zendesk %s): %s\n", address(x.Kind, x.Key), x.ZendeskID, x.Detail)
	}
}

// planRefresh is plan's -refresh: the checkpoint opened for writing (the
// truth found is recorded) and bound to the accounts, as apply opens it.
func planRefresh(c *cli.Context, cfg *dsl.Config, snap engine.Snapshot) (string, bool, error) {
	ctx, stop := interruptible(c, "finishing the reads under way", "nothing was written to Zendesk; run the command again")
	defer stop()
	client, store, _, err := openForWrite(ctx, c, cfg, snap)
	if err != nil {
		return "", false, err
	}
	defer store.Close()
	d, line, err := refresh(ctx, c.App.Writer, store, client, machineClock(c))
	if err != nil {
		return "", false, err
	}
	fmt.Fprintln(c.App.Writer)
	return line, len(d.Gone)+len(d.Changed) > 0, nil
}
