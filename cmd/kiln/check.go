package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/gitfetch"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/policy"
	"github.com/kiln-gitops/kiln/report"
)

// checkOptions are `kiln check`'s flags.
type checkOptions struct {
	output, base, env, failOn, color string
	assumeRole, allowEmpty           bool
	policies                         []string
}

func newCheckCmd() *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Validate, check policies and (with --env) plan a repository",
		Long: `Check validates the kiln repository in DIR (default: the current folder):
JSON Schema, AWSTOE document rules, references and immutability, then the
OPA/Rego policies. With --env and AWS credentials it also plans the
environment. It runs offline; nothing is written to AWS.`,
		Example: `  kiln check examples
  kiln check . --output sarif > kiln.sarif
  kiln check --base origin/main --env prod .`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runCheck(cmd.Context(), o, dir, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.FormatNames(), ", "))
	fl.StringVar(&o.base, "base", "", "Git revision to compare against: immutability is checked against it and policies, waivers and .kiln.yaml are read from it")
	fl.StringVar(&o.env, "env", "", "environment to evaluate for (production rules) and, with AWS credentials, to plan against")
	fl.StringVar(&o.failOn, "fail-on", "", "lowest severity that fails (critical, high, medium, low, info); default from .kiln.yaml, else high")
	fl.BoolVar(&o.assumeRole, "assume-role", true, "assume the environment's roleArn for the plan (false: use the default credentials as they are)")
	fl.StringArrayVar(&o.policies, "policy", nil, "extra policy directory (repeatable), conftest conventions")
	fl.BoolVar(&o.allowEmpty, "allow-empty", false, "pass when no kiln resources are found (by default that fails, so a wrong folder never passes)")
	fl.StringVar(&o.color, "color", "auto", "colour in the text output: auto (on a terminal, unless NO_COLOR is set), always, never")
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(report.FormatNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"critical", "high", "medium", "low", "info"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagDirname("policy")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	return cmd
}

func runCheck(ctx context.Context, o checkOptions, dir string, stdout, stderr io.Writer) error {
	format, err := report.ParseFormat(o.output)
	if err != nil {
		return usageErrorf("%v", err)
	}
	var threshold finding.Severity
	if o.failOn != "" {
		threshold = finding.Severity(o.failOn)
		if !threshold.Valid() || threshold == finding.SeverityError {
			return usageErrorf("--fail-on %q: want critical, high, medium, low or info", o.failOn)
		}
	}
	color, err := useColor(o.color, stdout)
	if err != nil {
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageErrorf("%s is not a directory", dir)
	}
	// A folder inside a repository is checked as part of it, as git finds
	// .git: references resolve, and the folder's findings are reported.
	loc, err := check.Locate(dir)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if !loc.HasConfig {
		fmt.Fprintf(stderr, "kiln check: notice: no %s in %s or above it: using the defaults (every folder, the built-in policies, fail on high)\n", model.ConfigFile, dir)
	}

	// os.Root refuses paths and links that leave the repository, even if a
	// link is swapped between the loader's check and its read.
	root, err := os.OpenRoot(loc.Root)
	if err != nil {
		return usageErrorf("%v", err)
	}
	defer root.Close()
	in := check.Input{Head: root.FS(), Environment: o.env, Now: time.Now(), Folder: loc.Folder, AllowEmpty: o.allowEmpty}
	checker, err := check.New()
	if err != nil {
		return usageErrorf("%v", err)
	}
	if o.base != "" {
		tree, err := baseTree(loc.Root, o.base)
		if err != nil {
			return usageErrorf("%v", err)
		}
		if in.Base, err = checker.LoadBase(ctx, tree, in.Limits); err != nil {
			return usageErrorf("%v", err)
		}
	}
	if in.ExtraPolicies, err = readPolicyDirs(o.policies); err != nil {
		return usageErrorf("%v", err)
	}
	// A policy that does not compile says so itself ("policy does not
	// compile: …"), like every other error here.
	res, err := checker.Run(ctx, in)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if threshold == "" {
		threshold = res.FailOn()
	}
	files := res.Files()
	out := report.Result{
		Root:         loc.Root,
		SourceRoot:   loc.SourceRoot,
		RootInSource: rootInSource(loc),
		Findings:     res.Findings(),
		FailOn:       threshold,
		Files:        len(files),
		Paths:        files, // JUnit: files without findings pass
		Resources:    len(res.Resources()),
		ToolVersion:  toolVersion(),
	}
	if o.env != "" {
		sections, planFindings, note := planForCheck(ctx, res, o.env, o.assumeRole)
		out.Plan = sections
		out.Findings = append(out.Findings, planFindings...)
		finding.Sort(out.Findings)
		if note != "" {
			fmt.Fprintln(stderr, "kiln check:", note)
		}
	}
	if format == report.FormatText {
		err = report.WriteText(stdout, out, report.TextOptions{Color: color})
	} else {
		err = report.Write(stdout, format, out)
	}
	if err != nil {
		return usageErrorf("write report: %v", err)
	}
	if failing, _ := finding.Count(out.Findings, threshold); failing > 0 {
		return errFindings
	}
	return nil
}

// baseTree reads REV of the Git repository that holds dir, and returns the
// tree at the same sub-folder.
func baseTree(dir, rev string) (fs.FS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := gitRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", rev, err)
	}
	tree, err := gitfetch.OpenRevision(root, rev)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", rev, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return nil, err
	}
	if rel == "." {
		return tree, nil
	}
	sub, err := fs.Sub(tree, filepath.ToSlash(rel))
	if err != nil {
		return nil, fmt.Errorf("--base %s: %s: %w", rev, rel, err)
	}
	return sub, nil
}

func gitRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside a Git repository", dir)
		}
	}
}

// readPolicyDirs reads the .rego files of extra policy directories.
func readPolicyDirs(dirs []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, d := range dirs {
		files, err := policy.ReadFiles(os.DirFS(d), ".")
		if err != nil {
			return nil, fmt.Errorf("--policy %s: %w", d, err)
		}
		// Keys keep the folder, so compile errors name the file as given.
		for p, src := range files {
			out[path.Join(filepath.ToSlash(d), p)] = src
		}
	}
	return out, nil
}

// rootInSource is the repository's folder below the source root, for SARIF
// URIs ("." when the repository is the Git top level).
func rootInSource(loc check.Location) string {
	abs, err := filepath.Abs(loc.Root)
	if err != nil {
		return "."
	}
	rel, err := filepath.Rel(loc.SourceRoot, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "."
	}
	return filepath.ToSlash(rel)
}
