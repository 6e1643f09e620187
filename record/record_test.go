package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeConversation(t *testing.T) {
	in := `{"type":"conversation","id":"64f0c0ffee0000000000a001",
	 "attributes":{"name":"Refund","status":"snoozed","priority":"4","assignedUsers":["u1","u2"],
	   "tags":["VIP customer"],"channels":["email"],"custom":{"orderNum":42,"vipBool":true,"dueAt":"2024-03-01T09:30:00.000Z","noteStr":"x"},
	   "createdAt":"2024-03-01T09:30:00.000Z","updatedAt":"2024-03-02T09:30:00Z","sentiment":{"polarity":1},
	   "snooze":{"time":"2024-03-03T00:00:00.000Z","status":"scheduled"}},
	 "relationships":{"customer":{"data":{"type":"customer","id":"c1"}},"createdBy":{"data":null}}}`
	got, err := DecodeJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Conversation{
		ID: "64f0c0ffee0000000000a001", Name: "Refund", Status: "snoozed", Priority: 4,
		AssignedUsers: []string{"u1", "u2"}, Tags: []string{"VIP customer"}, Channels: []string{"email"},
		Custom:     Custom{"orderNum": 42.0, "vipBool": true, "dueAt": "2024-03-01T09:30:00.000Z", "noteStr": "x"},
		CreatedAt:  time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC),
		UpdatedAt:  time.Date(2024, 3, 2, 9, 30, 0, 0, time.UTC),
		Snooze:     Snooze{Time: time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC), Status: "scheduled"},
		CustomerID: "c1",
		Extra:      map[string]any{"sentiment": map[string]any{"polarity": 1.0}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decode (-want +got):\n%s", diff)
	}
}

