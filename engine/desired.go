package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/record"
)

// Zendesk limits the planner enforces (api/zendesk.md).
const (
	MaxCommentsPerTicket = 5000
	MaxCommentChars      = 65535
	MaxRecordBytes       = 32 * 1024
	MaxFieldsPerObject   = 100
)

// ObjectLimits is the number of custom objects per Zendesk plan tier.
var ObjectLimits = map[string]int{
	"team": 3, "growth": 5, "professional": 30, "enterprise": 50, "enterprise_plus": 50, "high_volume": 30,
}

// Desired is one Zendesk record the mapping wants, before the diff.
type Desired struct {
	Kind    string
	Key     string // mapping address + ":" + source id (+ "#part")
	Mapping string
	Pos     string
	Sources []string // "type/id"
	Payload dsl.Payload
	// Comments of a ticket, in order.
	Comments []Comment
	// Unwritable says why the record cannot be written; the payload is
	// then incomplete.
	Unwritable string
	hash       string
}

// Comment is one comment of a desired ticket.
type Comment struct {
	Key     string      `json:"key"` // "message/<id>", "note/<id>", with "#n" for the parts of a split body
	Payload dsl.Payload `json:"payload"`
}

// Hash is the hash of the payload and comments: what the checkpoint keeps
// to tell a changed record from an unchanged one.
func (d *Desired) Hash() string {
	if d.hash == "" {
		h := sha256.New()
		enc := json.NewEncoder(h)
		enc.Encode(d.Payload) // maps marshal with sorted keys
		for _, c := range d.Comments {
			h.Write([]byte(c.Key))
			enc.Encode(c.Payload)
		}
		d.hash = hex.EncodeToString(h.Sum(nil))[:32]
	}
	return d.hash
}

// CommentKeys lists the source keys of a ticket's comments.
func (d *Desired) CommentKeys() []string {
	out := make([]string, len(d.Comments))
	for i, c := range d.Comments {
		out[i] = c.Key
	}
	return out
}

// Attachments counts the attachments a ticket's comments link.
func (d *Desired) Attachments() int {
	n := 0
	for _, c := range d.Comments {
		if l, ok := c.Payload["attachments"].([]string); ok {
			n += len(l)
		}
	}
	return n
}

// Generator evaluates a mapping over a snapshot into desired records, in
// dependency order, streaming. Plan and apply both use it, so apply writes
// exactly what plan hashed.
type Generator struct {
	cfg    *dsl.Config
	snap   Snapshot
	ev     *dsl.Evaluator
	marker string
	Hz     *Hazards

	nTickets   int
	klassNames map[string]string            // klass id → name, for KObjects that only carry the id
	klassKinds map[string]map[string]string // klass name → field key → attribute suffix
	// objectParts lists, for a Klass split into several objects, which
	// field keys each object holds; records are split the same way.
	objectParts map[string][]objectPart
	customers   idSet               // every Kustomer customer id
	agents      map[string]struct{} // Kustomer user ids mapped to Zendesk agents
	members     map[string]map[string]bool
	teams       map[string]bool // team ids mapped to groups
}

// NewGenerator prepares a generator.
func NewGenerator(cfg *dsl.Config, snap Snapshot) *Generator {
	return &Generator{cfg: cfg, snap: snap, ev: dsl.NewEvaluator(cfg), marker: cfg.Target.MarkerTag,
		Hz: NewHazards(), agents: map[string]struct{}{}, klassNames: map[string]string{}, klassKinds: map[string]map[string]string{}, objectParts: map[string][]objectPart{},
		members: map[string]map[string]bool{}, teams: map[string]bool{}}
}

// Run emits every desired record in apply order: organizations, users,
// groups, memberships, custom objects, tickets, custom object records.
func (g *Generator) Run(ctx context.Context, emit func(*Desired) error) error {
	steps := []func(context.Context, func(*Desired) error) error{
		g.organizations,
		g.users,
		g.groups,
		g.memberships,
		g.customObjects,
		g.tickets,
		g.simple("custom_object_record"),
	}
	for _, step := range steps {
		if err := step(ctx, emit); err != nil {
			return err
		}
	}
	return nil
}

func pos(m *dsl.Mapping) string {
	return fmt.Sprintf("%s:%d", m.DeclRange.Filename, m.DeclRange.Start.Line)
}

