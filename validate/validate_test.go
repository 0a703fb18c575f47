package validate

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

func componentYAML(name, version, phase string) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: Component
metadata:
  name: %s
  version: %s
spec:
  platform: Linux
  data: |
    schemaVersion: 1.0
    phases:
      - name: %s
        steps:
          - name: Run
            action: ExecuteBash
            inputs:
              commands: ["echo %s"]
`, name, version, phase, name)
}

const (
	baseRecipe = `apiVersion: kiln/v1
kind: ImageRecipe
metadata:
  name: base
  version: 1.0.0
spec:
  parentImage: ami-0123456789abcdef0
  components:
    - name: ssh-hardening
      version: 1.x.x
    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x
`
	webRecipe = `apiVersion: kiln/v1
kind: ContainerRecipe
metadata:
  name: web
  version: 1.0.0
spec:
  containerType: DOCKER
  parentImage: amazonlinux:2023
  components:
    - name: ssh-hardening
      version: 1.2.0
  dockerfileTemplateUri: s3://templates/web.Dockerfile
  targetRepository: {service: ECR, repositoryName: web}
`
	infraYAML = `apiVersion: kiln/v1
kind: InfrastructureConfiguration
metadata:
  name: build-small
spec:
  instanceProfileName: ImageBuilderInstance
`
	distYAML = `apiVersion: kiln/v1
kind: DistributionConfiguration
metadata:
  name: everywhere
spec:
  distributions:
    - region: us-east-1
`
	basePipeline = `apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: base
spec:
  imageRecipe: {name: base, version: 1.x.x}
  infrastructureConfiguration: build-small
  distributionConfiguration: everywhere
`
	webPipeline = `apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: web
spec:
  containerRecipe:
    name: web
    version: 1.0.0
  infrastructureConfiguration: build-small
