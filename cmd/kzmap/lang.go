package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"

	"github.com/kzmap/kzmap/dsl"
	"github.com/kzmap/kzmap/dsl/modsrc"
	"github.com/kzmap/kzmap/examples/mappings"
)

// formatVersion is the version of every --json document kzmap prints.
const formatVersion = "1"

func loadConfig(dir string) (*dsl.Config, hcl.Diagnostics) {
	return dsl.Load(dir, dsl.LoadOptions{Templates: mappings.FS(), KzmapVersion: Version})
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "start a mapping directory from a template (init DIR), or fetch and lock its git modules (init, in the directory)",
		ArgsUsage: "[DIR]",
		Description: "kzmap init DIR writes a new mapping directory from a template.\n\n" +
			"kzmap init, in a mapping directory, fetches the modules whose source is a git repository\n" +
			"(source = \"git::URL//DIR?ref=TAG\") into .kzmap/modules and pins each commit and the hash of its\n" +
			"files in kzmap.lock.hcl, to commit with the mapping. Every other command then uses the pinned\n" +
			"copies, offline. init keeps the pinned commits; init -upgrade moves each module to the newest\n" +
			"commit its ref names and shows what changed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "template", Value: "default", Usage: "template `NAME` (" + strings.Join(mappings.Names(), ", ") + ")"},
			&cli.BoolFlag{Name: "use", Usage: "write a thin directory that uses the template as a module instead of copying it"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite existing files"},
			&cli.BoolFlag{Name: "upgrade", Usage: "move every git module to the newest commit its ref names (in a mapping directory)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return initModules(c, c.Bool("upgrade"))
			}
			if c.NArg() != 1 {
				return fmt.Errorf("init takes one directory: kzmap init [--template NAME] DIR (or no argument, in a mapping directory, to fetch its git modules)")
			}
			dir, name := c.Args().First(), c.String("template")
			written, err := initDir(dir, name, c.Bool("use"), c.Bool("force"))
			if err != nil {
				return err
			}
			for _, f := range written {
				fmt.Fprintf(c.App.Writer, "created %s\n", f)
			}
			fmt.Fprintf(c.App.Writer, "\nNext: cd %s && kzmap validate && kzmap test\n", dir)
			return nil
		},
	}
}

func initDir(dir, tmpl string, use, force bool) ([]string, error) {
	tfs := mappings.FS()
	if _, err := fs.Stat(tfs, tmpl); err != nil || tmpl == "" || strings.ContainsAny(tmpl, "/\\.") {
		return nil, fmt.Errorf("no template %q; templates: %s", tmpl, strings.Join(mappings.Names(), ", "))
	}
	files := map[string][]byte{}
	if use {
		files["main"+dsl.MappingSuffix] = []byte(fmt.Sprintf(`# This directory reuses the %[1]q template. Override a single mapping by
# defining the same block here with only the attributes that differ, for
# example:
#
#   ticket "conversation" {
#     priority = "local.priority[string(priority)] ?? 'high'"
#   }

module "base" {
  source = "template:%[1]s"
}
`, tmpl))
	} else {
		err := fs.WalkDir(tfs, tmpl, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(tfs, p)
			if err != nil {
				return err
			}
			files[strings.TrimPrefix(p, tmpl+"/")] = data
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if !force {
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
				return nil, fmt.Errorf("%s already exists; use --force to overwrite", filepath.Join(dir, n))
			}
		}
	}
	var written []string
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

func fmtCommand() *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "rewrite mapping files in canonical form",
		ArgsUsage: "[PATH...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "change nothing; exit 1 and list the files that are not formatted"},
			&cli.BoolFlag{Name: "diff", Usage: "print the changes as a unified diff"},
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"r"}, Usage: "also format subdirectories"},
		},
		Action: func(c *cli.Context) error {
			paths := c.Args().Slice()
			if len(paths) == 0 {
				paths = []string{"."}
			}
			files, err := mappingFiles(paths, c.Bool("recursive"))
			if err != nil {
				return err
			}
			bad := 0
			var broken bool
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				out, diags := dsl.Format(src, f)
				if diags.HasErrors() {
					dsl.WriteDiagnostics(c.App.ErrWriter, diags, map[string]*hcl.File{f: {Bytes: src}})
					broken = true
					continue
				}
				if string(out) == string(src) {
					continue
				}
				bad++
				fmt.Fprintln(c.App.Writer, f)
				if c.Bool("diff") {
					fmt.Fprint(c.App.Writer, dsl.UnifiedDiff(f, src, out))
				}
				if !c.Bool("check") {
					if err := writeFileKeepMode(f, out); err != nil {
						return err
					}
				}
			}
			if broken || (c.Bool("check") && bad > 0) {
				return exitCode(1)
			}
			return nil
		},
	}
}

