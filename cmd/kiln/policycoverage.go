package main

import (
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-gitops/kiln/policy"
)

type policyCoverageOptions struct {
	profiles []string
	output   string
	builtin  bool
}

func newPolicyCoverageCmd() *cobra.Command {
	o := policyCoverageOptions{builtin: true}
	cmd := &cobra.Command{
		Use:   "coverage [DIR...]",
		Short: "Show, per control of a benchmark, whether kiln checks it before the build and what hardening automates it",
		Long: `Show, per control of a profile (` + strings.Join(policy.Profiles(), ", ") + `),
which rules check it before the build (the built-in bundle's and the kiln-style
rules of the policies in DIR) and whether an AWS-managed hardening component
automates it during the build, or nothing does. Without --profile, a summary of
every profile.`,
		Example: `  kiln policy coverage
  kiln policy coverage --profile stig-rhel9 -o json
  kiln policy coverage --profile cis-al2023-l1 policies`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if o.output != "markdown" && o.output != "json" {
				return usageErrorf("--output %q: want markdown or json", o.output)
			}
			rules, err := policyRules(cmd.Context(), dirs, o.builtin)
			if err != nil {
				return err
			}
			names := o.profiles
			if len(names) == 0 {
				names = policy.Profiles()
			}
			var covs []*policy.Coverage
			for _, n := range names {
				c, err := policy.ComputeCoverage(n, rules)
				if err != nil {
					return usageErrorf("--profile: %v", err)
				}
				covs = append(covs, c)
			}
			out := cmd.OutOrStdout()
			switch {
			case o.output == "json":
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				err = enc.Encode(covs)
			case len(o.profiles) == 0:
				err = policy.WriteCoverageSummary(out, covs)
			default:
				for i, c := range covs {
					if i > 0 {
						if _, err := out.Write([]byte("\n")); err != nil {
							return err
						}
					}
					if err = c.WriteMarkdown(out); err != nil {
						break
					}
				}
			}
			if err != nil {
				return usageErrorf("%v", err)
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
	}
	cmd.Flags().StringSliceVar(&o.profiles, "profile", nil, "profile(s) to detail: "+strings.Join(policy.Profiles(), ", "))
	cmd.Flags().StringVarP(&o.output, "output", "o", "markdown", "output format: markdown, json")
	cmd.Flags().BoolVar(&o.builtin, "builtin", true, "include the built-in bundle")
	_ = cmd.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return policy.Profiles(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}
