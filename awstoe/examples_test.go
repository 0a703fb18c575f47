package awstoe

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

const examplesDir = "../examples"

// TestExamplesValid: every AWSTOE document of the example repository, in a
// .toe.yaml file or inline in a Component, passes the validator.
func TestExamplesValid(t *testing.T) {
	docs := exampleDocuments(t, filepath.Join(examplesDir, "components"), "")
	if len(docs) < 8 {
		t.Fatalf("found only %d documents under examples/components", len(docs))
	}
	for _, d := range docs {
		if fs := Validate(d); len(fs) > 0 {
			t.Errorf("%s:%s", d.File, dump(fs))
		}
	}
}

// TestBrokenExamples: each examples/broken/toe-*.yaml shows one mistake
// class, and the validator reports exactly that rule there.
func TestBrokenExamples(t *testing.T) {
	want := map[string]string{
		"toe-unknown-action.yaml":      ruleUnknownAction,
		"toe-duplicate-step.yaml":      ruleDuplicateStep,
		"toe-bad-chaining.yaml":        ruleChaining,
		"toe-unresolved-variable.yaml": ruleUnresolved,
		"toe-bad-loop.yaml":            ruleLoop,
		"toe-timeout-range.yaml":       ruleTimeout,
		"toe-missing-input.yaml":       ruleMissingInput,
	}
	// other helpers' mistake classes (load-, schema-, ...) live there too
	docs := exampleDocuments(t, filepath.Join(examplesDir, "broken"), "toe-")
	seen := map[string]bool{}
	for _, d := range docs {
		base := filepath.Base(d.File)
		if !strings.HasPrefix(base, "toe-") {
			continue
		}
		// a component's .toe.yaml belongs to the component file of the same stem
		key := strings.TrimSuffix(base, ".toe.yaml")
		key = strings.TrimSuffix(key, ".yaml") + ".yaml"
		rule, ok := want[key]
		if !ok {
			t.Errorf("%s: no expected rule; add it to the table", d.File)
			continue
		}
		seen[key] = true
		fs := Validate(d)
		if got := rules(fs); !slices.Equal(got, []string{rule}) {
			t.Errorf("%s: rules %v, want [%s]%s", d.File, got, rule, dump(fs))
			continue
		}
		t.Log(fs[0])
		if fs[0].Line == 0 || fs[0].File != d.File {
			t.Errorf("%s: finding without a position: %s", d.File, fs[0])
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("examples/broken/%s is missing", k)
		}
	}
}

// exampleDocuments reads the AWSTOE documents under dir in files whose
// name starts with prefix: every *.toe.yaml, and the inline data of every
// Component file, with offsets that map positions back into the component
// file.
func exampleDocuments(t *testing.T, dir, prefix string) []*model.Document {
	t.Helper()
	var docs []*model.Document
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") || !strings.HasPrefix(e.Name(), prefix) {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".toe.yaml") {
			d, err := docFromText(p, string(src))
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			docs = append(docs, d)
			return nil
		}
		if d := inlineDocument(t, p, src); d != nil {
			docs = append(docs, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// inlineDocument returns the document in a Component's spec.data, or nil.
func inlineDocument(t *testing.T, file string, src []byte) *model.Document {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		t.Errorf("%s: %v", file, err)
		return nil
	}
	if kind := model.Lookup(&root, "kind"); kind == nil || kind.Value != "Component" {
		return nil
	}
	data := model.Lookup(&root, "spec", "data")
	if data == nil {
		return nil
	}
	if data.Style&yaml.LiteralStyle == 0 {
		t.Errorf("%s: inline data should be a literal block (data: |)", file)
		return nil
	}
	d, err := docFromText(file, data.Value)
	if err != nil {
		t.Errorf("%s: inline data: %v", file, err)
		return nil
	}
	// The block's text starts on the line after `data: |`, indented by the
	// indentation of that first line.
	d.LineOffset = data.Line
	lines := bytes.Split(src, []byte("\n"))
	if data.Line < len(lines) {
		first := lines[data.Line]
		d.ColumnOffset = len(first) - len(bytes.TrimLeft(first, " "))
	}
	return d
}

// The inline offsets computed above put findings on the right line of the
// component file.
func TestInlineDocumentPositions(t *testing.T) {
	src := []byte("apiVersion: kiln/v1\nkind: Component\nmetadata: {name: x, version: 1.0.0}\nspec:\n  platform: Linux\n  data: |\n    schemaVersion: 1.0\n    phases:\n      - name: build\n        steps:\n          - name: A\n            action: Nope\n")
	d := inlineDocument(t, "c.yaml", src)
	fs := Validate(d)
	want := finding.Pos{File: "c.yaml", Line: 12, Column: 21}
	if len(fs) != 1 || fs[0].Pos != want {
		t.Fatalf("want one finding at %s:%s", want, dump(fs))
	}
}
