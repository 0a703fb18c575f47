package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// exitError ends a command with an exit code. An empty msg prints nothing:
// the command has said what it had to (a report, a test summary).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf is a usage or internal error (exit 2) with its message.
func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, a...)}
}

// findingsExit ends a command that has reported failing findings (exit 1).
var errFindings = &exitError{code: exitFindings}

// run executes kiln with args (without the program name) and returns the
// exit code. Tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if cmd == nil {
		cmd = root
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), ee.msg)
		}
		return ee.code
	}
	// Everything else comes from cobra: an unknown command or flag, a wrong
	// number of arguments.
	fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), strings.TrimRight(err.Error(), "\n"))
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return exitUsage
}

// newRootCmd is the kiln command with every subcommand. A new command is a
// file with its newXxxCmd, added here.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "kiln",
		Short: "GitOps for AWS EC2 Image Builder",
		Long: `kiln validates repositories of EC2 Image Builder definitions (JSON Schema,
AWSTOE rules, references, OPA/Rego policies), plans them against an
environment and, as a GitHub App, reconciles merges into Image Builder.

Exit codes: 0 clean, 1 failing findings, 2 usage or internal error.`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Without a command, kiln says how to use it and fails, so a
		// script that forgot the command does not pass.
		RunE: groupRunE,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.AddCommand(
		newCheckCmd(),
		newImportCmd(),
		newServeCmd(),
		newPolicyCmd(),
		newSchemaCmd(),
		newVersionCmd(),
	)
	root.SetHelpCommand(newHelpCmd(root))
	return root
}

// groupRunE is the RunE of a command that only groups subcommands: a
// mistyped subcommand is an error with suggestions, no subcommand prints
// the usage to stderr; both exit 2.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	cmd.SetOut(cmd.ErrOrStderr())
	_ = cmd.Usage()
	return &exitError{code: exitUsage}
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return errors.New(msg)
}

// newHelpCmd is `kiln help [command]`; unlike cobra's own, an unknown
// topic is a usage error with suggestions.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, sub := range root.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err == nil && len(rest) > 0 {
				err = unknownCommand(target, rest[0])
			}
			if err != nil {
				// Named after kiln, not after help: the topic is a command.
				fmt.Fprintf(c.ErrOrStderr(), "kiln: %v\nRun 'kiln --help' for usage.\n", err)
				return &exitError{code: exitUsage}
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}
