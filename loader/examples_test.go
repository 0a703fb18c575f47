package loader

import (
	"context"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBrokenExamples: each examples/broken/load-*.yaml shows one class of
// loader finding.
func TestBrokenExamples(t *testing.T) {
	want := map[string]string{
		"load-malformed.yaml":       ruleYAML,
		"load-duplicate-key.yaml":   ruleDuplicateKey,
		"load-alias-bomb.yaml":      ruleAlias,
		"load-unknown-kind.yaml":    ruleUnknownKind,
		"load-document-escape.yaml": ruleDocumentPath,
	}
	for name, rule := range want {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path.Join("../examples/broken", name))
			if err != nil {
				t.Skipf("example missing: %v", err)
			}
			// Laid out as in the repository: examples/broken/<name>.
			fsys := fstest.MapFS{"examples/broken/" + name: {Data: data}}
			_, fs, err := Load(context.Background(), fsys, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].Rule != rule || fs[0].Line == 0 {
				t.Fatalf("findings %v, want one %s with a line", fs, rule)
			}
			t.Log(fs[0])
			if !strings.HasPrefix(string(data), "# Broken on purpose") {
				t.Error("examples start with a comment saying what is broken")
			}
		})
	}
}
