package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
)

// TestBrokenExamples checks that examples/broken/policy-*.yaml trip their
// rule at the offending line, and nothing else fails.
func TestBrokenExamples(t *testing.T) {
	paths, err := filepath.Glob("../examples/broken/policy-*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	files := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = string(b)
	}
	repo := load(t, files)
	fs := evaluate(t, repo, Options{Builtin: true})
	want := map[string]finding.Pos{
		"KILN-INF-001": {File: "policy-imdsv1-infra.yaml", Line: 19, Column: 17},
		"KILN-DST-001": {File: "policy-public-ami.yaml", Line: 15, Column: 24},
		"KILN-CMP-001": {File: "policy-root-login.yaml", Line: 29, Column: 19},
		"KILN-CMP-015": {File: "policy-curl-bash.yaml", Line: 23, Column: 19},
		"KILN-LCP-001": {File: "policy-lifecycle-delete-all.yaml", Line: 19, Column: 15},
		"KILN-LCP-002": {File: "policy-lifecycle-delete-all.yaml", Line: 21, Column: 9},
	}
	for rule, pos := range want {
		if f := one(t, fs, rule); f.Pos != pos {
			t.Errorf("%s at %s, want %s", rule, f.Pos, pos)
		}
	}
	for _, f := range fs {
		if _, ok := want[f.Rule]; !ok && f.Fails(finding.SeverityHigh) {
			t.Errorf("unexpected failing finding %s", f)
		}
	}
}

// TestExamplesCompliant evaluates the example repository: it is meant to be
// compliant, so nothing may fail unless waived.
func TestExamplesCompliant(t *testing.T) {
	ctx := context.Background()
	if _, err := os.Stat("../examples/.kiln.yaml"); err != nil {
		t.Skip("examples/ has no .kiln.yaml yet")
	}
	fsys := os.DirFS("../examples")
	repo, _, err := loader.Load(ctx, fsys, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Resources) == 0 {
		t.Fatal("examples/ holds no resources")
	}
	// Check as a pull request does, and for every environment, so the
	// production rules run too.
	envs := []*model.Environment{nil}
	for i := range repo.Config.Environments {
		envs = append(envs, &repo.Config.Environments[i])
	}
	for _, env := range envs {
		e, err := New(ctx, Options{Builtin: repo.Config.Policy.BuiltinEnabled(), Config: repo.Config, Environment: env})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.Evaluate(ctx, repo)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if !f.Waived() {
				t.Errorf("examples (environment %v): %s", env, f)
			}
		}
	}
}
