package imagebuilder_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

func find(t *testing.T, live []reconciler.Live, kind model.Kind, name string) reconciler.Live {
	t.Helper()
	for _, l := range live {
		if l.Kind == kind && l.Name == name {
			return l
		}
	}
	t.Fatalf("%s %s not listed in %+v", kind, name, live)
	return reconciler.Live{}
}

func TestCreateEveryKindAndListItBack(t *testing.T) {
	ctx := context.Background()
	_, c := setup(t)
	rs, res := world(t, c)

	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 5 {
		t.Fatalf("listed %d resources, want 5: %+v", len(live), live)
	}
	for _, r := range res {
		l := find(t, live, r.Kind, r.Name())
		if !l.Managed || l.Digest != model.Digest(r) || l.Version != r.Version() {
			t.Errorf("%s: live %+v, want managed with digest %s", r.ID(), l, model.Digest(r))
		}
		want, _ := rs.resolve(r.Kind, r.Name(), r.Version())
		if l.Arn != want || l.Arn != c.ArnFor(r) {
			t.Errorf("%s: arn %s, created as %s, ArnFor %s", r.ID(), l.Arn, want, c.ArnFor(r))
		}
		if l.Tags[imagebuilder.TagRepo] != "acme/images" {
			t.Errorf("%s: tags %v", r.ID(), l.Tags)
		}
	}
	if l := find(t, live, model.KindComponent, "hello"); l.Builds != 1 || l.Tags["team"] != "platform" {
		t.Errorf("component: %+v", l)
	}
	p := find(t, live, model.KindImagePipeline, "web")
	if p.RecipeArn != rs["ImageRecipe/web@1.0.0"] || p.InfrastructureArn != rs["InfrastructureConfiguration/builders@"] ||
		p.DistributionArn != rs["DistributionConfiguration/everywhere@"] || p.Status != "ENABLED" {
		t.Errorf("pipeline refs: %+v", p)
	}
}

func TestCreateIsIdempotentAndVersionsImmutable(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	rs, res := world(t, c)
	before := srv.Calls()

	// A replayed apply: same tokens, same content, same ARNs, nothing new.
	for _, k := range []string{"component", "recipe", "infra", "dist", "pipeline"} {
		r := res[k]
		arn, err := c.Create(ctx, r, rs.resolve, tokenFor(r.ID().String()), map[string]string{imagebuilder.TagRepo: "acme/images"}, false)
		if err != nil {
			t.Fatalf("replay %s: %v", r.ID(), err)
		}
		if want, _ := rs.resolve(r.Kind, r.Name(), r.Version()); arn != want {
			t.Errorf("replay %s = %s, want %s", r.ID(), arn, want)
		}
	}
	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l := find(t, live, model.KindComponent, "hello"); len(live) != 5 || l.Builds != 1 {
		t.Fatalf("replay created something: %+v", live)
	}

	changed := resource(t, strings.Replace(recipeYAML("web", "1.0.0", "hello"), "volumeSize: 20", "volumeSize: 30", 1))
	_, err = c.Create(ctx, changed, rs.resolve, tokenFor(changed.ID().String()), nil, false)
	if !imagebuilder.IsIdempotentMismatch(err) {
		t.Fatalf("same token, changed content: %v", err)
	}
	_, err = c.Create(ctx, changed, rs.resolve, "another-token", nil, false)
	if !imagebuilder.IsAlreadyExists(err) || !strings.Contains(err.Error(), "ImageRecipe/web@1.0.0") {
		t.Fatalf("same recipe version, new token: %v", err)
	}
	if n := srv.Calls()["CreateImageRecipe"] - before["CreateImageRecipe"]; n != 3 {
		t.Errorf("CreateImageRecipe calls = %d, want 3", n)
	}
}

