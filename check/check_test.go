package check_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
)

var update = flag.Bool("update", false, "rewrite golden files")

// now is fixed so waiver expiry does not depend on the day the tests run.
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func run(t *testing.T, dir string, env string) *check.Result {
	t.Helper()
	c, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	res, err := c.Run(context.Background(), check.Input{Head: root.FS(), Now: now, Environment: env})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestExamplesAreClean(t *testing.T) {
	for _, env := range []string{"", "staging", "prod"} {
		t.Run("env="+env, func(t *testing.T) {
			res := run(t, "../examples", env)
			if len(res.Head.Resources) < 15 {
				t.Errorf("only %d resources loaded", len(res.Head.Resources))
			}
			for _, f := range res.Findings() {
				if !f.Waived() {
					t.Errorf("unexpected finding: %s", f)
				}
			}
			if res.Failed() {
				t.Error("examples fail the check")
			}
		})
	}
}

// TestBrokenGolden pins every finding kiln reports on examples/broken: one
// file per class of mistake, each at its line and column.
func TestBrokenGolden(t *testing.T) {
	res := run(t, "../examples/broken", "")
	if !res.Failed() {
		t.Fatal("examples/broken passes the check")
	}
	var b strings.Builder
	for _, f := range res.Findings() {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", f.Pos, f.Severity, f.Rule, f.Message)
	}
	golden := filepath.Join("testdata", "broken.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./check -run Golden -update)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("findings differ from %s (-update to accept):\n--- got\n%s--- want\n%s", golden, got, want)
	}
	// Every broken file is named by at least one finding.
	entries, err := os.ReadDir("../examples/broken")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".toe.yaml") {
			continue
		}
		doc := strings.TrimSuffix(name, ".yaml") + ".toe.yaml"
		if !strings.Contains(b.String(), name) && !strings.Contains(b.String(), doc) {
			t.Errorf("%s: no finding", name)
		}
	}
}

func TestFailOnHonoursConfig(t *testing.T) {
	res := run(t, "../examples", "")
	if got := res.FailOn(); got != finding.SeverityHigh {
		t.Errorf("failOn = %q, want high from examples/.kiln.yaml", got)
	}
}
