package kustomersim

import (
	"encoding/json"
	"maps"
	"slices"
	"sync"

	"github.com/kzmap/kzmap/record"
)

// GET /v1/metadata/{resource}: the custom attributes of a resource,
// `data.attributes.properties = {"<name>": {type, displayName}}`
// (spec/kustomer.md, custom attribute metadata). The simulator derives
// them from the dataset's records: every attribute a record of the
// resource holds, typed by its name's suffix and named as Kustomer names
// one by default; an org may define more than its records hold, which
// the simulator cannot know.

var metadataKinds = map[string]kind{"conversation": kConversation, "customer": kCustomer, "company": kCompany}

type metadataCache struct {
	once  [numKinds]sync.Once
	props [numKinds]map[string]map[string]any
}

func (rq *request) metadata() *apiError {
	res := rq.args[0]
	k, ok := metadataKinds[res]
	if !ok {
		return notFound("no custom attribute metadata for " + res)
	}
	mc := &rq.s.meta
	mc.once[k].Do(func() {
		props := map[string]map[string]any{}
		for _, r := range rq.s.ds.tables[k].recs {
			c, err := record.CustomOf(r.raw)
			if err != nil {
				continue
			}
			for name := range c {
				if _, ok := props[name]; !ok {
					props[name] = map[string]any{"type": record.SuffixType(record.CustomKind(name)), "displayName": record.DisplayName(name)}
				}
			}
		}
		mc.props[k] = props
	})
	ordered := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(mc.props[k])) {
		ordered[name] = mc.props[k][name]
	}
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"type": "metadata", "id": res,
		"attributes": map[string]any{"properties": ordered}}})
	b := getBuf()
	defer putBuf(b)
	b.Write(body)
	rq.writeJSON(b)
	return nil
}
