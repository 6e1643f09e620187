package extract

import (
	"context"
	"testing"

	"github.com/kzmap/kzmap/kustomer"
	"github.com/kzmap/kzmap/kustomer/kustomersim"
)

func TestFullExtractEqualsTheDataset(t *testing.T) {
	for _, profile := range []string{"small", "edge"} {
		t.Run(profile, func(t *testing.T) {
			if profile == "edge" && testing.Short() {
				t.Skip("edge dataset in -short")
			}
			dir := generated(t, profile)
			s := startSim(t, dir, kustomersim.Options{})
			st := openStore(t, t.TempDir())
			res, err := Run(context.Background(), s.client(t, kustomer.Options{}), st, Options{})
			if err != nil {
				t.Fatal(err)
			}
			compare(t, expected(t, dir, s.srv.URL), snapshotted(t, st))
			checkFiles(t, st, dir)
			checkReconciled(t, res)
			for _, p := range res.Plan {
				t.Logf("%-12s %-50s est %4d used %4d  %s", p.Type, p.Strategy, p.Estimate, p.Requests, p.Why)
			}
			t.Logf("requests %+v files %+v", res.Requests, res.Files)
			for _, n := range res.Notes {
				t.Log(n)
			}
		})
	}
}
