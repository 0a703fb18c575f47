package ibtest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

const doc = `name: hello
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: hello
        action: ExecuteBash
        inputs:
          commands: ["echo hello"]
`

func config(srv *ibtest.Server, attempts int) aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.RateLimiter = ratelimit.None
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		},
	}
}

func start(t *testing.T, opts ...ibtest.Option) (*ibtest.Server, *ib.Client) {
	t.Helper()
	srv := ibtest.Start(t, opts...)
	c := ib.NewFromConfig(config(srv, 5), func(o *ib.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	return srv, c
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

// wantCode checks err's code is one of want: where the documentation
// leaves the code open, tests accept each documented candidate.
func wantCode(t *testing.T, err error, want ...string) {
	t.Helper()
	if got := code(err); !slices.Contains(want, got) {
		t.Fatalf("error code = %q, want one of %q (err: %v)", got, want, err)
	}
}

func component(name, version, token string) *ib.CreateComponentInput {
	in := &ib.CreateComponentInput{
		Name: aws.String(name), SemanticVersion: aws.String(version),
		Platform: types.PlatformLinux, Data: aws.String(doc),
		Tags: map[string]string{"kiln:managed": "true"},
	}
	if token != "" {
		in.ClientToken = aws.String(token)
	}
	return in
}

// TestComponentIdempotencyAndImmutability rests on the API reference of
// CreateComponent (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateComponent.html:
// clientToken, IdempotentParameterMismatchException) and EC2's "Ensuring
// idempotency" (the same token and parameters return the first result),
// on the November 2025 auto-versioning release (a repeated version gets
// the next build version), and on the model: ListComponents answers
// ComponentVersion entries whose arn is a version ARN without the build,
// and GetComponent takes a version ARN (newest build) or a build ARN.
func TestComponentIdempotencyAndImmutability(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)

	first, err := c.CreateComponent(ctx, component("Hello World", "1.0.0", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:imagebuilder:us-east-1:123456789012:component/hello-world/1.0.0/1"
	if got := aws.ToString(first.ComponentBuildVersionArn); got != want {
		t.Fatalf("arn = %s, want %s", got, want)
	}
	if aws.ToString(first.ClientToken) != "tok-1" {
		t.Errorf("client token not echoed: %q", aws.ToString(first.ClientToken))
	}

	again, err := c.CreateComponent(ctx, component("Hello World", "1.0.0", "tok-1"))
	if err != nil {
		t.Fatalf("replay with the same token and parameters: %v", err)
	}
	if aws.ToString(again.ComponentBuildVersionArn) != want {
		t.Errorf("replay arn = %s", aws.ToString(again.ComponentBuildVersionArn))
	}

	changed := component("Hello World", "1.0.0", "tok-1")
	changed.Description = aws.String("other")
	_, err = c.CreateComponent(ctx, changed)
	var mismatch *types.IdempotentParameterMismatchException
	if !errors.As(err, &mismatch) {
		t.Fatalf("same token, other parameters: want IdempotentParameterMismatchException, got %v", err)
	}

	// The service now answers a repeated version with the next build
	// version; that is how a duplicated create shows up.
	second, err := c.CreateComponent(ctx, component("Hello World", "1.0.0", "tok-2"))
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(second.ComponentBuildVersionArn); got != strings.TrimSuffix(want, "/1")+"/2" {
		t.Errorf("second build arn = %s", got)
	}
	list, err := c.ListComponents(ctx, &ib.ListComponentsInput{})
	if err != nil || len(list.ComponentVersionList) != 1 || aws.ToString(list.ComponentVersionList[0].Arn) != strings.TrimSuffix(want, "/1") {
		t.Fatalf("ListComponents lists each version once, by its version ARN: %+v, %v", list, err)
	}
	newest, err := c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: list.ComponentVersionList[0].Arn})
	if err != nil || aws.ToString(newest.Component.Arn) != aws.ToString(second.ComponentBuildVersionArn) {
		t.Fatalf("a version ARN resolves to the newest build: %v, %v", newest, err)
	}

	// A version that breaks the model's pattern: the service answers a
	// validation error; which code it uses is not documented, so either.
	_, err = c.CreateComponent(ctx, component("Hello World", "1.0", "t-bad-version"))
	wantCode(t, err, "InvalidParameterValueException", "InvalidVersionNumberException", "ValidationException")
	if v := srv.TakeViolations(); len(v) != 1 {
		t.Errorf("violations recorded = %v, want the one bad version", v)
	}

	got, err := c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: aws.String(want)})
	if err != nil {
		t.Fatal(err)
	}
	comp := got.Component
	if aws.ToString(comp.Data) != doc || aws.ToString(comp.Version) != "1.0.0" || comp.Type != types.ComponentTypeBuild ||
		comp.Platform != types.PlatformLinux || comp.Tags["kiln:managed"] != "true" || aws.ToString(comp.Name) != "Hello World" {
		t.Errorf("GetComponent = %+v", comp)
	}
	if n := srv.Calls()["CreateComponent"]; n != 5 {
		t.Errorf("CreateComponent calls = %d, want 5", n)
	}
}

