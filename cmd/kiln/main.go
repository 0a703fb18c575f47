// Command kiln is GitOps for AWS EC2 Image Builder: `kiln check` validates
// a repository of image definitions offline, `kiln serve` runs the GitHub
// App, `kiln policy test` runs Rego unit tests.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes follow conftest: 0 clean, 1 findings that fail, 2 usage or
// internal errors (a policy that does not compile, an unreadable tree).
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "policy":
		if len(args) > 1 && args[1] == "test" {
			return runPolicyTest(ctx, args[2:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "usage: kiln policy test [DIR…]")
		return exitUsage
	case "version", "--version":
		fmt.Fprintln(stdout, "kiln", version)
		return exitOK
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "kiln: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// parseFlags parses a command's flags. When it returns false the command
// exits with code: 0 after -h, 2 on a usage error (the flag package has
// already said why).
func parseFlags(fl *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return exitOK, true
}

func usage(w io.Writer) {
	fmt.Fprint(w, `kiln: GitOps for AWS EC2 Image Builder

Usage:
  kiln check [flags] [DIR]     validate, check policies and (with --env) plan
  kiln import --env NAME       write a repository from what Image Builder holds
  kiln serve [flags]           run the GitHub App
  kiln policy test [DIR…]      run Rego unit tests (OPA conventions)
  kiln version

Run "kiln <command> -h" for a command's flags.
`)
}
