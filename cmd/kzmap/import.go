package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/engine"
	"github.com/kzmap/kzmap/engine/apply"
)

// errFound stops the generator once the record is found.
var errFound = errors.New("found")

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "adopt one record Zendesk already holds as the record of ADDRESS (the next plan writes the mapping over it)",
		ArgsUsage: "ADDRESS ZENDESK_ID",
		Flags:     []cli.Flag{fromExportFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("import takes an address and a Zendesk id: kzmap import 'ticket.conversation[\"ID\"]' 12345")
			}
			k, key, err := parseAddress(c.Args().Get(0))
			if err != nil {
				return err
			}
			cfg, snap, closeSnap, err := openWorkspace(c)
			if err != nil {
				return err
			}
			defer closeSnap()
			ctx, stop := interruptible(c, "finishing the look-up under way", "nothing was recorded; run kzmap import again")
			defer stop()
			var d *engine.Desired
			err = engine.NewGenerator(cfg, snap).Run(ctx, func(x *engine.Desired) error {
				if x.Kind == k && x.Key == key {
					d = x
					return errFound
				}
				return nil
			})
			if err != nil && !errors.Is(err, errFound) {
				return err
			}
			if d == nil {
				return fmt.Errorf("the mapping over the snapshot has no record %s: check the address (kzmap plan -out FILE, then kzmap show --ops FILE, lists them)", c.Args().Get(0))
			}
			if d.Unwritable != "" {
				return fmt.Errorf("%s cannot be written to Zendesk (%s), so there is nothing to adopt it as", c.Args().Get(0), d.Unwritable)
			}
			client, store, _, err := openForWrite(ctx, c, cfg, snap)
			if err != nil {
				return err
			}
			defer store.Close()
			run, err := apply.Import(ctx, store, client, d, c.Args().Get(1), machineClock(c))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "Imported %s as Zendesk %s %s (run %s). The next plan writes the mapping over it.\n", address(k, key), k, c.Args().Get(1), run.ID)
			return nil
		},
	}
}
