package verify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/zendesk"
)

// compareSamples compares the picked records field by field with what
// Zendesk returned for them.
func (r *runner) compareSamples(ctx context.Context) error {
	byObject := map[string][]*candidate{}
	for _, c := range r.pickOrder {
		if c.d.Kind == kind.CustomObjectRecord {
			obj := str(c.d.Payload, "object")
			byObject[obj] = append(byObject[obj], c)
		}
	}
	for _, obj := range slices.Sorted(maps.Keys(byObject)) {
		cs := byObject[obj]
		for len(cs) > 0 {
			chunk := cs[:min(len(cs), showManyBatch)]
			cs = cs[len(chunk):]
			var exts []string
			for _, c := range chunk {
				if ext := str(c.d.Payload, "external_id"); ext != "" {
					exts = append(exts, ext)
				}
			}
			got, err := r.lookupRecords(ctx, obj, exts)
			if err != nil {
				return err
			}
			for _, c := range chunk {
				if rec, ok := got[str(c.d.Payload, "external_id")]; ok {
					r.found[string(c.d.Kind)+"\x00"+c.d.Key] = rec
				}
			}
		}
	}
	for _, c := range r.pickOrder {
		v, ok := r.found[string(c.d.Kind)+"\x00"+c.d.Key]
		if !ok {
			continue // missing in Zendesk: already a difference
		}
		k := &check{r: r, c: c, kind: c.d.Kind, key: c.d.Key, zid: c.e.ZendeskID, url: r.url(c.d.Kind, c.e.ZendeskID, c.d)}
		var err error
		switch x := v.(type) {
		case zendesk.Organization:
			err = k.organization(x)
		case zendesk.User:
			err = k.user(ctx, x)
		case zendesk.Group:
			k.group(x)
		case zendesk.GroupMembership:
			err = k.membership(x)
		case zendesk.CustomObject:
			err = k.object(ctx, x)
		case zendesk.Ticket:
			err = k.ticket(ctx, x)
		case zendesk.CustomObjectRecord:
			k.record(x)
		case zendesk.HCCategory:
			k.url = x.HTMLURL
			k.hcCategory(x)
		case zendesk.HCSection:
			k.url = x.HTMLURL
			err = k.hcSection(x)
		case zendesk.HCArticle:
			k.url = x.HTMLURL
			err = k.hcArticle(x)
		case zendesk.HCAttachment:
			k.url = x.ContentURL
			err = k.hcAttachment(x)
		case zendesk.HCTranslation:
			k.url = x.HTMLURL
			err = k.hcTranslation(ctx, x)
		}
		if err != nil {
			return fmt.Errorf("comparing %s: %w", c.d.Key, err)
		}
		r.count(c.d.Kind).Compared++
		name, requester := r.refs.title(c.d)
		r.smp.compared = append(r.smp.compared, Compared{Kind: c.d.Kind, Key: c.d.Key, ZendeskID: c.e.ZendeskID, Name: name, Requester: requester, Why: c.why, URL: k.url})
	}
	return nil
}

// check compares one record.
type check struct {
	r             *runner
	c             *candidate
	kind          kind.Kind
	key, zid, url string
}

func (k *check) payload() map[string]any { return k.c.d.Payload }

func (k *check) diff(what, field, got, want, format string, args ...any) {
	k.r.add(Difference{Kind: k.kind, Key: k.key, ZendeskID: k.zid, What: what, Field: field, Got: got, Want: want, URL: k.url,
		Message: k.r.label(k.kind, k.key, k.zid) + ": " + fmt.Sprintf(format, args...)})
}

// text compares a string field the mapping set.
func (k *check) text(field, got string) {
	want, ok := k.payload()[field].(string)
	if ok && got != want {
		k.diff("field", field, got, want, "%s is %s, expected %s", field, shown(got), shown(want))
	}
}

// fold compares a string field the mapping set, ignoring case (emails).
func (k *check) fold(field, got string) {
	want, ok := k.payload()[field].(string)
	if ok && !strings.EqualFold(got, want) {
		k.diff("field", field, got, want, "%s is %s, expected %s", field, shown(got), shown(want))
	}
}

// set compares a list field the mapping set as a set of lowercased
// words; allowed names extras Zendesk may carry.
func (k *check) set(field string, got []string, allowed ...string) {
	v, ok := k.payload()[field]
	if !ok {
		return
	}
	missing, extra := setDiff(tagSet(got), tagSet(dsl.Strings(v)))
	var keep []string
	for _, x := range extra {
		if !slices.Contains(allowed, x) {
			keep = append(keep, x)
		}
	}
	extra = keep
	if len(missing) == 0 && len(extra) == 0 {
		return
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "lack "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "carry extra "+strings.Join(extra, ", "))
	}
	k.diff("field", field, strings.Join(sortedList(got), " "), strings.Join(sortedList(dsl.Strings(v)), " "), "%s %s", field, strings.Join(parts, "; "))
}

