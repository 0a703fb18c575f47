package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

func BenchmarkWrite(b *testing.B) {
	r := fixtureResult()
	r.Findings = manyFindings(5000, "a realistic policy message about a component step")
	for _, f := range Formats() {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, f, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckRunOutput5000(b *testing.B) {
	fs := manyFindings(5000, "a realistic policy message about a component step")
	b.ReportAllocs()
	for b.Loop() {
		_ = CheckRunOutput("kiln/policy", fs, "high")
	}
}

func BenchmarkComment(b *testing.B) {
	for _, n := range []int{10, 5000} {
		c := fixtureComment()
		c.Policy = manyFindings(n, "a realistic policy message about a component step")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Comment(c)
			}
		})
	}
}

func BenchmarkBuildGraph(b *testing.B) {
	repo := &model.Repository{}
	for i := 0; i < 500; i++ {
		repo.Resources = append(repo.Resources, &model.Resource{Kind: model.KindComponent,
			Metadata: model.Metadata{Name: fmt.Sprintf("c%d", i), Version: "1.0.0"}, Spec: &model.ComponentSpec{}})
	}
	for i := 0; i < 100; i++ {
		var refs []model.ComponentRef
		for j := 0; j < 10; j++ {
			refs = append(refs, model.ComponentRef{Name: fmt.Sprintf("c%d", (i*7+j)%500), Version: "1.x.x"})
		}
		repo.Resources = append(repo.Resources,
			&model.Resource{Kind: model.KindImageRecipe, Metadata: model.Metadata{Name: fmt.Sprintf("r%d", i), Version: "1.0.0"}, Spec: &model.ImageRecipeSpec{Components: refs}},
			&model.Resource{Kind: model.KindImagePipeline, Metadata: model.Metadata{Name: fmt.Sprintf("p%d", i)}, Spec: &model.ImagePipelineSpec{ImageRecipe: &model.RecipeRef{Name: fmt.Sprintf("r%d", i), Version: "1.0.0"}}})
	}
	changed := map[string]bool{"Component/c3@1.0.0": true}
	b.ReportAllocs()
	for b.Loop() {
		g := BuildGraph(repo, changed)
		_ = g.Mermaid()
	}
}
