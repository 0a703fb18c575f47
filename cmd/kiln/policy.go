package main

import "github.com/spf13/cobra"

// newPolicyCmd groups the commands about Rego policies; each subcommand
// has its own file (policytest.go, …).
func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with Rego policies",
		RunE:  groupRunE,
	}
	cmd.AddCommand(
		newPolicyTestCmd(),
		newPolicyDocCmd(),
		newPolicyCoverageCmd(),
	)
	return cmd
}