func TestDryRun(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	r := resource(t, componentYAML("fresh", "1.0.0"))
	arn, err := c.Create(ctx, r, nil, "", nil, true)
	if err != nil || arn != "" {
		t.Fatalf("dry run of a valid component: %q, %v", arn, err)
	}
	if live, err := c.List(ctx); err != nil || len(live) != 0 {
		t.Fatalf("a dry run created %+v (%v)", live, err)
	}
	bad := resource(t, strings.Replace(componentYAML("fresh", "1.0.0"), "schemaVersion: 1.0", "schemaVersion: 9.9", 1))
	_, err = c.Create(ctx, bad, nil, "", nil, true)
	if !imagebuilder.IsInvalid(err) {
		t.Fatalf("dry run of a bad document: %v", err)
	}
	_, err = c.Create(ctx, resource(t, infraYAML), nil, "", nil, true)
	if !errors.Is(err, imagebuilder.ErrNoDryRun) {
		t.Fatalf("dry run of infrastructure: %v", err)
	}
	if n := srv.Calls()["CreateInfrastructureConfiguration"]; n != 0 {
		t.Errorf("a dry run of a kind without dryRun called the service %d times", n)
	}
}

func TestUpdateRetagsAndDeleteRespectsUse(t *testing.T) {
	ctx := context.Background()
	_, c := setup(t)
	rs, res := world(t, c)

	infra := resource(t, strings.Replace(infraYAML, "m7i.large", "m7i.xlarge", 1))
	if model.Digest(infra) == model.Digest(res["infra"]) {
		t.Fatal("test needs a changed digest")
	}
	arn := rs["InfrastructureConfiguration/builders@"]
	if err := c.Update(ctx, infra, arn, rs.resolve, "upd-1", map[string]string{imagebuilder.TagCommit: "abc123"}); err != nil {
		t.Fatal(err)
	}
	rs.add(model.KindImageRecipe, "web", "2.0.0", "")
	recipe2 := resource(t, recipeYAML("web", "2.0.0", "hello"))
	a2, err := c.Create(ctx, recipe2, rs.resolve, "r2", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	rs.add(model.KindImageRecipe, "web", "2.0.0", a2)
	pipe := resource(t, strings.Replace(pipelineYAML("web", "web"), "version: 1.0.0", "version: 2.0.0", 1))
	if err := c.Update(ctx, pipe, rs["ImagePipeline/web@"], rs.resolve, "upd-2", nil); err != nil {
		t.Fatal(err)
	}
	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l := find(t, live, model.KindInfrastructureConfiguration, "builders"); l.Digest != model.Digest(infra) || l.Tags[imagebuilder.TagCommit] != "abc123" {
		t.Errorf("updated infrastructure: %+v", l)
	}
	if l := find(t, live, model.KindImagePipeline, "web"); l.RecipeArn != a2 || l.Digest != model.Digest(pipe) {
		t.Errorf("updated pipeline: %+v", l)
	}
	if err := c.Update(ctx, recipe2, a2, rs.resolve, "", nil); err == nil {
		t.Error("updating a recipe should be refused")
	}

	err = c.Delete(ctx, model.KindImageRecipe, a2)
	if !imagebuilder.IsInUse(err) {
		t.Fatalf("delete a recipe a pipeline uses: %v", err)
	}
	err = c.Delete(ctx, model.KindComponent, rs["Component/hello@1.0.0"])
	if !imagebuilder.IsInUse(err) {
		t.Fatalf("delete a component recipes use: %v", err)
	}
	if err := c.Delete(ctx, model.KindImageRecipe, rs["ImageRecipe/web@1.0.0"]); err != nil {
		t.Fatalf("delete the recipe no pipeline uses any more: %v", err)
	}
	for _, step := range []struct {
		kind model.Kind
		arn  string
	}{
		{model.KindImagePipeline, rs["ImagePipeline/web@"]},
		{model.KindImageRecipe, a2},
		{model.KindComponent, rs["Component/hello@1.0.0"]},
		{model.KindInfrastructureConfiguration, arn},
		{model.KindDistributionConfiguration, rs["DistributionConfiguration/everywhere@"]},
	} {
		if err := c.Delete(ctx, step.kind, step.arn); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Delete(ctx, model.KindImagePipeline, rs["ImagePipeline/web@"]); !imagebuilder.IsNotFound(err) {
		t.Fatalf("delete twice: %v", err)
	}
	if live, _ := c.List(ctx); len(live) != 0 {
		t.Errorf("left behind: %+v", live)
	}
}

func TestBake(t *testing.T) {
	ctx := context.Background()
	d := ibtest.StateDurations{Pending: time.Minute, Building: 20 * time.Minute, Testing: 10 * time.Minute, Distributing: 5 * time.Minute, Creating: 2 * time.Minute, Integrating: 2 * time.Minute}
	srv, c := setup(t, ibtest.WithStateDurations(d))
	rs, _ := world(t, c)
	pipeline := rs["ImagePipeline/web@"]

	img, err := c.StartPipeline(ctx, pipeline, "staging/web/abc123")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.StartPipeline(ctx, pipeline, "staging/web/abc123")
	if err != nil || again != img {
		t.Fatalf("a repeated start: %s, %v; want %s", again, err, img)
	}
	var seen []string
	for range 60 {
		im, err := c.GetImage(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != im.State {
			seen = append(seen, im.State)
		}
		if imagebuilder.Terminal(im.State) {
			break
		}
		srv.Advance(time.Minute)
	}
	want := []string{"PENDING", "CREATING", "BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING", "AVAILABLE"}
	if !slices.Equal(seen, want) {
		t.Fatalf("states %v, want %v", seen, want)
	}
	im, err := c.GetImage(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range im.AMIs {
		if !strings.HasPrefix(a.ID, "ami-") || !strings.HasPrefix(a.Name, "web") {
			t.Errorf("AMI %+v", a)
		}
		got = append(got, a.Region+"/"+a.Account)
	}
	slices.Sort(got)
	if w := []string{"eu-west-1/123456789012", "us-east-1/123456789012", "us-east-1/210987654321"}; !slices.Equal(got, w) {
		t.Errorf("AMIs in %v, want %v", got, w)
	}
	if im.PipelineArn != pipeline || !im.TestsEnabled || im.LogURI != "s3://build-logs/kiln/web/1.0.0/1/" {
		t.Errorf("image = %+v", im)
	}

	srv.Inject(ibtest.Fault{Kind: ibtest.FailBuildInTesting})
	failing, err := c.StartPipeline(ctx, pipeline, "staging/web/def456")
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour)
	im, err = c.GetImage(ctx, failing)
	if err != nil || im.State != imagebuilder.StateFailed || im.Reason == "" || len(im.AMIs) != 0 {
		t.Fatalf("failed bake: %+v, %v", im, err)
	}

	cancelled, err := c.StartPipeline(ctx, pipeline, "staging/web/0badc0de")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelImage(ctx, cancelled); err != nil {
		t.Fatal(err)
	}
	if im, err = c.GetImage(ctx, cancelled); err != nil || im.State != imagebuilder.StateCancelled {
		t.Fatalf("cancelled bake: %+v, %v", im, err)
	}
	if err := c.CancelImage(ctx, img); err == nil {
		t.Error("cancelling a finished bake should fail")
	}
	if _, err := c.GetImage(ctx, strings.Replace(img, "/1.0.0/1", "/9.9.9/1", 1)); !imagebuilder.IsNotFound(err) {
		t.Errorf("unknown image: %v", err)
	}
}

func TestContainerRecipe(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	rs := refs{}
	for _, src := range []string{componentYAML("app", "1.0.0"), `apiVersion: kiln/v1
kind: ContainerRecipe
metadata: {name: app, version: 1.0.0}
spec:
  containerType: DOCKER
  parentImage: amazonlinux:2023
  components: [{name: app, version: 1.0.0}]
  dockerfileTemplateData: "FROM {{{ imagebuilder:parentImage }}}"
  targetRepository: {service: ECR, repositoryName: app}
`, infraYAML, `apiVersion: kiln/v1
kind: ImagePipeline
metadata: {name: app}
spec:
  containerRecipe: {name: app, version: 1.0.0}
  infrastructureConfiguration: builders
`} {
		r := resource(t, src)
		arn, err := c.Create(ctx, r, rs.resolve, "", nil, false)
		if err != nil {
			t.Fatal(err)
		}
		rs.add(r.Kind, r.Name(), r.Version(), arn)
	}
	img, err := c.StartPipeline(ctx, rs["ImagePipeline/app@"], "")
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(24 * time.Hour)
	im, err := c.GetImage(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Containers) != 1 || im.Containers[0].Region != "us-east-1" ||
		!slices.Equal(im.Containers[0].ImageURIs, []string{"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.0-1"}) {
		t.Errorf("containers = %+v", im.Containers)
	}
	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := find(t, live, model.KindImagePipeline, "app"); p.RecipeArn != rs["ContainerRecipe/app@1.0.0"] {
		t.Errorf("pipeline recipe = %s", p.RecipeArn)
	}
	if r := find(t, live, model.KindContainerRecipe, "app"); r.Version != "1.0.0" || !r.Managed {
		t.Errorf("container recipe = %+v", r)
	}
}

func TestThrottlingIsSurvived(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	srv.Inject(ibtest.Fault{Operation: "CreateComponent", Kind: ibtest.Throttle, Times: 5})
	srv.Inject(ibtest.Fault{Operation: "ListComponents", Kind: ibtest.TooManyRequests, Times: 3})
	srv.Inject(ibtest.Fault{Operation: "ListComponentBuildVersions", Kind: ibtest.ServerError, Times: 2})
	r := resource(t, componentYAML("hello", "1.0.0"))
	arn, err := c.Create(ctx, r, nil, "tok", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || live[0].Arn != arn || live[0].Builds != 1 {
		t.Fatalf("after throttling: %+v", live)
	}
	calls := srv.Calls()
	if calls["CreateComponent"] != 6 || calls["ListComponents"] != 4 || calls["ListComponentBuildVersions"] != 3 {
		t.Errorf("calls = %v", calls)
	}
	// Beyond the retry budget the error reaches the caller, typed.
	srv.Inject(ibtest.Fault{Operation: "GetImage", Kind: ibtest.Throttle, Times: 100})
	if _, err := c.GetImage(ctx, "arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1"); !imagebuilder.IsThrottled(err) {
		t.Errorf("exhausted retries: %v", err)
	}
}

func TestListReadsComponentTagsOnce(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		if _, err := c.Create(ctx, resource(t, componentYAML("base", v)), nil, "", nil, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.List(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls()["ListComponentBuildVersions"]; n != 0 || len(live) != 3 {
		t.Fatalf("a second List read tags again (%d calls) or lost components (%d)", n, len(live))
	}
	// Someone creates 1.1.0 again outside kiln: the service makes build 2,
	// the cached entry no longer matches, and List shows it.
	srv.Advance(time.Second)
	r := resource(t, componentYAML("base", "1.1.0"))
	r.Metadata.Description = "changed by hand"
	if _, err := c.Create(ctx, r, nil, "", nil, false); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	live, err = c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l := find(t, live, model.KindComponent, "base")
	for _, x := range live {
		if x.Version == "1.1.0" {
			l = x
		}
	}
	if l.Builds != 2 || !strings.HasSuffix(l.Arn, "/1.1.0/2") || l.Digest != model.Digest(r) {
		t.Errorf("rebuilt version: %+v", l)
	}
	if n := srv.Calls()["ListComponentBuildVersions"]; n != 1 {
		t.Errorf("tag reads after one version changed = %d, want 1", n)
	}
}

func TestPutParameter(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	for _, v := range []string{"ami-0001", "ami-0002"} {
		if err := c.PutParameter(ctx, "/kiln/web/us-east-1", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, ok := srv.Parameter("/kiln/web/us-east-1"); !ok || v != "ami-0002" {
		t.Errorf("parameter = %q, %v", v, ok)
	}
}

func TestForEnvironmentWithoutRoleUsesBase(t *testing.T) {
	ctx := context.Background()
	srv := ibtest.Start(t)
	c, err := imagebuilder.ForEnvironment(ctx, baseConfig(), model.Environment{Name: "dev", Region: "us-east-1", Account: "123456789012"},
		imagebuilder.WithEndpoint(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Environment().Name != "dev" {
		t.Error("environment not kept")
	}
}

func TestForEnvironmentAssumesTheRole(t *testing.T) {
	ctx := context.Background()
	srv := ibtest.Start(t)
	base := baseConfig()
	// The base config's endpoint reaches STS as well as Image Builder, as
	// AWS_ENDPOINT_URL does in a deployment.
	base.BaseEndpoint = aws.String(srv.URL())
	role := "arn:aws:iam::123456789012:role/kiln-staging"
	c, err := imagebuilder.ForEnvironment(ctx, base, model.Environment{Name: "staging", Region: "us-east-1", Account: "123456789012", RoleArn: role})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.List(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.AssumedRoles(); len(got) != 1 || got[0] != role {
		t.Fatalf("assumed roles = %v, want one AssumeRole of %s (credentials cached)", got, role)
	}
	keys := srv.AccessKeys()
	if keys["AKID"] != 1 {
		t.Errorf("the base identity signed %d calls, want only the AssumeRole call", keys["AKID"])
	}
	listings := 3 * len(model.Kinds()) // one listing per kind, three Lists
	for k, n := range keys {
		if k != "AKID" && (!strings.HasPrefix(k, "ASIA") || n != listings) {
			t.Errorf("access key %s signed %d calls, want the assumed role's to sign all %d listings", k, n, listings)
		}
	}
}

func TestTagCacheSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t)
	cache := imagebuilder.NewTagCache()
	first := imagebuilder.New(baseConfig(), env, imagebuilder.WithEndpoint(srv.URL()), imagebuilder.WithTagCache(cache))
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if _, err := c.Create(ctx, resource(t, componentYAML("base", v)), nil, "", nil, false); err != nil {
			t.Fatal(err)
		}
	}
	want, err := first.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := json.Marshal(cache)
	if err != nil {
		t.Fatal(err)
	}
	restored := imagebuilder.NewTagCache()
	if err := json.Unmarshal(saved, restored); err != nil {
		t.Fatal(err)
	}
	if restored.Len() != 2 {
		t.Fatalf("restored %d entries from %s", restored.Len(), saved)
	}
	srv.ResetCalls()
	second := imagebuilder.New(baseConfig(), env, imagebuilder.WithEndpoint(srv.URL()), imagebuilder.WithTagCache(restored))
	got, err := second.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls()["ListComponentBuildVersions"]; n != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("after restore: %d tag reads; lists equal: %v", n, reflect.DeepEqual(got, want))
	}
	if err := json.Unmarshal([]byte(`{"not":"a list"}`), restored); err == nil {
		t.Error("a malformed cache should be refused")
	}
}

func TestListPaginatesEveryKind(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t, ibtest.WithMaxResults(1))
	_, res := world(t, c)
	extra := resource(t, strings.Replace(infraYAML, "name: builders", "name: builders-2", 1))
	if _, err := c.Create(ctx, extra, nil, "", nil, false); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	live, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != len(res)+1 {
		t.Fatalf("listed %d, want %d", len(live), len(res)+1)
	}
	calls := srv.Calls()
	if calls["ListInfrastructureConfigurations"] != 2 || calls["ListComponents"] != 1 {
		t.Errorf("one item per page: calls %v", calls)
	}
}
