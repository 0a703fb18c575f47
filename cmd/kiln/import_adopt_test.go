package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

const (
	estateAccount = "111111111111"
	estateRegion  = "us-east-1"
)

// estateComponentDoc declares the parameter the recipes pass.
const estateComponentDoc = `name: motd
description: Write the message of the day.
schemaVersion: 1.0
parameters:
  - Message:
      type: string
      default: golden image
      description: What /etc/motd says.
phases:
  - name: build
    steps:
      - name: WriteMotd
        action: CreateFile
        inputs:
          - path: /etc/motd
            content: "{{ Message }}"
            overwrite: true
  - name: validate
    steps:
      - name: CheckMotd
        action: ExecuteBash
        inputs:
          commands:
            - test -s /etc/motd
`

// handMadeEstate creates in the emulator, through the SDK and without
// kiln's tags, what a team built in the console before kiln: resources of
// all eight kinds with every field kiln models set (imagebuilder/fields.go
// lists what it does not). It returns how many resources it made.
func handMadeEstate(t *testing.T, srv *ibtest.Server) int {
	t.Helper()
	ctx := context.Background()
	c := ib.NewFromConfig(aws.Config{Region: estateRegion, Credentials: credentials.NewStaticCredentialsProvider("AKIAKILNTESTBASEKEY1", "x", "")},
		func(o *ib.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	// The example build workflow, with the parameter the pipeline passes.
	workflowDoc, err := os.ReadFile("../../examples/workflows/build-with-approval.workflow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	workflowDoc = append(workflowDoc, "parameters:\n  - name: approvalTimeout\n    type: integer\n    default: 3600\n"...)
	made := 0
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		made++
	}
	own := "arn:aws:imagebuilder:" + estateRegion + ":" + estateAccount + ":"
	key := "arn:aws:kms:" + estateRegion + ":" + estateAccount + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	team := map[string]string{"team": "platform", "cost-center": "cc-42"}
	ebs := func(size int32) *types.EbsInstanceBlockDeviceSpecification {
		return &types.EbsInstanceBlockDeviceSpecification{Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true),
			Iops: aws.Int32(4000), KmsKeyId: aws.String(key), SnapshotId: aws.String("snap-0123456789abcdef0"),
			VolumeSize: aws.Int32(size), VolumeType: types.EbsVolumeTypeGp3, Throughput: aws.Int32(250)}
	}

	for _, v := range []string{"1.0.0", "1.1.0"} {
		must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("motd"), SemanticVersion: aws.String(v),
			Description: aws.String("Message of the day"), ChangeDescription: aws.String("Version " + v),
			Platform: types.PlatformLinux, SupportedOsVersions: []string{"Amazon Linux 2023"},
			Data: aws.String(estateComponentDoc), KmsKeyId: aws.String(key), Tags: team, ClientToken: aws.String("motd-" + v)}))
	}
	params := []types.ComponentParameter{{Name: aws.String("Message"), Value: []string{"built by the platform team"}}}
	must(c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{Name: aws.String("web"), SemanticVersion: aws.String("1.0.0"),
		Description: aws.String("Web server AMI"),
		ParentImage: aws.String("arn:aws:imagebuilder:" + estateRegion + ":aws:image/amazon-linux-2023-x86/x.x.x"),
		Components: []types.ComponentConfiguration{
			{ComponentArn: aws.String("arn:aws:imagebuilder:" + estateRegion + ":aws:component/update-linux/x.x.x")},
			{ComponentArn: aws.String("arn:aws:imagebuilder:" + estateRegion + ":aws:component/stig-build-linux-high/x.x.x")},
			{ComponentArn: aws.String(own + "component/motd/1.0.0/1"), Parameters: params},
			{ComponentArn: aws.String(own + "component/motd/1.x.x")},
		},
		BlockDeviceMappings: []types.InstanceBlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: ebs(30)},
			{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.String("")},
		},
		WorkingDirectory: aws.String("/opt/build"),
		AdditionalInstanceConfiguration: &types.AdditionalInstanceConfiguration{
			SystemsManagerAgent: &types.SystemsManagerAgent{UninstallAfterBuild: aws.Bool(true)},
			UserDataOverride:    aws.String("IyEvYmluL2Jhc2gKZG5mIGluc3RhbGwgLXkgYW1hem9uLXNzbS1hZ2VudAo="),
		},
		AmiTags:     map[string]string{"os": "al2023", "role": "web"},
		Tags:        team,
		ClientToken: aws.String("web-1.0.0")}))
	must(c.CreateContainerRecipe(ctx, &ib.CreateContainerRecipeInput{Name: aws.String("web-container"), SemanticVersion: aws.String("1.0.0"),
		Description: aws.String("Web server container"), ContainerType: types.ContainerTypeDocker,
		ParentImage: aws.String("public.ecr.aws/amazonlinux/amazonlinux:2023"),
		Components: []types.ComponentConfiguration{
			{ComponentArn: aws.String("arn:aws:imagebuilder:" + estateRegion + ":aws:component/update-linux/x.x.x")},
			{ComponentArn: aws.String(own + "component/motd/1.1.0/1"), Parameters: params},
		},
		InstanceConfiguration: &types.InstanceConfiguration{Image: aws.String("ami-0123456789abcdef0"),
			BlockDeviceMappings: []types.InstanceBlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: ebs(40)},
				{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
				{DeviceName: aws.String("/dev/sdd"), NoDevice: aws.String("")}}},
		DockerfileTemplateData: aws.String("FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\nUSER app\n"),
		PlatformOverride:       types.PlatformLinux, ImageOsVersionOverride: aws.String("Amazon Linux 2023"),
		WorkingDirectory: aws.String("/tmp/build"), KmsKeyId: aws.String(key),
		TargetRepository: &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("apps/web")},
		Tags:             team, ClientToken: aws.String("web-container-1.0.0")}))
	must(c.CreateWorkflow(ctx, &ib.CreateWorkflowInput{Name: aws.String("build-with-approval"), SemanticVersion: aws.String("1.0.0"),
		Description: aws.String("Build with a security approval"), ChangeDescription: aws.String("First version"),
		Type: types.WorkflowTypeBuild, Data: aws.String(string(workflowDoc)), KmsKeyId: aws.String(key), Tags: team,
		ClientToken: aws.String("workflow-1.0.0")}))
	must(c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String("build"),
		Description: aws.String("Build instances"), InstanceProfileName: aws.String("EC2InstanceProfileForImageBuilder"),
		InstanceTypes: []string{"m7i.large", "m6i.large"}, SecurityGroupIds: []string{"sg-0123456789abcdef0"},
		SubnetId: aws.String("subnet-0123456789abcdef0"),
		Logging:  &types.Logging{S3Logs: &types.S3Logs{S3BucketName: aws.String("build-logs"), S3KeyPrefix: aws.String("imagebuilder/")}},
		KeyPair:  aws.String("break-glass"), TerminateInstanceOnFailure: aws.Bool(false),
		SnsTopicArn:             aws.String("arn:aws:sns:" + estateRegion + ":" + estateAccount + ":builds"),
		InstanceMetadataOptions: &types.InstanceMetadataOptions{HttpTokens: aws.String("required"), HttpPutResponseHopLimit: aws.Int32(2)},
		ResourceTags:            map[string]string{"purpose": "image-build"},
		Placement: &types.Placement{AvailabilityZone: aws.String(estateRegion + "a"), Tenancy: types.TenancyTypeHost,
			HostResourceGroupArn: aws.String("arn:aws:resource-groups:" + estateRegion + ":" + estateAccount + ":group/build-hosts")},
		Tags: team, ClientToken: aws.String("infra-build")}))
	must(c.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{Name: aws.String("amis"),
		Description: aws.String("Web AMIs"),
		Distributions: []types.Distribution{{
			Region: aws.String(estateRegion),
			AmiDistributionConfiguration: &types.AmiDistributionConfiguration{Name: aws.String("web-{{ imagebuilder:buildDate }}"),
				Description: aws.String("Web AMI"), TargetAccountIds: []string{"333333333333"}, AmiTags: map[string]string{"distribution": "primary"},
				KmsKeyId: aws.String(key),
				LaunchPermission: &types.LaunchPermissionConfiguration{UserIds: []string{"444444444444"},
					OrganizationArns:       []string{"arn:aws:organizations::222222222222:organization/o-a1b2c3d4e5"},
					OrganizationalUnitArns: []string{"arn:aws:organizations::222222222222:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"}}},
			LicenseConfigurationArns: []string{"arn:aws:license-manager:" + estateRegion + ":" + estateAccount + ":license-configuration:lic-0123456789abcdef0123456789abcdef"},
			LaunchTemplateConfigurations: []types.LaunchTemplateConfiguration{{LaunchTemplateId: aws.String("lt-0123456789abcdef0"),
				AccountId: aws.String(estateAccount), SetDefaultVersion: aws.Bool(true)}},
			S3ExportConfiguration: &types.S3ExportConfiguration{RoleName: aws.String("vmimport"), DiskImageFormat: types.DiskImageFormatVmdk,
				S3Bucket: aws.String("ami-exports"), S3Prefix: aws.String("web/")},
			FastLaunchConfigurations: []types.FastLaunchConfiguration{{Enabled: true, AccountId: aws.String(estateAccount),
				MaxParallelLaunches: aws.Int32(6),
				LaunchTemplate: &types.FastLaunchLaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-0fedcba9876543210"),
					LaunchTemplateVersion: aws.String("3")},
				SnapshotConfiguration: &types.FastLaunchSnapshotConfiguration{TargetResourceCount: aws.Int32(5)}}},
			SsmParameterConfigurations: []types.SsmParameterConfiguration{{ParameterName: aws.String("/golden-ami/web/latest"),
				AmiAccountId: aws.String(estateAccount), DataType: types.SsmParameterDataTypeAwsEc2Image}},
		}, {
			Region: aws.String("us-west-2"),
			AmiDistributionConfiguration: &types.AmiDistributionConfiguration{Name: aws.String("web-{{ imagebuilder:buildDate }}"),
				Description: aws.String("Web AMI (DR copy)"), KmsKeyId: aws.String("alias/golden-ami")},
			FastLaunchConfigurations: []types.FastLaunchConfiguration{{Enabled: false,
				LaunchTemplate: &types.FastLaunchLaunchTemplateSpecification{LaunchTemplateName: aws.String("fast-launch-dr")}}},
		}},
		Tags: team, ClientToken: aws.String("dist-amis")}))
	must(c.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{Name: aws.String("containers"),
		Description: aws.String("Web containers"),
		Distributions: []types.Distribution{{Region: aws.String(estateRegion),
			ContainerDistributionConfiguration: &types.ContainerDistributionConfiguration{Description: aws.String("Web container"),
				ContainerTags:    []string{"latest", "{{ imagebuilder:buildVersion }}"},
				TargetRepository: &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("apps/web")}}}},
		Tags: team, ClientToken: aws.String("dist-containers")}))
	must(c.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{Name: aws.String("web"), Description: aws.String("Weekly web AMI"),
		ImageRecipeArn:                 aws.String(own + "image-recipe/web/1.0.0"),
		InfrastructureConfigurationArn: aws.String(own + "infrastructure-configuration/build"),
		DistributionConfigurationArn:   aws.String(own + "distribution-configuration/amis"),
		ImageTestsConfiguration:        &types.ImageTestsConfiguration{ImageTestsEnabled: aws.Bool(true), TimeoutMinutes: aws.Int32(90)},
		EnhancedImageMetadataEnabled:   aws.Bool(true),
		Schedule: &types.Schedule{ScheduleExpression: aws.String("cron(0 6 ? * MON *)"), Timezone: aws.String("Europe/Paris"),
			PipelineExecutionStartCondition: types.PipelineExecutionStartConditionExpressionMatchOnly,
			AutoDisablePolicy:               &types.AutoDisablePolicy{FailureCount: aws.Int32(3)}},
		Status:                     types.PipelineStatusEnabled,
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ImageScanningEnabled: aws.Bool(true)},
		Workflows: []types.WorkflowConfiguration{{WorkflowArn: aws.String(own + "workflow/build/build-with-approval/1.0.0"),
			Parameters:    []types.WorkflowParameter{{Name: aws.String("approvalTimeout"), Value: []string{"7200"}}},
			ParallelGroup: aws.String("build"), OnFailure: types.OnWorkflowFailureAbort}},
		ExecutionRole: aws.String("arn:aws:iam::" + estateAccount + ":role/ImageBuilderWorkflows"),
		ImageTags:     map[string]string{"app": "web"},
		LoggingConfiguration: &types.PipelineLoggingConfiguration{ImageLogGroupName: aws.String("/imagebuilder/web/images"),
			PipelineLogGroupName: aws.String("/imagebuilder/web/pipeline")},
		Tags: team, ClientToken: aws.String("pipeline-web")}))
	must(c.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{Name: aws.String("web-container"), Description: aws.String("Nightly web container"),
		ContainerRecipeArn:             aws.String(own + "container-recipe/web-container/1.0.0"),
		InfrastructureConfigurationArn: aws.String(own + "infrastructure-configuration/build"),
		DistributionConfigurationArn:   aws.String(own + "distribution-configuration/containers"),
		Schedule:                       &types.Schedule{ScheduleExpression: aws.String("cron(0 2 * * ? *)")},
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ImageScanningEnabled: aws.Bool(true),
			EcrConfiguration: &types.EcrConfiguration{RepositoryName: aws.String("apps/web-scans"), ContainerTags: []string{"scan"}}},
		Tags: team, ClientToken: aws.String("pipeline-web-container")}))
	must(c.CreateLifecyclePolicy(ctx, &ib.CreateLifecyclePolicyInput{Name: aws.String("web-retention"),
		Description:   aws.String("Deprecate web AMIs after 90 days, delete after 180"),
		ExecutionRole: aws.String("arn:aws:iam::" + estateAccount + ":role/ImageBuilderLifecycle"),
		ResourceType:  types.LifecyclePolicyResourceTypeAmiImage, Status: types.LifecyclePolicyStatusEnabled,
		PolicyDetails: []types.LifecyclePolicyDetail{{
			Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDeprecate},
			Filter: &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeAge, Value: aws.Int32(90),
				Unit: types.LifecyclePolicyTimeUnitDays, RetainAtLeast: aws.Int32(3)},
			ExclusionRules: &types.LifecyclePolicyDetailExclusionRules{TagMap: map[string]string{"keep": "true"}},
		}, {
			Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDelete,
				IncludeResources: &types.LifecyclePolicyDetailActionIncludeResources{Amis: true, Snapshots: true}},
			Filter: &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeAge, Value: aws.Int32(180),
				Unit: types.LifecyclePolicyTimeUnitDays, RetainAtLeast: aws.Int32(3)},
			ExclusionRules: &types.LifecyclePolicyDetailExclusionRules{TagMap: map[string]string{"keep": "true"},
				Amis: &types.LifecyclePolicyDetailExclusionRulesAmis{IsPublic: true, Regions: []string{"us-west-2"},
					SharedAccounts: []string{"333333333333"}, TagMap: map[string]string{"in-use": "true"},
					LastLaunched: &types.LifecyclePolicyDetailExclusionRulesAmisLastLaunched{Value: aws.Int32(30), Unit: types.LifecyclePolicyTimeUnitDays}}},
		}},
		ResourceSelection: &types.LifecyclePolicyResourceSelection{Recipes: []types.LifecyclePolicyResourceSelectionRecipe{
			{Name: aws.String("web"), SemanticVersion: aws.String("1.0.0")}}},
		Tags: team, ClientToken: aws.String("lifecycle-web")}))
	must(c.CreateLifecyclePolicy(ctx, &ib.CreateLifecyclePolicyInput{Name: aws.String("container-retention"),
		Description:   aws.String("Delete all but the last 10 web containers"),
		ExecutionRole: aws.String("arn:aws:iam::" + estateAccount + ":role/ImageBuilderLifecycle"),
		ResourceType:  types.LifecyclePolicyResourceTypeContainerImage, Status: types.LifecyclePolicyStatusDisabled,
		PolicyDetails: []types.LifecyclePolicyDetail{{
			Action: &types.LifecyclePolicyDetailAction{Type: types.LifecyclePolicyDetailActionTypeDelete,
				IncludeResources: &types.LifecyclePolicyDetailActionIncludeResources{Containers: true}},
			Filter:         &types.LifecyclePolicyDetailFilter{Type: types.LifecyclePolicyDetailFilterTypeCount, Value: aws.Int32(10)},
			ExclusionRules: &types.LifecyclePolicyDetailExclusionRules{TagMap: map[string]string{"keep": "true"}},
		}},
		ResourceSelection: &types.LifecyclePolicyResourceSelection{TagMap: map[string]string{"app": "web"}},
		Tags:              team, ClientToken: aws.String("lifecycle-containers")}))
	return made
}