// TestStrictComponentVersions: before auto-versioning, CreateComponent
// refused a repeated version with ResourceAlreadyExistsException (API
// reference CreateComponent, Errors); the option keeps that behaviour.
func TestStrictComponentVersions(t *testing.T) {
	ctx := context.Background()
	_, c := start(t, ibtest.WithStrictComponentVersions())
	if _, err := c.CreateComponent(ctx, component("strict", "1.0.0", "")); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateComponent(ctx, component("strict", "1.0.0", ""))
	wantCode(t, err, "ResourceAlreadyExistsException")
	in := component("strict", "1.0.0", "")
	in.DryRun = true
	_, err = c.CreateComponent(ctx, in)
	wantCode(t, err, "ResourceAlreadyExistsException")
	in.SemanticVersion = aws.String("1.0.1")
	_, err = c.CreateComponent(ctx, in)
	var dry *types.DryRunOperationException
	if !errors.As(err, &dry) {
		t.Fatalf("dry run of a new version: %v", err)
	}
}

// TestDryRun rests on CreateComponent's dryRun member (API reference):
// "Upon a successful request, the error response is
// DryRunOperationException"; a request that would fail answers its error,
// and nothing is created either way.
func TestDryRun(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"valid", doc, "DryRunOperationException"},
		{"not yaml", "phases: [", "InvalidParameterValueException"},
		{"wrong schema", "schemaVersion: 2.0\nphases: [{name: build, steps: [{name: a, action: Reboot}]}]", "InvalidParameterValueException"},
		{"no phases", "schemaVersion: 1.0", "InvalidParameterValueException"},
		{"bad phase", "schemaVersion: 1.0\nphases: [{name: deploy, steps: [{name: a, action: Reboot}]}]", "InvalidParameterValueException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := component("dry", "1.0.0", "")
			in.Data = aws.String(tc.data)
			in.DryRun = true
			_, err := c.CreateComponent(ctx, in)
			wantCode(t, err, tc.want)
		})
	}
	// A dry run creates nothing.
	out, err := c.CreateComponent(ctx, component("dry", "1.0.0", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(out.ComponentBuildVersionArn), "/dry/1.0.0/1") {
		t.Errorf("first real create = %s, want build 1", aws.ToString(out.ComponentBuildVersionArn))
	}
}

