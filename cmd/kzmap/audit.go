package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine/audit"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/snapshot"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "the data audit of the extracted snapshot: counts, duplicate emails, Klasses, old data, attachments, limits",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the audit as one JSON document"},
			&cli.IntFlag{Name: "split-at", Usage: "comments per ticket before a conversation is split", DefaultText: "the mapping's split_at, else 5,000"},
		},
		Action: runAudit,
	}
}

// splitAt reads the ticket mapping's split_at, when the mapping loads.
func splitAt(c *cli.Context) int {
	if n := c.Int("split-at"); n > 0 {
		return n
	}
	cfg, diags := loadConfig(".")
	if cfg == nil || diags.HasErrors() {
		return 0
	}
	for _, m := range cfg.Mappings {
		if m.Kind == string(kind.Ticket) {
			return m.Options.Ticket.SplitAt
		}
	}
	return 0
}

func runAudit(c *cli.Context) error {
	store, err := snapshot.OpenReadOnly(snapshotPath())
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := audit.Run(store, splitAt(c))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, struct {
			FormatVersion string `json:"format_version"`
			*audit.Audit
		}{formatVersion, a})
	}
	writeAudit(c.App.Writer, a)
	return nil
}

func writeAudit(w io.Writer, a *audit.Audit) {
	when := "never completed"
	if !a.Extracted.IsZero() {
		when = "extracted " + a.Extracted.Format(time.RFC3339)
	}
	runs := "runs"
	if a.Runs == 1 {
		runs = "run"
	}
	fmt.Fprintf(w, "Audit of Kustomer org %q (%s, %d extract %s)\n", a.Org, when, a.Runs, runs)

	fmt.Fprintln(w, "\nRecords, and those not updated for two years (only archive search sees them):")
	for _, t := range record.Types {
		old := ""
		if n, ok := a.Old[t]; ok {
			old = fmt.Sprintf("%8d old", n)
		}
		fmt.Fprintf(w, "  %-13s %8d%s\n", t, a.Counts[t], old)
	}

	c := a.Customers
	fmt.Fprintf(w, "\nCustomers: %d. %d emails are shared by several customers (%d only by case); the %d customers sharing them become %d users, so %d users in all.\n",
		c.Total, c.DuplicateEmails, c.CaseVariants, c.Sharing, c.MergedUsers, c.Users)
	fmt.Fprintf(w, "  %d customers have no email (%d of them a phone, %d no contact at all).\n", c.WithoutEmail, c.PhoneOnly, c.WithoutEmail-c.PhoneOnly)
	for _, d := range c.Examples {
		fmt.Fprintf(w, "  %-40s %d customers  %s\n", d.Email, d.Customers, strings.Join(d.Spellings, ", "))
	}

	g := a.Agents
	var types []string
	for _, t := range slices.Sorted(maps.Keys(g.ByType)) {
		types = append(types, fmt.Sprintf("%d %s", g.ByType[t], t))
	}
	fmt.Fprintf(w, "\nAgents: %d users (%s), %d teams (%d without members); %d users in no team.\n", g.Users, strings.Join(types, ", "), g.Teams, g.EmptyTeams, g.Unteamed)
	if g.Missing > 0 {
		fmt.Fprintf(w, "  %d agents assigned to %d conversations are not in the users list (deleted): keep them as tags or a field.\n", g.Missing, g.MissingConversations)
	}

	fmt.Fprintln(w, "\nKlasses (custom objects take at most 100 fields; records at most 32 KB):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range a.Klasses {
		var flags []string
		if k.Status != "enabled" {
			flags = append(flags, k.Status)
		}
		if k.OverFields {
			flags = append(flags, "OVER 100 ATTRIBUTES")
		}
		if k.Large > 0 {
			flags = append(flags, plural(k.Large, "kobject")+" over 32 KB")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", k.Name, k.DisplayName, plural(k.Attributes, "attribute"), plural(k.KObjects, "kobject"), strings.Join(flags, ", "))
	}
	tw.Flush()

	writeAttributes(w, a)

	var top []string
	for _, t := range a.Tags.Top {
		top = append(top, fmt.Sprintf("%q %d", t.Tag, t.Conversations))
	}
	fmt.Fprintf(w, "\nTags: %d distinct on conversations; most used: %s.\n", a.Tags.Distinct, strings.Join(top, ", "))

	v := a.Conversations
	fmt.Fprintf(w, "\nConversations: %d; %d over 5,000 messages and notes (a ticket's limit), %d over the split size of %d (they become several tickets); the largest has %d (%s); %d empty; %d with several assignees.\n",
		v.Total, v.OverLimit, v.OverSplit, v.SplitAt, v.Largest, v.LargestID, v.Empty, v.MultiAssignee)
	b := a.Bodies
	fmt.Fprintf(w, "Bodies: %d messages and notes over 65,535 characters (split or attached; the longest has %d); %d messages have only a preview.\n", b.Over, b.Longest, b.Truncated)

	f := a.Attachments
	fmt.Fprintf(w, "\nAttachments: %d (%s announced); %d files staged (%s), %d missing in Kustomer, %d oversize, %d refused, %d failed, %d not fetched yet.\n",
		f.Attachments, humanBytes(f.MetadataBytes), f.Staged, humanBytes(f.Bytes), f.Missing, f.Oversize, f.Refused, f.Failed, f.Pending)

	writeKB(w, &a.KB)

	if len(a.Reconcile) > 0 {
		var bad []string
		for _, r := range a.Reconcile {
			if !r.OK && r.Expected >= 0 {
				bad = append(bad, fmt.Sprintf("%s (Kustomer %d, snapshot %d)", r.Type, r.Expected, r.Extracted))
			}
		}
		if len(bad) == 0 {
			fmt.Fprintln(w, "\nThe last extract reconciled every type with Kustomer's counts.")
		} else {
			fmt.Fprintf(w, "\nThe last extract did not reconcile: %s.\n", strings.Join(bad, ", "))
		}
	}
}

// writeAttributes is the custom attribute table: each attribute becomes a
// field of its record's Zendesk kind.
func writeAttributes(w io.Writer, a *audit.Audit) {
	fmt.Fprintln(w, "\nCustom attributes (each becomes a Zendesk field: conversation → ticket, customer → user, company → organization):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, res := range record.AttributeResources {
		attrs := a.Attributes[res]
		if len(attrs) == 0 {
			fmt.Fprintf(tw, "  %s\tnone\n", res)
			continue
		}
		for i, x := range attrs {
			label := ""
			if i == 0 {
				label = res
			}
			values := plural(x.Distinct, "value")
			if x.Distinct > record.MaxDistinct {
				values = fmt.Sprintf("over %d values", record.MaxDistinct)
			}
			var notes []string
			if x.FitsDropdown {
				notes = append(notes, "fits a dropdown")
			}
			if x.Unfit > 0 {
				notes = append(notes, fmt.Sprintf("%d NOT A %s", x.Unfit, strings.ToUpper(x.Type)))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d records\t%s\tlongest %d\t%s\n", label, x.Name, x.Type, x.Records, values, x.Longest, strings.Join(notes, ", "))
		}
	}
	tw.Flush()
}

// writeKB is the knowledge base: what Help Center's two levels make of the
// tree, the articles by language and state, and what their bodies embed.
func writeKB(w io.Writer, k *audit.KBAudit) {
	if k.Categories == 0 && k.Articles == 0 && k.Deleted == 0 {
		fmt.Fprintln(w, "\nKnowledge base: none.")
		return
	}
	fmt.Fprintf(w, "\nKnowledge base: %s, %s (%d deleted, not migrated).\n",
		plural(k.Categories, "category"), plural(k.Articles, "article"), k.Deleted)
	if k.Folded > 0 {
		fmt.Fprintf(w, "  The tree is %d levels deep; Help Center has categories and sections, so the articles of %s below the second level go to their second-level ancestor's section.\n",
			k.Deepest, plural(k.Folded, "category"))
	} else {
		fmt.Fprintf(w, "  The tree is %d levels deep: it fits Help Center's categories and sections.\n", k.Deepest)
	}
	if k.InRoot+k.MultiCategory+k.Internal > 0 {
		fmt.Fprintf(w, "  %d in no category (a section of their own), %d in several (Help Center keeps the first), %d internal (agents only).\n",
			k.InRoot, k.MultiCategory, k.Internal)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  language\tpublished\tdraft\tsource of")
	for _, l := range k.Languages {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", l.Lang, l.Published, l.Draft, l.Source)
	}
	tw.Flush()
	fmt.Fprintf(w, "  Bodies: the longest has %d characters; %s embedded (%s without a media record); media: %d, %d staged (%s), %d missing in Kustomer, %d not fetched yet.\n",
		k.Longest, plural(k.Images, "image"), plural(k.Unknown, "reference"), k.Media.Attachments, k.Media.Staged, humanBytes(k.Media.Bytes), k.Media.Missing, k.Media.Pending)
	l := k.Links
	fmt.Fprintf(w, "  Links to articles: %d help center, %d agent app; %d to deleted articles and %d to none the knowledge base has (they cannot be rewritten).\n",
		l.Help, l.App, l.ToDeleted, l.Missing)
}
