package ibtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

// TestLatestVersionReferences: since November 2025 Create and Get of a
// versioned resource answer latestVersionReferences, wildcard ARNs at each
// level (userguide ibhow-semantic-versioning.html, "Using version
// references"; API reference CreateComponent, GetComponent,
// CreateImageRecipe, GetImageRecipe).
func TestLatestVersionReferences(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	comp, err := c.CreateComponent(ctx, component("refs", "1.2.3", ""))
	if err != nil {
		t.Fatal(err)
	}
	base := "arn:aws:imagebuilder:us-east-1:123456789012:component/refs/"
	want := types.LatestVersionReferences{
		LatestVersionArn: aws.String(base + "x.x.x"), LatestMajorVersionArn: aws.String(base + "1.x.x"),
		LatestMinorVersionArn: aws.String(base + "1.2.x"), LatestPatchVersionArn: aws.String(base + "1.2.3"),
	}
	check := func(what string, got *types.LatestVersionReferences) {
		t.Helper()
		if got == nil || aws.ToString(got.LatestVersionArn) != *want.LatestVersionArn || aws.ToString(got.LatestMajorVersionArn) != *want.LatestMajorVersionArn ||
			aws.ToString(got.LatestMinorVersionArn) != *want.LatestMinorVersionArn || aws.ToString(got.LatestPatchVersionArn) != *want.LatestPatchVersionArn {
			t.Errorf("%s latestVersionReferences = %+v", what, got)
		}
	}
	check("CreateComponent", comp.LatestVersionReferences)
	got, err := c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: comp.ComponentBuildVersionArn})
	if err != nil {
		t.Fatal(err)
	}
	check("GetComponent", got.LatestVersionReferences)

	recipe, err := c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
		Name: aws.String("refs"), SemanticVersion: aws.String("1.2.3"), ParentImage: aws.String("ami-0abc"),
		Components: []types.ComponentConfiguration{{ComponentArn: comp.ComponentBuildVersionArn}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := recipe.LatestVersionReferences; r == nil || aws.ToString(r.LatestMinorVersionArn) != "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/refs/1.2.x" {
		t.Errorf("CreateImageRecipe latestVersionReferences = %+v", r)
	}
	gr, err := c.GetImageRecipe(ctx, &ib.GetImageRecipeInput{ImageRecipeArn: recipe.ImageRecipeArn})
	if err != nil || gr.LatestVersionReferences == nil {
		t.Errorf("GetImageRecipe latestVersionReferences: %+v, %v", gr, err)
	}
}

// TestWildcardRecipeVersion: a recipe created with semanticVersion 2.0.x
// gets the next patch version (November 2025 auto-versioning release);
// only the patch may be a wildcard.
func TestWildcardRecipeVersion(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	comp, err := c.CreateComponent(ctx, component("wild", "1.0.0", ""))
	if err != nil {
		t.Fatal(err)
	}
	create := func(version string) (string, error) {
		out, err := c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{
			Name: aws.String("wild"), SemanticVersion: aws.String(version), ParentImage: aws.String("ami-0abc"),
			Components: []types.ComponentConfiguration{{ComponentArn: comp.ComponentBuildVersionArn}},
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ImageRecipeArn), nil
	}
	for _, want := range []string{"2.0.0", "2.0.1", "2.0.2"} {
		arn, err := create("2.0.x")
		if err != nil || !strings.HasSuffix(arn, "/wild/"+want) {
			t.Fatalf("2.0.x gave %s, %v; want %s", arn, err, want)
		}
	}
	_, err = create("2.x.x")
	wantCode(t, err, "InvalidParameterValueException", "InvalidVersionNumberException", "ValidationException")
	srv.TakeViolations()
}