// TestWildcardsAndReferencesBlockDeletion rests on "Semantic versioning in
// Image Builder" (userguide ibhow-semantic-versioning.html: x.x.x, 1.x.x
// select the newest match), on DeleteComponent's
// ResourceDependencyException (API reference) for a version a recipe uses,
// and on CreateImageRecipe's ResourceAlreadyExistsException for a recipe
// version that exists.
func TestWildcardsAndReferencesBlockDeletion(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	for _, v := range []string{"1.0.0", "1.2.0", "1.10.1", "2.0.0"} {
		if _, err := c.CreateComponent(ctx, component("base", v, "")); err != nil {
			t.Fatal(err)
		}
	}
	prefix := "arn:aws:imagebuilder:us-east-1:123456789012:component/base/"
	got, err := c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: aws.String(prefix + "x.x.x")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(got.Component.Version); v != "2.0.0" {
		t.Errorf("x.x.x resolved to %s, want 2.0.0", v)
	}
	_, err = c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: aws.String(prefix + "3.x.x")})
	wantCode(t, err, "ResourceNotFoundException")

	recipe, err := c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
		Name: aws.String("web"), SemanticVersion: aws.String("1.0.0"),
		ParentImage: aws.String("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x"),
		Components: []types.ComponentConfiguration{
			{ComponentArn: aws.String(prefix + "1.x.x")},
			{ComponentArn: aws.String("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteComponent(ctx, &ib.DeleteComponentInput{ComponentBuildVersionArn: aws.String(prefix + "1.10.1/1")})
	wantCode(t, err, "ResourceDependencyException")
	if _, err := c.DeleteComponent(ctx, &ib.DeleteComponentInput{ComponentBuildVersionArn: aws.String(prefix + "2.0.0/1")}); err != nil {
		t.Fatalf("delete an unused version: %v", err)
	}
	_, err = c.DeleteComponent(ctx, &ib.DeleteComponentInput{ComponentBuildVersionArn: aws.String(prefix + "2.0.0/1")})
	wantCode(t, err, "ResourceNotFoundException")

	_, err = c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
		Name: aws.String("web"), SemanticVersion: aws.String("1.0.1"), ParentImage: aws.String("ami-0123"),
		Components: []types.ComponentConfiguration{{ComponentArn: aws.String(prefix + "5.x.x")}},
	})
	wantCode(t, err, "ResourceNotFoundException")

	// Recipes are immutable: the same name and version again is refused.
	_, err = c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
		Name: aws.String("web"), SemanticVersion: aws.String("1.0.0"), ParentImage: aws.String("ami-0123"),
		Components: []types.ComponentConfiguration{{ComponentArn: aws.String(prefix + "1.0.0/1")}},
	})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("recipe version again: want ResourceAlreadyExistsException, got %v", err)
	}

	r, err := c.GetImageRecipe(ctx, &ib.GetImageRecipeInput{ImageRecipeArn: recipe.ImageRecipeArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ImageRecipe.Components) != 2 || aws.ToString(r.ImageRecipe.Version) != "1.0.0" || r.ImageRecipe.Platform != types.PlatformLinux {
		t.Errorf("GetImageRecipe = %+v", r.ImageRecipe)
	}
}

// TestPagination rests on the model (maxResults 1–25, nextToken,
// InvalidPaginationTokenException) and on ListComponents' byName ("Returns
// the list of components… by name", the newest version of each): a
// faithful service may cut pages anywhere, so the test only holds it to
// pages of at most maxResults that, followed to the end, list everything
// once.
func TestPagination(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	const n = 60
	for i := range n {
		if _, err := c.CreateComponent(ctx, component(fmt.Sprintf("c%03d", i), "1.0.0", "")); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetCalls()
	var names []string
	p := ib.NewListComponentsPaginator(c, &ib.ListComponentsInput{Owner: types.OwnershipSelf})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, cv := range page.ComponentVersionList {
			names = append(names, aws.ToString(cv.Name))
		}
	}
	if len(names) != n || !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != n {
		t.Fatalf("listed %d names (%v), want %d distinct", len(names), names, n)
	}
	if got := srv.Calls()["ListComponents"]; got < 3 {
		t.Errorf("ListComponents calls = %d, want pages of at most 25", got)
	}

	page, err := c.ListComponents(ctx, &ib.ListComponentsInput{MaxResults: aws.Int32(7)})
	if err != nil || len(page.ComponentVersionList) > 7 || page.NextToken == nil {
		t.Fatalf("maxResults 7: %d items, next %v, err %v", len(page.ComponentVersionList), page.NextToken, err)
	}
	_, err = c.ListComponents(ctx, &ib.ListComponentsInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidPaginationTokenException")

	for _, v := range []string{"1.1.0", "1.10.0", "1.9.0"} {
		if _, err := c.CreateComponent(ctx, component("c000", v, "")); err != nil {
			t.Fatal(err)
		}
	}
	byName, err := c.ListComponents(ctx, &ib.ListComponentsInput{ByName: true,
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"c000"}}}})
	if err != nil || len(byName.ComponentVersionList) != 1 || aws.ToString(byName.ComponentVersionList[0].Version) != "1.10.0" {
		t.Fatalf("byName lists the newest version of each name: %+v, %v", byName, err)
	}

	filtered, err := c.ListComponents(ctx, &ib.ListComponentsInput{Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"c007"}}}})
	if err != nil || len(filtered.ComponentVersionList) != 1 {
		t.Fatalf("filter by name: %v, %v", filtered, err)
	}
	builds, err := c.ListComponentBuildVersions(ctx, &ib.ListComponentBuildVersionsInput{
		ComponentVersionArn: filtered.ComponentVersionList[0].Arn})
	if err != nil || len(builds.ComponentSummaryList) != 1 || builds.ComponentSummaryList[0].Tags["kiln:managed"] != "true" {
		t.Fatalf("build versions: %+v, %v", builds, err)
	}
}

