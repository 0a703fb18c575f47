package validate

import (
	"fmt"
	"regexp"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

const (
	ruleNamePerBuild    = "distribution/name-per-build"
	ruleDuplicateRegion = "distribution/duplicate-region"
	buildDateVariable   = "{{ imagebuilder:buildDate }}"
)

// perBuild matches the variables Image Builder fills in per build.
var perBuild = regexp.MustCompile(`\{\{\s*imagebuilder:(buildDate|buildVersion)\s*\}\}`)

// distributions checks that every AMI name differs per build (a second
// build with the same name fails: the AMI exists) and that no region is
// listed twice.
func distributions(r *model.Resource) []finding.Finding {
	var out []finding.Finding
	seen := map[string]int{} // region → line of its first entry
	for i := range list(r.Value, "spec", "distributions") {
		if region, ok := str(r.Value, "spec", "distributions", i, "region"); ok {
			pos := r.At("spec", "distributions", i, "region")
			if first, dup := seen[region]; dup {
				out = append(out, newFinding(r, pos, ruleDuplicateRegion, fmt.Sprintf(
					"spec.distributions[%d].region: %s is distributed already (line %d); Image Builder refuses a region twice: merge the two entries", i, region, first)))
			} else {
				seen[region] = pos.Line
			}
		}
		if name, ok := str(r.Value, "spec", "distributions", i, "amiDistributionConfiguration", "name"); ok && !perBuild.MatchString(name) {
			out = append(out, newFinding(r, r.At("spec", "distributions", i, "amiDistributionConfiguration", "name"), ruleNamePerBuild, fmt.Sprintf(
				"spec.distributions[%d].amiDistributionConfiguration.name: %q is the same for every build, so the second build fails (the AMI name exists); add %s, e.g. %s-%s",
				i, name, buildDateVariable, name, buildDateVariable)))
		}
	}
	return out
}
