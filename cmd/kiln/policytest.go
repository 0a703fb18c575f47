package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"

	"github.com/kiln-gitops/kiln/policy"
)

// runPolicyTest runs Rego unit tests the way `opa test` does: users test
// their own policies (and may load the built-in bundle beside them).
func runPolicyTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("kiln policy test", flag.ContinueOnError)
	fl.SetOutput(stderr)
	verbose := fl.Bool("v", false, "print every test, with trace output of failures")
	builtin := fl.Bool("builtin", false, "also run the built-in bundle's tests")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: kiln policy test [-v] [--builtin] [DIR…]")
		fl.PrintDefaults()
	}
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	dirs := fl.Args()
	if len(dirs) == 0 && !*builtin {
		dirs = []string{"."}
	}
	files, err := readPolicyDirs(dirs)
	if err != nil {
		fmt.Fprintln(stderr, "kiln policy test:", err)
		return exitUsage
	}
	if *builtin {
		bundle, err := policy.BundleFiles(true)
		if err != nil {
			fmt.Fprintln(stderr, "kiln policy test:", err)
			return exitUsage
		}
		maps.Copy(files, bundle)
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "kiln policy test: no .rego files found")
		return exitUsage
	}
	passed, failed, err := policy.Test(ctx, files, stdout, *verbose)
	if err != nil {
		fmt.Fprintln(stderr, "kiln policy test:", err)
		return exitUsage
	}
	if passed+failed == 0 {
		fmt.Fprintln(stderr, "kiln policy test: no tests found (rules named test_…)")
		return exitUsage
	}
	if failed > 0 {
		return exitFindings
	}
	return exitOK
}