// pipeline creates components, a recipe, infrastructure, distribution to
// two regions (one with a second account) and a pipeline.
func pipeline(t *testing.T, c *ib.Client, name string) string {
	t.Helper()
	ctx := context.Background()
	comp, err := c.CreateComponent(ctx, component(name+"-c", "1.0.0", ""))
	if err != nil {
		t.Fatal(err)
	}
	recipe, err := c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
		Name: aws.String(name), SemanticVersion: aws.String("1.0.0"), ParentImage: aws.String("ami-0abc"),
		Components: []types.ComponentConfiguration{{ComponentArn: comp.ComponentBuildVersionArn}},
	})
	if err != nil {
		t.Fatal(err)
	}
	infra, err := c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{
		Name: aws.String(name), InstanceProfileName: aws.String("builder"),
		Logging: &types.Logging{S3Logs: &types.S3Logs{S3BucketName: aws.String("logs"), S3KeyPrefix: aws.String("ib")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dist, err := c.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{
		Name: aws.String(name),
		Distributions: []types.Distribution{
			{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{
				Name: aws.String(name + "-{{imagebuilder:buildDate}}"), TargetAccountIds: []string{"210987654321"}}},
			{Region: aws.String("eu-west-1")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{
		Name: aws.String(name), ImageRecipeArn: recipe.ImageRecipeArn,
		InfrastructureConfigurationArn: infra.InfrastructureConfigurationArn,
		DistributionConfigurationArn:   dist.DistributionConfigurationArn,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(p.ImagePipelineArn)
}

func status(t *testing.T, c *ib.Client, arn string) *types.Image {
	t.Helper()
	out, err := c.GetImage(context.Background(), &ib.GetImageInput{ImageBuildVersionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Image
}

// TestImageStateMachine rests on ImageState (API reference: PENDING,
// CREATING, BUILDING, TESTING, DISTRIBUTING, INTEGRATING, AVAILABLE, …),
// on StartImagePipelineExecution's clientToken, on OutputResources (an AMI
// per region and account the distribution names), and on
// CancelImageCreation refusing an image that has ended
// (InvalidRequestException).
func TestImageStateMachine(t *testing.T) {
	ctx := context.Background()
	d := ibtest.StateDurations{Pending: time.Minute, Building: 10 * time.Minute, Testing: 5 * time.Minute, Distributing: 2 * time.Minute, Creating: time.Minute, Integrating: time.Minute}
	srv, c := start(t, ibtest.WithStateDurations(d))
	p := pipeline(t, c, "web")

	run, err := c.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(p), ClientToken: aws.String("bake-1")})
	if err != nil {
		t.Fatal(err)
	}
	img := aws.ToString(run.ImageBuildVersionArn)
	if img != "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1" {
		t.Errorf("image arn = %s", img)
	}
	replay, err := c.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(p), ClientToken: aws.String("bake-1")})
	if err != nil || aws.ToString(replay.ImageBuildVersionArn) != img {
		t.Fatalf("replayed start: %v, %v", replay, err)
	}
	if n := len(srv.Images()); n != 1 {
		t.Fatalf("%d images after a replayed start, want 1", n)
	}

	for _, step := range []struct {
		advance time.Duration
		want    types.ImageStatus
	}{
		{0, types.ImageStatusPending},
		{time.Minute, types.ImageStatusCreating},
		{time.Minute, types.ImageStatusBuilding},
		{10 * time.Minute, types.ImageStatusTesting},
		{5 * time.Minute, types.ImageStatusDistributing},
		{2 * time.Minute, types.ImageStatusIntegrating},
		{time.Minute, types.ImageStatusAvailable},
	} {
		srv.Advance(step.advance)
		im := status(t, c, img)
		if im.State.Status != step.want {
			t.Fatalf("after %v: status %s, want %s", step.advance, im.State.Status, step.want)
		}
		if step.want != types.ImageStatusAvailable && im.OutputResources != nil {
			t.Errorf("outputs before AVAILABLE: %+v", im.OutputResources)
		}
	}
	im := status(t, c, img)
	type key struct{ region, account string }
	got := map[key]string{}
	for _, a := range im.OutputResources.Amis {
		got[key{aws.ToString(a.Region), aws.ToString(a.AccountId)}] = aws.ToString(a.Image)
	}
	want := []key{{"us-east-1", "123456789012"}, {"us-east-1", "210987654321"}, {"eu-west-1", "123456789012"}}
	if len(got) != len(want) {
		t.Fatalf("AMIs = %+v, want %v", got, want)
	}
	for _, k := range want {
		if len(got[k]) != len("ami-")+17 {
			t.Errorf("AMI for %v = %q", k, got[k])
		}
	}
	if aws.ToString(im.SourcePipelineArn) != p || im.ImageRecipe == nil || im.InfrastructureConfiguration.Logging.S3Logs.S3BucketName == nil {
		t.Errorf("image details missing: %+v", im)
	}

	list, err := c.ListImagePipelineImages(ctx, &ib.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(p)})
	if err != nil || len(list.ImageSummaryList) != 1 || list.ImageSummaryList[0].State.Status != types.ImageStatusAvailable {
		t.Fatalf("ListImagePipelineImages: %+v, %v", list, err)
	}
	_, err = c.CancelImageCreation(ctx, &ib.CancelImageCreationInput{ImageBuildVersionArn: aws.String(img)})
	wantCode(t, err, "InvalidRequestException")
}

// TestFailureInTestingAndCancel: a build whose tests fail ends FAILED with
// a reason and no outputs (ImageState.reason); a new execution is the next
// build version of the image; CancelImageCreation ends a running build
// CANCELLED (API reference CancelImageCreation).
func TestFailureInTestingAndCancel(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	p := pipeline(t, c, "web")
	srv.Inject(ibtest.Fault{Kind: ibtest.FailBuildInTesting})
	run, err := c.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	d := ibtest.DefaultStateDurations
	srv.Advance(d.Pending + d.Creating + d.Building)
	if st := status(t, c, aws.ToString(run.ImageBuildVersionArn)).State.Status; st != types.ImageStatusTesting {
		t.Fatalf("status %s, want TESTING", st)
	}
	srv.Advance(d.Testing)
	im := status(t, c, aws.ToString(run.ImageBuildVersionArn))
	if im.State.Status != types.ImageStatusFailed || aws.ToString(im.State.Reason) == "" || im.OutputResources != nil {
		t.Fatalf("state = %+v, outputs %+v; want FAILED with a reason", im.State, im.OutputResources)
	}

	second, err := c.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(second.ImageBuildVersionArn), "/1.0.0/2") {
		t.Errorf("second build arn = %s", aws.ToString(second.ImageBuildVersionArn))
	}
	srv.Advance(d.Pending)
	if _, err := c.CancelImageCreation(ctx, &ib.CancelImageCreationInput{ImageBuildVersionArn: second.ImageBuildVersionArn}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	if st := status(t, c, aws.ToString(second.ImageBuildVersionArn)).State.Status; st != types.ImageStatusCancelled {
		t.Fatalf("status %s, want CANCELLED", st)
	}
}

// TestContainerRecipeProducesImageURIs rests on CreateContainerRecipe
// (targetRepository, dockerfileTemplateData) and OutputResources.containers
// (image URIs per region) in the API reference.
func TestContainerRecipeProducesImageURIs(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	comp, err := c.CreateComponent(ctx, component("app", "1.0.0", ""))
	if err != nil {
		t.Fatal(err)
	}
	recipe, err := c.CreateContainerRecipe(ctx, &ib.CreateContainerRecipeInput{
		Name: aws.String("app"), SemanticVersion: aws.String("2.1.0"), ContainerType: types.ContainerTypeDocker,
		ParentImage:            aws.String("amazonlinux:2023"),
		DockerfileTemplateData: aws.String("FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}"),
		TargetRepository:       &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("app")},
		Components:             []types.ComponentConfiguration{{ComponentArn: comp.ComponentBuildVersionArn}},
	})
	if err != nil {
		t.Fatal(err)
	}
	infra, err := c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String("app"), InstanceProfileName: aws.String("builder")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{Name: aws.String("app"),
		ContainerRecipeArn: recipe.ContainerRecipeArn, InfrastructureConfigurationArn: infra.InfrastructureConfigurationArn})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{ImagePipelineArn: p.ImagePipelineArn})
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(24 * time.Hour)
	im := status(t, c, aws.ToString(run.ImageBuildVersionArn))
	if im.Type != types.ImageTypeDocker || len(im.OutputResources.Containers) != 1 {
		t.Fatalf("image = %+v", im)
	}
	want := "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2.1.0-1"
	if got := im.OutputResources.Containers[0].ImageUris; len(got) != 1 || got[0] != want {
		t.Errorf("image URIs = %v, want [%s]", got, want)
	}
	r, err := c.GetContainerRecipe(ctx, &ib.GetContainerRecipeInput{ContainerRecipeArn: recipe.ContainerRecipeArn})
	if err != nil || r.ContainerRecipe.TargetRepository == nil || aws.ToString(r.ContainerRecipe.Version) != "2.1.0" {
		t.Fatalf("GetContainerRecipe: %+v, %v", r, err)
	}
}