// TestImportAdoptRoundTrip: an estate made by hand (all eight kinds, every
// field kiln models set, no kiln tags) is imported, checks clean, plans as
// adoptions only, and after the apply, which tags and changes nothing
// else, plans as unchanged field by field, now kiln's.
func TestImportAdoptRoundTrip(t *testing.T) {
	srv := ibtest.Start(t, ibtest.WithAccount(estateAccount), ibtest.WithRegion(estateRegion))
	noAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAKILNTESTBASEKEY1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "kiln-test-secret")
	t.Setenv("AWS_REGION", estateRegion)
	made := handMadeEstate(t, srv)
	ctx := context.Background()

	dir := t.TempDir()
	code, out, errOut := kiln(t, "import", "--env", "staging", "--account", estateAccount, "--region", estateRegion, "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("import:\n%s", out)
			for p, s := range snapshot(t, dir) {
				t.Logf("== %s\n%s", p, s)
			}
		}
	})
	res := checkClean(t, dir)
	kinds := map[model.Kind]int{}
	for _, r := range res.Head.Resources {
		kinds[r.Kind]++
	}
	if len(res.Head.Resources) != made || len(kinds) != len(model.Kinds()) {
		t.Fatalf("imported %d resources of %d kinds (%v), want the %d made of all %d", len(res.Head.Resources), len(kinds), kinds, made, len(model.Kinds()))
	}

	// Every field kiln models came back, but the few one resource cannot
	// hold together with another.
	exclusive := []string{
		"spec.data",                  // components and workflows: imported as document files
		"spec.dockerfileTemplateUri", // container recipes: the Dockerfile comes inline or from S3, not both
		"spec.placement.hostId",      // a host, or a host resource group: not both
		"spec.workflows[].arn",       // by name: the workflow is in the repository
		// The only user group is "all": a public AMI, which policy forbids.
		"spec.distributions[].amiDistributionConfiguration.launchPermission.userGroups[]",
	}
	// Set above but not read back by the service (GetContainerRecipe has
	// neither), so no import can have them.
	writeOnly := []string{"spec.platformOverride", "spec.imageOsVersionOverride"}
	exclusive = slices.Concat(exclusive, writeOnly)
	fields := 0
	for _, k := range model.Kinds() {
		for _, f := range unsetFields(k, res.Head.Resources) {
			if !slices.Contains(exclusive, f) {
				t.Errorf("%s: no imported resource sets %s", k, f)
			}
		}
		fields += len(unsetFields(k, nil))
	}
	t.Logf("%d resources, %d spec fields of %d kinds", made, fields, len(kinds))

	// kiln check with the environment: clean, and the plan adopts all.
	rep := checkJSON(t, exitOK, "--env", "staging", "--assume-role=false", dir)
	if len(rep.Plan) != 1 || rep.Plan[0].Note != "" || len(rep.Plan[0].Changes) != made {
		t.Fatalf("plan %+v", rep.Plan)
	}
	for _, c := range rep.Plan[0].Changes {
		if c.Action != string(reconciler.ActionAdopt) {
			t.Errorf("%s/%s %s: %s (%s), want adopt", c.Kind, c.Name, c.Version, c.Action, c.Reason)
		}
	}
	if len(rep.Plan[0].Bakes) != 0 {
		t.Errorf("an adoption bakes %+v", rep.Plan[0].Bakes)
	}
	if t.Failed() {
		t.FailNow()
	}

	env, _ := res.Config.Environments.Get("staging")
	cfg := aws.Config{Region: estateRegion, Credentials: credentials.NewStaticCredentialsProvider("AKIAKILNTESTBASEKEY1", "kiln-test-secret", "")}
	client := imagebuilder.New(cfg, env, imagebuilder.WithEndpoint(srv.URL()), imagebuilder.WithRetry(8, time.Millisecond),
		imagebuilder.WithLogger(slog.New(slog.DiscardHandler)))
	plan, err := reconciler.PlanEnvironment(ctx, client, env, res.Head, reconciler.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Calls()
	applied, err := reconciler.Apply(ctx, client, res.Head, plan, reconciler.ApplyMeta{Repo: "acme/images", Commit: "c0ffee"})
	if err != nil {
		t.Fatal(err)
	}
	if len(applied.Adopted) != made || len(applied.Created)+len(applied.Updated)+len(applied.Deleted) != 0 {
		t.Errorf("apply %+v", applied)
	}
	for op, n := range srv.Calls() {
		if n != before[op] && op != "TagResource" && !isRead(op) {
			t.Errorf("the adopting apply called %s", op)
		}
	}

	rep = checkJSON(t, exitOK, "--env", "staging", "--assume-role=false", dir)
	for _, c := range rep.Plan[0].Changes {
		if c.Action != string(reconciler.ActionUnchanged) {
			t.Errorf("after the apply %s/%s %s: %s (%s)", c.Kind, c.Name, c.Version, c.Action, c.Reason)
		}
	}
	again, err := reconciler.PlanEnvironment(ctx, client, env, res.Head, reconciler.PlanOptions{Fields: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again.Changes {
		if c.Action != reconciler.ActionUnchanged || c.Live == nil || !c.Live.Owned() || c.Live.Tags["team"] != "platform" {
			t.Errorf("after the apply, field by field %s: %s (%s), live %+v", c.ID(), c.Action, c.Reason, c.Live)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

// isRead reports whether an Image Builder or STS operation only reads.
func isRead(op string) bool {
	for _, p := range []string{"Get", "List", "AssumeRole"} {
		if len(op) >= len(p) && op[:len(p)] == p {
			return true
		}
	}
	return false
}

// unsetFields lists the spec fields of kind (dotted JSON paths, lists as
// []) that none of resources sets: what a round trip would not prove.
func unsetFields(kind model.Kind, resources []*model.Resource) []string {
	set := map[string]bool{}
	var mark func(path string, v any)
	mark = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				mark(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				mark(path+"[]", e)
			}
		}
		if v != nil {
			set[path] = true
		}
	}
	for _, r := range resources {
		if r.Kind != kind {
			continue
		}
		var v any
		b, _ := json.Marshal(r.Spec)
		_ = json.Unmarshal(b, &v)
		mark("spec", v)
	}
	var unset []string
	var walk func(path string, t reflect.Type)
	walk = func(path string, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice:
			walk(path+"[]", t.Elem())
			return
		case reflect.Struct:
			for i := range t.NumField() {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				if name != "" && name != "-" {
					walk(path+"."+name, t.Field(i).Type)
				}
			}
			return
		}
		if !set[path] {
			unset = append(unset, path)
		}
	}
	walk("spec", reflect.TypeOf(model.NewSpec(kind)))
	return unset
}
