package imagebuilder_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/model"
)

const motdDoc = `name: motd
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: WriteMotd
        action: ExecuteBash
        inputs:
          commands:
            - echo "golden image" > /etc/motd
`

// seedByHand creates resources the way a team does without kiln: straight
// through the SDK, untagged, referring to each other by ARN. One component
// and one infrastructure configuration carry kiln:managed, as if another
// kiln repository owned them.
func seedByHand(t *testing.T, srv *ibtest.Server) {
	t.Helper()
	ctx := context.Background()
	c := ib.NewFromConfig(baseConfig(), func(o *ib.Options) {
		o.BaseEndpoint = aws.String(srv.URL())
		o.Region = env.Region
	})
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	own := "arn:aws:imagebuilder:us-east-1:123456789012:"
	must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("motd"), SemanticVersion: aws.String("1.0.0"),
		Platform: types.PlatformLinux, Data: aws.String(motdDoc), Description: aws.String("Message of the day"),
		SupportedOsVersions: []string{"Amazon Linux 2023"}, Tags: map[string]string{"team": "platform"}}))
	for _, v := range []string{"2.0.0", "2.1.0"} {
		must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("Base Tools"), SemanticVersion: aws.String(v),
			Platform: types.PlatformLinux, Data: aws.String(motdDoc), ChangeDescription: aws.String("tools " + v)}))
	}
	// A document kept in S3: nothing inline to write into the repository.
	must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("from-s3"), SemanticVersion: aws.String("1.0.0"),
		Platform: types.PlatformLinux, Uri: aws.String("s3://docs/from-s3.yaml")}))
	must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("kiln-owned"), SemanticVersion: aws.String("1.0.0"),
		Platform: types.PlatformLinux, Data: aws.String(motdDoc),
		Tags: map[string]string{imagebuilder.TagManaged: "true", imagebuilder.TagDigest: "abc"}}))

	must(c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{Name: aws.String("web"), SemanticVersion: aws.String("1.0.0"),
		ParentImage: aws.String("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x"),
		Components: []types.ComponentConfiguration{
			{ComponentArn: aws.String("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")},
			{ComponentArn: aws.String(own + "component/motd/1.0.0/1")},
			{ComponentArn: aws.String(own + "component/base-tools/2.x.x")},
			{ComponentArn: aws.String(own + "component/kiln-owned/1.0.0/1")},
		},
		BlockDeviceMappings: []types.InstanceBlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &types.EbsInstanceBlockDeviceSpecification{Encrypted: aws.Bool(true), VolumeSize: aws.Int32(20), VolumeType: types.EbsVolumeTypeGp3}}},
		Tags: map[string]string{"team": "web"}}))
	must(c.CreateContainerRecipe(ctx, &ib.CreateContainerRecipeInput{Name: aws.String("web-container"), SemanticVersion: aws.String("1.0.0"),
		ContainerType: types.ContainerTypeDocker, ParentImage: aws.String("public.ecr.aws/amazonlinux/amazonlinux:2023"),
		Components:             []types.ComponentConfiguration{{ComponentArn: aws.String(own + "component/motd/1.0.0")}},
		DockerfileTemplateData: aws.String("FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\n"),
		TargetRepository:       &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("apps/web")}}))

	must(c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String("build"),
		InstanceProfileName: aws.String("EC2InstanceProfileForImageBuilder"), InstanceTypes: []string{"m7i.large"},
		SnsTopicArn:                aws.String("arn:aws:sns:us-east-1:123456789012:builds"),
		TerminateInstanceOnFailure: aws.Bool(true),
		InstanceMetadataOptions:    &types.InstanceMetadataOptions{HttpTokens: aws.String("required"), HttpPutResponseHopLimit: aws.Int32(1)}}))
	must(c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String("kiln-infra"),
		InstanceProfileName: aws.String("EC2InstanceProfileForImageBuilder"), Tags: map[string]string{imagebuilder.TagManaged: "true"}}))
	must(c.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{Name: aws.String("amis"),
		Distributions: []types.Distribution{{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{
			Name: aws.String("web-{{ imagebuilder:buildDate }}"), KmsKeyId: aws.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
			TargetAccountIds: []string{"333333333333"}}}}}))

	pipe := func(name, infra string) {
		must(c.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{Name: aws.String(name),
			ImageRecipeArn:                 aws.String(own + "image-recipe/web/1.0.0"),
			InfrastructureConfigurationArn: aws.String(own + "infrastructure-configuration/" + infra),
			DistributionConfigurationArn:   aws.String(own + "distribution-configuration/amis"),
			ImageTestsConfiguration:        &types.ImageTestsConfiguration{ImageTestsEnabled: aws.Bool(true), TimeoutMinutes: aws.Int32(60)},
			Schedule:                       &types.Schedule{ScheduleExpression: aws.String("cron(0 6 ? * MON *)")},
			Status:                         types.PipelineStatusEnabled}))
	}
	pipe("web", "build")
	pipe("web-on-managed", "kiln-infra")
}

