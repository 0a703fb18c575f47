package model

import "slices"

// Kind names a resource kind.
type Kind string

const (
	KindComponent                   Kind = "Component"
	KindImageRecipe                 Kind = "ImageRecipe"
	KindContainerRecipe             Kind = "ContainerRecipe"
	KindInfrastructureConfiguration Kind = "InfrastructureConfiguration"
	KindDistributionConfiguration   Kind = "DistributionConfiguration"
	KindImagePipeline               Kind = "ImagePipeline"
)

// KindInfo is everything kiln knows about a kind that is not the Image
// Builder calls (those are the kind's adapter file in package
// imagebuilder). Every table of kinds elsewhere is read from here.
type KindInfo struct {
	Kind Kind
	// Versioned kinds carry an immutable semantic version: a change of
	// content is a new version. The others are updated in place.
	Versioned bool
	// Folder is where the kind's files go in a repository laid out as
	// examples/ is (and as `kiln import` writes it).
	Folder string
	// Schema is the kind's JSON Schema file in package schemas.
	Schema string
	// PolicyGroup names the package of built-in rules about the kind
	// (data.kiln.<group>) and the prefix of its reference findings
	// (ref/<group>).
	PolicyGroup string
	// ArnType is the resource type segment of the kind's ARNs.
	ArnType string
	// DocumentSuffix is set for kinds that keep a document (`document:` a
	// file, or `data:` inline) whose text, not its path, is part of the
	// digest; a document file beside the resource file ends in it.
	DocumentSuffix string
	// WriteOnly are the spec's fields (by JSON name) that Image Builder
	// takes on create but never answers with: comparing the repository
	// with a live resource cannot see them, so drift leaves them out.
	WriteOnly []string
	// newSpec returns an empty typed spec.
	newSpec func() any
	// refs lists what a decoded spec names in the repository.
	refs func(spec any) []Ref
}

// kinds is the registry, in dependency order: a kind only refers to kinds
// before it. Apply walks this order; delete walks it backwards.
var kinds = [...]KindInfo{
	{Kind: KindComponent, Versioned: true, Folder: "components", Schema: "component.json", PolicyGroup: "component",
		ArnType: "component", DocumentSuffix: ".toe.yaml", newSpec: func() any { return &ComponentSpec{} }},
	{Kind: KindImageRecipe, Versioned: true, Folder: "recipes", Schema: "image-recipe.json", PolicyGroup: "recipe",
		ArnType: "image-recipe", newSpec: func() any { return &ImageRecipeSpec{} }, refs: imageRecipeRefs},
	{Kind: KindContainerRecipe, Versioned: true, Folder: "recipes", Schema: "container-recipe.json", PolicyGroup: "recipe",
		ArnType: "container-recipe", newSpec: func() any { return &ContainerRecipeSpec{} }, refs: containerRecipeRefs,
		WriteOnly: []string{"dockerfileTemplateUri", "imageOsVersionOverride", "platformOverride"}},
	{Kind: KindInfrastructureConfiguration, Folder: "infrastructure", Schema: "infrastructure-configuration.json",
		PolicyGroup: "infrastructure", ArnType: "infrastructure-configuration",
		newSpec: func() any { return &InfrastructureConfigurationSpec{} }},
	{Kind: KindDistributionConfiguration, Folder: "distribution", Schema: "distribution-configuration.json",
		PolicyGroup: "distribution", ArnType: "distribution-configuration",
		newSpec: func() any { return &DistributionConfigurationSpec{} }},
	{Kind: KindWorkflow, Versioned: true, Folder: "workflows", Schema: "workflow.json", PolicyGroup: "workflow",
		ArnType: "workflow", DocumentSuffix: ".workflow.yaml", newSpec: func() any { return &WorkflowSpec{} }},
	{Kind: KindImagePipeline, Folder: "pipelines", Schema: "image-pipeline.json", PolicyGroup: "pipeline",
		ArnType: "image-pipeline", newSpec: func() any { return &ImagePipelineSpec{} }, refs: pipelineRefs},
	{Kind: KindLifecyclePolicy, Folder: "lifecycle", Schema: "lifecycle-policy.json", PolicyGroup: "lifecycle",
		ArnType: "lifecycle-policy", newSpec: func() any { return &LifecyclePolicySpec{} }, refs: lifecyclePolicyRefs},
}

