package imagebuilder

import (
	"context"
	"fmt"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// Environment is a Client seen through the reconciler's ImageBuilder
// interface: the domain package owns the interface and its types, this
// adapter converts at the edge.
type Environment struct{ *Client }

var _ reconciler.ImageBuilder = Environment{}

// List implements reconciler.ImageBuilder.
func (e Environment) List(ctx context.Context) ([]reconciler.Live, error) {
	live, err := e.Client.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, len(live))
	for i, l := range live {
		out[i] = reconciler.Live{
			Kind: l.Kind, Name: l.Name, Version: l.Version, Arn: l.Arn, Digest: l.Digest,
			Managed: l.Managed, Tags: l.Tags,
			RecipeArn: l.RecipeArn, InfrastructureArn: l.InfrastructureArn, DistributionArn: l.DistributionArn,
		}
	}
	return out, nil
}

// Create implements reconciler.ImageBuilder. A dry run that would succeed
// returns no error; a kind the service cannot dry run returns ErrNoDryRun.
func (e Environment) Create(ctx context.Context, r *model.Resource, refs reconciler.Resolver, token string, tags map[string]string, dryRun bool) (string, error) {
	return e.Client.Create(ctx, r, Resolver(refs), token, tags, dryRun)
}

// Update implements reconciler.ImageBuilder.
func (e Environment) Update(ctx context.Context, r *model.Resource, arn string, refs reconciler.Resolver, token string, tags map[string]string) error {
	return e.Client.Update(ctx, r, arn, Resolver(refs), token, tags)
}

// Delete implements reconciler.ImageBuilder; a resource still referenced
// wraps reconciler.ErrInUse so apply keeps it.
func (e Environment) Delete(ctx context.Context, kind model.Kind, arn string) error {
	err := e.Client.Delete(ctx, kind, arn)
	if err != nil && IsInUse(err) {
		return fmt.Errorf("%w: %w", reconciler.ErrInUse, err)
	}
	return err
}

// GetImage implements reconciler.ImageBuilder.
func (e Environment) GetImage(ctx context.Context, arn string) (reconciler.Image, error) {
	img, err := e.Client.GetImage(ctx, arn)
	if err != nil {
		return reconciler.Image{}, err
	}
	out := reconciler.Image{Arn: img.Arn, State: img.State, Reason: img.Reason, LogURI: img.LogURI}
	for _, a := range img.AMIs {
		out.AMIs = append(out.AMIs, reconciler.AMI{Region: a.Region, Account: a.Account, ID: a.ID, Name: a.Name})
	}
	for _, c := range img.Containers {
		out.Containers = append(out.Containers, reconciler.Container{Region: c.Region, ImageURIs: c.ImageURIs})
	}
	return out, nil
}
