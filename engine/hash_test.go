package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// encoderHash is how Desired.Hash was computed through encoding/json, the
// hash every checkpoint written so far holds.
func encoderHash(d *Desired) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	enc.Encode(d.Payload)
	for _, c := range d.Comments {
		h.Write([]byte(c.Key))
		enc.Encode(c.Payload)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// encoderFieldText is how fieldText wrote a field through encoding/json.
func encoderFieldText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if utf8.RuneCountInString(s) <= appliedWidth {
		return s
	}
	return string([]rune(s)[:appliedWidth]) + "…"
}

// Every record the default mapping makes of generated organisations hashes
// as it did through encoding/json, so a checkpoint written before keeps
// its records unchanged; and what a plan shows of a field is the text it
// showed.
func TestHashIsTheEncoderHash(t *testing.T) {
	for _, c := range []struct {
		profile string
		seed    int64
	}{{"small", 1}, {"small", 2}, {"edge", 3}} {
		snap, err := OpenDir(genDir(t, c.profile, c.seed))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = NewGenerator(defaultConfig(t), snap).Run(context.Background(), func(d *Desired) error {
			if got, want := d.Hash(), encoderHash(d); got != want {
				t.Fatalf("%s %d: %s %s hashes %s, through encoding/json %s", c.profile, c.seed, d.Kind, d.Key, got, want)
			}
			for k, v := range d.Payload {
				if got, want := fieldText(v), encoderFieldText(v); got != want {
					t.Fatalf("%s: field %s shows %s, through encoding/json %s", d.Key, k, got, want)
				}
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 50 {
			t.Fatalf("%s %d: only %d records", c.profile, c.seed, n)
		}
	}
}