`
)

func baseFiles() map[string]string {
	return map[string]string{
		"components/ssh-1.2.0.yaml": componentYAML("ssh-hardening", "1.2.0", "build"),
		"components/ssh-1.3.0.yaml": componentYAML("ssh-hardening", "1.3.0", "build"),
		"components/audit.yaml":     componentYAML("audit-check", "1.0.0", "validate"),
		"recipes/base.yaml":         baseRecipe,
		"recipes/web.yaml":          webRecipe,
		"infra.yaml":                infraYAML,
		"dist.yaml":                 distYAML,
		"pipelines/base.yaml":       basePipeline,
		"pipelines/web.yaml":        webPipeline,
	}
}

func TestRepository(t *testing.T) {
	cases := []struct {
		name     string
		file     string // file to edit ("" for none)
		old, new string
		add      map[string]string
		wants    []want
	}{
		{name: "valid"},
		{name: "component missing", file: "recipes/base.yaml", old: "name: ssh-hardening", new: "name: ssh-hardenin",
			wants: []want{{"recipes/base.yaml", 9, 13, "ref/component", "spec.components[0].name: Component ssh-hardenin is not in the repository; did you mean ssh-hardening?"}}},
		{name: "component version missing", file: "recipes/base.yaml", old: "version: 1.x.x", new: "version: 2.x.x",
			wants: []want{{"recipes/base.yaml", 10, 16, "ref/component", "spec.components[0].version: Component ssh-hardening has no version matching 2.x.x; the repository has 1.3.0, 1.2.0"}}},
		{name: "exact component version missing", file: "recipes/web.yaml", old: "version: 1.2.0", new: "version: 1.2.1",
			wants: []want{{"recipes/web.yaml", 11, 16, "ref/component", "has no version matching 1.2.1"}}},
		{name: "wildcard left of a number", file: "recipes/base.yaml", old: "version: 1.x.x", new: "version: x.2.x",
			wants: []want{{"recipes/base.yaml", 10, 16, "version/wildcard", "spec.components[0].version: version \"x.2.x\": a wildcard may only stand to the right of numbers"}}},
		{name: "wildcard left in an ARN", file: "recipes/base.yaml", old: "update-linux/x.x.x", new: "update-linux/x.1.x",
			wants: []want{{"recipes/base.yaml", 11, 12, "version/wildcard", "spec.components[1].arn: version \"x.1.x\""}}},
		{name: "leading zero", file: "recipes/web.yaml", old: "version: 1.2.0", new: "version: 01.2.0",
			wants: []want{{"recipes/web.yaml", 11, 16, "version/invalid", "not a number without leading zeros"}}},
		{name: "metadata version node too large", file: "infra.yaml", old: "", new: "",
			add:   map[string]string{"big.yaml": componentYAML("big-one", "1.2.1073741824", "build")},
			wants: []want{{"big.yaml", 5, 12, "version/invalid", "metadata.version: version \"1.2.1073741824\": node \"1073741824\" is larger than"}}},
		{name: "no build component", file: "recipes/web.yaml", old: "name: ssh-hardening\n      version: 1.2.0", new: "name: audit-check\n      version: 1.0.0",
			wants: []want{{"recipes/web.yaml", 10, 5, "recipe/build-component", "ContainerRecipe web 1.0.0 has no build component: at least one component must have a build phase (audit-check 1.0.0 has none)"}}},
		{name: "ARN counts as build component", file: "recipes/base.yaml", old: "name: ssh-hardening\n      version: 1.x.x", new: "name: audit-check\n      version: 1.0.0"},
		{name: "recipe missing", file: "pipelines/base.yaml", old: "name: base, version", new: "name: bass, version",
			wants: []want{{"pipelines/base.yaml", 6, 23, "ref/recipe", "spec.imageRecipe.name: ImageRecipe bass is not in the repository; did you mean base?"}}},
		{name: "recipe version missing", file: "pipelines/base.yaml", old: "version: 1.x.x", new: "version: 1.1.x",
			wants: []want{{"pipelines/base.yaml", 6, 38, "ref/recipe", "spec.imageRecipe.version: ImageRecipe base has no version matching 1.1.x; the repository has 1.0.0"}}},
		{name: "container recipe named as image recipe", file: "pipelines/web.yaml", old: "containerRecipe:", new: "imageRecipe:",
			wants: []want{{"pipelines/web.yaml", 7, 11, "ref/recipe", "spec.imageRecipe: web is a ContainerRecipe, not an ImageRecipe: name it under containerRecipe"}}},
		{name: "image recipe named as container recipe", file: "pipelines/base.yaml", old: "imageRecipe:", new: "containerRecipe:",
			wants: []want{{"pipelines/base.yaml", 6, 27, "ref/recipe", "spec.containerRecipe: base is an ImageRecipe, not a ContainerRecipe: name it under imageRecipe"}}},
		{name: "infrastructure missing", file: "pipelines/base.yaml", old: "infrastructureConfiguration: build-small", new: "infrastructureConfiguration: build-large",
			wants: []want{{"pipelines/base.yaml", 7, 32, "ref/infrastructure", "spec.infrastructureConfiguration: InfrastructureConfiguration build-large is not in the repository"}}},
		{name: "distribution missing", file: "pipelines/base.yaml", old: "distributionConfiguration: everywhere", new: "distributionConfiguration: nowhere",
			wants: []want{{"pipelines/base.yaml", 8, 30, "ref/distribution", "DistributionConfiguration nowhere is not in the repository"}}},
		{name: "schema finding", file: "infra.yaml", old: "instanceProfileName: ImageBuilderInstance", new: "instanceProfileName: ImageBuilderInstance\n  keyPairs: ops",
			wants: []want{{"infra.yaml", 7, 3, "schema", "spec.keyPairs: unknown field; did you mean keyPair?"}}},
		{name: "document finding", file: "components/audit.yaml", old: "action: ExecuteBash", new: "action: ExecuteBashh",
			wants: []want{{"components/audit.yaml", 14, 21, "toe/", "ExecuteBashh"}}},
	}
	v := validator(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := baseFiles()
			if c.old != "" {
				if !strings.Contains(files[c.file], c.old) {
					t.Fatalf("%q not in %s", c.old, c.file)
				}
				files[c.file] = strings.Replace(files[c.file], c.old, c.new, 1)
			}
			maps.Copy(files, c.add)
			got := Repository(repository(t, files), v)
			// Rules of package awstoe are matched by prefix.
			for i := range got {
				if strings.HasPrefix(got[i].Rule, "toe/") && len(c.wants) > i && c.wants[i].rule == "toe/" {
					got[i].Rule = "toe/"
				}
			}
			check(t, got, c.wants)
		})
	}
}

func TestRepositoryChecksConfig(t *testing.T) {
	repo := repository(t, baseFiles())
	cfg := resource(t, ".kiln.yaml", "apiVersion: x\n")
	repo.Config = &model.Config{File: ".kiln.yaml", Node: cfg.Node()}
	got := Repository(repo, validator(t))
	if len(got) != 1 || got[0].File != ".kiln.yaml" || got[0].Rule != "schema" || !strings.Contains(got[0].Message, "apiVersion: unknown field") {
		t.Errorf("got %v", got)
	}
}

func TestWildcardResolvesToNewest(t *testing.T) {
	repo := repository(t, baseFiles())
	got := repo.Resolve(model.KindComponent, "ssh-hardening", "1.x.x")
	if got == nil || got.Metadata.Version != "1.3.0" {
		t.Fatalf("resolved %v", got)
	}
}

func TestRepositoryNeverPanicsOnUndecodedSpecs(t *testing.T) {
	files := baseFiles()
	files["recipes/base.yaml"] = strings.Replace(baseRecipe, "  components:\n", "  components: 7\n  old:\n", 1)
	repo := repository(t, files)
	for _, r := range repo.Resources {
		if r.File == "recipes/base.yaml" && r.Spec != nil {
			t.Fatal("spec decoded")
		}
	}
	got := Repository(repo, validator(t))
	if len(got) == 0 {
		t.Fatal("no findings for an undecodable recipe")
	}
}
