package ibtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

func lifecyclePolicy(name string) *ib.CreateLifecyclePolicyInput {
	return &ib.CreateLifecyclePolicyInput{
		Name: aws.String(name), Description: aws.String("deprecate after 90 days, delete after 180"),
		ExecutionRole: aws.String("arn:aws:iam::123456789012:role/ImageBuilderLifecycle"),
		ResourceType:  types.LifecyclePolicyResourceTypeAmiImage,
		PolicyDetails: []types.LifecyclePolicyDetail{
			{
				Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDeprecate},
				Filter: &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeAge, Value: aws.Int32(90), Unit: types.LifecyclePolicyTimeUnitDays, RetainAtLeast: aws.Int32(3)},
			},
			{
				Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDelete,
					IncludeResources: &types.LifecyclePolicyDetailActionIncludeResources{Amis: true, Snapshots: true}},
				Filter:         &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeAge, Value: aws.Int32(180), Unit: types.LifecyclePolicyTimeUnitDays, RetainAtLeast: aws.Int32(3)},
				ExclusionRules: &types.LifecyclePolicyDetailExclusionRules{TagMap: map[string]string{"keep": "true"}},
			},
		},
		ResourceSelection: &types.LifecyclePolicyResourceSelection{
			Recipes: []types.LifecyclePolicyResourceSelectionRecipe{{Name: aws.String("al2023-base"), SemanticVersion: aws.String("1.x.x")}},
		},
		Tags: map[string]string{"kiln:managed": "true"},
	}
}

// TestLifecyclePolicyLifecycle rests on the API reference pages
// CreateLifecyclePolicy, GetLifecyclePolicy, UpdateLifecyclePolicy,
// ListLifecyclePolicies and DeleteLifecyclePolicy
// (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateLifecyclePolicy.html
// and siblings) and on "Wildcard versioning in lifecycle policies"
// (userguide ibhow-semantic-versioning.html): names are unique
// (ResourceAlreadyExistsException), recipes are selected by name and a
// version that may be a wildcard, Update replaces the policy but keeps its
// name and tags, and what is answered is what was set.
func TestLifecyclePolicyLifecycle(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	out, err := c.CreateLifecyclePolicy(ctx, lifecyclePolicy("keep-last-3"))
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.LifecyclePolicyArn)
	if arn != "arn:aws:imagebuilder:us-east-1:123456789012:lifecycle-policy/keep-last-3" {
		t.Fatalf("arn = %s", arn)
	}
	_, err = c.CreateLifecyclePolicy(ctx, lifecyclePolicy("keep-last-3"))
	wantCode(t, err, "ResourceAlreadyExistsException")

	got, err := c.GetLifecyclePolicy(ctx, &ib.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	p := got.LifecyclePolicy
	if p.Status != types.LifecyclePolicyStatusEnabled || len(p.PolicyDetails) != 2 ||
		p.PolicyDetails[1].ExclusionRules.TagMap["keep"] != "true" || !p.PolicyDetails[1].Action.IncludeResources.Snapshots ||
		aws.ToString(p.ResourceSelection.Recipes[0].SemanticVersion) != "1.x.x" || p.Tags["kiln:managed"] != "true" || p.DateCreated == nil {
		t.Errorf("GetLifecyclePolicy = %+v", p)
	}

	upd := lifecyclePolicy("ignored")
	_, err = c.UpdateLifecyclePolicy(ctx, &ib.UpdateLifecyclePolicyInput{
		LifecyclePolicyArn: aws.String(arn), ExecutionRole: upd.ExecutionRole, ResourceType: upd.ResourceType,
		PolicyDetails: upd.PolicyDetails[:1], ResourceSelection: &types.LifecyclePolicyResourceSelection{TagMap: map[string]string{"team": "platform"}},
		Status: types.LifecyclePolicyStatusDisabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.GetLifecyclePolicy(ctx, &ib.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.LifecyclePolicy; aws.ToString(p.Name) != "keep-last-3" || p.Status != types.LifecyclePolicyStatusDisabled ||
		len(p.PolicyDetails) != 1 || p.ResourceSelection.TagMap["team"] != "platform" || p.Tags["kiln:managed"] != "true" {
		t.Errorf("after update = %+v", p)
	}

	list, err := c.ListLifecyclePolicies(ctx, &ib.ListLifecyclePoliciesInput{})
	if err != nil || len(list.LifecyclePolicySummaryList) != 1 || aws.ToString(list.LifecyclePolicySummaryList[0].Arn) != arn {
		t.Fatalf("ListLifecyclePolicies = %+v, %v", list, err)
	}
	if _, err := c.DeleteLifecyclePolicy(ctx, &ib.DeleteLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetLifecyclePolicy(ctx, &ib.GetLifecyclePolicyInput{LifecyclePolicyArn: aws.String(arn)})
	wantCode(t, err, "ResourceNotFoundException")
}

// TestLifecyclePolicyRefusals: the model bounds policyDetails to 1–3 rules
// and requires resourceType; the user guide (create-lifecycle-policies)
// allows container images only the delete action and selects resources by
// recipes or tags.
func TestLifecyclePolicyRefusals(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	none := lifecyclePolicy("none")
	none.PolicyDetails = []types.LifecyclePolicyDetail{}
	_, err := c.CreateLifecyclePolicy(ctx, none)
	wantCode(t, err, "InvalidParameterValueException", "ValidationException")
	if v := srv.TakeViolations(); len(v) == 0 {
		t.Error("a policy without rules was not recorded as a model violation")
	}
	container := lifecyclePolicy("containers")
	container.ResourceType = types.LifecyclePolicyResourceTypeContainerImage
	container.ResourceSelection = &types.LifecyclePolicyResourceSelection{TagMap: map[string]string{"team": "platform"}}
	_, err = c.CreateLifecyclePolicy(ctx, container)
	wantCode(t, err, "InvalidParameterValueException", "InvalidRequestException")
	unselected := lifecyclePolicy("unselected")
	unselected.ResourceSelection = &types.LifecyclePolicyResourceSelection{}
	_, err = c.CreateLifecyclePolicy(ctx, unselected)
	wantCode(t, err, "InvalidParameterValueException", "InvalidRequestException")
}
