package ibtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

const workflowDoc = `name: build-with-approval
description: build, then wait for a person
schemaVersion: 1.0
parameters:
  - name: waitFor
    type: string
    default: approval
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"
  - name: Approve
    action: WaitForAction
  - name: ApplyBuildComponents
    action: ExecuteComponents
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
`

func workflow(name, version string) *ib.CreateWorkflowInput {
	return &ib.CreateWorkflowInput{
		Name: aws.String(name), SemanticVersion: aws.String(version), Type: types.WorkflowTypeBuild,
		Data: aws.String(workflowDoc), ChangeDescription: aws.String("first"),
		Tags: map[string]string{"kiln:managed": "true"},
	}
}

// TestWorkflowLifecycle rests on the API reference pages CreateWorkflow,
// GetWorkflow, ListWorkflows, ListWorkflowBuildVersions and DeleteWorkflow
// (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateWorkflow.html
// and siblings): workflow ARNs carry the workflow type
// (workflow/build/<name>/<version>/<build>), dryRun answers
// DryRunOperationException, a repeated client token returns the first
// result, ListWorkflows lists versions and ListWorkflowBuildVersions their
// builds, and a workflow a pipeline uses cannot be deleted
// (ResourceDependencyException).
func TestWorkflowLifecycle(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)

	dry := workflow("Build With Approval", "1.0.0")
	dry.DryRun = true
	_, err := c.CreateWorkflow(ctx, dry)
	wantCode(t, err, "DryRunOperationException")

	in := workflow("Build With Approval", "1.0.0")
	in.ClientToken = aws.String("wf-1")
	out, err := c.CreateWorkflow(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.WorkflowBuildVersionArn)
	want := "arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/build-with-approval/1.0.0/1"
	if arn != want {
		t.Fatalf("workflow arn = %s, want %s", arn, want)
	}
	if ref := out.LatestVersionReferences; ref == nil || !strings.HasSuffix(aws.ToString(ref.LatestMajorVersionArn), "/build-with-approval/1.x.x") {
		t.Errorf("latestVersionReferences = %+v", ref)
	}
	again, err := c.CreateWorkflow(ctx, in)
	if err != nil || aws.ToString(again.WorkflowBuildVersionArn) != arn {
		t.Fatalf("replayed create: %v, %v", again, err)
	}

	got, err := c.GetWorkflow(ctx, &ib.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(strings.TrimSuffix(arn, "/1.0.0/1") + "/x.x.x")})
	if err != nil {
		t.Fatal(err)
	}
	w := got.Workflow
	if aws.ToString(w.Arn) != arn || w.Type != types.WorkflowTypeBuild || aws.ToString(w.Data) != workflowDoc ||
		w.State != nil || w.Tags["kiln:managed"] != "true" {
		t.Errorf("GetWorkflow = %+v", w)
	}
	if len(w.Parameters) != 1 || aws.ToString(w.Parameters[0].Name) != "waitFor" || w.Parameters[0].DefaultValue[0] != "approval" {
		t.Errorf("parameters = %+v", w.Parameters)
	}

	list, err := c.ListWorkflows(ctx, &ib.ListWorkflowsInput{})
	if err != nil || len(list.WorkflowVersionList) != 1 || aws.ToString(list.WorkflowVersionList[0].Arn) != strings.TrimSuffix(arn, "/1") {
		t.Fatalf("ListWorkflows = %+v, %v", list, err)
	}
	builds, err := c.ListWorkflowBuildVersions(ctx, &ib.ListWorkflowBuildVersionsInput{WorkflowVersionArn: list.WorkflowVersionList[0].Arn})
	if err != nil || len(builds.WorkflowSummaryList) != 1 || aws.ToString(builds.WorkflowSummaryList[0].Arn) != arn {
		t.Fatalf("ListWorkflowBuildVersions = %+v, %v", builds, err)
	}

	// A pipeline that runs the workflow holds it.
	p := pipeline(t, c, "wf-pipeline")
	pl, err := c.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(p), ImageRecipeArn: pl.ImagePipeline.ImageRecipeArn,
		InfrastructureConfigurationArn: pl.ImagePipeline.InfrastructureConfigurationArn,
		ExecutionRole:                  aws.String("arn:aws:iam::123456789012:role/ImageBuilderWorkflows"),
		Workflows:                      []types.WorkflowConfiguration{{WorkflowArn: aws.String(arn), OnFailure: types.OnWorkflowFailureAbort}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteWorkflow(ctx, &ib.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
	wantCode(t, err, "ResourceDependencyException")

	if _, err := c.DeleteImagePipeline(ctx, &ib.DeleteImagePipelineInput{ImagePipelineArn: aws.String(p)}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteWorkflow(ctx, &ib.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
	if err != nil || aws.ToString(del.WorkflowBuildVersionArn) != arn {
		t.Fatalf("DeleteWorkflow = %v, %v", del, err)
	}
	_, err = c.GetWorkflow(ctx, &ib.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
	wantCode(t, err, "ResourceNotFoundException")
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}

// TestWorkflowRefusals: the model requires a type from BUILD, TEST and
// DISTRIBUTION; data and uri are exclusive (CreateWorkflow: "you cannot
// specify both properties"); a document without steps is invalid.
func TestWorkflowRefusals(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	bad := workflow("wf-refusal", "1.0.0")
	bad.Type = "DEPLOY"
	_, err := c.CreateWorkflow(ctx, bad)
	wantCode(t, err, "InvalidParameterValueException", "ValidationException")
	if v := srv.TakeViolations(); len(v) != 1 || v[0].Path != "type" {
		t.Errorf("violations = %v, want one on type", v)
	}

	both := workflow("wf-refusal", "1.0.0")
	both.Uri = aws.String("s3://bucket/wf.yaml")
	_, err = c.CreateWorkflow(ctx, both)
	wantCode(t, err, "InvalidParameterCombinationException")

	empty := workflow("wf-refusal", "1.0.0")
	empty.Data = aws.String("name: x\nschemaVersion: 1.0\nsteps: []\n")
	_, err = c.CreateWorkflow(ctx, empty)
	wantCode(t, err, "InvalidParameterValueException", "InvalidRequestException")
}
