package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// references checks that every name a resource uses resolves in repo:
// recipe components, and the recipe, infrastructure and distribution of
// every pipeline.
func references(repo *model.Repository) []finding.Finding {
	var out []finding.Finding
	for _, r := range repo.Resources {
		switch spec := r.Spec.(type) {
		case *model.ImageRecipeSpec:
			out = append(out, recipe(repo, r, spec.Components)...)
		case *model.ContainerRecipeSpec:
			out = append(out, recipe(repo, r, spec.Components)...)
		case *model.ImagePipelineSpec:
			out = append(out, pipeline(repo, r, spec)...)
		}
	}
	return out
}

// recipe checks that each repository component a recipe names exists at a
// matching version, and that at least one component builds something.
func recipe(repo *model.Repository, r *model.Resource, refs []model.ComponentRef) []finding.Finding {
	var out []finding.Finding
	resolved, build := true, false
	var nonBuild []string
	for i, c := range refs {
		if c.Arn != "" {
			// AWS-managed and shared components cannot be read offline;
			// they are assumed to build, as nearly all of them do.
			build = true
			continue
		}
		if c.Name == "" || c.Version == "" {
			resolved = false // the schema reports it
			continue
		}
		if _, err := model.ParseVersionPattern(c.Version); err != nil {
			resolved = false // versions reports it
			continue
		}
		res, f := resolve(repo, r, model.KindComponent, c.Name, c.Version, "spec", "components", i)
		if f != nil {
			out = append(out, *f)
			resolved = false
			continue
		}
		if buildsSomething(res) {
			build = true
		} else {
			nonBuild = append(nonBuild, fmt.Sprintf("%s %s", res.Metadata.Name, res.Metadata.Version))
		}
	}
	if resolved && len(refs) > 0 && !build {
		out = append(out, newFinding(r, r.At("spec", "components"), "recipe/build-component",
			fmt.Sprintf("%s %s %s has no build component: at least one component must have a build phase (%s %s none)",
				r.Kind, r.Metadata.Name, r.Metadata.Version, strings.Join(nonBuild, ", "), plural(len(nonBuild), "has", "have"))))
	}
	return out
}

// buildsSomething reports whether a component's document has a build
// phase. A component whose document could not be read counts as building:
// its own finding says what is wrong, and a second one here would only
// guess.
func buildsSomething(c *model.Resource) bool {
	if c.Document == nil || c.Document.Value == nil {
		return true
	}
	phases, _ := c.Document.Value["phases"].([]any)
	for _, p := range phases {
		if m, ok := p.(map[string]any); ok && m["name"] == "build" {
			return true
		}
	}
	return false
}

// pipeline checks the recipe, infrastructure and distribution a pipeline
// names.
func pipeline(repo *model.Repository, r *model.Resource, spec *model.ImagePipelineSpec) []finding.Finding {
	var out []finding.Finding
	kind, ref := spec.Recipe()
	if ref != nil && ref.Name != "" && ref.Version != "" {
		field, other, otherField := "imageRecipe", model.KindContainerRecipe, "containerRecipe"
		if kind == model.KindContainerRecipe {
			field, other, otherField = "containerRecipe", model.KindImageRecipe, "imageRecipe"
		}
		if _, err := model.ParseVersionPattern(ref.Version); err == nil {
			if len(repo.Versions(kind, ref.Name)) == 0 && len(repo.Versions(other, ref.Name)) > 0 {
				out = append(out, newFinding(r, r.At("spec", field, "name"), "ref/recipe",
					fmt.Sprintf("spec.%s: %s is a%s %s, not a%s %s: name it under %s",
						field, ref.Name, article(other), other, article(kind), kind, otherField)))
			} else if _, f := resolve(repo, r, kind, ref.Name, ref.Version, "spec", field); f != nil {
				out = append(out, *f)
			}
		}
	}
	if name := spec.InfrastructureConfiguration; name != "" && repo.Get(model.KindInfrastructureConfiguration, name) == nil {
		out = append(out, missing(repo, r, model.KindInfrastructureConfiguration, name, "ref/infrastructure", "spec", "infrastructureConfiguration"))
	}
	if name := spec.DistributionConfiguration; name != "" && repo.Get(model.KindDistributionConfiguration, name) == nil {
		out = append(out, missing(repo, r, model.KindDistributionConfiguration, name, "ref/distribution", "spec", "distributionConfiguration"))
	}
	return out
}

// resolve finds the newest version of kind called name that matches
// pattern; at is the path of the reference's mapping (with name and
// version keys). On failure it returns the finding that explains it.
func resolve(repo *model.Repository, r *model.Resource, kind model.Kind, name, pattern string, at ...any) (*model.Resource, *finding.Finding) {
	if res := repo.Resolve(kind, name, pattern); res != nil {
		return res, nil
	}
	rule := ruleFor(kind)
	have := repo.Versions(kind, name)
	if len(have) == 0 {
		f := missing(repo, r, kind, name, rule, append(at, "name")...)
		return nil, &f
	}
	vs := make([]string, len(have))
	for i, h := range have {
		vs[i] = h.Metadata.Version
	}
	path := append(slices.Clone(at), "version")
	f := newFinding(r, r.At(path...), rule,
		fmt.Sprintf("%s: %s %s has no version matching %s; the repository has %s",
			dotted(path), kind, name, pattern, strings.Join(vs, ", ")))
	return nil, &f
}

// missing reports a reference to a resource the repository does not have,
// suggesting the closest name of that kind.
func missing(repo *model.Repository, r *model.Resource, kind model.Kind, name, rule string, path ...any) finding.Finding {
	msg := fmt.Sprintf("%s: %s %s is not in the repository", dotted(path), kind, name)
	if guess := closestName(repo, kind, name); guess != "" {
		msg += fmt.Sprintf("; did you mean %s?", guess)
	}
	return newFinding(r, r.At(path...), rule, msg)
}

func ruleFor(kind model.Kind) string {
	switch kind {
	case model.KindComponent:
		return "ref/component"
	case model.KindInfrastructureConfiguration:
		return "ref/infrastructure"
	case model.KindDistributionConfiguration:
		return "ref/distribution"
	}
	return "ref/recipe"
}

// closestName is the name of a resource of kind within a small edit
// distance of name, or "".
func closestName(repo *model.Repository, kind model.Kind, name string) string {
	best, bestD := "", max(1, len(name)/4)+1
	for _, res := range repo.ByKind(kind) {
		n := res.Metadata.Name
		if d := levenshtein.ComputeDistance(name, n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	return best
}

func article(k model.Kind) string {
	if strings.ContainsRune("AEIOU", rune(k[0])) {
		return "n"
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
