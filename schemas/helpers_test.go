package schemas

import (
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// shared compiles the schemas once for all tests; Validator is immutable,
// which TestConcurrentUse also checks.
var shared = sync.OnceValues(New)

func validator(t testing.TB) *Validator {
	t.Helper()
	v, err := shared()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// parse reads one YAML document as the loader would hand it over: the top
// mapping node and its plain value.
func parse(t testing.TB, src string) (*yaml.Node, map[string]any) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	var value map[string]any
	if err := top.Decode(&value); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return top, value
}

func resource(t testing.TB, file, src string) *model.Resource {
	t.Helper()
	top, value := parse(t, src)
	r := &model.Resource{File: file, Tree: model.NodeTree(top), Value: value}
	kind, _ := value["kind"].(string)
	r.Kind = model.Kind(kind)
	if meta, ok := value["metadata"].(map[string]any); ok {
		r.Metadata.Name, _ = meta["name"].(string)
		r.Metadata.Version, _ = meta["version"].(string)
	}
	return r
}

// want is an expected finding: position and a part of its message.
type want struct {
	line, col int
	msg       string
}

func check(t *testing.T, got []finding.Finding, wants []want) {
	t.Helper()
	ok := len(got) == len(wants)
	for i := 0; ok && i < len(wants); i++ {
		g, w := got[i], wants[i]
		ok = g.Line == w.line && g.Column == w.col && strings.Contains(g.Message, w.msg) &&
			g.Rule == "schema" && g.Severity == finding.SeverityError && g.Source == finding.SourceValidate
	}
	if !ok {
		var b strings.Builder
		for _, g := range got {
			b.WriteString("\n  " + g.String())
		}
		t.Errorf("findings:%s\nwant %v", b.String(), wants)
	}
}
