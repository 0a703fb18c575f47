package validate

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/model"
)

// FuzzRepository feeds arbitrary YAML through every check as a resource of
// each kind: whatever the shape, the result is findings, never a panic.
func FuzzRepository(f *testing.F) {
	for _, src := range baseFiles() {
		f.Add(src)
	}
	f.Add("apiVersion: kiln/v1\nkind: ImageRecipe\nspec: {components: [{name: a-b-c, version: x.x.1}, {arn: 'arn:aws:imagebuilder:us-east-1:aws:component/a/x.1.x'}]}\n")
	f.Add("metadata: {name: [1], version: {a: b}}\nspec: [1, 2]\n")
	v := validator(f)
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		top := doc.Content[0]
		var value map[string]any
		if top.Decode(&value) != nil {
			return
		}
		var head struct {
			Metadata model.Metadata `yaml:"metadata"`
		}
		_ = top.Decode(&head)
		specNode := model.Lookup(top, "spec")
		specs := map[model.Kind]any{}
		for _, k := range model.Kinds() {
			specs[k] = model.NewSpec(k)
		}
		repo := &model.Repository{Config: &model.Config{File: ".kiln.yaml", Node: top}}
		for kind, spec := range specs {
			r := &model.Resource{Kind: kind, Metadata: head.Metadata, Value: value, File: "f.yaml", Tree: model.NodeTree(top)}
			if specNode != nil && specNode.Decode(spec) == nil {
				r.Spec = spec
			}
			if kind == model.KindComponent {
				r.Document = &model.Document{File: "f.yaml", Tree: model.NodeTree(top), Value: value}
			}
			repo.Resources = append(repo.Resources, r)
		}
		Repository(repo, v)
		Immutability(NewBaseline(repo), repo)
		ChangedResources(NewBaseline(repo), repo)
	})
}