func TestExportTurnsArnsIntoReferences(t *testing.T) {
	srv, c := setup(t)
	seedByHand(t, srv)

	exp, err := c.Export(context.Background(), imagebuilder.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byID := map[string]imagebuilder.Exported{}
	for _, e := range exp.Resources {
		ids = append(ids, e.Resource.ID().String())
		byID[e.Resource.ID().String()] = e
	}
	want := []string{
		"Component/Base Tools@2.0.0", "Component/Base Tools@2.1.0", "Component/motd@1.0.0",
		"ImageRecipe/web@1.0.0", "ContainerRecipe/web-container@1.0.0",
		"InfrastructureConfiguration/build", "DistributionConfiguration/amis", "ImagePipeline/web",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("exported\n%v\nwant\n%v", ids, want)
	}
	var skipped []string
	for _, s := range exp.Skipped {
		skipped = append(skipped, string(s.Kind)+"/"+s.Name)
	}
	if !slices.Equal(skipped, []string{"Component/from-s3", "Component/kiln-owned", "InfrastructureConfiguration/kiln-infra", "ImagePipeline/web-on-managed"}) {
		t.Errorf("skipped %v", skipped)
	}

	motd := byID["Component/motd@1.0.0"]
	if motd.Document != motdDoc || motd.Resource.Metadata.Description != "Message of the day" ||
		motd.Resource.Metadata.Tags["team"] != "platform" {
		t.Errorf("motd %+v", motd)
	}
	if s := motd.Resource.Spec.(*model.ComponentSpec); s.Platform != "Linux" || s.Data != "" || s.Document != "" ||
		!slices.Equal(s.SupportedOsVersions, []string{"Amazon Linux 2023"}) {
		t.Errorf("motd spec %+v", s)
	}

	recipe := byID["ImageRecipe/web@1.0.0"].Resource.Spec.(*model.ImageRecipeSpec)
	wantRefs := []model.ComponentRef{
		{Arn: "arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x"},
		{Name: "motd", Version: "1.0.0"},
		{Name: "Base Tools", Version: "2.x.x"},
		{Arn: "arn:aws:imagebuilder:{region}:{account}:component/kiln-owned/1.0.0/1"},
	}
	if !slices.EqualFunc(recipe.Components, wantRefs, func(a, b model.ComponentRef) bool {
		return a.Name == b.Name && a.Version == b.Version && a.Arn == b.Arn
	}) {
		t.Errorf("recipe components %+v", recipe.Components)
	}
	if recipe.ParentImage != "arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x" ||
		len(recipe.BlockDeviceMappings) != 1 || recipe.BlockDeviceMappings[0].Ebs.VolumeSize != 20 {
		t.Errorf("recipe %+v", recipe)
	}

	infra := byID["InfrastructureConfiguration/build"].Resource.Spec.(*model.InfrastructureConfigurationSpec)
	if infra.SnsTopicArn != "arn:aws:sns:{region}:{account}:builds" || infra.InstanceMetadataOptions.HTTPTokens != "required" {
		t.Errorf("infra %+v", infra)
	}
	dist := byID["DistributionConfiguration/amis"].Resource.Spec.(*model.DistributionConfigurationSpec)
	if k := dist.Distributions[0].AmiDistributionConfiguration.KmsKeyID; k != "arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
		t.Errorf("dist kms %q", k)
	}
	pipe := byID["ImagePipeline/web"].Resource.Spec.(*model.ImagePipelineSpec)
	if pipe.ImageRecipe == nil || *pipe.ImageRecipe != (model.RecipeRef{Name: "web", Version: "1.0.0"}) ||
		pipe.InfrastructureConfiguration != "build" || pipe.DistributionConfiguration != "amis" || pipe.Status != "ENABLED" {
		t.Errorf("pipeline %+v", pipe)
	}
}

