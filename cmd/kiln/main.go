// Command kiln is GitOps for AWS EC2 Image Builder: `kiln check` validates
// a repository of image definitions offline, `kiln serve` runs the GitHub
// App, `kiln policy test` runs Rego unit tests.
//
// Each command lives in its own file as a cobra command (newXxxCmd);
// root.go puts them together and maps their errors to exit codes.
package main

import (
	"context"
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
