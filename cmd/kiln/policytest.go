package main

import (
	"context"
	"io"
	"maps"

	"github.com/spf13/cobra"

	"github.com/kiln-gitops/kiln/policy"
)

type policyTestOptions struct {
	verbose, builtin bool
}

func newPolicyTestCmd() *cobra.Command {
	var o policyTestOptions
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run Rego unit tests (rules named test_…), as opa test does",
		Example: `  kiln policy test policies
  kiln policy test --builtin`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			return runPolicyTest(cmd.Context(), o, dirs, cmd.OutOrStdout())
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
	}
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print every test, with trace output of failures")
	cmd.Flags().BoolVar(&o.builtin, "builtin", false, "also run the built-in bundle's tests")
	return cmd
}

// runPolicyTest runs Rego unit tests the way `opa test` does: users test
// their own policies (and may load the built-in bundle beside them).
func runPolicyTest(ctx context.Context, o policyTestOptions, dirs []string, stdout io.Writer) error {
	if len(dirs) == 0 && !o.builtin {
		dirs = []string{"."}
	}
	files, err := readPolicyDirs(dirs)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if o.builtin {
		bundle, err := policy.BundleFiles(true)
		if err != nil {
			return usageErrorf("%v", err)
		}
		maps.Copy(files, bundle)
	}
	if len(files) == 0 {
		return usageErrorf("no .rego files found")
	}
	passed, failed, err := policy.Test(ctx, files, stdout, o.verbose)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if passed+failed == 0 {
		return usageErrorf("no tests found (rules named test_…)")
	}
	if failed > 0 {
		return errFindings
	}
	return nil
}
