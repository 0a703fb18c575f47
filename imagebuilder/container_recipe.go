package imagebuilder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// containerRecipeKind is ContainerRecipe: a Docker image recipe, versioned.
type containerRecipeKind struct{}

func (containerRecipeKind) dryRun() bool { return false }
func (containerRecipeKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, false)
}

func (containerRecipeKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListContainerRecipesPaginator(c.ib, &ib.ListContainerRecipesInput{Owner: types.OwnershipSelf})
	items, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListContainerRecipesOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListContainerRecipesOutput) []types.ContainerRecipeSummary {
			return o.ContainerRecipeSummaryList
		})
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, 0, len(items))
	for _, s := range items {
		arn := aws.ToString(s.Arn)
		out = append(out, live(model.KindContainerRecipe, aws.ToString(s.Name), versionOf(arn), arn, s.Tags))
	}
	return out, nil
}

func (containerRecipeKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetContainerRecipe(ctx, &ib.GetContainerRecipeInput{ContainerRecipeArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.ContainerRecipe, nil
}

func (containerRecipeKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.ContainerRecipeSpec](w.r)
	if err != nil {
		return "", err
	}
	comps, err := c.components(s.Components, w.refs)
	if err != nil {
		return "", err
	}
	in := &ib.CreateContainerRecipeInput{
		Name: w.name(), SemanticVersion: w.version(), Description: w.description(),
		ContainerType: types.ContainerType(s.ContainerType), ParentImage: aws.String(c.expand(s.ParentImage)),
		Components: comps, DockerfileTemplateData: opt(s.DockerfileTemplateData),
		DockerfileTemplateUri: opt(s.DockerfileTemplateURI), PlatformOverride: types.Platform(s.PlatformOverride),
		ImageOsVersionOverride: opt(s.ImageOsVersionOverride), WorkingDirectory: opt(s.WorkingDirectory),
		KmsKeyId: opt(c.expand(s.KmsKeyID)), Tags: w.tags, ClientToken: w.token,
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
}

func (containerRecipeKind) update(context.Context, *Client, write, string) error { return errImmutable }

func (containerRecipeKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteContainerRecipe(ctx, &ib.DeleteContainerRecipeInput{ContainerRecipeArn: aws.String(arn)})
	return err
}

func (containerRecipeKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.ContainerRecipe)
	if d == nil {
		return exported{}, "no recipe details"
	}
	s := &model.ContainerRecipeSpec{ContainerType: string(d.ContainerType), ParentImage: x.c.template(aws.ToString(d.ParentImage)),
		Components: x.componentRefs(d.Components), DockerfileTemplateData: aws.ToString(d.DockerfileTemplateData),
		WorkingDirectory: aws.ToString(d.WorkingDirectory), KmsKeyID: x.c.template(aws.ToString(d.KmsKeyId))}
	if tr := d.TargetRepository; tr != nil {
		s.TargetRepository = model.TargetContainerRepository{Service: string(tr.Service), RepositoryName: aws.ToString(tr.RepositoryName)}
	}
	if ic := d.InstanceConfiguration; ic != nil {
		s.InstanceConfiguration = &model.InstanceConfiguration{Image: x.c.template(aws.ToString(ic.Image)),
			BlockDeviceMappings: blockDevicesBack(ic.BlockDeviceMappings)}
	}
	return exported{md: x.metadata(d.Name, d.Version, d.Description, d.Tags), spec: s}, ""
}
