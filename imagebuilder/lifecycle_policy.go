package imagebuilder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// lifecyclePolicyKind is LifecyclePolicy: rules that deprecate, disable or
// delete old images, updated in place.
type lifecyclePolicyKind struct{}

func (lifecyclePolicyKind) dryRun() bool { return false }

func (lifecyclePolicyKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, "", false)
}

func (lifecyclePolicyKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListLifecyclePoliciesPaginator(c.ib, &ib.ListLifecyclePoliciesInput{})
	items, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListLifecyclePoliciesOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListLifecyclePoliciesOutput) []types.LifecyclePolicySummary {
			return o.LifecyclePolicySummaryList
		})
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, 0, len(items))
	for _, s := range items {
		l := live(model.KindLifecyclePolicy, aws.ToString(s.Name), "", aws.ToString(s.Arn), s.Tags)
		l.Status = string(s.Status)
		out = append(out, l)
	}
	return out, nil
}

func (lifecyclePolicyKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetLifecyclePolicy(ctx, &ib.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.LifecyclePolicy, nil
}

// lifecycle is the members of a lifecycle policy shared by create and
// update.
type lifecycle struct {
	details   []types.LifecyclePolicyDetail
	selection *types.LifecyclePolicyResourceSelection
}

// lifecycleOf translates the policy. A recipe named by a wildcard selects
// the version it resolves to, the newest of the repository, as a
// pipeline's recipe does: the service takes exact versions only.
func (c *Client) lifecycleOf(s *model.LifecyclePolicySpec, resolve reconciler.Resolver) (lifecycle, error) {
	var out lifecycle
	for _, d := range s.PolicyDetails {
		td := types.LifecyclePolicyDetail{
			Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionType(d.Action.Type)},
			Filter: &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterType(d.Filter.Type),
				Value: aws.Int32(d.Filter.Value), Unit: types.LifecyclePolicyTimeUnit(d.Filter.Unit), RetainAtLeast: opt32(d.Filter.RetainAtLeast)},
		}
		if ir := d.Action.IncludeResources; ir != nil {
			td.Action.IncludeResources = &types.LifecyclePolicyDetailActionIncludeResources{Amis: ir.Amis, Containers: ir.Containers, Snapshots: ir.Snapshots}
		}
		if ex := d.ExclusionRules; ex != nil {
			td.ExclusionRules = &types.LifecyclePolicyDetailExclusionRules{TagMap: ex.TagMap}
			if a := ex.Amis; a != nil {
				ta := &types.LifecyclePolicyDetailExclusionRulesAmis{IsPublic: a.IsPublic, Regions: a.Regions,
					SharedAccounts: a.SharedAccounts, TagMap: a.TagMap}
				if ll := a.LastLaunched; ll != nil {
					ta.LastLaunched = &types.LifecyclePolicyDetailExclusionRulesAmisLastLaunched{Value: aws.Int32(ll.Value), Unit: types.LifecyclePolicyTimeUnit(ll.Unit)}
				}
				td.ExclusionRules.Amis = ta
			}
		}
		out.details = append(out.details, td)
	}
	out.selection = &types.LifecyclePolicyResourceSelection{TagMap: s.ResourceSelection.TagMap}
	for i, r := range s.ResourceSelection.Recipes {
		version := r.Version
		if p, err := model.ParseVersionPattern(r.Version); err == nil && !p.Exact() {
			arn, err := resolve(s.RecipeKind(), r.Name, r.Version)
			if err != nil {
				return out, fmt.Errorf("resourceSelection.recipes[%d] %s@%s: %w", i, r.Name, r.Version, err)
			}
			version = versionOf(arn)
		}
		out.selection.Recipes = append(out.selection.Recipes, types.LifecyclePolicyResourceSelectionRecipe{
			Name: aws.String(r.Name), SemanticVersion: aws.String(version)})
	}
	return out, nil
}

