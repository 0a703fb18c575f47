package policy

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/open-policy-agent/opa/v1/tester"
)

// Test runs the Rego unit tests (test_… rules) in files (path -> source;
// policies and their tests together) with OPA's tester and reports them on w
// in OPA's format (`opa test`): a line per test with -v, failures with the
// failing expression, and a PASS/FAIL summary. A file that does not compile
// returns a *CompileError.
func Test(ctx context.Context, files map[string][]byte, w io.Writer, verbose bool) (passed, failed int, err error) {
	mods, err := parseModules(files, true)
	if err != nil {
		return 0, 0, err
	}
	runner := tester.NewRunner().
		SetModules(mods).
		SetTimeout(30 * time.Second).
		CapturePrintOutput(true).
		EnableTracing(verbose)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return 0, 0, compileErrorFrom(err)
	}
	counted := make(chan *tester.Result)
	done := make(chan error, 1)
	go func() {
		done <- tester.PrettyReporter{Output: w, Verbose: verbose, FailureLine: true}.Report(counted)
	}()
	for r := range ch {
		if r.Pass() {
			passed++
		} else if !r.Skip {
			failed++
		}
		counted <- r
	}
	close(counted)
	if err := <-done; err != nil {
		return passed, failed, fmt.Errorf("report policy tests: %w", err)
	}
	return passed, failed, nil
}
