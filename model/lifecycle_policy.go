package model

// KindLifecyclePolicy deprecates, disables or deletes old images of the
// recipes (or tags) it selects. Updated in place.
const KindLifecyclePolicy Kind = "LifecyclePolicy"

// LifecyclePolicySpec is a LifecyclePolicy.
type LifecyclePolicySpec struct {
	ResourceType      string                     `yaml:"resourceType" json:"resourceType"` // AMI_IMAGE | CONTAINER_IMAGE
	ExecutionRole     string                     `yaml:"executionRole" json:"executionRole"`
	Status            string                     `yaml:"status,omitempty" json:"status,omitempty"` // ENABLED | DISABLED
	PolicyDetails     []LifecyclePolicyDetail    `yaml:"policyDetails" json:"policyDetails"`
	ResourceSelection LifecycleResourceSelection `yaml:"resourceSelection" json:"resourceSelection"`
}

// LifecyclePolicyDetail is one rule: which images (Filter), what to do
// with them (Action), and which to spare (ExclusionRules).
type LifecyclePolicyDetail struct {
	Action         LifecycleAction          `yaml:"action" json:"action"`
	Filter         LifecycleFilter          `yaml:"filter" json:"filter"`
	ExclusionRules *LifecycleExclusionRules `yaml:"exclusionRules,omitempty" json:"exclusionRules,omitempty"`
}

// LifecycleAction is DELETE, DEPRECATE or DISABLE, and for DELETE what
// goes with the image.
type LifecycleAction struct {
	Type             string                     `yaml:"type" json:"type"`
	IncludeResources *LifecycleIncludeResources `yaml:"includeResources,omitempty" json:"includeResources,omitempty"`
}

// LifecycleIncludeResources names what an action covers besides the image.
type LifecycleIncludeResources struct {
	Amis       bool `yaml:"amis,omitempty" json:"amis,omitempty"`
	Containers bool `yaml:"containers,omitempty" json:"containers,omitempty"`
	Snapshots  bool `yaml:"snapshots,omitempty" json:"snapshots,omitempty"`
}

// LifecycleFilter selects images by COUNT (keep the newest Value) or AGE
// (older than Value Units), keeping at least RetainAtLeast for AGE.
type LifecycleFilter struct {
	Type          string `yaml:"type" json:"type"` // AGE | COUNT
	Value         int32  `yaml:"value" json:"value"`
	Unit          string `yaml:"unit,omitempty" json:"unit,omitempty"` // DAYS | WEEKS | MONTHS | YEARS
	RetainAtLeast int32  `yaml:"retainAtLeast,omitempty" json:"retainAtLeast,omitempty"`
}

// LifecycleExclusionRules spare images by tag, or AMIs by where they are
// and how they are used.
type LifecycleExclusionRules struct {
	Amis   *LifecycleAmiExclusionRules `yaml:"amis,omitempty" json:"amis,omitempty"`
	TagMap map[string]string           `yaml:"tagMap,omitempty" json:"tagMap,omitempty"`
}

// LifecycleAmiExclusionRules spare AMIs that are public, in given regions,
// shared with given accounts, tagged, or launched recently.
type LifecycleAmiExclusionRules struct {
	IsPublic       bool                   `yaml:"isPublic,omitempty" json:"isPublic,omitempty"`
	LastLaunched   *LifecycleLastLaunched `yaml:"lastLaunched,omitempty" json:"lastLaunched,omitempty"`
	Regions        []string               `yaml:"regions,omitempty" json:"regions,omitempty"`
	SharedAccounts []string               `yaml:"sharedAccounts,omitempty" json:"sharedAccounts,omitempty"`
	TagMap         map[string]string      `yaml:"tagMap,omitempty" json:"tagMap,omitempty"`
}

// LifecycleLastLaunched spares AMIs launched within Value Units.
type LifecycleLastLaunched struct {
	Value int32  `yaml:"value" json:"value"`
	Unit  string `yaml:"unit" json:"unit"`
}

// LifecycleResourceSelection picks the images a policy governs: those of
// repository recipes (by name and version, exact or wildcard) or those
// carrying tags.
type LifecycleResourceSelection struct {
	Recipes []RecipeRef       `yaml:"recipes,omitempty" json:"recipes,omitempty"`
	TagMap  map[string]string `yaml:"tagMap,omitempty" json:"tagMap,omitempty"`
}

// RecipeKind is the recipe kind the policy's images come from.
func (s *LifecyclePolicySpec) RecipeKind() Kind {
	if s.ResourceType == "CONTAINER_IMAGE" {
		return KindContainerRecipe
	}
	return KindImageRecipe
}

func lifecyclePolicyRefs(spec any) []Ref {
	s, _ := spec.(*LifecyclePolicySpec)
	if s == nil {
		return nil
	}
	var out []Ref
	for i, r := range s.ResourceSelection.Recipes {
		if r.Name != "" {
			out = append(out, Ref{Kind: s.RecipeKind(), Name: r.Name, Version: r.Version, Path: []any{"spec", "resourceSelection", "recipes", i}})
		}
	}
	return out
}
