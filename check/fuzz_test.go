package check_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/policy"
	"github.com/kiln-gitops/kiln/report"
)

// fuzzEnvironments are what the env byte of a fuzz input selects.
var fuzzEnvironments = []string{"", "staging", "prod"}

// FuzzCheck runs the whole check (load, validate, policies) and every
// report format on a repository of .kiln.yaml and two files, all three
// (and the second file's name) from the fuzzer. Run must never panic, and
// fail only in its documented cases: a policy in the repository that does
// not compile, or an environment .kiln.yaml does not name.
func FuzzCheck(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.config, s.name1, s.data1, s.name2, s.data2, s.env)
	}
	c, err := check.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, config []byte, name1 string, data1 []byte, name2 string, data2 []byte, env uint8) {
		name1, name2 = fuzzNames(name1, name2)
		fsys := fstest.MapFS{
			".kiln.yaml": {Data: config},
			name1:        {Data: data1},
			name2:        {Data: data2},
		}
		in := check.Input{
			Head:        fsys,
			Environment: fuzzEnvironments[int(env)%len(fuzzEnvironments)],
			Now:         now,
			Limits:      loader.Options{MaxFileBytes: 64 << 10, MaxNodes: 5000, MaxDepth: 32},
		}
		res, err := c.Run(context.Background(), in)
		if err != nil {
			var ce *policy.CompileError
			switch {
			case errors.As(err, &ce):
				if len(ce.Problems) == 0 {
					t.Fatalf("compile error without problems: %v", err)
				}
			case in.Environment != "" && strings.Contains(err.Error(), "environment \""+in.Environment+"\" is not in"):
			default:
				t.Fatalf("Run: %v", err)
			}
			return
		}
		all := res.Findings()
		for _, f := range all {
			if f.Rule == "" || f.Message == "" || !f.Severity.Valid() || f.Line < 0 || f.Column < 0 {
				t.Fatalf("malformed finding %+v", f)
			}
			if f.File != "" && f.File != ".kiln.yaml" && f.File != name1 && f.File != name2 && !strings.HasSuffix(f.File, ".rego") {
				// Documents may be named by a resource, but only files
				// that exist can carry findings with a line.
				if _, err := fs.Stat(fsys, f.File); err != nil && f.Line > 0 {
					t.Fatalf("finding at a file that does not exist: %+v", f)
				}
			}
		}
		_ = res.Failed()
		out := report.Result{Root: "repo", Findings: all, FailOn: res.FailOn(), Files: len(res.Head.Files), Resources: len(res.Head.Resources)}
		for _, format := range report.Formats() {
			if err := report.Write(io.Discard, format, out); err != nil {
				t.Fatalf("write %s: %v", format, err)
			}
		}
	})
}

// fuzzNames keeps the fuzzer's file names usable: valid, distinct, not
// .kiln.yaml, and neither a folder of the other.
func fuzzNames(name1, name2 string) (string, string) {
	ok := func(n string) bool {
		return n != "" && len(n) <= 120 && fs.ValidPath(n) && n != "." && n != ".kiln.yaml"
	}
	conflict := func(a, b string) bool {
		return a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
	}
	if !ok(name1) {
		name1 = "a.yaml"
	}
	if ok(name2) && !conflict(name1, name2) {
		return name1, name2
	}
	// At most one of the last two can clash with name1.
	for _, n := range []string{path.Join(path.Dir(name1), "b.toe.yaml"), "b.toe.yaml", "c.yaml"} {
		if !conflict(name1, n) {
			return name1, n
		}
	}
	panic("unreachable")
}

type fuzzSeed struct {
	config []byte
	name1  string
	data1  []byte
	name2  string
	data2  []byte
	env    uint8
}

