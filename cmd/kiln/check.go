package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/gitfetch"
	"github.com/kiln-gitops/kiln/policy"
	"github.com/kiln-gitops/kiln/report"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("kiln check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	output := fl.String("output", "text", "output format: text, json, sarif, junit, github")
	fl.StringVar(output, "o", "text", "shorthand for --output")
	base := fl.String("base", "", "Git revision to compare against: immutability is checked against it and policies, waivers and .kiln.yaml are read from it")
	env := fl.String("env", "", "environment to evaluate for (production rules) and, with AWS credentials, to plan against")
	failOn := fl.String("fail-on", "", "lowest severity that fails (critical, high, medium, low, info); default from .kiln.yaml, else high")
	assumeRole := fl.Bool("assume-role", true, "assume the environment's roleArn for the plan (off: use the default credentials as they are)")
	var policies stringList
	fl.Var(&policies, "policy", "extra policy directory (repeatable), conftest conventions")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: kiln check [flags] [DIR]")
		fl.PrintDefaults()
	}
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() > 1 {
		fl.Usage()
		return exitUsage
	}
	dir := "."
	if fl.NArg() == 1 {
		dir = fl.Arg(0)
	}
	format, err := report.ParseFormat(*output)
	if err != nil {
		fmt.Fprintln(stderr, "kiln check:", err)
		return exitUsage
	}
	var threshold finding.Severity
	if *failOn != "" {
		threshold = finding.Severity(*failOn)
		if !threshold.Valid() || threshold == finding.SeverityError {
			fmt.Fprintf(stderr, "kiln check: --fail-on %q: want critical, high, medium, low or info\n", *failOn)
			return exitUsage
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "kiln check: %s is not a directory\n", dir)
		return exitUsage
	}

	// os.Root refuses paths and links that leave dir, even if a link is
	// swapped between the loader's check and its read.
	root, err := os.OpenRoot(dir)
	if err != nil {
		fmt.Fprintln(stderr, "kiln check:", err)
		return exitUsage
	}
	defer root.Close()
	in := check.Input{Head: root.FS(), Environment: *env, Now: time.Now()}
	if *base != "" {
		in.Base, err = baseTree(dir, *base)
		if err != nil {
			fmt.Fprintln(stderr, "kiln check:", err)
			return exitUsage
		}
	}
	if in.ExtraPolicies, err = readPolicyDirs(policies); err != nil {
		fmt.Fprintln(stderr, "kiln check:", err)
		return exitUsage
	}
	checker, err := check.New()
	if err != nil {
		fmt.Fprintln(stderr, "kiln check:", err)
		return exitUsage
	}
	res, err := checker.Run(ctx, in)
	if err != nil {
		var ce *policy.CompileError
		if errors.As(err, &ce) {
			// ce.Error() already opens with "policy does not compile:".
			fmt.Fprintln(stderr, "kiln check:", ce.Error())
			return exitUsage
		}
		fmt.Fprintln(stderr, "kiln check:", err)
		return exitUsage
	}
	if threshold == "" {
		threshold = res.FailOn()
	}
	findings := res.Findings()
	out := report.Result{
		Root:        dir,
		Findings:    findings,
		FailOn:      threshold,
		Files:       len(res.Head.Files),
		Paths:       res.Head.Files, // JUnit: files without findings pass
		Resources:   len(res.Head.Resources),
		ToolVersion: version,
	}
	if *env != "" {
		sections, planFindings, note := planForCheck(ctx, res, *env, *assumeRole)
		out.Plan = sections
		out.Findings = append(out.Findings, planFindings...)
		finding.Sort(out.Findings)
		if note != "" {
			fmt.Fprintln(stderr, "kiln check:", note)
		}
	}
	if err := report.Write(stdout, format, out); err != nil {
		fmt.Fprintln(stderr, "kiln check: write report:", err)
		return exitUsage
	}
	if failing, _ := finding.Count(out.Findings, threshold); failing > 0 {
		return exitFindings
	}
	return exitOK
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
