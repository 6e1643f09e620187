package kustomersim

import (
	"encoding/json"
	"testing"
)

func TestCustomAttributeMetadata(t *testing.T) {
	h := serve(t, smallFixture(), Options{Limit: -1, SearchLimit: -1})
	r := h.get("/v1/metadata/customer")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var doc struct {
		Data struct {
			Type       string `json:"type"`
			ID         string `json:"id"`
			Attributes struct {
				Properties map[string]struct {
					Type        string `json:"type"`
					DisplayName string `json:"displayName"`
				} `json:"properties"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	p, ok := doc.Data.Attributes.Properties["tierStr"]
	if doc.Data.ID != "customer" || !ok || p.Type != "string" || p.DisplayName != "Tier" {
		t.Errorf("metadata = %s", r.body)
	}
	if r := h.get("/v1/metadata/widget"); r.status != 404 {
		t.Errorf("an unknown resource: %d", r.status)
	}
}
