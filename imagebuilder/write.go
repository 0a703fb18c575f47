package imagebuilder

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
)

// ErrNoDryRun is returned for a dry run of a kind the service cannot dry
// run: in Image Builder only CreateComponent (and CreateWorkflow) take
// dryRun, so the other kinds rely on kiln's own validation.
var ErrNoDryRun = errors.New("Image Builder offers no dry run for this kind")

// Tags is what kiln writes on a resource: the resource's own
// metadata.tags, then extra (kiln:repo, kiln:commit, …), then kiln:managed
// and kiln:digest, which the resource's own tags may not override. The
// digest is the caller's when extra names one (the reconciler's effective
// digest also covers what a pipeline's references resolve to), else
// model.Digest.
func Tags(r *model.Resource, extra map[string]string) map[string]string {
	out := make(map[string]string, len(r.Metadata.Tags)+len(extra)+2)
	maps.Copy(out, r.Metadata.Tags)
	maps.Copy(out, extra)
	out[TagManaged] = "true"
	out[TagDigest] = extra[TagDigest]
	if out[TagDigest] == "" {
		out[TagDigest] = model.Digest(r)
	}
	return out
}

// ArnFor is the ARN a resource gets when kiln creates it in this
// environment: components at build version 1. Plans use it to name what
// does not exist yet.
func (c *Client) ArnFor(kind model.Kind, name, version string) string {
	n := strings.ToLower(name)
	n = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, n)
	base := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:", c.env.Region, c.env.Account)
	switch kind {
	case model.KindComponent:
		return base + "component/" + n + "/" + version + "/1"
	case model.KindImageRecipe:
		return base + "image-recipe/" + n + "/" + version
	case model.KindContainerRecipe:
		return base + "container-recipe/" + n + "/" + version
	case model.KindInfrastructureConfiguration:
		return base + "infrastructure-configuration/" + n
	case model.KindDistributionConfiguration:
		return base + "distribution-configuration/" + n
	case model.KindImagePipeline:
		return base + "image-pipeline/" + n
	}
	return ""
}

func specOf[T any](r *model.Resource) (*T, error) {
	s, ok := r.Spec.(*T)
	if !ok || s == nil {
		return nil, fmt.Errorf("%s has no decoded %T spec", r.ID(), s)
	}
	return s, nil
}

// Create creates r with client token token (deterministic per content, so
// a replay returns the first result) and tags as Tags(r, tags). It returns
// the new resource's ARN.
//
// With dryRun (components only) nothing is created: a nil error is the
// service's verdict that the create would succeed, any other error its
// reason why not; the ARN is empty.
func (c *Client) Create(ctx context.Context, r *model.Resource, refs Resolver, token string, tags map[string]string, dryRun bool) (string, error) {
	arn, err := c.create(ctx, r, refs, opt(token), Tags(r, tags), dryRun)
	if dryRun {
		if IsDryRunSuccess(err) {
			return "", nil
		}
		if err == nil {
			return arn, fmt.Errorf("dry run of %s in %s created %s", r.ID(), c.env.Name, arn)
		}
	}
	if err != nil {
		return "", fmt.Errorf("create %s in %s: %w", r.ID(), c.env.Name, err)
	}
	c.log.InfoContext(ctx, "created", "resource", r.ID(), "arn", arn)
	return arn, nil
}

