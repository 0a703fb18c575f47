package validate

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/schemas"
)

var shared = sync.OnceValues(schemas.New)

func validator(t testing.TB) *schemas.Validator {
	t.Helper()
	v, err := shared()
	if err != nil {
		t.Fatalf("schemas.New: %v", err)
	}
	return v
}

// resource builds a model.Resource from YAML as the loader would: typed
// metadata and spec, the plain value and the node for positions. A
// component's inline `data:` becomes its Document, positioned inside file.
func resource(t testing.TB, file, src string) *model.Resource {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	top := doc.Content[0]
	r := &model.Resource{File: file, Tree: model.NodeTree(top)}
	if err := top.Decode(&r.Value); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var head struct {
		Kind     model.Kind     `yaml:"kind"`
		Metadata model.Metadata `yaml:"metadata"`
	}
	if err := top.Decode(&head); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	r.Kind, r.Metadata = head.Kind, head.Metadata
	spec := model.NewSpec(r.Kind)
	if n := model.Lookup(top, "spec"); n != nil && spec != nil && n.Decode(spec) == nil {
		r.Spec = spec
	}
	if data := model.Lookup(top, "spec", "data"); r.Kind == model.KindComponent && data != nil {
		r.Document = parseDocument(t, file, data.Value)
		// A block scalar's text starts on the line after its indicator,
		// indented as its first line is.
		next := strings.Split(src, "\n")[data.Line]
		r.Document.LineOffset, r.Document.ColumnOffset = data.Line, len(next)-len(strings.TrimLeft(next, " "))
	}
	return r
}

func parseDocument(t testing.TB, file, text string) *model.Document {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	d := &model.Document{File: file, Text: text, Tree: model.NodeTree(doc.Content[0])}
	if err := d.Node().Decode(&d.Value); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return d
}

func repository(t testing.TB, files map[string]string) *model.Repository {
	t.Helper()
	repo := &model.Repository{Config: model.DefaultConfig()}
	for _, name := range sortedKeys(files) {
		repo.Resources = append(repo.Resources, resource(t, name, files[name]))
		repo.Files = append(repo.Files, name)
	}
	return repo
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// want is an expected finding.
type want struct {
	file      string
	line, col int
	rule, msg string
}

func check(t *testing.T, got []finding.Finding, wants []want) {
	t.Helper()
	ok := len(got) == len(wants)
	for i := 0; ok && i < len(wants); i++ {
		g, w := got[i], wants[i]
		ok = g.File == w.file && g.Line == w.line && g.Column == w.col && g.Rule == w.rule &&
			strings.Contains(g.Message, w.msg) && g.Severity == finding.SeverityError &&
			g.Source == finding.SourceValidate && g.Resource != ""
	}
	if !ok {
		var b strings.Builder
		for _, g := range got {
			b.WriteString("\n  " + g.String() + " {" + g.Resource + "}")
		}
		t.Errorf("findings:%s\nwant %v", b.String(), wants)
	}
}