func writeFileKeepMode(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp := name + ".kzfmt"
	if err := os.WriteFile(tmp, data, st.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

func mappingFiles(paths []string, recursive bool) ([]string, error) {
	var out []string
	isMapping := func(n string) bool {
		return strings.HasSuffix(n, dsl.MappingSuffix) || strings.HasSuffix(n, dsl.TestSuffix) || n == modsrc.LockFile
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if q != p && (!recursive || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if isMapping(d.Name()) {
				out = append(out, q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// validateReport is the --json document of validate.
type validateReport struct {
	FormatVersion string               `json:"format_version"`
	Valid         bool                 `json:"valid"`
	ErrorCount    int                  `json:"error_count"`
	WarningCount  int                  `json:"warning_count"`
	Mappings      []string             `json:"mappings"`
	Tests         int                  `json:"tests"`
	Diagnostics   []dsl.JSONDiagnostic `json:"diagnostics"`
}

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check mapping files: HCL, module inputs, every expression compiled and type-checked",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print one JSON document"}},
		Action: func(c *cli.Context) error {
			cfg, diags := loadConfig(".")
			files := map[string]*hcl.File{}
			if cfg != nil {
				files = cfg.Files
			}
			if c.Bool("json") {
				r := validateReport{FormatVersion: formatVersion, Valid: !diags.HasErrors(), Diagnostics: dsl.DiagnosticsJSON(diags, files)}
				for _, d := range diags {
					if d.Severity == hcl.DiagError {
						r.ErrorCount++
					} else {
						r.WarningCount++
					}
				}
				if cfg != nil && r.Valid {
					for _, m := range cfg.Mappings {
						r.Mappings = append(r.Mappings, m.Address())
					}
					r.Tests = len(cfg.Tests)
				}
				if err := printJSON(c.App.Writer, r); err != nil {
					return err
				}
			} else {
				dsl.WriteDiagnostics(c.App.ErrWriter, diags, files)
			}
			if diags.HasErrors() {
				if !c.Bool("json") {
					fmt.Fprintf(c.App.ErrWriter, "%d error(s): the mapping is not valid.\n", len(diags.Errs()))
				}
				return exitCode(1)
			}
			if !c.Bool("json") {
				fmt.Fprintf(c.App.Writer, "The mapping is valid: %d mappings, %d tests.\n", len(cfg.Mappings), len(cfg.Tests))
			}
			return nil
		},
	}
}

// testReport is the --json document of test.
type testReport struct {
	FormatVersion string           `json:"format_version"`
	Passed        int              `json:"passed"`
	Failed        int              `json:"failed"`
	Results       []dsl.TestResult `json:"results"`
}

func testCommand() *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "run the mapping tests (test blocks in *.kzmap.hcl and *.kztest.hcl)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
			&cli.StringFlag{Name: "run", Usage: "run only tests whose name matches `REGEXP`"},
		},
		Action: func(c *cli.Context) error {
			var run *regexp.Regexp
			if r := c.String("run"); r != "" {
				var err error
				if run, err = regexp.Compile(r); err != nil {
					return fmt.Errorf("--run: %w", err)
				}
			}
			cfg, diags := loadConfig(".")
			if diags.HasErrors() {
				return loadFailed(c, cfg, diags, "fix the mapping before its tests can run (kzmap validate)")
			}
			results := dsl.RunTests(cfg, run)
			r := testReport{FormatVersion: formatVersion, Results: results}
			for _, t := range results {
				if t.Passed {
					r.Passed++
				} else {
					r.Failed++
				}
			}
			if c.Bool("json") {
				if err := printJSON(c.App.Writer, r); err != nil {
					return err
				}
			} else {
				for _, t := range results {
					if t.Passed {
						fmt.Fprintf(c.App.Writer, "PASS %s (%s)\n", t.Name, t.Mapping)
						continue
					}
					fmt.Fprintf(c.App.Writer, "FAIL %s (%s) at %s\n", t.Name, t.Mapping, t.Pos)
					for _, line := range strings.Split(strings.TrimRight(t.Failure, "\n"), "\n") {
						fmt.Fprintf(c.App.Writer, "    %s\n", line)
					}
				}
				fmt.Fprintf(c.App.Writer, "mapping tests: %d passed, %d failed\n", r.Passed, r.Failed)
			}
			if r.Failed > 0 {
				return exitCode(1)
			}
			return nil
		},
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version of kzmap and of its file formats",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "kzmap %s (%s %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			fmt.Fprintf(c.App.Writer, "json format_version %s\ntemplates: %s\n", formatVersion, strings.Join(mappings.Names(), ", "))
			return nil
		},
	}
}