// Kinds lists every kind in dependency order. The slice is fresh.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i, k := range kinds {
		out[i] = k.Kind
	}
	return out
}

// HasDocument reports whether the kind keeps a document.
func (i KindInfo) HasDocument() bool { return i.DocumentSuffix != "" }

// Info is the registry entry of k; ok is false for an unknown kind.
func (k Kind) Info() (KindInfo, bool) {
	for _, info := range kinds {
		if info.Kind == k {
			return info, true
		}
	}
	return KindInfo{}, false
}

// Order is k's place in dependency order (-1 for an unknown kind).
func (k Kind) Order() int {
	return slices.IndexFunc(kinds[:], func(i KindInfo) bool { return i.Kind == k })
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k.Order() >= 0 }

// Versioned reports whether resources of kind k carry an immutable semantic
// version rather than being updated in place.
func (k Kind) Versioned() bool {
	info, _ := k.Info()
	return info.Versioned
}

// NewSpec returns a new, empty typed spec for kind (a pointer to one of the
// spec structs), or nil for an unknown kind.
func NewSpec(kind Kind) any {
	info, ok := kind.Info()
	if !ok {
		return nil
	}
	return info.newSpec()
}

// Ref is one reference from a resource to another resource of the
// repository. References by ARN (AWS-managed or shared resources) are not
// Refs: nothing in the repository answers them.
type Ref struct {
	Kind Kind
	Name string
	// Version is the version pattern (exact or wildcard) of a versioned
	// kind; empty for the others.
	Version string
	// Path is where the reference sits in the document: the mapping that
	// holds name and version for versioned kinds, the name's own value for
	// the others.
	Path []any
}

// Refs lists what r names in the repository, in document order; nil when
// its spec did not decode.
func (r *Resource) Refs() []Ref {
	info, ok := r.Kind.Info()
	if !ok || info.refs == nil || r.Spec == nil {
		return nil
	}
	return info.refs(r.Spec)
}

func componentRefs(refs []ComponentRef, field string) []Ref {
	var out []Ref
	for i, c := range refs {
		if c.Arn == "" && c.Name != "" {
			out = append(out, Ref{Kind: KindComponent, Name: c.Name, Version: c.Version, Path: []any{"spec", field, i}})
		}
	}
	return out
}

func imageRecipeRefs(spec any) []Ref {
	s, _ := spec.(*ImageRecipeSpec)
	if s == nil {
		return nil
	}
	return componentRefs(s.Components, "components")
}

func containerRecipeRefs(spec any) []Ref {
	s, _ := spec.(*ContainerRecipeSpec)
	if s == nil {
		return nil
	}
	return componentRefs(s.Components, "components")
}

func pipelineRefs(spec any) []Ref {
	s, _ := spec.(*ImagePipelineSpec)
	if s == nil {
		return nil
	}
	var out []Ref
	if kind, ref := s.Recipe(); ref != nil && ref.Name != "" {
		field := "imageRecipe"
		if kind == KindContainerRecipe {
			field = "containerRecipe"
		}
		out = append(out, Ref{Kind: kind, Name: ref.Name, Version: ref.Version, Path: []any{"spec", field}})
	}
	if s.InfrastructureConfiguration != "" {
		out = append(out, Ref{Kind: KindInfrastructureConfiguration, Name: s.InfrastructureConfiguration, Path: []any{"spec", "infrastructureConfiguration"}})
	}
	if s.DistributionConfiguration != "" {
		out = append(out, Ref{Kind: KindDistributionConfiguration, Name: s.DistributionConfiguration, Path: []any{"spec", "distributionConfiguration"}})
	}
	return append(out, workflowRefs(s.Workflows)...)
}