func (lifecyclePolicyKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.LifecyclePolicySpec](w.r)
	if err != nil {
		return "", err
	}
	l, err := c.lifecycleOf(s, w.refs)
	if err != nil {
		return "", err
	}
	out, err := c.ib.CreateLifecyclePolicy(ctx, &ib.CreateLifecyclePolicyInput{
		Name: w.name(), Description: w.description(), ExecutionRole: aws.String(c.expand(s.ExecutionRole)),
		ResourceType: types.LifecyclePolicyResourceType(s.ResourceType), Status: types.LifecyclePolicyStatus(s.Status),
		PolicyDetails: l.details, ResourceSelection: l.selection, Tags: w.tags, ClientToken: w.token,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.LifecyclePolicyArn), nil
}

func (lifecyclePolicyKind) update(ctx context.Context, c *Client, w write, arn string) error {
	s, err := specOf[model.LifecyclePolicySpec](w.r)
	if err != nil {
		return err
	}
	l, err := c.lifecycleOf(s, w.refs)
	if err != nil {
		return err
	}
	_, err = c.ib.UpdateLifecyclePolicy(ctx, &ib.UpdateLifecyclePolicyInput{
		LifecyclePolicyArn: aws.String(arn), Description: w.description(), ExecutionRole: aws.String(c.expand(s.ExecutionRole)),
		ResourceType: types.LifecyclePolicyResourceType(s.ResourceType), Status: types.LifecyclePolicyStatus(s.Status),
		PolicyDetails: l.details, ResourceSelection: l.selection, ClientToken: w.token,
	})
	return err
}

func (lifecyclePolicyKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteLifecyclePolicy(ctx, &ib.DeleteLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	return err
}

func (lifecyclePolicyKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.LifecyclePolicy)
	if d == nil {
		return exported{}, "no lifecycle policy details"
	}
	s := &model.LifecyclePolicySpec{ResourceType: string(d.ResourceType), ExecutionRole: x.c.template(aws.ToString(d.ExecutionRole)),
		Status: string(d.Status)}
	for _, pd := range d.PolicyDetails {
		md := model.LifecyclePolicyDetail{}
		if a := pd.Action; a != nil {
			md.Action.Type = string(a.Type)
			if ir := a.IncludeResources; ir != nil {
				md.Action.IncludeResources = &model.LifecycleIncludeResources{Amis: ir.Amis, Containers: ir.Containers, Snapshots: ir.Snapshots}
			}
		}
		if f := pd.Filter; f != nil {
			md.Filter = model.LifecycleFilter{Type: string(f.Type), Value: aws.ToInt32(f.Value), Unit: string(f.Unit), RetainAtLeast: aws.ToInt32(f.RetainAtLeast)}
		}
		if ex := pd.ExclusionRules; ex != nil {
			md.ExclusionRules = &model.LifecycleExclusionRules{TagMap: nonEmpty(ex.TagMap)}
			if a := ex.Amis; a != nil {
				ma := &model.LifecycleAmiExclusionRules{IsPublic: a.IsPublic, Regions: a.Regions, SharedAccounts: a.SharedAccounts, TagMap: nonEmpty(a.TagMap)}
				if ll := a.LastLaunched; ll != nil {
					ma.LastLaunched = &model.LifecycleLastLaunched{Value: aws.ToInt32(ll.Value), Unit: string(ll.Unit)}
				}
				md.ExclusionRules.Amis = ma
			}
		}
		s.PolicyDetails = append(s.PolicyDetails, md)
	}
	if rs := d.ResourceSelection; rs != nil {
		s.ResourceSelection.TagMap = nonEmpty(rs.TagMap)
		for _, r := range rs.Recipes {
			s.ResourceSelection.Recipes = append(s.ResourceSelection.Recipes, model.RecipeRef{Name: aws.ToString(r.Name), Version: aws.ToString(r.SemanticVersion)})
		}
	}
	return exported{md: x.metadata(d.Name, nil, d.Description, d.Tags), spec: s}, ""
}