func TestDecodeMessageFallsBackToPreview(t *testing.T) {
	got, err := DecodeJSON([]byte(`{"type":"message","id":"m1","attributes":{"preview":"Hello…","direction":"in",
	 "attachments":[{"id":"a1","name":"x.png","contentType":"image/png","contentLength":12}]},
	 "relationships":{"conversation":{"data":{"type":"conversation","id":"c9"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := got.(*Message)
	if !m.Truncated || m.Body != "Hello…" || m.ConversationID != "c9" || len(m.Attachments) != 1 || m.Attachments[0].ContentLength != 12 {
		t.Errorf("unexpected message: %+v", m)
	}
}

func TestDecodeKlassProperties(t *testing.T) {
	got, err := DecodeJSON([]byte(`{"type":"klass","id":"k1","attributes":{"name":"ecomm-order","status":"disabled",
	 "metadata":{"properties":{"totalNum":{"type":"number","displayName":"Total"},"placedAt":{"type":"date"},"skuStr":{"type":"string"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	k := got.(*Klass)
	want := []Property{
		{Name: "placedAt", Type: "date", Kind: "At"},
		{Name: "skuStr", Type: "string", Kind: "Str"},
		{Name: "totalNum", Type: "number", DisplayName: "Total", Kind: "Num"},
	}
	if diff := cmp.Diff(want, k.Properties); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", `{"type":`, "invalid JSON"},
		{"no id", `{"type":"customer","attributes":{}}`, `customer: missing "id"`},
		{"no type", `{"id":"x"}`, `missing "type"`},
		{"unknown type", `{"type":"widget","id":"x"}`, `unknown resource type "widget"`},
		{"bad time", `{"type":"note","id":"n1","attributes":{"createdAt":"yesterday"}}`, `note n1: attribute "createdAt": invalid timestamp "yesterday"`},
		{"wrong type", `{"type":"conversation","id":"c1","attributes":{"tags":"vip"}}`, `conversation c1: attribute "tags": expected []string`},
		{"bad priority", `{"type":"conversation","id":"c1","attributes":{"priority":"high"}}`, `attribute "priority": expected a number`},
		{"bad custom", `{"type":"company","id":"c1","attributes":{"custom":["sizeNum"]}}`, `attribute "custom": expected an object`},
	}
	t.Logf("KZSUITE bad_inputs=%d", len(tests))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJSON([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error %T is not a *DecodeError", err)
			}
		})
	}
}

func TestCustomKind(t *testing.T) {
	for name, want := range map[string]string{"orderNum": "Num", "Txt": "", "vipBool": "Bool", "homeUrl": "Url", "ownerId": "Id", "plain": "", "dueAt": "At"} {
		if got := CustomKind(name); got != want {
			t.Errorf("CustomKind(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestFieldsCoverEveryType(t *testing.T) {
	for _, typ := range Types {
		if len(Fields(typ)) == 0 {
			t.Errorf("no fields for %s", typ)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"type":"conversation","id":"a","attributes":{"priority":3,"custom":{"xNum":1}}}`))
	f.Add([]byte(`{"type":"kobject","id":"a","relationships":{"klass":{"links":{"self":"/v1/klasses/x"}}}}`))
	f.Add([]byte(`{"type":"message","id":"m","attributes":{"attachments":[{}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeJSON(data)
	})
}

// FuzzFastPaths checks that the fast decoders agree with encoding/json.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `["a","b"]`, `[]`, `["a" ,"b"]`, `{"type":"x","id":"y"}`, `"\u00e9"`, "\"\xff\"", `["a",]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		// The fast paths read values the envelope decode has validated.
		if !json.Valid(v) {
			return
		}
		if s, ok := fastString(v); ok {
			var want string
			if err := json.Unmarshal(v, &want); err != nil || want != s {
				t.Errorf("fastString(%q) = %q; json: %q %v", v, s, want, err)
			}
		}
		if l, ok := fastStrings(v); ok {
			var want []string
			if err := json.Unmarshal(v, &want); err != nil || !slices.Equal(want, l) {
				t.Errorf("fastStrings(%q) = %q; json: %q %v", v, l, want, err)
			}
		}
		if id, ok := fastRefID(v); ok {
			var want Ref
			if err := json.Unmarshal(v, &want); err != nil || want.ID != id {
				t.Errorf("fastRefID(%q) = %q; json: %q %v", v, id, want.ID, err)
			}
		}
	})
}

// FuzzFastResource checks the one-pass envelope decoder against
// encoding/json on any input, valid JSON or not: whatever it accepts,
// json.Unmarshal accepts and decodes to the same Resource.
func FuzzFastResource(f *testing.F) {
	for _, s := range []string{
		`{"type":"conversation","id":"a","attributes":{"priority":3,"custom":{"xNum":1}}}`,
		`{"type":"kobject","id":"a","relationships":{"klass":{"links":{"self":"/v1/klasses/x"}}}}`,
		`{"type":"message","id":"m","attributes":{"attachments":[{}],"a":1,"a":2},"relationships":{"conversation":{"data":{"type":"conversation","id":"c"}},"org":{"data":null}}}`,
		` { "Type" : "x" , "id":"y"} `, `{"type":"x","type":"y"}`, `{"type":"x","attributes":null}`,
		`{"type":"x","attributes":{"\u0061":1}}`, `{"type":"x","attributes":{"b":-0.5e+3,"c":[true,false,null,"\n"]}}`,
		`{"type":"x"}x`, `{"type":"x",}`, `{"id":"\u212a"}`, `{"relationships":{"r":{"links":{"self":1}}}}`,
		`{"relationships":{"r":{"links":{"a":"b","a":"c"},"DATA":1}}}`, "{\"attributes\":{\"\xff\":1}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		got, ok := fastResource(v)
		if !ok {
			return
		}
		var want Resource
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatalf("fastResource accepted %q; json: %v", v, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("fastResource(%q) =\n%#v\njson:\n%#v", v, *got, want)
		}
	})
}

// TestUnfitCustomValuesKept: a value that does not fit its attribute's
// suffix is kept as it came, and Fits says so: the plan reports it rather
// than the record being lost.
func TestUnfitCustomValuesKept(t *testing.T) {
	rec, err := DecodeJSON([]byte(`{"type":"company","id":"c1","attributes":{"custom":{"sizeNum":"big","seatsNum":"12","vipBool":"yes","renewAt":"next spring","tierStr":7}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := rec.(*Company).Custom
	if c["sizeNum"] != "big" || c["seatsNum"] != 12.0 || c["vipBool"] != "yes" || c["renewAt"] != "next spring" || c["tierStr"] != "7" {
		t.Fatalf("custom = %#v", c)
	}
	for name, want := range map[string]bool{"sizeNum": false, "seatsNum": true, "vipBool": false, "renewAt": false, "tierStr": true} {
		if got := Fits(CustomKind(name), c[name]); got != want {
			t.Errorf("Fits(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestAttributesWithMetadata(t *testing.T) {
	recs := []string{
		`{"type":"customer","id":"c1","attributes":{"custom":{"tierStr":"gold","scoreNum":3}}}`,
		`{"type":"customer","id":"c2","attributes":{"custom":{"tierStr":"gold","scoreNum":"lots"}}}`,
	}
	attrs, err := Attributes(context.Background(), "customer", func(fn func(string, []byte) error) error {
		for i, r := range recs {
			if err := fn(fmt.Sprint(i), []byte(r)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(attrs) != 2 {
		t.Fatalf("%v, %v", attrs, err)
	}
	score, tier := attrs[0], attrs[1]
	if score.Name != "scoreNum" || score.Records != 2 || score.Unfit != 1 || tier.DisplayName != "Tier" || tier.Type != "string" || tier.Distinct != 1 || !tier.FitsDropdown {
		t.Errorf("score %+v, tier %+v", score, tier)
	}
	meta := `{"type":"metadata","id":"customer","attributes":{"properties":{"tierStr":{"type":"string","displayName":"Loyalty tier","enumeration":["gold","silver"]},"unusedStr":{"type":"string"}}}}`
	if err := WithMetadata(attrs, []byte(meta)); err != nil {
		t.Fatal(err)
	}
	if tier.DisplayName != "Loyalty tier" || len(tier.Enumeration) != 2 || len(attrs) != 2 {
		t.Errorf("after metadata: %+v", tier)
	}
}