// fields compares a map of custom field values the mapping set.
func (k *check) fields(field string, got map[string]any) {
	want, _ := k.payload()[field].(map[string]any)
	for _, key := range slices.Sorted(maps.Keys(want)) {
		if !sameValue(want[key], got[key]) {
			k.diff("field", field+"."+key, valueText(got[key]), valueText(want[key]), "%s.%s is %s, expected %s", field, key, valueText(got[key]), valueText(want[key]))
		}
	}
}

// ref compares a reference: the Zendesk id Zendesk holds with the one
// the checkpoint recorded for the Kustomer id the mapping gave. present
// says whether the reference is checked when the mapping gave none.
func (k *check) ref(field string, got int64, sourceType string, present bool) error {
	src := str(k.payload(), field)
	if src == "" && !present {
		return nil
	}
	want, err := k.r.refs.ID(sourceType, src)
	if err != nil {
		return err
	}
	if got != want || (src != "" && want == 0) {
		k.diff("field", field, idText(got), strconv.FormatInt(want, 10), "%s is %s, expected %s", field, idText(got), k.r.refs.want(want, sourceType, src))
	}
	return nil
}

func idText(id int64) string {
	if id == 0 {
		return "none"
	}
	return strconv.FormatInt(id, 10)
}

func sortedList(l []string) []string {
	out := append([]string(nil), l...)
	sort.Strings(out)
	return out
}

func (k *check) organization(o zendesk.Organization) error {
	k.text("name", o.Name)
	k.text("external_id", o.ExternalID)
	k.set("domain_names", o.DomainNames)
	k.set("tags", o.Tags)
	k.text("details", o.Details)
	k.text("notes", o.Notes)
	k.fields("organization_fields", o.OrganizationFields)
	return nil
}

func (k *check) user(ctx context.Context, u zendesk.User) error {
	k.text("name", u.Name)
	k.fold("email", u.Email)
	k.text("external_id", u.ExternalID)
	k.text("role", u.Role)
	k.text("phone", u.Phone)
	k.text("details", u.Details)
	k.text("notes", u.Notes)
	k.set("tags", u.Tags)
	k.fields("user_fields", u.UserFields)
	if err := k.ref("organization", u.OrganizationID, "company", false); err != nil {
		return err
	}
	want := dsl.Strings(k.payload()["identities"])
	if len(want) == 0 {
		return nil
	}
	ids, err := k.r.opts.Client.ListIdentities(ctx, u.ID)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, id := range ids {
		have[strings.ToLower(id.Value)] = true
	}
	for _, w := range want {
		if !have[strings.ToLower(w)] {
			k.diff("field", "identities", "", w, "identity %s is missing (the user has %d identities)", shown(w), len(ids))
		}
	}
	return nil
}

func (k *check) group(g zendesk.Group) {
	k.text("name", g.Name)
	k.text("description", g.Description)
}

func (k *check) membership(m zendesk.GroupMembership) error {
	if err := k.ref("user", m.UserID, "user", true); err != nil {
		return err
	}
	return k.ref("group", m.GroupID, "team", true)
}

func (k *check) object(ctx context.Context, o zendesk.CustomObject) error {
	k.text("title", o.Title)
	k.text("description", o.Description)
	if want := str(k.payload(), "title_pluralized"); want != "" {
		k.text("title_pluralized", o.TitlePluralized)
	}
	want, _ := k.payload()["fields"].([]any)
	if len(want) == 0 {
		return nil
	}
	fields, err := k.r.opts.Client.ListCustomObjectFields(ctx, o.Key)
	if err != nil {
		return err
	}
	have := map[string]zendesk.CustomObjectField{}
	for _, f := range fields {
		have[f.Key] = f
	}
	for _, w := range want {
		wf, _ := w.(map[string]any)
		key, typ := str(wf, "key"), str(wf, "type")
		f, ok := have[key]
		switch {
		case !ok:
			k.diff("field", "fields."+key, "", typ, "field %s (%s, from Kustomer attribute %s) is missing", key, typ, str(wf, "source"))
		case typ != "" && f.Type != typ:
			k.diff("field", "fields."+key, f.Type, typ, "field %s is of type %s, expected %s", key, f.Type, typ)
		}
	}
	return nil
}

func (k *check) record(rec zendesk.CustomObjectRecord) {
	k.text("name", rec.Name)
	k.text("external_id", rec.ExternalID)
	k.fields("fields", rec.CustomObjectFields)
}
