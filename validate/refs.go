package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// references checks that every name a resource uses (model.Resource.Refs)
// resolves in repo, and that every recipe has a component that builds.
func references(repo *model.Repository) []finding.Finding {
	var out []finding.Finding
	for _, r := range repo.Resources {
		resolved := true
		for _, ref := range r.Refs() {
			if !ref.Kind.Versioned() {
				if repo.Get(ref.Kind, ref.Name) == nil {
					out = append(out, missing(repo, r, ref.Kind, ref.Name, ruleFor(ref.Kind), ref.Path...))
					resolved = false
				}
				continue
			}
			if ref.Version == "" {
				resolved = false // the schema reports it
				continue
			}
			if _, err := model.ParseVersionPattern(ref.Version); err != nil {
				resolved = false // versions reports it
				continue
			}
			if f := otherRecipeKind(repo, r, ref); f != nil {
				out = append(out, *f)
				resolved = false
				continue
			}
			if _, f := resolve(repo, r, ref.Kind, ref.Name, ref.Version, ref.Path...); f != nil {
				out = append(out, *f)
				resolved = false
			}
		}
		switch spec := r.Spec.(type) {
		case *model.ImageRecipeSpec:
			out = append(out, buildComponent(repo, r, spec.Components, resolved)...)
		case *model.ContainerRecipeSpec:
			out = append(out, buildComponent(repo, r, spec.Components, resolved)...)
		}
	}
	return out
}

// otherRecipeKind explains a pipeline's recipe reference that names a
// recipe of the other recipe kind.
func otherRecipeKind(repo *model.Repository, r *model.Resource, ref model.Ref) *finding.Finding {
	other := map[model.Kind]model.Kind{model.KindImageRecipe: model.KindContainerRecipe, model.KindContainerRecipe: model.KindImageRecipe}[ref.Kind]
	if other == "" || len(repo.Versions(ref.Kind, ref.Name)) > 0 || len(repo.Versions(other, ref.Name)) == 0 {
		return nil
	}
	field, otherField := "imageRecipe", "containerRecipe"
	if ref.Kind == model.KindContainerRecipe {
		field, otherField = otherField, field
	}
	f := newFinding(r, r.At(append(slices.Clone(ref.Path), "name")...), "ref/recipe",
		fmt.Sprintf("spec.%s: %s is a%s %s, not a%s %s: name it under %s",
			field, ref.Name, article(other), other, article(ref.Kind), ref.Kind, otherField))
	return &f
}

// buildComponent checks that at least one of a recipe's components builds
// something, once every repository component it names resolved.
func buildComponent(repo *model.Repository, r *model.Resource, refs []model.ComponentRef, resolved bool) []finding.Finding {
	build := false
	var nonBuild []string
	for _, c := range refs {
		if c.Arn != "" {
			// AWS-managed and shared components cannot be read offline;
			// they are assumed to build, as nearly all of them do.
			build = true
			continue
		}
		if c.Name == "" {
			resolved = false // the schema reports it
			continue
		}
		res := repo.Resolve(model.KindComponent, c.Name, c.Version)
		if res == nil {
			resolved = false
			continue
		}
		if buildsSomething(res) {
			build = true
		} else {
			nonBuild = append(nonBuild, fmt.Sprintf("%s %s", res.Metadata.Name, res.Metadata.Version))
		}
	}
	if !resolved || len(refs) == 0 || build {
		return nil
	}
	return []finding.Finding{newFinding(r, r.At("spec", "components"), "recipe/build-component",
		fmt.Sprintf("%s %s %s has no build component: at least one component must have a build phase (%s %s none)",
			r.Kind, r.Metadata.Name, r.Metadata.Version, strings.Join(nonBuild, ", "), plural(len(nonBuild), "has", "have")))}
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

// ruleFor is the rule of a broken reference to kind: ref/<policy group>.
func ruleFor(kind model.Kind) string {
	info, _ := kind.Info()
	return "ref/" + info.PolicyGroup
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