// decode turns raw JSON into a record; a malformed record becomes an
// unwritable desired record rather than an aborted plan.
func (g *Generator) decode(typ, id string, raw []byte) (any, error) {
	rec, err := record.DecodeJSON(raw)
	if err != nil {
		g.Hz.Add("malformed_records", "error", "Kustomer records that could not be read", typ+"/"+id+": "+err.Error())
		return nil, err
	}
	return rec, nil
}

func (g *Generator) evalOne(m *dsl.Mapping, typ, id string, rec any) ([]dsl.Payload, error) {
	out, err := g.ev.Eval(m, rec)
	if err != nil {
		g.Hz.Add("mapping_errors", "error", "records whose mapping failed (fix the mapping, then plan again)", err.Error())
	}
	return out, err
}

// mapRecord decodes one source record and evaluates m on it. A record that
// cannot be read or mapped comes back as an unwritable Desired, to emit;
// otherwise the Desired to fill, the record and its payloads (none when
// the mapping's when is false).
func (g *Generator) mapRecord(kind string, m *dsl.Mapping, id string, raw []byte) (*Desired, any, []dsl.Payload) {
	d := &Desired{Kind: kind, Key: m.Address() + ":" + id, Mapping: m.Address(), Pos: pos(m), Sources: []string{m.From + "/" + id}}
	rec, err := g.decode(m.From, id, raw)
	var outs []dsl.Payload
	if err == nil {
		if o, ok := rec.(*record.KObject); ok && o.KlassName == "" {
			o.KlassName = g.klassNames[o.KlassID]
		}
		outs, err = g.evalOne(m, m.From, id, rec)
	}
	if err != nil {
		d.Unwritable = err.Error()
		return d, nil, nil
	}
	return d, rec, outs
}