// TestImageVersionCarriesBuildAndDeleteImage: an image's version is
// <version>/<build> (AWS CLI reference, get-image example), and
// DeleteImage removes the image resource but not its AMIs (API reference
// DeleteImage).
func TestImageVersionCarriesBuildAndDeleteImage(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t)
	p := pipeline(t, c, "versioned")
	run, err := c.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	im := status(t, c, aws.ToString(run.ImageBuildVersionArn))
	if aws.ToString(im.Version) != "1.0.0/1" {
		t.Errorf("image version = %q, want 1.0.0/1", aws.ToString(im.Version))
	}
	del, err := c.DeleteImage(ctx, &ib.DeleteImageInput{ImageBuildVersionArn: run.ImageBuildVersionArn})
	if err != nil || aws.ToString(del.ImageBuildVersionArn) != aws.ToString(run.ImageBuildVersionArn) {
		t.Fatalf("DeleteImage = %+v, %v", del, err)
	}
	_, err = c.GetImage(ctx, &ib.GetImageInput{ImageBuildVersionArn: run.ImageBuildVersionArn})
	wantCode(t, err, "ResourceNotFoundException")
}

// TestListLag: the service documents that a new resource can take up to
// two minutes to show in List calls while Get finds it at once
// (userguide, "Image Builder API eventual consistency"); WithListLag
// emulates it, and without it lists are current.
func TestListLag(t *testing.T) {
	ctx := context.Background()
	srv, c := start(t, ibtest.WithListLag(2*time.Minute))
	comp, err := c.CreateComponent(ctx, component("lagging", "1.0.0", ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: comp.ComponentBuildVersionArn}); err != nil {
		t.Fatalf("Get right after create: %v", err)
	}
	list, err := c.ListComponents(ctx, &ib.ListComponentsInput{})
	if err != nil || len(list.ComponentVersionList) != 0 {
		t.Fatalf("listed before the lag passed: %+v, %v", list, err)
	}
	srv.Advance(2 * time.Minute)
	list, err = c.ListComponents(ctx, &ib.ListComponentsInput{})
	if err != nil || len(list.ComponentVersionList) != 1 {
		t.Fatalf("not listed after the lag: %+v, %v", list, err)
	}
}

// TestFaultsAfterTheWrite: the request takes effect and its answer is
// lost (a 500, or a dropped connection). The SDK retries with the same
// client token, and the service answers the retry with the first result
// instead of creating again (API reference CreateComponent, clientToken;
// EC2 "Ensuring idempotency").
func TestFaultsAfterTheWrite(t *testing.T) {
	for _, kind := range []ibtest.FaultKind{ibtest.ServerErrorAfterWrite, ibtest.DropConnectionAfterWrite} {
		ctx := context.Background()
		srv, c := start(t)
		srv.Inject(ibtest.Fault{Operation: "CreateComponent", Kind: kind})
		out, err := c.CreateComponent(ctx, component("once", "1.0.0", "token-once"))
		if err != nil {
			t.Fatalf("fault %d: the SDK's retry failed: %v", kind, err)
		}
		if !strings.HasSuffix(aws.ToString(out.ComponentBuildVersionArn), "/once/1.0.0/1") {
			t.Errorf("fault %d: arn %s, want the first build", kind, aws.ToString(out.ComponentBuildVersionArn))
		}
		builds, err := c.ListComponentBuildVersions(ctx, &ib.ListComponentBuildVersionsInput{})
		if err != nil || len(builds.ComponentSummaryList) != 1 {
			t.Errorf("fault %d: %d builds after a retried create, want 1 (%v)", kind, len(builds.ComponentSummaryList), err)
		}
		if n := srv.Calls()["CreateComponent"]; n != 2 {
			t.Errorf("fault %d: %d CreateComponent requests, want the first and its retry", kind, n)
		}
	}
	// Without a retry the caller sees the failure although the write
	// happened.
	ctx := context.Background()
	srv := ibtest.Start(t)
	c := ib.NewFromConfig(config(srv, 1), func(o *ib.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	srv.Inject(ibtest.Fault{Operation: "CreateComponent", Kind: ibtest.ServerErrorAfterWrite})
	_, err := c.CreateComponent(ctx, component("lost", "1.0.0", "token-lost"))
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) || status.HTTPStatusCode() != 500 {
		t.Fatalf("the lost answer: %v, want a 500", err)
	}
	if _, err := c.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: aws.String("arn:aws:imagebuilder:us-east-1:123456789012:component/lost/1.0.0/1")}); err != nil {
		t.Errorf("the write did not take effect: %v", err)
	}
}
