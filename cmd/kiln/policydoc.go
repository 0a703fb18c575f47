package main

import (
	"github.com/spf13/cobra"

	"github.com/kiln-gitops/kiln/policy"
)

func newPolicyDocCmd() *cobra.Command {
	builtin := true
	cmd := &cobra.Command{
		Use:   "doc [DIR...]",
		Short: "Print the rule catalogue (id, title, severity, controls, remediation) as Markdown, as conftest doc does",
		Long: `Print the rule catalogue from the rules' METADATA as Markdown: the built-in
bundle's rules and the kiln-style rules of the policies in DIR. The built-in
part is policy/README.md's rule catalogue.`,
		Example: `  kiln policy doc
  kiln policy doc policies --builtin=false`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			rules, err := policyRules(cmd.Context(), dirs, builtin)
			if err != nil {
				return err
			}
			if err := policy.Doc(cmd.OutOrStdout(), rules); err != nil {
				return usageErrorf("%v", err)
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
	}
	cmd.Flags().BoolVar(&builtin, "builtin", true, "include the built-in bundle")
	return cmd
}