// simple handles kinds whose records map one to one from one source type.
func (g *Generator) simple(kind string) func(context.Context, func(*Desired) error) error {
	return func(ctx context.Context, emit func(*Desired) error) error {
		for _, m := range g.kind(kind) {
			err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				d, rec, outs := g.mapRecord(kind, m, id, raw)
				if d.Unwritable != "" {
					return emit(d)
				}
				if kind == "custom_object_record" {
					outs = g.splitRecords(outs, rec)
				}
				for i, p := range outs {
					dd := *d
					if i > 0 {
						dd.Key = fmt.Sprintf("%s#%d", d.Key, i+1)
					}
					dd.Payload = p
					if kind == "custom_object_record" {
						mode, _ := m.Options["on_oversize"].(string)
						if obj, _ := p["object"].(string); obj == "" {
							dd.Unwritable = "the mapping gives no custom object key (object) for this record"
							g.Hz.Add("records_without_object", "error", "custom object records whose object key is empty", dd.Key)
						} else {
							g.checkRecordSize(&dd, mode)
						}
					}
					if err := emit(&dd); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

func (g *Generator) kind(kind string) []*dsl.Mapping {
	var out []*dsl.Mapping
	for _, m := range g.cfg.Mappings {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// Lookup fields of custom objects, and the record attribute each takes.
var lookupFields = []struct{ attr, key, title, target string }{
	{"user", "kz_customer", "Customer", "zen:user"},
	{"organization", "kz_company", "Company", "zen:organization"},
}

// recordLookups returns the lookup field definitions the record mappings
// need.
func (g *Generator) recordLookups() []any {
	var out []any
	for _, lf := range lookupFields {
		for _, m := range g.kind("custom_object_record") {
			if _, ok := m.Exprs[lf.attr]; ok {
				out = append(out, map[string]any{"key": lf.key, "title": lf.title, "type": "lookup", "target": lf.target})
				break
			}
		}
	}
	return out
}

// objectPart is one of the objects a large Klass became.
type objectPart struct {
	key    string
	fields map[string]bool
}

// splitRecords gives a record of a split Klass one record per object,
// each with that object's fields and the base record's name; parts after
// the first carry external ids with a #n suffix, and a field part_of_id
// is not needed: the shared external id prefix links them.
func (g *Generator) splitRecords(outs []dsl.Payload, rec any) []dsl.Payload {
	var res []dsl.Payload
	for _, p := range outs {
		if o, ok := rec.(*record.KObject); ok {
			g.recordFields(p, o.KlassName)
		}
		obj, _ := p["object"].(string)
		parts := g.objectParts[obj]
		fields, _ := p["fields"].(map[string]any)
		if len(parts) < 2 || fields == nil {
			res = append(res, p)
			continue
		}
		for i, part := range parts {
			q := dsl.Payload{}
			for k, v := range p {
				q[k] = v
			}
			sub := map[string]any{}
			for k, v := range fields {
				if part.fields[k] {
					sub[k] = v
				}
			}
			q["fields"], q["object"] = sub, part.key
			if i > 0 {
				if ext, ok := p["external_id"].(string); ok {
					q["external_id"] = fmt.Sprintf("%s#%d", ext, i+1)
				}
			}
			res = append(res, q)
		}
	}
	return res
}

// truncateRecord shortens the longest string fields of a record payload
// until excess bytes are gone, each cut marked in the text. It returns
// which fields it cut, or "" when it could not make room.
func truncateRecord(p dsl.Payload, excess int) string {
	fields, _ := p["fields"].(map[string]any)
	const marker = " …[shortened by kzmap: over Zendesk's 32 KB]"
	var cut []string
	for excess > 0 {
		longest, n := "", 0
		for k, v := range fields {
			if s, ok := v.(string); ok && (len(s) > n || (len(s) == n && k < longest)) {
				longest, n = k, len(s)
			}
		}
		if n <= len(marker)+64 {
			return ""
		}
		s := fields[longest].(string)
		keep := max(64, n-excess-len(marker)-16)
		for keep > 0 && !utf8.RuneStart(s[keep]) {
			keep--
		}
		fields[longest] = s[:keep] + marker
		excess -= n - keep - len(marker)
		cut = append(cut, fmt.Sprintf("%s %d→%d bytes", longest, n, keep))
	}
	return strings.Join(cut, ", ")
}

// recordFields gives a record's fields the keys and value types of the
// custom object made from its Klass: keys as zendesk_field_key makes them,
// At timestamps as the dates Zendesk's date fields hold, numbers and
// booleans as such.
func (g *Generator) recordFields(p dsl.Payload, klass string) {
	fields, ok := p["fields"].(map[string]any)
	if !ok {
		return
	}
	kinds := g.klassKinds[klass]
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		key := FieldKey(k)
		kind := kinds[key]
		if kind == "" {
			kind = record.CustomKind(k)
		}
		if s, ok := v.(string); ok && kind == "At" && len(s) >= 10 {
			if t, err := record.ParseTime(s); err == nil {
				v = t.Format("2006-01-02")
			}
		}
		out[key] = v
	}
	p["fields"] = out
}

func (g *Generator) checkRecordSize(d *Desired, mode string) {
	b, _ := json.Marshal(d.Payload)
	if len(b) > MaxRecordBytes && mode == "truncate" {
		if cut := truncateRecord(d.Payload, len(b)-MaxRecordBytes); cut != "" {
			g.Hz.Add("records_truncated", "warning", "custom object records over 32 KB whose longest text fields were shortened to fit (on_oversize = \"truncate\")", d.Key+": "+cut)
			b, _ = json.Marshal(d.Payload)
		}
	}
	if len(b) > MaxRecordBytes {
		d.Unwritable = fmt.Sprintf("the record is %d bytes; Zendesk stores at most %d per custom object record", len(b), MaxRecordBytes)
		g.Hz.Add("records_over_32kb", "error", "custom object records over Zendesk's 32 KB (map fewer or shorter fields)", d.Key)
	}
}

// users maps agents first (tickets and memberships need to know who is an
// agent), then customers, merging customers that share a merge key.
func (g *Generator) users(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.kind("user") {
		if m.From != "user" {
			continue
		}
		err := g.snap.ForEach("user", func(id string, raw []byte) error {
			d, _, outs := g.mapRecord("user", m, id, raw)
			if d.Unwritable != "" {
				return emit(d)
			}
			if len(outs) == 0 {
				return nil
			}
			g.agents[id] = struct{}{}
			d.Payload = outs[0]
			return emit(d)
		})
		if err != nil {
			return err
		}
	}
	for _, m := range g.kind("user") {
		if m.From != "customer" {
			continue
		}
		err := g.merged(ctx, "user", m, func(id string) { g.customers.add(id) }, mergeUser, func(k string, d *Desired) {
			g.Hz.Add("users_merged", "info", "customers sharing an email become one Zendesk user (every customer id maps to it)",
				fmt.Sprintf("%s ← %s", k, strings.Join(d.Sources, ", ")))
		}, emit)
		if err != nil {
			return err
		}
	}
	return nil
}

// organizations maps companies, merging those whose merge_by keys agree:
// Zendesk keeps organization names unique ignoring case, so companies
// named alike can only be one organization. Without merge_by, a name
// Zendesk would refuse as taken makes the later company unwritable.
func (g *Generator) organizations(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.kind("organization") {
		if _, ok := m.Exprs["merge_by"]; !ok {
			if err := g.uniqueNames(ctx, m, emit); err != nil {
				return err
			}
			continue
		}
		err := g.merged(ctx, "organization", m, nil, mergeOrganization, func(k string, d *Desired) {
			g.Hz.Add("organizations_merged", "info", "companies whose names differ only in case or surrounding space become one Zendesk organization (Zendesk keeps names unique; every company id maps to it)",
				fmt.Sprintf("%q ← %s", k, strings.Join(d.Sources, ", ")))
		}, emit)
		if err != nil {
			return err
		}
	}
	return nil
}

// uniqueNames emits organizations one to one, making unwritable those
// whose name (trimmed, ignoring case) an earlier one took.
func (g *Generator) uniqueNames(ctx context.Context, m *dsl.Mapping, emit func(*Desired) error) error {
	taken := map[uint64]string{} // name hash → the source that took it
	return g.simple("organization")(ctx, func(d *Desired) error {
		if d.Unwritable == "" {
			k := mergeKey(str(d.Payload, "name"))
			if first, ok := taken[keyHash(k)]; ok && k != "" {
				d.Unwritable = fmt.Sprintf("Zendesk keeps organization names unique ignoring case, and %s has the name %q already: set merge_by on %s, or make the names differ", first, k, m.Address())
				g.Hz.Add("organization_names_taken", "error", "companies named like another (ignoring case and surrounding space): Zendesk would refuse them as taken (merge them with merge_by)", d.Sources[0]+": "+k)
			} else {
				taken[keyHash(k)] = d.Sources[0]
			}
		}
		return emit(d)
	})
}

// merged maps the records of m in two passes, making one Zendesk record
// of those that share a merge key (merge_by, trimmed and lowercased). The
// first pass counts the records behind each key, by a 64-bit hash of the
// key so memory stays small (each also goes to seen, when set); the second
// emits singletons at once and holds a merged record only until its last
// member is seen, folding each into the first (the lowest source id keys
// it). A hash collision can only make a group look larger than it is:
// such groups are emitted when the pass ends. merge names each merge in
// the plan.
func (g *Generator) merged(ctx context.Context, kind string, m *dsl.Mapping, seen func(id string), fold func(a, b *Desired), merge func(key string, d *Desired), emit func(*Desired) error) error {
	counts := map[uint64]uint32{}
	_, merging := m.Exprs["merge_by"]
	err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
		if seen != nil {
			seen(id)
		}
		if !merging {
			return nil
		}
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil // reported in the second pass
		}
		outs, err := g.ev.Eval(m, rec)
		if err != nil || len(outs) == 0 {
			return nil
		}
		if k := mergeKey(str(outs[0], "merge_by")); k != "" {
			counts[keyHash(k)]++
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	type pendingGroup struct {
		d    *Desired
		seen uint32
	}
	pending := map[string]*pendingGroup{}
	emitMerged := func(k string, d *Desired) error {
		delete(d.Payload, "merge_by")
		if len(d.Sources) > 1 {
			merge(k, d)
		}
		return emit(d)
	}
	err = g.snap.ForEach(m.From, func(id string, raw []byte) error {
		d, _, outs := g.mapRecord(kind, m, id, raw)
		if d.Unwritable != "" {
			return emit(d)
		}
		if len(outs) == 0 {
			return nil
		}
		d.Payload = outs[0]
		k := mergeKey(str(d.Payload, "merge_by"))
		size := counts[keyHash(k)]
		if k == "" || size <= 1 {
			delete(d.Payload, "merge_by")
			return emit(d)
		}
		grp := pending[k]
		if grp == nil {
			grp = &pendingGroup{d: d}
			pending[k] = grp
		} else {
			grp.d.Sources = append(grp.d.Sources, d.Sources...)
			fold(grp.d, d)
		}
		grp.seen++
		if grp.seen < size {
			return nil
		}
		delete(pending, k)
		return emitMerged(k, grp.d)
	})
	if err != nil {
		return err
	}
	for _, k := range sortedKeysOf(pending) {
		if err := emitMerged(k, pending[k].d); err != nil {
			return err
		}
	}
	return nil
}

func keyHash(k string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k))
	return h.Sum64()
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mergeKey is a merge_by value as records are grouped by it: trimmed,
// ignoring case.
func mergeKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// mergeOrganization folds company b into the merged organization a: a's
// fields win, b fills what a lacks, domains and tags are the union.
func mergeOrganization(a, b *Desired) {
	for k, v := range b.Payload {
		if _, ok := a.Payload[k]; !ok && k != "external_id" && k != "name" {
			a.Payload[k] = v
		}
	}
	for _, k := range []string{"domain_names", "tags"} {
		union := dsl.Strings(a.Payload[k])
		for _, x := range dsl.Strings(b.Payload[k]) {
			if !slices.Contains(union, x) {
				union = append(union, x)
			}
		}
		if len(union) > 0 {
			a.Payload[k] = union
		}
	}
}

// mergeUser folds customer b into the merged user a: a's fields win, b
// fills what a lacks, and b's emails and phones become identities.
func mergeUser(a, b *Desired) {
	for k, v := range b.Payload {
		if _, ok := a.Payload[k]; !ok && k != "email" && k != "external_id" {
			a.Payload[k] = v
		}
	}
	primary, _ := a.Payload["email"].(string)
	ids := dsl.Strings(a.Payload["identities"])
	add := func(s string) {
		if s == "" || strings.EqualFold(s, primary) {
			return
		}
		for _, x := range ids {
			if strings.EqualFold(x, s) {
				return
			}
		}
		ids = append(ids, s)
	}
	if e, ok := b.Payload["email"].(string); ok {
		add(e)
	}
	if p, ok := b.Payload["phone"].(string); ok && p != a.Payload["phone"] {
		add(p)
	}
	for _, s := range dsl.Strings(b.Payload["identities"]) {
		add(s)
	}
	if len(ids) > 0 {
		a.Payload["identities"] = ids
	}
	tags := dsl.Strings(a.Payload["tags"])
	for _, t := range dsl.Strings(b.Payload["tags"]) {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		a.Payload["tags"] = tags
	}
}

func (g *Generator) groups(ctx context.Context, emit func(*Desired) error) error {
	err := g.snap.ForEach("team", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil
		}
		set := map[string]bool{}
		for _, u := range rec.(*record.Team).Members {
			set[u] = true
		}
		g.members[id] = set
		return nil
	})
	if err != nil {
		return err
	}
	return g.simple("group")(ctx, func(d *Desired) error {
		if d.Unwritable == "" {
			g.teams[strings.TrimPrefix(d.Sources[0], "team/")] = true
		}
		return emit(d)
	})
}

// memberships keeps only memberships of agents that exist: Zendesk refuses
// a membership for anyone else.
func (g *Generator) memberships(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.kind("group_membership") {
		err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
			rec, err := g.decode(m.From, id, raw)
			if err != nil {
				return nil
			}
			outs, err := g.evalOne(m, m.From, id, rec)
			if err != nil {
				return emit(&Desired{Kind: "group_membership", Key: m.Address() + ":" + id, Mapping: m.Address(), Pos: pos(m), Sources: []string{m.From + "/" + id}, Unwritable: err.Error()})
			}
			for _, p := range outs {
				user, _ := p["user"].(string)
				group, _ := p["group"].(string)
				if _, ok := g.agents[user]; !ok {
					g.Hz.Add("memberships_without_agent", "info", "team members that are not migrated agents (deleted or machine users): no membership", id+"/"+user)
					continue
				}
				if !g.teams[group] {
					g.Hz.Add("memberships_without_group", "warning", "memberships of a team that is not mapped to a group", group+"/"+user)
					continue
				}
				d := &Desired{Kind: "group_membership", Key: m.Address() + ":" + group + "/" + user, Mapping: m.Address(), Pos: pos(m),
					Sources: []string{m.From + "/" + id}, Payload: p}
				if err := emit(d); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Zendesk custom object field types by Kustomer attribute suffix.
var fieldTypes = map[string]string{
	"Str": "text", "Txt": "textarea", "Num": "decimal", "At": "date", "Bool": "checkbox", "Url": "text", "Id": "text", "": "text",
}

// customObjects turns each Klass into one object, or several linked ones
// when it has more attributes than max_fields.
func (g *Generator) customObjects(ctx context.Context, emit func(*Desired) error) error {
	err := g.snap.ForEach("klass", func(id string, raw []byte) error {
		if rec, err := record.DecodeJSON(raw); err == nil {
			k := rec.(*record.Klass)
			g.klassNames[id] = k.Name
			kinds := map[string]string{}
			for _, p := range k.Properties {
				kinds[FieldKey(p.Name)] = p.Kind
			}
			g.klassKinds[k.Name] = kinds
		}
		return nil
	})
	if err != nil {
		return err
	}
	objects := 0
	for _, m := range g.kind("custom_object") {
		maxFields, _ := m.Options["max_fields"].(int)
		if maxFields <= 0 || maxFields > MaxFieldsPerObject {
			maxFields = MaxFieldsPerObject
		}
		err := g.snap.ForEach("klass", func(id string, raw []byte) error {
			d, rec, outs := g.mapRecord("custom_object", m, id, raw)
			if d.Unwritable != "" {
				return emit(d)
			}
			if len(outs) == 0 {
				return nil
			}
			k := rec.(*record.Klass)
			var fields []any
			for _, p := range k.Properties {
				title := p.DisplayName
				if title == "" {
					title = p.Name
				}
				fields = append(fields, map[string]any{"key": FieldKey(p.Name), "title": title, "type": fieldTypes[p.Kind], "source": p.Name})
			}
			// Lookups to the record's customer and company (rule 14) go on
			// the first object, when a record mapping names them.
			lookups := g.recordLookups()
			for _, l := range lookups {
				fields = append([]any{l}, fields...)
			}
			parts := (len(fields) + maxFields - 1) / maxFields
			if parts == 0 {
				parts = 1
			}
			if parts > 1 {
				g.Hz.Add("klasses_split", "info", fmt.Sprintf("Klasses over %d attributes become several linked custom objects", maxFields),
					fmt.Sprintf("%s: %d attributes → %d objects", k.Name, len(k.Properties), parts))
			}
			baseKey, _ := outs[0]["key"].(string)
			if parts > 1 {
				var ps []objectPart
				for i := 0; i < parts; i++ {
					op := objectPart{key: baseKey, fields: map[string]bool{}}
					if i > 0 {
						op.key = fmt.Sprintf("%s_%d", baseKey, i+1)
					}
					for _, f := range fields[i*maxFields : min((i+1)*maxFields, len(fields))] {
						op.fields[f.(map[string]any)["key"].(string)] = true
					}
					ps = append(ps, op)
				}
				g.objectParts[baseKey] = ps
			}
			for i := 0; i < parts; i++ {
				dd := *d
				p := dsl.Payload{}
				for kk, v := range outs[0] {
					p[kk] = v
				}
				lo, hi := i*maxFields, min((i+1)*maxFields, len(fields))
				p["fields"] = fields[lo:hi]
				if i > 0 {
					dd.Key = fmt.Sprintf("%s#%d", d.Key, i+1)
					p["key"] = fmt.Sprintf("%s_%d", baseKey, i+1)
					p["part_of"] = baseKey
				}
				dd.Payload = p
				objects++
				if err := emit(&dd); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
	}
	if lim, ok := ObjectLimits[g.cfg.Target.Plan]; ok && objects > lim {
		g.Hz.Add("custom_object_limit", "error",
			fmt.Sprintf("the %s plan allows %d custom objects; the mapping makes %d (filter Klasses with when, or choose a larger plan in target \"zendesk\")", g.cfg.Target.Plan, lim, objects),
			fmt.Sprintf("%d objects", objects))
	}
	return nil
}

// FieldKey makes a Zendesk field key from a Kustomer attribute name, the
// same way the mapping function zendesk_field_key does.
func FieldKey(name string) string {
	if f, ok := builtin.Lookup("zendesk_field_key"); ok {
		if v, err := f.Call(name); err == nil {
			if s, ok := v.(string); ok && s != "" {
				return s
			}
		}
	}
	return "field_" + fmt.Sprintf("%x", sha256.Sum256([]byte(name)))[:8]
}

// sortComments orders comments by created_at, then by source key (rule 8).
func sortComments(cs []Comment) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, _ := cs[i].Payload["created_at"].(string)
		b, _ := cs[j].Payload["created_at"].(string)
		if a != b {
			return a < b
		}
		return cs[i].Key < cs[j].Key
	})
}
