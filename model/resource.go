// Package model is the document model of a users' repository: the Image
// Builder resource kinds (see Kinds), the repository settings in .kiln.yaml and
// the AWSTOE documents components point at. It is pure data: loading lives
// in package loader, checking in package validate.
package model

import (
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
)

// APIVersion is the only apiVersion kiln reads.
const APIVersion = "kiln/v1"

// Metadata is the metadata block shared by all kinds.
type Metadata struct {
	Name        string            `yaml:"name" json:"name"`
	Version     string            `yaml:"version,omitempty" json:"version,omitempty"`
	Description string            `yaml:"description,omitempty" json:"description,omitempty"`
	Tags        map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// Resource is one kiln document: a file (or one document of a multi-document
// file) with apiVersion kiln/v1 and a kind.
type Resource struct {
	Kind     Kind
	Metadata Metadata
	// Spec is one of *ComponentSpec, *ImageRecipeSpec, *ContainerRecipeSpec,
	// *InfrastructureConfigurationSpec, *DistributionConfigurationSpec,
	// *ImagePipelineSpec; nil when the document did not decode.
	Spec any
	// Value is the whole document as plain JSON-like values (map[string]any,
	// []any, string, float64/int, bool, nil): what schemas and policies see.
	Value map[string]any

	File string // slash-separated path relative to the repository root
	// Tree holds the document's top mapping node, for positions.
	Tree *Tree
	// Document is the resolved AWSTOE document of a Component; nil otherwise
	// or when it could not be read.
	Document *Document
}

// Node is the document's top mapping node; nil without a tree.
func (r *Resource) Node() *yaml.Node { return r.Tree.Node() }

// ID names the resource; unique in a valid repository.
func (r *Resource) ID() ID { return NewID(r.Kind, r.Metadata.Name, r.Metadata.Version) }

// Name is metadata.name.
func (r *Resource) Name() string { return r.Metadata.Name }

// Version is metadata.version (empty for unversioned kinds).
func (r *Resource) Version() string { return r.Metadata.Version }

// Pos is where the document starts.
func (r *Resource) Pos() finding.Pos { return PosOf(r.File, r.Node()) }

// At returns the position of the value at path (mapping keys as strings,
// sequence indices as ints) inside the document, or of the deepest existing
// ancestor when the path does not exist, so a finding about a missing field
// lands on the mapping that should hold it.
func (r *Resource) At(path ...any) finding.Pos { return Locate(r.File, r.Node(), path...) }

// KeyAt is like At but points at the mapping key rather than its value,
// which is where editors underline a field.
func (r *Resource) KeyAt(path ...any) finding.Pos { return LocateKey(r.File, r.Node(), path...) }

// SpecOrNil is the decoded spec; safe on a nil resource.
func (r *Resource) SpecOrNil() any {
	if r == nil {
		return nil
	}
	return r.Spec
}

// GetTags is metadata.tags; safe on a nil resource.
func (r *Resource) GetTags() map[string]string {
	if r == nil {
		return nil
	}
	return r.Metadata.Tags
}
