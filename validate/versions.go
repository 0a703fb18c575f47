package validate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// The schemas check the shape of versions; these catch what a pattern
// cannot say: wildcards left of numbers, leading zeros and node ranges.
// A value of the wrong shape is left to the schema finding.
var (
	versionShape = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	patternShape = regexp.MustCompile(`^([0-9]+|x)\.([0-9]+|x)\.([0-9]+|x)$`)
	// arnVersion is the version part of a component ARN:
	// arn:aws:imagebuilder:region:owner:component/name/1.x.x[/build].
	arnVersion = regexp.MustCompile(`:component/[^/]+/([^/]+)(/[0-9]+)?$`)
)

// versions checks the syntax of metadata.version and of every version a
// resource uses to name another.
func versions(r *model.Resource) []finding.Finding {
	var out []finding.Finding
	if r.Kind.Versioned() {
		if s := r.Metadata.Version; versionShape.MatchString(s) {
			if _, err := model.ParseVersion(s); err != nil {
				out = append(out, newFinding(r, r.At("metadata", "version"), "version/invalid", fmt.Sprintf("metadata.version: %v", err)))
			}
		}
	}
	switch spec := r.Spec.(type) {
	case *model.ImageRecipeSpec:
		out = append(out, componentVersions(r, spec.Components)...)
	case *model.ContainerRecipeSpec:
		out = append(out, componentVersions(r, spec.Components)...)
	case *model.ImagePipelineSpec:
		if spec.ImageRecipe != nil {
			out = append(out, pattern(r, spec.ImageRecipe.Version, "spec", "imageRecipe", "version")...)
		}
		if spec.ContainerRecipe != nil {
			out = append(out, pattern(r, spec.ContainerRecipe.Version, "spec", "containerRecipe", "version")...)
		}
	}
	return out
}

func componentVersions(r *model.Resource, refs []model.ComponentRef) []finding.Finding {
	var out []finding.Finding
	for i, c := range refs {
		if c.Arn != "" {
			if m := arnVersion.FindStringSubmatch(c.Arn); m != nil {
				out = append(out, pattern(r, m[1], "spec", "components", i, "arn")...)
			}
			continue
		}
		out = append(out, pattern(r, c.Version, "spec", "components", i, "version")...)
	}
	return out
}

// pattern checks one version reference (exact or wildcard) at path.
func pattern(r *model.Resource, s string, path ...any) []finding.Finding {
	if !patternShape.MatchString(s) {
		return nil
	}
	if _, err := model.ParseVersionPattern(s); err != nil {
		rule := "version/invalid"
		if strings.Contains(s, "x") {
			rule = "version/wildcard"
		}
		return []finding.Finding{newFinding(r, r.At(path...), rule, fmt.Sprintf("%s: %v", dotted(path), err))}
	}
	return nil
}

// dotted writes a path as spec.components[2].version.
func dotted(path []any) string {
	var b strings.Builder
	for _, p := range path {
		if i, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", i)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, p)
	}
	return b.String()
}
