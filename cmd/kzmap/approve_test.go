package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestApprove answers the question apply and destroy ask before they write.
func TestApprove(t *testing.T) {
	cases := []struct {
		answer, args string
		ok           bool
	}{
		{"yes\n", "", true},
		{"  yes  \n", "", true},
		{"yes", "", true}, // no newline before the end of input
		{"no\n", "", false},
		{"YES\n", "", false},
		{"y\n", "", false},
		{"", "", false},
		{"", "--auto-approve", true},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		var got error
		app := &cli.App{
			Reader: strings.NewReader(tc.answer), Writer: &out,
			Commands: []*cli.Command{{
				Name:  "destroy",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "auto-approve"}},
				Action: func(c *cli.Context) error {
					got = approve(c, "Delete these records from Zendesk?", "Nothing deleted.", "")
					return nil
				},
			}},
		}
		args := []string{"kzmap", "destroy"}
		if tc.args != "" {
			args = append(args, tc.args)
		}
		if err := app.Run(args); err != nil {
			t.Fatal(err)
		}
		var code exitCode
		switch {
		case tc.ok && got != nil:
			t.Errorf("answer %q %s: %v", tc.answer, tc.args, got)
		case !tc.ok && (!errors.As(got, &code) || code != 1 || !strings.Contains(out.String(), "Nothing deleted.")):
			t.Errorf("answer %q: got %v and %q, want exit code 1 and the refusal", tc.answer, got, out.String())
		case tc.args == "" && !strings.Contains(out.String(), "Delete these records from Zendesk? Only 'yes' is accepted: "):
			t.Errorf("answer %q: the question was not asked: %q", tc.answer, out.String())
		}
	}
}
