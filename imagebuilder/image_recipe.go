package imagebuilder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// imageRecipeKind is ImageRecipe: an AMI recipe, versioned.
type imageRecipeKind struct{}

func (imageRecipeKind) dryRun() bool { return false }
func (imageRecipeKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, false)
}

func (imageRecipeKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListImageRecipesPaginator(c.ib, &ib.ListImageRecipesInput{Owner: types.OwnershipSelf})
	items, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListImageRecipesOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListImageRecipesOutput) []types.ImageRecipeSummary { return o.ImageRecipeSummaryList })
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, 0, len(items))
	for _, s := range items {
		arn := aws.ToString(s.Arn)
		out = append(out, live(model.KindImageRecipe, aws.ToString(s.Name), versionOf(arn), arn, s.Tags))
	}
	return out, nil
}

func (imageRecipeKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetImageRecipe(ctx, &ib.GetImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.ImageRecipe, nil
}

func (imageRecipeKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.ImageRecipeSpec](w.r)
	if err != nil {
		return "", err
	}
	comps, err := c.components(s.Components, w.refs)
	if err != nil {
		return "", err
	}
	out, err := c.ib.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
		Name: w.name(), SemanticVersion: w.version(), Description: w.description(),
		ParentImage: aws.String(c.expand(s.ParentImage)), Components: comps,
		BlockDeviceMappings: blockDevices(s.BlockDeviceMappings), WorkingDirectory: opt(s.WorkingDirectory),
		AdditionalInstanceConfiguration: additional(s.AdditionalInstanceConfiguration), AmiTags: s.AmiTags,
		Tags: w.tags, ClientToken: w.token,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ImageRecipeArn), nil
}

func (imageRecipeKind) update(context.Context, *Client, write, string) error { return errImmutable }

func (imageRecipeKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteImageRecipe(ctx, &ib.DeleteImageRecipeInput{ImageRecipeArn: aws.String(arn)})
	return err
}

func (imageRecipeKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.ImageRecipe)
	if d == nil {
		return exported{}, "no recipe details"
	}
	s := &model.ImageRecipeSpec{ParentImage: x.c.template(aws.ToString(d.ParentImage)), Components: x.componentRefs(d.Components),
		BlockDeviceMappings: blockDevicesBack(d.BlockDeviceMappings), WorkingDirectory: aws.ToString(d.WorkingDirectory),
		AmiTags: nonEmpty(d.AmiTags)}
	if a := d.AdditionalInstanceConfiguration; a != nil {
		s.AdditionalInstanceConfiguration = &model.AdditionalInstanceConfiguration{UserDataOverride: aws.ToString(a.UserDataOverride)}
		if a.SystemsManagerAgent != nil {
			s.AdditionalInstanceConfiguration.SystemsManagerAgent = &model.SystemsManagerAgent{UninstallAfterBuild: a.SystemsManagerAgent.UninstallAfterBuild}
		}
	}
	return exported{md: x.metadata(d.Name, d.Version, d.Description, d.Tags), spec: s}, ""
}
