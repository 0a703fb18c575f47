package check_test

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/loader"
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

// examplesFS reads examples/ (without broken/) into memory, as a Git tree
// would give it to the pull-request job.
func examplesFS(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("../examples"), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			if e != nil && e.IsDir() && p == "broken" {
				return fs.SkipDir
			}
			return err
		}
		b, err := os.ReadFile(filepath.Join("../examples", p))
		out[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func replaced(t *testing.T, f *fstest.MapFile, old, new string) *fstest.MapFile {
	t.Helper()
	if strings.Count(string(f.Data), old) != 1 {
		t.Fatalf("%q does not occur exactly once", old)
	}
	return &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), old, new, 1)), Mode: f.Mode}
}

// TestRunAgainstBase is the pull-request path: base and head trees, the
// base's settings, immutability, and the changed resources.
func TestRunAgainstBase(t *testing.T) {
	c, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	base, err := c.LoadBase(context.Background(), examplesFS(t), loader.Options{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("unchanged", func(t *testing.T) {
		res, err := c.Run(context.Background(), check.Input{Head: examplesFS(t), Base: base, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if res.Base == nil || len(res.Changed) != 0 || len(res.Findings()) != 0 {
			t.Errorf("base %v, changed %v, findings %v", res.Base != nil, res.Changed, res.Findings())
		}
	})

	t.Run("changed and weakened", func(t *testing.T) {
		head := examplesFS(t)
		head["components/java-runtime.toe.yaml"] = replaced(t, head["components/java-runtime.toe.yaml"], "-amazon-corretto-headless'", "-amazon-corretto-devel'")
		head[".kiln.yaml"] = replaced(t, head[".kiln.yaml"], "failOn: high", "failOn: critical")
		head["infrastructure/build-ami.yaml"] = replaced(t, head["infrastructure/build-ami.yaml"], "httpTokens: required", "httpTokens: optional")
		res, err := c.Run(context.Background(), check.Input{Head: head, Base: base, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var changed []string
		for _, r := range res.Changed {
			changed = append(changed, r.ID().String())
		}
		if want := []string{"Component/java-runtime@1.4.0", "InfrastructureConfiguration/build-ami"}; !slices.Equal(changed, want) {
			t.Errorf("changed %v, want %v", changed, want)
		}
		if res.FailOn() != finding.SeverityHigh || res.Config != res.Base.Config {
			t.Errorf("failOn %q: the head's settings were used", res.FailOn())
		}
		rules := map[string]finding.Pos{}
		for _, f := range res.Findings() {
			rules[f.Rule] = f.Pos
		}
		for rule, file := range map[string]string{
			"immutable/changed":     "components/java-runtime.yaml",
			"policy/config-changed": ".kiln.yaml",
			"KILN-INF-001":          "infrastructure/build-ami.yaml",
		} {
			if pos, ok := rules[rule]; !ok || pos.File != file || pos.Line == 0 {
				t.Errorf("%s at %v, want %s", rule, pos, file)
			}
		}
		if !res.Failed() {
			t.Error("the check passes")
		}
	})
}
