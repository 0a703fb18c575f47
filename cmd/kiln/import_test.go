package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/model"
)

const handMadeDoc = `name: motd
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

// handMade creates in the emulator, through the SDK and without kiln,
// what a team built by hand: components, a recipe that uses them and an
// AWS-managed component, configurations and a pipeline; plus one component
// and one pipeline's infrastructure that another kiln repository manages.
func handMade(t *testing.T, srv *ibtest.Server) {
	t.Helper()
	ctx := context.Background()
	c := ib.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAKILNTESTBASEKEY1", "x", "")},
		func(o *ib.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	own := "arn:aws:imagebuilder:us-east-1:123456789012:"
	managed := map[string]string{"kiln:managed": "true", "kiln:digest": "d1"}
	must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("motd"), SemanticVersion: aws.String("1.0.0"),
		Platform: types.PlatformLinux, Data: aws.String(handMadeDoc), Description: aws.String("Message of the day"),
		Tags: map[string]string{"team": "platform"}}))
	must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("motd"), SemanticVersion: aws.String("0.9.0"),
		Platform: types.PlatformLinux, Data: aws.String(handMadeDoc)}))
	must(c.CreateComponent(ctx, &ib.CreateComponentInput{Name: aws.String("kiln-owned"), SemanticVersion: aws.String("1.0.0"),
		Platform: types.PlatformLinux, Data: aws.String(handMadeDoc), Tags: managed}))
	must(c.CreateImageRecipe(ctx, &ib.CreateImageRecipeInput{Name: aws.String("web"), SemanticVersion: aws.String("1.0.0"),
		ParentImage: aws.String("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x"),
		Components: []types.ComponentConfiguration{
			{ComponentArn: aws.String("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")},
			{ComponentArn: aws.String(own + "component/motd/1.0.0/1")},
			{ComponentArn: aws.String(own + "component/kiln-owned/1.x.x")},
		},
		BlockDeviceMappings: []types.InstanceBlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &types.EbsInstanceBlockDeviceSpecification{Encrypted: aws.Bool(true), VolumeSize: aws.Int32(20), VolumeType: types.EbsVolumeTypeGp3}}}}))
	must(c.CreateContainerRecipe(ctx, &ib.CreateContainerRecipeInput{Name: aws.String("web-container"), SemanticVersion: aws.String("1.0.0"),
		ContainerType: types.ContainerTypeDocker, ParentImage: aws.String("public.ecr.aws/amazonlinux/amazonlinux:2023"),
		Components:             []types.ComponentConfiguration{{ComponentArn: aws.String(own + "component/motd/1.0.0")}},
		DockerfileTemplateData: aws.String("FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\nUSER app\n"),
		KmsKeyId:               aws.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		TargetRepository:       &types.TargetContainerRepository{Service: types.ContainerRepositoryServiceEcr, RepositoryName: aws.String("apps/web")}}))
	must(c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String("build"),
		InstanceProfileName: aws.String("EC2InstanceProfileForImageBuilder"), InstanceTypes: []string{"m7i.large"},
		SnsTopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:builds")}))
	must(c.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{Name: aws.String("kiln-infra"),
		InstanceProfileName: aws.String("EC2InstanceProfileForImageBuilder"), Tags: managed}))
	must(c.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{Name: aws.String("amis"),
		Distributions: []types.Distribution{{Region: aws.String("us-east-1"), AmiDistributionConfiguration: &types.AmiDistributionConfiguration{
			Name: aws.String("web-{{ imagebuilder:buildDate }}")}}}}))
	for name, infra := range map[string]string{"web": "build", "web-on-managed": "kiln-infra"} {
		must(c.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{Name: aws.String(name),
			ImageRecipeArn:                 aws.String(own + "image-recipe/web/1.0.0"),
			InfrastructureConfigurationArn: aws.String(own + "infrastructure-configuration/" + infra),
			DistributionConfigurationArn:   aws.String(own + "distribution-configuration/amis"),
			Schedule:                       &types.Schedule{ScheduleExpression: aws.String("cron(0 6 ? * MON *)")}}))
	}
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkClean loads and validates dir with kiln's own checker and fails on
// any validation finding (policy findings are allowed: hand-built
// resources may break policies).
func checkClean(t *testing.T, dir string) *check.Result {
	t.Helper()
	checker, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	res, err := checker.Run(context.Background(), check.Input{Head: root.FS()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Validation {
		t.Errorf("validation finding on the import: %s:%d: %s %s", f.Pos.File, f.Pos.Line, f.Rule, f.Message)
	}
	return res
}

func TestImport(t *testing.T) {
	srv := ibtest.Start(t)
	noAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAKILNTESTBASEKEY1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "kiln-test-secret")
	handMade(t, srv)

	dir := t.TempDir()
	args := []string{"import", "--env", "staging", "--account", "123456789012", "--region", "us-east-1",
		"--role-arn", "arn:aws:iam::123456789012:role/importer", "--out", dir}
	code, out, errOut := kiln(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if roles := srv.AssumedRoles(); !slices.Contains(roles, "arn:aws:iam::123456789012:role/importer") {
		t.Errorf("roles assumed %v", roles)
	}
	if !strings.Contains(out, "skipped ImagePipeline/web-on-managed") || !strings.Contains(out, "left out 2 resources kiln already manages") {
		t.Errorf("output:\n%s", out)
	}

	files := snapshot(t, dir)
	var names []string
	for p := range files {
		names = append(names, p)
	}
	slices.Sort(names)
	// The older version of a name gets its version in the file name.
	want := []string{".kiln.yaml", "components/motd-0.9.0.toe.yaml", "components/motd-0.9.0.yaml",
		"components/motd.toe.yaml", "components/motd.yaml", "distribution/amis.yaml",
		"infrastructure/build.yaml", "pipelines/web.yaml", "recipes/web-container.yaml", "recipes/web.yaml"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if files["components/motd.toe.yaml"] != handMadeDoc {
		t.Errorf("document:\n%s", files["components/motd.toe.yaml"])
	}
	if !strings.Contains(files[".kiln.yaml"], "staging:") || !strings.Contains(files[".kiln.yaml"], "roleArn: arn:aws:iam::123456789012:role/importer") {
		t.Errorf(".kiln.yaml:\n%s", files[".kiln.yaml"])
	}

	for _, p := range names {
		t.Logf("== %s\n%s", p, files[p])
	}
	res := checkClean(t, dir)
	if len(res.Head.Resources) != 7 {
		t.Errorf("%d resources loaded, want 7", len(res.Head.Resources))
	}
	recipe := res.Head.Get(model.KindImageRecipe, "web")
	if recipe == nil {
		t.Fatal("no recipe web")
	}
	refs := recipe.Spec.(*model.ImageRecipeSpec).Components
	if len(refs) != 3 || refs[0].Arn != "arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x" ||
		refs[1].Name != "motd" || refs[1].Version != "1.0.0" || refs[1].Arn != "" ||
		refs[2].Arn != "arn:aws:imagebuilder:{region}:{account}:component/kiln-owned/1.x.x" {
		t.Errorf("recipe components %+v", refs)
	}
	pipe := res.Head.Get(model.KindImagePipeline, "web").Spec.(*model.ImagePipelineSpec)
	if *pipe.ImageRecipe != (model.RecipeRef{Name: "web", Version: "1.0.0"}) || pipe.InfrastructureConfiguration != "build" || pipe.DistributionConfiguration != "amis" {
		t.Errorf("pipeline %+v", pipe)
	}
	container := res.Head.Get(model.KindContainerRecipe, "web-container").Spec.(*model.ContainerRecipeSpec)
	if container.Components[0].Name != "motd" || container.KmsKeyID != "arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab" ||
		!strings.HasSuffix(container.DockerfileTemplateData, "USER app\n") {
		t.Errorf("container recipe %+v", container)
	}
	infra := res.Head.Get(model.KindInfrastructureConfiguration, "build").Spec.(*model.InfrastructureConfigurationSpec)
	if infra.SnsTopicArn != "arn:aws:sns:{region}:{account}:builds" {
		t.Errorf("sns %q", infra.SnsTopicArn)
	}

	t.Run("refuses to overwrite", func(t *testing.T) {
		code, out, errOut := kiln(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "refusing to overwrite") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		if got := snapshot(t, dir); !mapsEqual(got, files) {
			t.Error("a refused import changed files")
		}
	})

	t.Run("force rewrites the same bytes", func(t *testing.T) {
		code, out, errOut := kiln(t, append(args, "--force")...)
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if got := snapshot(t, dir); !mapsEqual(got, files) {
			for p := range got {
				if got[p] != files[p] {
					t.Errorf("%s changed:\n%s\n---\n%s", p, files[p], got[p])
				}
			}
		}
	})

	t.Run("all", func(t *testing.T) {
		all := t.TempDir()
		// The environment from the .kiln.yaml just written; no role this time.
		code, out, errOut := kiln(t, "import", "--env", "staging", "--config", filepath.Join(dir, ".kiln.yaml"),
			"--assume-role=false", "--out", all, "--all")
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		res := checkClean(t, all)
		if len(res.Head.Resources) != 10 {
			t.Errorf("%d resources loaded, want 10", len(res.Head.Resources))
		}
		for _, id := range []string{"Component/kiln-owned@1.0.0", "InfrastructureConfiguration/kiln-infra", "ImagePipeline/web-on-managed"} {
			if !slices.ContainsFunc(res.Head.Resources, func(r *model.Resource) bool { return r.ID().String() == id }) {
				t.Errorf("--all did not import %s", id)
			}
		}
		refs := res.Head.Get(model.KindImageRecipe, "web").Spec.(*model.ImageRecipeSpec).Components
		if refs[2].Name != "kiln-owned" || refs[2].Version != "1.x.x" {
			t.Errorf("managed component not named with --all: %+v", refs[2])
		}
		if b, _ := os.ReadFile(filepath.Join(all, "components", "kiln-owned.yaml")); strings.Contains(string(b), "kiln:") {
			t.Errorf("kiln's tags imported:\n%s", b)
		}
	})

	t.Run("usage", func(t *testing.T) {
		for _, a := range [][]string{
			{"import"},
			{"import", "--env", "staging"},
			{"import", "--env", "staging", "--config", filepath.Join(dir, ".kiln.yaml"), "--account", "1"},
			{"import", "--env", "nope", "--config", filepath.Join(dir, ".kiln.yaml")},
		} {
			if code, _, errOut := kiln(t, a...); code != exitUsage || !strings.Contains(errOut, "kiln import:") {
				t.Errorf("%v: exit %d, %s", a, code, errOut)
			}
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
