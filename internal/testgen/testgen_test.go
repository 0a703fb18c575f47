package testgen_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
)

func TestRepositoryLoadsClean(t *testing.T) {
	for _, tc := range []struct{ components, recipes, pipelines int }{
		{0, 0, 0}, {1, 1, 1}, {7, 3, 2}, {60, 12, 9},
	} {
		fsys := testgen.Repository(tc.components, tc.recipes, tc.pipelines)
		repo, fs, err := loader.Load(context.Background(), fsys, loader.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			t.Errorf("%v: %s", tc, f)
		}
		if got := len(repo.ByKind(model.KindComponent)); got != tc.components {
			t.Errorf("%v: %d components", tc, got)
		}
		if got := len(repo.ByKind(model.KindImageRecipe)); got != tc.recipes {
			t.Errorf("%v: %d recipes", tc, got)
		}
		if got := len(repo.ByKind(model.KindImagePipeline)); got != tc.pipelines {
			t.Errorf("%v: %d pipelines", tc, got)
		}
		if got := len(repo.Config.Environments); got != 2 || repo.Config.Environments[0].Name != "staging" {
			t.Errorf("%v: environments %+v", tc, repo.Config.Environments)
		}
		for _, c := range repo.ByKind(model.KindComponent) {
			if c.Document == nil || c.Spec == nil {
				t.Errorf("%s: document %v spec %v", c.ID(), c.Document, c.Spec)
			}
		}
		// Every repository component a recipe names resolves, and every
		// recipe has a STIG or CIS component.
		for _, r := range repo.ByKind(model.KindImageRecipe) {
			spec := r.Spec.(*model.ImageRecipeSpec)
			hardened := false
			for _, c := range spec.Components {
				if c.Arn != "" {
					continue
				}
				if repo.Resolve(model.KindComponent, c.Name, c.Version) == nil {
					t.Errorf("%s: %s@%s does not resolve", r.ID(), c.Name, c.Version)
				}
				if strings.Contains(c.Name, "cis") || strings.Contains(c.Name, "stig") {
					hardened = true
				}
			}
			if tc.components > 0 && !hardened {
				t.Errorf("%s has no hardening component", r.ID())
			}
			if len(spec.Components) > 20 {
				t.Errorf("%s has %d components", r.ID(), len(spec.Components))
			}
		}
		for _, p := range repo.ByKind(model.KindImagePipeline) {
			spec := p.Spec.(*model.ImagePipelineSpec)
			if repo.Get(model.KindInfrastructureConfiguration, spec.InfrastructureConfiguration) == nil ||
				repo.Get(model.KindDistributionConfiguration, spec.DistributionConfiguration) == nil {
				t.Errorf("%s: configurations missing", p.ID())
			}
			if tc.recipes > 0 && repo.Resolve(model.KindImageRecipe, spec.ImageRecipe.Name, spec.ImageRecipe.Version) == nil {
				t.Errorf("%s: recipe missing", p.ID())
			}
		}
	}
}
