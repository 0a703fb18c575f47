package awstoe

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// parseDoc builds a Document from YAML text as the loader would for a
// separate .toe.yaml file.
func parseDoc(t testing.TB, file, src string) *model.Document {
	t.Helper()
	doc, err := docFromText(file, src)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return doc
}

func docFromText(file, src string) (*model.Document, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		return nil, err
	}
	var v map[string]any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return &model.Document{File: file, Text: src, Tree: model.NodeTree(&n), Value: v}, nil
}

// rules returns the rule ids of fs, sorted, for order-free comparison.
func rules(fs []finding.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

func dump(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

// doc wraps build steps (indented as list items under steps:) in a valid
// document skeleton.
func doc(steps string) string {
	return "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n" + indent(steps, "      ")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