// fuzzSeeds are real-shaped inputs from examples/: every component with its
// AWSTOE document, every other resource with a component, each broken
// file, under both repositories' settings.
func fuzzSeeds(tb testing.TB) []fuzzSeed {
	read := func(p string) []byte {
		b, err := os.ReadFile("../examples/" + p)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	cfg, brokenCfg := read(".kiln.yaml"), read("broken/.kiln.yaml")
	var seeds []fuzzSeed
	dirs := []string{"components", "recipes", "infrastructure", "distribution", "pipelines"}
	for i, dir := range dirs {
		entries, err := os.ReadDir("../examples/" + dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range entries {
			name := dir + "/" + e.Name()
			if strings.HasSuffix(name, ".toe.yaml") {
				continue
			}
			second := "components/ssh-hardening.yaml"
			if doc := strings.TrimSuffix(name, ".yaml") + ".toe.yaml"; dir == "components" && exists("../examples/"+doc) {
				second = doc
			}
			seeds = append(seeds, fuzzSeed{cfg, name, read(name), second, read(second), uint8(i)})
		}
	}
	entries, err := os.ReadDir("../examples/broken")
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".toe.yaml") {
			continue
		}
		second := "ok.toe.yaml"
		data2 := read("components/ssh-hardening.toe.yaml")
		if doc := strings.TrimSuffix(name, ".yaml") + ".toe.yaml"; exists("../examples/broken/" + doc) {
			second, data2 = doc, read("broken/"+doc)
		}
		seeds = append(seeds, fuzzSeed{brokenCfg, name, read("broken/" + name), second, data2, 0})
	}
	// A repository policy that does not compile, and a user's conftest rule.
	seeds = append(seeds,
		fuzzSeed{[]byte("policy:\n  bundles: [policy]\n"), "policy/p.rego", []byte("package main\ndeny contains msg if {\n"), "a.yaml", read("components/os-updates.yaml"), 0},
		fuzzSeed{[]byte("policy:\n  bundles: [policy]\n"), "policy/p.rego", []byte("package main\ndeny contains msg if {\n\tinput.kind == \"Component\"\n\tmsg := \"no\"\n}\n"), "a.yaml", read("components/os-updates.yaml"), 0},
	)
	return seeds
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestFuzzSeeds runs FuzzCheck's seeds as a plain test, with the error
// cases the seeds are meant to reach.
func TestFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds(t)
	if len(seeds) < 30 {
		t.Fatalf("only %d seeds", len(seeds))
	}
	c, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	// The last two seeds: a repository policy that does not compile, and
	// one that does and denies every component.
	runSeed := func(s fuzzSeed) (*check.Result, error) {
		n1, n2 := fuzzNames(s.name1, s.name2)
		return c.Run(context.Background(), check.Input{Head: fstest.MapFS{".kiln.yaml": {Data: s.config}, n1: {Data: s.data1}, n2: {Data: s.data2}}, Now: now})
	}
	var ce *policy.CompileError
	if _, err := runSeed(seeds[len(seeds)-2]); !errors.As(err, &ce) || !strings.Contains(err.Error(), "policy/p.rego:") {
		t.Errorf("policy that does not compile: err %v", err)
	}
	res, err := runSeed(seeds[len(seeds)-1])
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, f := range res.Findings() {
		if f.Rule == "main.deny" && f.File == "a.yaml" {
			denied++
		}
	}
	if denied != 1 {
		t.Errorf("repository policy: %d main.deny findings on a.yaml in %v", denied, res.Findings())
	}
	for _, tc := range []struct{ n1, n2, w1, w2 string }{
		{"", "", "a.yaml", "b.toe.yaml"},
		{"x/y.yaml", "x/y.yaml", "x/y.yaml", "x/b.toe.yaml"},
		{"x", "x/y.yaml", "x", "b.toe.yaml"},
		{"b.toe.yaml", "", "b.toe.yaml", "c.yaml"},
		{"c.yaml/d", "", "c.yaml/d", "c.yaml/b.toe.yaml"},
		{"b.toe.yaml/d", "b.toe.yaml", "b.toe.yaml/d", "b.toe.yaml/b.toe.yaml"},
		{"../a", "/b", "a.yaml", "b.toe.yaml"},
		{".kiln.yaml", "c.yaml", "a.yaml", "c.yaml"},
	} {
		if g1, g2 := fuzzNames(tc.n1, tc.n2); g1 != tc.w1 || g2 != tc.w2 || g1 == g2 {
			t.Errorf("fuzzNames(%q, %q) = %q, %q; want %q, %q", tc.n1, tc.n2, g1, g2, tc.w1, tc.w2)
		}
	}
}
