package imagebuilder_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/model"
)

var env = model.Environment{Name: "staging", Account: "123456789012", Region: "us-east-1", Branch: "main"}

func baseConfig() aws.Config {
	return aws.Config{Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
}

// setup starts an emulator and a client for env pointed at it, with a
// retry backoff short enough for throttling tests.
func setup(tb testing.TB, opts ...ibtest.Option) (*ibtest.Server, *imagebuilder.Client) {
	tb.Helper()
	srv := ibtest.Start(tb, opts...)
	c := imagebuilder.New(baseConfig(), env,
		imagebuilder.WithEndpoint(srv.URL()),
		imagebuilder.WithRetry(8, time.Millisecond),
		imagebuilder.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return srv, c
}

// resource decodes one kiln document the way the loader does for what the
// adapter reads: Kind, Metadata, the typed Spec and the plain Value that
// digests are computed from.
func resource(tb testing.TB, src string) *model.Resource {
	tb.Helper()
	var doc struct {
		Kind     model.Kind     `yaml:"kind"`
		Metadata model.Metadata `yaml:"metadata"`
		Spec     yaml.Node      `yaml:"spec"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		tb.Fatal(err)
	}
	spec := model.NewSpec(doc.Kind)
	if err := doc.Spec.Decode(spec); err != nil {
		tb.Fatal(err)
	}
	var value map[string]any
	if err := yaml.Unmarshal([]byte(src), &value); err != nil {
		tb.Fatal(err)
	}
	return &model.Resource{Kind: doc.Kind, Metadata: doc.Metadata, Spec: spec, Value: value, File: "test.yaml"}
}

// refs resolves references from what the test created, by kind, name
// and version.
type refs map[string]string

func (r refs) add(kind model.Kind, name, version, arn string) {
	r[string(kind)+"/"+name+"@"+version] = arn
}

func (r refs) resolve(kind model.Kind, name, version string) (string, error) {
	if a, ok := r[string(kind)+"/"+name+"@"+version]; ok {
		return a, nil
	}
	return "", fmt.Errorf("no %s %s@%s", kind, name, version)
}

const componentDoc = `name: hello
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: hello
        action: ExecuteBash
        inputs:
          commands: ["echo hello"]
`

func componentYAML(name, version string) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: Component
metadata:
  name: %s
  version: %s
  description: says hello
  tags: {team: platform}
spec:
  platform: Linux
  supportedOsVersions: ["Amazon Linux 2023"]
  data: |
    name: hello
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: hello
            action: ExecuteBash
            inputs:
              commands: ["echo %s"]
`, name, version, name)
}

func recipeYAML(name, version, component string) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: ImageRecipe
metadata: {name: %s, version: %s}
spec:
  parentImage: arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x
  components:
    - {name: %s, version: 1.0.0}
    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x
  blockDeviceMappings:
    - deviceName: /dev/xvda
      ebs: {encrypted: true, volumeSize: 20, volumeType: gp3, kmsKeyId: "arn:aws:kms:{region}:{account}:key/k"}
`, name, version, component)
}

const infraYAML = `apiVersion: kiln/v1
kind: InfrastructureConfiguration
metadata: {name: builders}
spec:
  instanceProfileName: image-builder
  instanceTypes: [m7i.large]
  terminateInstanceOnFailure: true
  instanceMetadataOptions: {httpTokens: required}
  logging: {s3Logs: {s3BucketName: build-logs, s3KeyPrefix: kiln}}
`

const distYAML = `apiVersion: kiln/v1
kind: DistributionConfiguration
metadata: {name: everywhere}
spec:
  distributions:
    - region: "{region}"
      amiDistributionConfiguration:
        name: "web-{{imagebuilder:buildDate}}"
        targetAccountIds: ["210987654321"]
    - region: eu-west-1
`

func pipelineYAML(name, recipe string) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: ImagePipeline
metadata: {name: %s}
spec:
  imageRecipe: {name: %s, version: 1.0.0}
  infrastructureConfiguration: builders
  distributionConfiguration: everywhere
  imageTestsConfiguration: {imageTestsEnabled: true, timeoutMinutes: 60}
  imageScanningConfiguration: {imageScanningEnabled: true}
`, name, recipe)
}

// world creates a component, recipe, infrastructure, distribution and
// pipeline through the adapter and returns the resolver that knows them.
func world(tb testing.TB, c *imagebuilder.Client) (refs, map[string]*model.Resource) {
	tb.Helper()
	ctx := context.Background()
	rs := refs{}
	res := map[string]*model.Resource{
		"component": resource(tb, componentYAML("hello", "1.0.0")),
		"recipe":    resource(tb, recipeYAML("web", "1.0.0", "hello")),
		"infra":     resource(tb, infraYAML),
		"dist":      resource(tb, distYAML),
		"pipeline":  resource(tb, pipelineYAML("web", "web")),
	}
	for _, k := range []string{"component", "recipe", "infra", "dist", "pipeline"} {
		r := res[k]
		arn, err := c.Create(ctx, r, rs.resolve, tokenFor(r.ID().String()), map[string]string{imagebuilder.TagRepo: "acme/images"}, false)
		if err != nil {
			tb.Fatal(err)
		}
		rs.add(r.Kind, r.Name(), r.Version(), arn)
	}
	return rs, res
}

// tokenFor is a client token for id within the service's 36 characters, as
// kiln's own tokens are.
func tokenFor(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}
