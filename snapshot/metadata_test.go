package snapshot

import "testing"

func TestMetadataInTheDigest(t *testing.T) {
	s, _ := open(t)
	put(t, s, fixture()...)
	d0, _ := s.Digest()
	meta := []byte(`{"type":"metadata","id":"customer","attributes":{"properties":{"tierStr":{"type":"string","displayName":"Tier"}}}}`)
	set := func(raw []byte) {
		t.Helper()
		if err := s.Update(func(tx *Tx) error { return tx.SetMetadata("customer", raw) }); err != nil {
			t.Fatal(err)
		}
	}
	set(meta)
	d1, _ := s.Digest()
	set(meta)
	d2, _ := s.Digest()
	if d1 == d0 || d2 != d1 {
		t.Errorf("digests %s %s %s: metadata must change it once", d0, d1, d2)
	}
	if raw, ok, err := s.Metadata("customer"); err != nil || !ok || string(raw) != string(meta) {
		t.Errorf("metadata = %s, %v, %v", raw, ok, err)
	}
	if _, ok, _ := s.Metadata("company"); ok {
		t.Error("metadata for a resource never set")
	}
	if err := s.Verify(); err != nil {
		t.Errorf("verify: %v", err)
	}
}