func (c *Client) create(ctx context.Context, r *model.Resource, refs Resolver, token *string, tags map[string]string, dryRun bool) (string, error) {
	if dryRun && r.Kind != model.KindComponent {
		return "", ErrNoDryRun
	}
	desc := opt(r.Metadata.Description)
	switch r.Kind {
	case model.KindComponent:
		s, err := specOf[model.ComponentSpec](r)
		if err != nil {
			return "", err
		}
		data := s.Data
		if r.Document != nil {
			data = r.Document.Text
		}
		out, err := c.ib.CreateComponent(ctx, &ib.CreateComponentInput{
			Name: aws.String(r.Metadata.Name), SemanticVersion: aws.String(r.Metadata.Version),
			Platform: types.Platform(s.Platform), Data: aws.String(data), Description: desc,
			ChangeDescription: opt(s.ChangeDescription), SupportedOsVersions: s.SupportedOsVersions,
			KmsKeyId: opt(c.expand(s.KmsKeyID)), Tags: tags, ClientToken: token, DryRun: dryRun,
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ComponentBuildVersionArn), nil

	case model.KindImageRecipe:
		s, err := specOf[model.ImageRecipeSpec](r)
		if err != nil {
			return "", err
		}
		comps, err := c.components(s.Components, refs)
		if err != nil {
			return "", err
		}
		out, err := c.ib.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
			Name: aws.String(r.Metadata.Name), SemanticVersion: aws.String(r.Metadata.Version),
			ParentImage: aws.String(c.expand(s.ParentImage)), Components: comps, Description: desc,
			BlockDeviceMappings: blockDevices(s.BlockDeviceMappings), WorkingDirectory: opt(s.WorkingDirectory),
			AdditionalInstanceConfiguration: additional(s.AdditionalInstanceConfiguration), AmiTags: s.AmiTags,
			Tags: tags, ClientToken: token,
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ImageRecipeArn), nil

	case model.KindContainerRecipe:
		s, err := specOf[model.ContainerRecipeSpec](r)
		if err != nil {
			return "", err
		}
		comps, err := c.components(s.Components, refs)
		if err != nil {
			return "", err
		}
		in := &ib.CreateContainerRecipeInput{
			Name: aws.String(r.Metadata.Name), SemanticVersion: aws.String(r.Metadata.Version),
			ContainerType: types.ContainerType(s.ContainerType), ParentImage: aws.String(c.expand(s.ParentImage)),
			Components: comps, Description: desc, DockerfileTemplateData: opt(s.DockerfileTemplateData),
			DockerfileTemplateUri: opt(s.DockerfileTemplateURI), PlatformOverride: types.Platform(s.PlatformOverride),
			ImageOsVersionOverride: opt(s.ImageOsVersionOverride), WorkingDirectory: opt(s.WorkingDirectory),
			KmsKeyId: opt(c.expand(s.KmsKeyID)), Tags: tags, ClientToken: token,
			TargetRepository: &types.TargetContainerRepository{Service: types.ContainerRepositoryService(s.TargetRepository.Service),
				RepositoryName: aws.String(s.TargetRepository.RepositoryName)},
		}
		if ic := s.InstanceConfiguration; ic != nil {
			in.InstanceConfiguration = &types.InstanceConfiguration{Image: opt(c.expand(ic.Image)), BlockDeviceMappings: blockDevices(ic.BlockDeviceMappings)}
		}
		out, err := c.ib.CreateContainerRecipe(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ContainerRecipeArn), nil

	case model.KindInfrastructureConfiguration:
		s, err := specOf[model.InfrastructureConfigurationSpec](r)
		if err != nil {
			return "", err
		}
		f := c.infraOf(s)
		out, err := c.ib.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{
			Name: aws.String(r.Metadata.Name), Description: desc, InstanceProfileName: aws.String(f.profile),
			InstanceTypes: f.types, SecurityGroupIds: f.groups, SubnetId: opt(f.subnet), Logging: f.logging,
			KeyPair: opt(f.keyPair), TerminateInstanceOnFailure: f.terminate, SnsTopicArn: opt(f.sns),
			InstanceMetadataOptions: f.metadata, ResourceTags: f.resourceTags, Placement: f.placement,
			Tags: tags, ClientToken: token,
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.InfrastructureConfigurationArn), nil

	case model.KindDistributionConfiguration:
		s, err := specOf[model.DistributionConfigurationSpec](r)
		if err != nil {
			return "", err
		}
		out, err := c.ib.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{
			Name: aws.String(r.Metadata.Name), Description: desc, Distributions: c.distributions(s),
			Tags: tags, ClientToken: token,
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.DistributionConfigurationArn), nil

	case model.KindImagePipeline:
		s, err := specOf[model.ImagePipelineSpec](r)
		if err != nil {
			return "", err
		}
		p, err := c.pipelineOf(s, refs)
		if err != nil {
			return "", err
		}
		out, err := c.ib.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{
			Name: aws.String(r.Metadata.Name), Description: desc,
			ImageRecipeArn: p.imageRecipe, ContainerRecipeArn: p.containerRecipe,
			InfrastructureConfigurationArn: p.infra, DistributionConfigurationArn: p.dist,
			ImageTestsConfiguration: p.tests, EnhancedImageMetadataEnabled: p.enhanced, Schedule: p.schedule,
			Status: p.status, ImageScanningConfiguration: p.scanning, Workflows: p.workflows, ExecutionRole: p.role,
			Tags: tags, ClientToken: token,
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ImagePipelineArn), nil
	}
	return "", fmt.Errorf("unknown kind %q", r.Kind)
}