// TestConfigurationsUpdateListDeleteInUse rests on the Update calls of
// the API reference (UpdateInfrastructureConfiguration,
// UpdateDistributionConfiguration, UpdateImagePipeline replace the
// configuration), their List calls, and ResourceDependencyException on
// deleting what a pipeline uses.
func TestConfigurationsUpdateListDeleteInUse(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	p := pipeline(t, c, "web")
	got, err := c.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	pl := got.ImagePipeline
	if pl.Status != types.PipelineStatusEnabled || pl.Platform != types.PlatformLinux {
		t.Errorf("pipeline = %+v", pl)
	}

	_, err = c.DeleteInfrastructureConfiguration(ctx, &ib.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: pl.InfrastructureConfigurationArn})
	wantCode(t, err, "ResourceDependencyException")
	_, err = c.DeleteImageRecipe(ctx, &ib.DeleteImageRecipeInput{ImageRecipeArn: pl.ImageRecipeArn})
	wantCode(t, err, "ResourceDependencyException")

	if _, err := c.UpdateInfrastructureConfiguration(ctx, &ib.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: pl.InfrastructureConfigurationArn, InstanceProfileName: aws.String("builder-2"),
		InstanceTypes: []string{"m7i.large"},
	}); err != nil {
		t.Fatal(err)
	}
	infra, err := c.GetInfrastructureConfiguration(ctx, &ib.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: pl.InfrastructureConfigurationArn})
	if err != nil || aws.ToString(infra.InfrastructureConfiguration.InstanceProfileName) != "builder-2" ||
		infra.InfrastructureConfiguration.Logging != nil || aws.ToString(infra.InfrastructureConfiguration.Name) != "web" {
		t.Fatalf("updated infrastructure: %+v, %v", infra, err)
	}
	if _, err := c.UpdateDistributionConfiguration(ctx, &ib.UpdateDistributionConfigurationInput{
		DistributionConfigurationArn: pl.DistributionConfigurationArn,
		Distributions:                []types.Distribution{{Region: aws.String("ap-south-1")}},
	}); err != nil {
		t.Fatal(err)
	}
	dists, err := c.ListDistributionConfigurations(ctx, &ib.ListDistributionConfigurationsInput{})
	if err != nil || len(dists.DistributionConfigurationSummaryList) != 1 ||
		!slices.Equal(dists.DistributionConfigurationSummaryList[0].Regions, []string{"ap-south-1"}) {
		t.Fatalf("ListDistributionConfigurations: %+v, %v", dists, err)
	}
	_, err = c.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{ImagePipelineArn: aws.String(p),
		ImageRecipeArn:                 aws.String("arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/nope/1.0.0"),
		InfrastructureConfigurationArn: pl.InfrastructureConfigurationArn})
	wantCode(t, err, "ResourceNotFoundException")
	if _, err := c.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{ImagePipelineArn: aws.String(p),
		ImageRecipeArn: pl.ImageRecipeArn, InfrastructureConfigurationArn: pl.InfrastructureConfigurationArn,
		Status: types.PipelineStatusDisabled}); err != nil {
		t.Fatal(err)
	}
	pls, err := c.ListImagePipelines(ctx, &ib.ListImagePipelinesInput{})
	if err != nil || len(pls.ImagePipelineList) != 1 || pls.ImagePipelineList[0].Status != types.PipelineStatusDisabled ||
		pls.ImagePipelineList[0].DistributionConfigurationArn != nil {
		t.Fatalf("ListImagePipelines after update: %+v, %v", pls, err)
	}
	// The update dropped the distribution, so it may go now.
	if _, err := c.DeleteDistributionConfiguration(ctx, &ib.DeleteDistributionConfigurationInput{DistributionConfigurationArn: pl.DistributionConfigurationArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteImagePipeline(ctx, &ib.DeleteImagePipelineInput{ImagePipelineArn: aws.String(p)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteImageRecipe(ctx, &ib.DeleteImageRecipeInput{ImageRecipeArn: pl.ImageRecipeArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(p)})
	wantCode(t, err, "ResourceNotFoundException")
}

// TestTags rests on TagResource, UntagResource and ListTagsForResource
// (API reference; the aws: prefix is reserved, "Tagging your AWS
// resources"), which report bad tags as InvalidParameterException.
func TestTags(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	out, err := c.CreateComponent(ctx, component("tagged", "1.0.0", ""))
	if err != nil {
		t.Fatal(err)
	}
	a := out.ComponentBuildVersionArn
	if _, err := c.TagResource(ctx, &ib.TagResourceInput{ResourceArn: a, Tags: map[string]string{"kiln:digest": "abc", "team": "x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &ib.UntagResourceInput{ResourceArn: a, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &ib.ListTagsForResourceInput{ResourceArn: a})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 2 || tags.Tags["kiln:digest"] != "abc" || tags.Tags["kiln:managed"] != "true" {
		t.Errorf("tags = %v", tags.Tags)
	}
	// The model's TagKey pattern refuses the aws: prefix; which code the
	// refusal carries is not documented.
	_, err = c.TagResource(ctx, &ib.TagResourceInput{ResourceArn: a, Tags: map[string]string{"aws:x": "y"}})
	wantCode(t, err, "InvalidParameterException", "InvalidParameterValueException", "ValidationException")
	if v := srv.TakeViolations(); len(v) != 1 {
		t.Errorf("violations = %v, want the aws: key", v)
	}
	_, err = c.ListTagsForResource(ctx, &ib.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:imagebuilder:us-east-1:123456789012:component/none/1.0.0/1")})
	wantCode(t, err, "ResourceNotFoundException")
}

// TestFaultsAreRetriedBySDK: throttling (ThrottlingException 400,
// TooManyRequestsException 429) and 5xx answers are retryable errors (AWS
// SDKs and Tools reference guide, "Retry behavior"); the SDK's standard
// retryer gets through them.
func TestFaultsAreRetriedBySDK(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	for _, kind := range []ibtest.FaultKind{ibtest.Throttle, ibtest.TooManyRequests, ibtest.ServerError} {
		srv.ResetCalls()
		srv.Inject(ibtest.Fault{Operation: "ListComponents", Kind: kind, Times: 3})
		if _, err := c.ListComponents(ctx, &ib.ListComponentsInput{}); err != nil {
			t.Fatalf("kind %d: %v", kind, err)
		}
		if n := srv.Calls()["ListComponents"]; n != 4 {
			t.Errorf("kind %d: %d calls, want 3 faults + 1 success", kind, n)
		}
	}
	// More faults than attempts: the caller sees the service's error.
	srv.Inject(ibtest.Fault{Operation: "GetImage", Kind: ibtest.Throttle, Times: 10})
	_, err := c.GetImage(ctx, &ib.GetImageInput{ImageBuildVersionArn: aws.String("arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1")})
	wantCode(t, err, "ThrottlingException")

	// A create retried after a 500 under the same token creates once.
	srv.Inject(ibtest.Fault{Operation: "CreateComponent", Kind: ibtest.ServerError})
	if _, err := c.CreateComponent(ctx, component("retried", "1.0.0", "")); err != nil {
		t.Fatal(err)
	}
}

// TestSSMParameters rests on the SSM API reference, PutParameter and
// GetParameter: an existing parameter is only replaced with Overwrite
// (ParameterAlreadyExists otherwise), each write bumps the version, a
// missing one is ParameterNotFound; constraint violations are
// ValidationException, the common error of AWS JSON APIs.
func TestSSMParameters(t *testing.T) {
	ctx := context.Background()
	srv := ibtest.Start(t)
	c := ssm.NewFromConfig(config(srv, 3), func(o *ssm.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	name := "/kiln/web/us-east-1"
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("ami-1")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("ami-2")})
	wantCode(t, err, "ParameterAlreadyExists")
	out, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("ami-2"), Overwrite: aws.Bool(true)})
	if err != nil || out.Version != 2 {
		t.Fatalf("overwrite: %+v, %v", out, err)
	}
	got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil || aws.ToString(got.Parameter.Value) != "ami-2" {
		t.Fatalf("GetParameter: %+v, %v", got, err)
	}
	_, err = c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/none")})
	wantCode(t, err, "ParameterNotFound")

	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("ami-3"), Type: "Secret", Overwrite: aws.Bool(true)})
	wantCode(t, err, "ValidationException")
	if v := srv.TakeViolations(); len(v) != 1 || v[0].Operation != "SSM.PutParameter" || v[0].Path != "Type" {
		t.Errorf("violations = %v, want the bad Type", v)
	}
}

// TestSTSAssumeRole rests on the STS API reference, AssumeRole: the
// session name is 2–64 characters; a shorter one is refused with
// ValidationError (the query protocol's code) and recorded.
func TestSTSAssumeRole(t *testing.T) {
	ctx := context.Background()
	srv := ibtest.Start(t)
	c := sts.NewFromConfig(config(srv, 1), func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::210987654321:role/kiln"), RoleSessionName: aws.String("kiln-staging")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::210987654321:assumed-role/kiln/kiln-staging" {
		t.Errorf("assumed role arn = %s", got)
	}
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::210987654321:role/kiln"), RoleSessionName: aws.String("k")})
	wantCode(t, err, "ValidationError")
	if v := srv.TakeViolations(); len(v) != 1 || v[0].Path != "RoleSessionName" {
		t.Errorf("violations = %v, want the short session name", v)
	}
}
