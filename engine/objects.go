package engine

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/kzmap/kzmap/builtin"
	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
	"github.com/kzmap/kzmap/zendesk"
)

// Klasses become custom objects and KObjects their records (spec/rules.md,
// rule 14): attribute types converted, a Klass over Zendesk's fields per
// object split into linked objects (its records split the same way),
// records over 32 KB reported or shortened, lookups to the record's
// customer and company kept.

// Lookups are the lookup fields of custom objects: the record attribute
// each takes, the Kustomer type that attribute names, the field's key,
// title and target.
var Lookups = []struct{ Attr, SourceType, Key, Title, Target string }{
	{"user", "customer", "kz_customer", "Customer", "zen:user"},
	{"organization", "company", "kz_company", "Company", "zen:organization"},
}

// recordLookups returns the lookup field definitions the record mappings
// need.
func (g *Generator) recordLookups() []any {
	var out []any
	for _, lf := range Lookups {
		for _, m := range g.mappings(kind.CustomObjectRecord) {
			if _, ok := m.Exprs[lf.Attr]; ok {
				out = append(out, map[string]any{"key": lf.Key, "title": lf.Title, "type": "lookup", "target": lf.Target})
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

func (g *Generator) checkRecordSize(d *Desired, mode string, at hcl.Range) {
	b, _ := json.Marshal(d.Payload)
	if len(b) > zendesk.MaxRecordBytes && mode == "truncate" {
		if cut := truncateRecord(d.Payload, len(b)-zendesk.MaxRecordBytes); cut != "" {
			g.Hz.Add("records_truncated", at, d.Key+": "+cut)
			b, _ = json.Marshal(d.Payload)
		}
	}
	if len(b) > zendesk.MaxRecordBytes {
		d.Unwritable = fmt.Sprintf("the record is %d bytes; Zendesk stores at most %d per custom object record", len(b), zendesk.MaxRecordBytes)
		g.Hz.Add("records_over_32kb", at, d.Key)
	}
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
	for _, m := range g.mappings(kind.CustomObject) {
		maxFields := m.Options.CustomObject.MaxFields
		if maxFields <= 0 || maxFields > zendesk.MaxFieldsPerObject {
			maxFields = zendesk.MaxFieldsPerObject
		}
		err := g.eachOf(ctx, kind.CustomObject, m, emit, func(m *dsl.Mapping, d *Desired, rec any, outs []dsl.Payload) error {
			if len(outs) == 0 {
				return nil
			}
			n, err := g.objects(m, d, rec.(*record.Klass), outs[0], maxFields, emit)
			objects += n
			return err
		})
		if err != nil {
			return err
		}
	}
	if lim, ok := zendesk.ObjectLimits[g.cfg.Target.Plan]; ok && objects > lim {
		at := hcl.Range{}
		if ms := g.mappings(kind.CustomObject); len(ms) > 0 {
			at = ms[0].DeclRange
		}
		g.Hz.Add("custom_object_limit", at, fmt.Sprintf("the %s plan allows %d custom objects; the mapping makes %d", g.cfg.Target.Plan, lim, objects))
	}
	return nil
}

// objects emits the object, or linked objects, a Klass becomes: its
// attributes as fields of the type their suffix gives, the lookups to the
// record's customer and company on the first (spec/rules.md, rule 14),
// split every maxFields. It returns how many objects it emitted.
func (g *Generator) objects(m *dsl.Mapping, d *Desired, k *record.Klass, out dsl.Payload, maxFields int, emit func(*Desired) error) (int, error) {
	var fields []any
	for _, l := range g.recordLookups() {
		fields = append([]any{l}, fields...) // the last lookup first, as plans have always hashed them
	}
	for _, p := range k.Properties {
		title := p.DisplayName
		if title == "" {
			title = p.Name
		}
		fields = append(fields, map[string]any{"key": FieldKey(p.Name), "title": title, "type": fieldTypes[p.Kind], "source": p.Name})
	}
	parts := max(1, (len(fields)+maxFields-1)/maxFields)
	baseKey, _ := out["key"].(string)
	if parts > 1 {
		g.Hz.Add("klasses_split", m.DeclRange, fmt.Sprintf("%s: %d attributes → %d objects of at most %d fields", k.Name, len(k.Properties), parts, maxFields))
		var ps []objectPart
		for i := 0; i < parts; i++ {
			op := objectPart{key: partKey(baseKey, i), fields: map[string]bool{}}
			for _, f := range fields[i*maxFields : min((i+1)*maxFields, len(fields))] {
				op.fields[f.(map[string]any)["key"].(string)] = true
			}
			ps = append(ps, op)
		}
		g.objectParts[baseKey] = ps
	}
	for i := 0; i < parts; i++ {
		dd := *d
		p := clonePayload(out)
		p["fields"] = fields[i*maxFields : min((i+1)*maxFields, len(fields))]
		if i > 0 {
			dd.Key = fmt.Sprintf("%s#%d", d.Key, i+1)
			p["key"], p["part_of"] = partKey(baseKey, i), baseKey
		}
		dd.Payload = p
		if err := emit(&dd); err != nil {
			return i, err
		}
	}
	return parts, nil
}

// partKey is the key of part i of a split object ("order", "order_2", …).
func partKey(base string, i int) string {
	if i == 0 {
		return base
	}
	return fmt.Sprintf("%s_%d", base, i+1)
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

// records maps KObjects: each record's fields keyed and typed as its
// object's, split across the objects of a split Klass, checked against
// Zendesk's 32 KB.
func (g *Generator) records(ctx context.Context, emit func(*Desired) error) error {
	return g.each(ctx, kind.CustomObjectRecord, emit, func(m *dsl.Mapping, d *Desired, rec any, outs []dsl.Payload) error {
		for i, p := range g.splitRecords(outs, rec) {
			dd := *d
			if i > 0 {
				dd.Key = fmt.Sprintf("%s#%d", d.Key, i+1)
			}
			dd.Payload = p
			if obj, _ := p["object"].(string); obj == "" {
				dd.Unwritable = "the mapping gives no custom object key (object) for this record"
				g.Hz.Add("records_without_object", m.DeclRange, dd.Key)
			} else {
				g.checkRecordSize(&dd, m.Options.Record.OnOversize, m.DeclRange)
			}
			if err := emit(&dd); err != nil {
				return err
			}
		}
		return nil
	})
}