// Update replaces the live configuration or pipeline at arn with r's spec
// and rewrites its tags (the digest changes with the spec). Tags no longer
// in Tags(r, tags) are left in place: other tools may own them.
// Components and recipes are immutable and cannot be updated.
func (c *Client) Update(ctx context.Context, r *model.Resource, arn string, refs Resolver, token string, tags map[string]string) error {
	if err := c.update(ctx, r, arn, refs, opt(token)); err != nil {
		return fmt.Errorf("update %s (%s) in %s: %w", r.ID(), arn, c.env.Name, err)
	}
	if _, err := c.ib.TagResource(ctx, &ib.TagResourceInput{ResourceArn: aws.String(arn), Tags: Tags(r, tags)}); err != nil {
		return fmt.Errorf("tag %s (%s) in %s: %w", r.ID(), arn, c.env.Name, err)
	}
	c.log.InfoContext(ctx, "updated", "resource", r.ID(), "arn", arn)
	return nil
}

func (c *Client) update(ctx context.Context, r *model.Resource, arn string, refs Resolver, token *string) error {
	desc := opt(r.Metadata.Description)
	switch r.Kind {
	case model.KindInfrastructureConfiguration:
		s, err := specOf[model.InfrastructureConfigurationSpec](r)
		if err != nil {
			return err
		}
		f := c.infraOf(s)
		_, err = c.ib.UpdateInfrastructureConfiguration(ctx, &ib.UpdateInfrastructureConfigurationInput{
			InfrastructureConfigurationArn: aws.String(arn), Description: desc, InstanceProfileName: aws.String(f.profile),
			InstanceTypes: f.types, SecurityGroupIds: f.groups, SubnetId: opt(f.subnet), Logging: f.logging,
			KeyPair: opt(f.keyPair), TerminateInstanceOnFailure: f.terminate, SnsTopicArn: opt(f.sns),
			InstanceMetadataOptions: f.metadata, ResourceTags: f.resourceTags, Placement: f.placement, ClientToken: token,
		})
		return err
	case model.KindDistributionConfiguration:
		s, err := specOf[model.DistributionConfigurationSpec](r)
		if err != nil {
			return err
		}
		_, err = c.ib.UpdateDistributionConfiguration(ctx, &ib.UpdateDistributionConfigurationInput{
			DistributionConfigurationArn: aws.String(arn), Description: desc, Distributions: c.distributions(s), ClientToken: token,
		})
		return err
	case model.KindImagePipeline:
		s, err := specOf[model.ImagePipelineSpec](r)
		if err != nil {
			return err
		}
		p, err := c.pipelineOf(s, refs)
		if err != nil {
			return err
		}
		_, err = c.ib.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{
			ImagePipelineArn: aws.String(arn), Description: desc,
			ImageRecipeArn: p.imageRecipe, ContainerRecipeArn: p.containerRecipe,
			InfrastructureConfigurationArn: p.infra, DistributionConfigurationArn: p.dist,
			ImageTestsConfiguration: p.tests, EnhancedImageMetadataEnabled: p.enhanced, Schedule: p.schedule,
			Status: p.status, ImageScanningConfiguration: p.scanning, Workflows: p.workflows, ExecutionRole: p.role,
			ClientToken: token,
		})
		return err
	}
	return fmt.Errorf("%s resources are immutable; create a new version instead", r.Kind)
}

// Delete deletes the resource at arn. A resource others depend on is
// refused by the service (IsInUse).
func (c *Client) Delete(ctx context.Context, kind model.Kind, arn string) error {
	a := aws.String(arn)
	var err error
	switch kind {
	case model.KindComponent:
		_, err = c.ib.DeleteComponent(ctx, &ib.DeleteComponentInput{ComponentBuildVersionArn: a})
	case model.KindImageRecipe:
		_, err = c.ib.DeleteImageRecipe(ctx, &ib.DeleteImageRecipeInput{ImageRecipeArn: a})
	case model.KindContainerRecipe:
		_, err = c.ib.DeleteContainerRecipe(ctx, &ib.DeleteContainerRecipeInput{ContainerRecipeArn: a})
	case model.KindInfrastructureConfiguration:
		_, err = c.ib.DeleteInfrastructureConfiguration(ctx, &ib.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: a})
	case model.KindDistributionConfiguration:
		_, err = c.ib.DeleteDistributionConfiguration(ctx, &ib.DeleteDistributionConfigurationInput{DistributionConfigurationArn: a})
	case model.KindImagePipeline:
		_, err = c.ib.DeleteImagePipeline(ctx, &ib.DeleteImagePipelineInput{ImagePipelineArn: a})
	default:
		err = fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		return fmt.Errorf("delete %s %s in %s: %w", kind, arn, c.env.Name, err)
	}
	c.log.InfoContext(ctx, "deleted", "kind", kind, "arn", arn)
	return nil
}