func TestExportAllIncludesManaged(t *testing.T) {
	srv, c := setup(t)
	seedByHand(t, srv)
	exp, err := c.Export(context.Background(), imagebuilder.ExportOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Skipped) != 1 || exp.Skipped[0].Name != "from-s3" || !strings.Contains(exp.Skipped[0].Reason, "no inline document") || len(exp.Resources) != 11 {
		t.Fatalf("%d resources, skipped %+v", len(exp.Resources), exp.Skipped)
	}
	for _, e := range exp.Resources {
		for k := range e.Resource.Metadata.Tags {
			if k == imagebuilder.TagManaged || k == imagebuilder.TagDigest {
				t.Errorf("%s keeps kiln's tag %s", e.Resource.ID(), k)
			}
		}
		if r, ok := e.Resource.Spec.(*model.ImageRecipeSpec); ok {
			if last := r.Components[3]; last.Name != "kiln-owned" || last.Version != "1.0.0" || last.Arn != "" {
				t.Errorf("managed component not named: %+v", last)
			}
		}
	}
}

// BenchmarkExport reads back 60 component versions, 20 recipes of three
// components each, and the configurations and pipelines of each recipe.
func BenchmarkExport(b *testing.B) {
	srv, c := setup(b)
	ctx := context.Background()
	raw := ib.NewFromConfig(baseConfig(), func(o *ib.Options) {
		o.BaseEndpoint = aws.String(srv.URL())
		o.Region = env.Region
	})
	own := "arn:aws:imagebuilder:us-east-1:123456789012:"
	for i := range 20 {
		var comps []types.ComponentConfiguration
		for j := range 3 {
			name := fmt.Sprintf("c%02d-%d", i, j)
			if _, err := raw.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String(name), SemanticVersion: aws.String("1.0.0"),
				Platform: types.PlatformLinux, Data: aws.String(motdDoc)}); err != nil {
				b.Fatal(err)
			}
			comps = append(comps, types.ComponentConfiguration{ComponentArn: aws.String(own + "component/" + name + "/1.0.0/1")})
		}
		name := fmt.Sprintf("r%02d", i)
		for _, err := range []error{
			second(raw.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{Name: aws.String(name), SemanticVersion: aws.String("1.0.0"),
				ParentImage: aws.String("ami-0123456789abcdef0"), Components: comps})),
			second(raw.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String(name),
				InstanceProfileName: aws.String("p")})),
			second(raw.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{Name: aws.String(name),
				ImageRecipeArn:                 aws.String(own + "image-recipe/" + name + "/1.0.0"),
				InfrastructureConfigurationArn: aws.String(own + "infrastructure-configuration/" + name)})),
		} {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		exp, err := c.Export(ctx, imagebuilder.ExportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(exp.Resources) != 120 {
			b.Fatalf("%d resources, want 120", len(exp.Resources))
		}
	}
}

func second[T any](_ T, err error) error { return err }
