package loader

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// FuzzLoad feeds arbitrary bytes to the loader as a resource file, as the
// AWSTOE document a component names and as .kiln.yaml, under small limits.
// The loader must never panic, never fail (the file system is fine), and
// every finding must be a well-formed loader finding.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		componentHead + "spec:\n  platform: Linux\n  document: doc.toe.yaml\n",
		componentHead + "spec:\n  platform: Linux\n  data: |\n    name: x\n    phases: [{name: build, steps: []}]\n",
		toeDoc,
		"environments:\n  staging: {account: '1', region: us-east-1, branch: main}\npolicy:\n  bundles: [p]\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
		"apiVersion: kiln/v1\nkind: ImageRecipe\nmetadata: {name: r, version: 1.x.x}\nspec:\n  components:\n    - {name: a, version: 1.0.0}\n---\napiVersion: kiln/v1\nkind: Bogus\n",
		"k: &k\n  <<: *k\n",
		"{[[[{{\"'#|\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"r.yaml":        {Data: data},
			"c/c.yaml":      {Data: []byte(componentHead + "spec:\n  platform: Linux\n  document: ../doc.toe.yaml\n")},
			"doc.toe.yaml":  {Data: data},
			".kiln.yaml":    {Data: data},
			"inline/c.yaml": {Data: []byte(componentHead + "spec:\n  platform: Linux\n  data: |\n" + indent(string(data)))},
			"p/policy.rego": {Data: []byte("package p\n")},
			"roots/ok.yaml": {Data: []byte("x: 1\n")},
			"k/kiln.yml":    {Data: append([]byte("apiVersion: kiln/v1\n"), data...)},
			"link.yaml":     {Data: []byte("r.yaml"), Mode: 0o777 | os.ModeSymlink},
		}
		repo, fs, err := Load(context.Background(), fsys, Options{MaxFileBytes: 64 << 10, MaxNodes: 5000, MaxDepth: 32})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		for _, f := range fs {
			if f.Severity != finding.SeverityError || !strings.HasPrefix(f.Rule, "load/") || f.File == "" || f.Line < 0 || f.Column < 0 || f.Message == "" {
				t.Fatalf("malformed finding %+v", f)
			}
		}
		for _, r := range repo.Resources {
			if r.Node() == nil || !r.Kind.Valid() {
				t.Fatalf("resource without node or kind: %+v", r)
			}
			_ = r.ID()
			_ = r.At("spec", "components", 0, "name")
			_ = model.Digest(r)
			if r.Document != nil {
				_ = r.Document.At("phases", 0, "steps", 0, "inputs")
			}
		}
		if repo.Config == nil {
			t.Fatal("no config")
		}
	})
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
