package reconciler_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// fieldPlan is the plan of repo with every live resource compared field by
// field.
func (h *harness) fieldPlan(t *testing.T, repo *model.Repository) *reconciler.Plan {
	t.Helper()
	p, err := reconciler.PlanEnvironment(context.Background(), h.ib, h.env, repo, reconciler.PlanOptions{Fields: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDriftByField: an edit outside kiln that leaves the kiln:digest tag
// alone (instance types changed, a pipeline re-pointed to another
// infrastructure configuration) is found, named by field, and the update
// apply makes puts it back. Every kind of the examples, the new ones
// included, compares clean after an apply.
func TestDriftByField(t *testing.T) {
	repo, env := loadExamples(t)
	h := newHarness(t, env)
	h.apply(t, repo)
	ctx := context.Background()

	clean := h.fieldPlan(t, repo)
	for _, c := range clean.Changes {
		if c.Action != reconciler.ActionUnchanged {
			t.Errorf("%s right after apply: %s (%s)", c.ID(), c.Action, c.Reason)
		}
	}

	live := byID(h.list(t))
	cfg := aws.Config{Region: env.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDHAND", "SECRET", "")}
	byHand := ib.NewFromConfig(cfg, func(o *ib.Options) { o.BaseEndpoint = aws.String(h.srv.URL()) })
	infra, pipe := live["InfrastructureConfiguration/build-ami"], live["ImagePipeline/al2023-base"]
	got, err := byHand.GetInfrastructureConfiguration(ctx, &ib.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(infra.Arn)})
	if err != nil {
		t.Fatal(err)
	}
	ic := got.InfrastructureConfiguration
	if _, err := byHand.UpdateInfrastructureConfiguration(ctx, &ib.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: ic.Arn, InstanceProfileName: ic.InstanceProfileName, InstanceTypes: []string{"t3.nano"},
		SubnetId: ic.SubnetId, SecurityGroupIds: ic.SecurityGroupIds, Logging: ic.Logging, InstanceMetadataOptions: ic.InstanceMetadataOptions,
		TerminateInstanceOnFailure: ic.TerminateInstanceOnFailure, Description: ic.Description, ResourceTags: ic.ResourceTags,
		SnsTopicArn: ic.SnsTopicArn, KeyPair: ic.KeyPair, Placement: ic.Placement, ClientToken: aws.String("by-hand-1"),
	}); err != nil {
		t.Fatal(err)
	}
	gp, err := byHand.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(pipe.Arn)})
	if err != nil {
		t.Fatal(err)
	}
	p := gp.ImagePipeline
	other := live["InfrastructureConfiguration/build-container"].Arn
	if _, err := byHand.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{
		ImagePipelineArn: p.Arn, ImageRecipeArn: p.ImageRecipeArn, InfrastructureConfigurationArn: aws.String(other),
		DistributionConfigurationArn: p.DistributionConfigurationArn, ImageTestsConfiguration: p.ImageTestsConfiguration,
		Schedule: p.Schedule, Status: p.Status, ImageScanningConfiguration: p.ImageScanningConfiguration, Workflows: p.Workflows,
		ExecutionRole: p.ExecutionRole, EnhancedImageMetadataEnabled: p.EnhancedImageMetadataEnabled, Description: p.Description,
		ClientToken: aws.String("by-hand-2"),
	}); err != nil {
		t.Fatal(err)
	}

	if tagOnly := reconciler.Build(env, repo, h.list(t)); tagOnly.Count()[reconciler.ActionUpdate] != 0 {
		t.Fatalf("the digest tags alone show drift: %+v", tagOnly.Count())
	}
	drift := h.fieldPlan(t, repo)
	want := map[string]string{
		"InfrastructureConfiguration/build-ami": `spec.instanceTypes (live ["t3.nano"]`,
		"ImagePipeline/al2023-base":             `spec.infrastructureConfiguration (live "build-container", repository "build-ami")`,
	}
	for _, c := range drift.Changes {
		id := c.ID().String()
		w, drifted := want[id]
		switch {
		case drifted && (c.Action != reconciler.ActionUpdate || !strings.Contains(c.Reason, w) || len(c.Fields) != 1):
			t.Errorf("%s: %s %q %+v, want an update naming %s", id, c.Action, c.Reason, c.Fields, w)
		case !drifted && c.Action != reconciler.ActionUnchanged:
			t.Errorf("%s: %s (%s), want unchanged", id, c.Action, c.Reason)
		}
	}
	if _, err := reconciler.Apply(ctx, h.ib, repo, drift, reconciler.ApplyMeta{Repo: meta.Repo, Commit: meta.Commit, Round: "1"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.fieldPlan(t, repo).Changes {
		if c.Action != reconciler.ActionUnchanged {
			t.Errorf("%s after the correction: %s (%s)", c.ID(), c.Action, c.Reason)
		}
	}
}

// TestWriteOnlyFieldsAreNotDrift: a container recipe that sets the fields
// Image Builder takes but never answers with (platformOverride,
// imageOsVersionOverride) compares clean after its apply, rather than as
// a version "changed outside kiln".
func TestWriteOnlyFieldsAreNotDrift(t *testing.T) {
	repo, env := loadExamples(t)
	rec := repo.Get(model.KindContainerRecipe, "app-runtime-container")
	if rec == nil {
		rec = repo.Resolve(model.KindContainerRecipe, "app-runtime-container", "1.x.x")
	}
	spec, ok := rec.SpecOrNil().(*model.ContainerRecipeSpec)
	if !ok {
		t.Fatal("no container recipe app-runtime-container in the examples")
	}
	spec.PlatformOverride, spec.ImageOsVersionOverride = "Linux", "Amazon Linux 2023"
	h := newHarness(t, env)
	h.apply(t, repo)
	for _, c := range h.fieldPlan(t, repo).Changes {
		if c.Action != reconciler.ActionUnchanged {
			t.Errorf("%s right after apply: %s (%s)", c.ID(), c.Action, c.Reason)
		}
	}
}
