// Package reconciler turns a desired tree into Image Builder state: it plans
// (pure), applies in dependency order with deterministic client tokens, and
// follows bakes to their end. It reaches Image Builder only through the
// ImageBuilder interface, which package imagebuilder implements against AWS
// and package imagebuilder/ibtest emulates.
package reconciler

import (
	"context"
	"errors"

	"github.com/kiln-gitops/kiln/model"
)

// Tag keys kiln writes on everything it creates.
const (
	TagManaged = "kiln:managed"
	TagDigest  = "kiln:digest"
	TagRepo    = "kiln:repo"
	TagCommit  = "kiln:commit"
)

// Live is one resource as an environment holds it.
type Live struct {
	Kind model.Kind
	// Name is the resource's name as created (ARNs carry it lowercased).
	Name    string
	Version string // versioned kinds only
	// Arn identifies the resource; for components it is the newest build
	// version's ARN (…/1.2.0/1), which recipes and deletes take.
	Arn string
	// Digest is the kiln:digest tag; empty for resources kiln did not make.
	Digest  string
	Managed bool
	Tags    map[string]string
	// Builds counts a component version's build versions. kiln creates
	// exactly one; more means someone created the version again outside
	// kiln (the service makes a new build for that instead of refusing).
	Builds int
	// Pipelines only: what the pipeline builds, and ENABLED or DISABLED.
	RecipeArn, InfrastructureArn, DistributionArn string
	Status                                        string
}

// Owned reports whether kiln made the resource or finished adopting it:
// it carries kiln:managed and a digest. Adopt writes the digest last, so
// a resource with kiln:managed alone is an adoption cut short, adopted
// again rather than taken as unchanged.
func (l Live) Owned() bool { return l.Managed && l.Digest != "" }

// ID names the live resource as the repository would.
func (l Live) ID() model.ID { return model.NewID(l.Kind, l.Name, l.Version) }

// Resolver maps a reference from the repository to the ARN it has in the
// environment: a component or recipe by name and version pattern (the
// pattern is kept: Image Builder resolves wildcards itself at build time),
// a configuration by name.
type Resolver func(kind model.Kind, name, version string) (arn string, err error)

// Image is a build as GetImage reports it.
type Image struct {
	Arn, Name, Version string
	PipelineArn        string
	State              string // PENDING, BUILDING, TESTING, DISTRIBUTING, INTEGRATING, AVAILABLE, FAILED, CANCELLED, …
	Reason             string
	// AMIs (image recipes) and Containers (container recipes) exist once
	// the state is AVAILABLE.
	AMIs []AMI
	// Containers are the image URIs pushed per region.
	Containers []Container
	// LogURI is where the build logs are (S3), when known.
	LogURI string
	// TestsEnabled says whether the image's tests ran (or will run).
	TestsEnabled bool
	Created      string
}

// AMI is one output AMI.
type AMI struct {
	Region, Account, ID, Name string
}

// Container is the image URIs pushed in one region.
type Container struct {
	Region    string
	ImageURIs []string
}

// Terminal reports whether the image will not change state again.
func (i Image) Terminal() bool {
	switch i.State {
	case "AVAILABLE", "FAILED", "CANCELLED", "DELETED", "DEPRECATED", "DISABLED":
		return true
	}
	return false
}

// ErrNoDryRun is what Create with dryRun returns for a kind whose create
// the service cannot dry run (in Image Builder only CreateComponent and
// CreateWorkflow take dryRun): such kinds rely on kiln's own validation.
var ErrNoDryRun = errors.New("Image Builder offers no dry run for this kind")

// ImageBuilder is what the reconciler needs from one environment's Image
// Builder.
type ImageBuilder interface {
	List(ctx context.Context) ([]Live, error)
	Create(ctx context.Context, r *model.Resource, refs Resolver, token string, tags map[string]string, dryRun bool) (arn string, err error)
	Update(ctx context.Context, r *model.Resource, arn string, refs Resolver, token string, tags map[string]string) error
	Delete(ctx context.Context, kind model.Kind, arn string) error
	StartPipeline(ctx context.Context, pipelineArn, token string) (imageArn string, err error)
	GetImage(ctx context.Context, imageArn string) (Image, error)
	CancelImage(ctx context.Context, imageArn string) error
	PutParameter(ctx context.Context, name, value string) error
	// Tag adds tags to the resource at arn, leaving the rest of it (and
	// its other tags) alone; adopting a resource made outside kiln takes
	// nothing more.
	Tag(ctx context.Context, arn string, tags map[string]string) error
}
