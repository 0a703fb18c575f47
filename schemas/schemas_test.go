package schemas

import (
	"encoding/json"
	"fmt"
	"github.com/kiln-gitops/kiln/finding"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

func TestSchemasAreEmbedded(t *testing.T) {
	want := []string{FileAny, FileCommon, FileConfig, FileDocument}
	for _, k := range model.Kinds() {
		want = append(want, KindFile(k))
	}
	for _, name := range want {
		if _, err := fs.Stat(FS(), name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if KindFile("Recipe") != "" {
		t.Error("unknown kind has a schema file")
	}
}

const component = `apiVersion: kiln/v1
kind: Component
metadata:
  name: ssh-hardening
  version: 1.2.0
  description: Harden sshd
  tags: {team: platform}
spec:
  platform: Linux
  supportedOsVersions: ["Amazon Linux 2023"]
  changeDescription: Disable password authentication
  document: ./ssh-hardening.toe.yaml
`

const recipe = `apiVersion: kiln/v1
kind: ImageRecipe
metadata:
  name: al2023-base
  version: 1.0.0
spec:
  parentImage: ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
  components:
    - name: ssh-hardening
      version: 1.x.x
    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x
      parameters:
        - name: exclude
          value: [kernel]
  blockDeviceMappings:
    - deviceName: /dev/xvda
      ebs: {encrypted: true, volumeSize: 16, volumeType: gp3, kmsKeyId: alias/images}
`

const infra = `apiVersion: kiln/v1
kind: InfrastructureConfiguration
metadata:
  name: build-small
spec:
  instanceProfileName: ImageBuilderInstance
  instanceTypes: [t3.small]
  terminateInstanceOnFailure: true
  instanceMetadataOptions: {httpTokens: required, httpPutResponseHopLimit: 2}
  logging:
    s3Logs: {s3BucketName: build-logs}
`

const pipeline = `apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: al2023-base
spec:
  imageRecipe: {name: al2023-base, version: 1.x.x}
  infrastructureConfiguration: build-small
  distributionConfiguration: everywhere
  imageTestsConfiguration: {imageTestsEnabled: true, timeoutMinutes: 90}
  schedule:
    scheduleExpression: cron(0 4 ? * MON *)
    pipelineExecutionStartCondition: EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE
  status: ENABLED
`

const distribution = `apiVersion: kiln/v1
kind: DistributionConfiguration
metadata:
  name: everywhere
spec:
  distributions:
    - region: "{region}"
      amiDistributionConfiguration:
        name: "al2023-base {{ imagebuilder:buildDate }}"
        targetAccountIds: ["111122223333"]
    - region: eu-west-1
      s3ExportConfiguration: {roleName: vmimport, diskImageFormat: VMDK, s3Bucket: exports}
`

const container = `apiVersion: kiln/v1
kind: ContainerRecipe
metadata:
  name: web
  version: 2.0.0
spec:
  containerType: DOCKER
  parentImage: amazonlinux:2023
  components:
    - {name: ssh-hardening, version: 1.2.0}
  dockerfileTemplateData: |
    FROM {{{ imagebuilder:parentImage }}}
    {{{ imagebuilder:environments }}}
    {{{ imagebuilder:components }}}
  targetRepository: {service: ECR, repositoryName: web}
`

const workflow = `apiVersion: kiln/v1
kind: Workflow
metadata:
  name: build-with-approval
  version: 1.0.0
spec:
  type: BUILD
  changeDescription: approval gate
  document: ./build.workflow.yaml
`

const lifecycle = `apiVersion: kiln/v1
kind: LifecyclePolicy
metadata:
  name: ami-retention
spec:
  resourceType: AMI_IMAGE
  executionRole: arn:aws:iam::{account}:role/lifecycle
  status: ENABLED
  resourceSelection:
    recipes: [{name: al2023-base, version: 1.x.x}]
  policyDetails:
    - action: {type: DEPRECATE}
      filter: {type: AGE, value: 90, unit: DAYS, retainAtLeast: 3}
    - action: {type: DELETE, includeResources: {amis: true, snapshots: true}}
      filter: {type: COUNT, value: 5}
      exclusionRules:
        tagMap: {keep: "true"}
        amis: {lastLaunched: {value: 30, unit: DAYS}, regions: [us-east-1], sharedAccounts: ["111122223333"]}
`

const pipelineWithWorkflows = `apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: al2023-base
spec:
  imageRecipe: {name: al2023-base, version: 1.x.x}
  infrastructureConfiguration: build-small
  imageTags: {os: al2023}
  loggingConfiguration: {imageLogGroupName: /images/base, pipelineLogGroupName: /pipelines/base}
  schedule:
    scheduleExpression: cron(0 4 ? * MON *)
    autoDisablePolicy: {failureCount: 3}
  workflows:
    - {name: build-with-approval, version: 1.x.x}
    - arn: arn:aws:imagebuilder:{region}:aws:workflow/test/test-image/x.x.x
      onFailure: ABORT
  executionRole: kiln-workflows
`

func TestValidResources(t *testing.T) {
	v := validator(t)
	for _, src := range []string{component, recipe, infra, pipeline, distribution, container, workflow, lifecycle, pipelineWithWorkflows} {
		r := resource(t, "r.yaml", src)
		check(t, v.Resource(r), nil)
	}
}

// edit replaces old with new in src, failing the test when old is absent so
// a case cannot silently test the valid base.
func edit(t *testing.T, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("edit: %q not in base", old)
	}
	return strings.Replace(src, old, new, 1)
}

func TestResourceLimits(t *testing.T) {
	manyComponents := "  components:\n"
	for i := range 21 {
		manyComponents += fmt.Sprintf("    - {name: c%02d-x, version: 1.0.0}\n", i)
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name     string
		base     string
		old, new string
		wants    []want
	}{
		{"name too short", component, "name: ssh-hardening", "name: ab",
			[]want{{4, 9, `metadata.name: "ab" is not valid: expected a name of 3 to 128`}}},
		{"name with leading space", infra, "name: build-small", `name: " build"`,
			[]want{{4, 9, "metadata.name"}}},
		{"name too long", infra, "name: build-small", "name: " + long(129),
			[]want{{4, 9, "metadata.name"}}},
		{"version missing", component, "  version: 1.2.0\n", "",
			[]want{{4, 3, "metadata: missing required field version"}}},
		{"version not semantic", component, "version: 1.2.0", "version: 1.2.0-rc1",
			[]want{{5, 12, `metadata.version: "1.2.0-rc1" is not valid: expected a semantic version`}}},
		{"version as number", component, "version: 1.2.0", "version: 1.2",
			[]want{{5, 12, "metadata.version: expected a string, got the number 1.2"}}},
		{"API name componentArn", recipe, "- arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x", "- componentArn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x",
			[]want{{11, 7, "spec.components[1]: missing name or arn"}, {11, 21, "spec.components[1].componentArn: not allowed: use arn: (an AWS-managed or shared component) or name: with version:"}}},
		{"API name workflowArn", pipelineWithWorkflows, "- arn: arn:aws:imagebuilder", "- workflowArn: arn:aws:imagebuilder",
			[]want{{15, 20, "spec.workflows[1].workflowArn: not allowed: use arn:"}}},
		{"workflow uri", workflow, "document: ./build.workflow.yaml", "uri: s3://bucket/build.yaml",
			[]want{{7, 3, "spec: missing document or data"}, {9, 8, "spec.uri: not allowed: kiln keeps workflow documents in the repository"}}},
		{"lifecycle COUNT with unit", lifecycle, "filter: {type: COUNT, value: 5}", "filter: {type: COUNT, value: 5, unit: DAYS}",
			[]want{{15, 45, "spec.policyDetails[1].filter.unit: not allowed"}}},
		{"lifecycle AGE without unit", lifecycle, "{type: AGE, value: 90, unit: DAYS, retainAtLeast: 3}", "{type: AGE, value: 90}",
			[]want{{13, 15, "spec.policyDetails[0].filter: missing required field unit"}}},
		{"lifecycle semanticVersion", lifecycle, "version: 1.x.x}]", "semanticVersion: 1.0.0}]",
			[]want{{10, 15, "missing required field version"}, {10, 52, "semanticVersion: not allowed: use version:"}}},
		{"version on unversioned kind", infra, "name: build-small", "name: build-small\n  version: 1.0.0",
			[]want{{5, 12, "metadata.version: not allowed: only Component, ImageRecipe, ContainerRecipe and Workflow have versions"}}},
		{"description too long", component, "description: Harden sshd", "description: " + long(1025),
			[]want{{6, 16, "metadata.description: 1025 characters, at most 1024 allowed (Image Builder limit)"}}},
		{"changeDescription too long", component, "changeDescription: Disable password authentication", "changeDescription: " + long(1025),
			[]want{{11, 22, "spec.changeDescription: 1025 characters, at most 1024 allowed"}}},
		{"data too long", component, "document: ./ssh-hardening.toe.yaml", "data: " + long(16001),
			[]want{{12, 9, "spec.data: 16001 characters, at most 16000 allowed (Image Builder limit)"}}},
		{"data at the limit", component, "document: ./ssh-hardening.toe.yaml", "data: " + long(16000), nil},
		{"document and data", component, "document: ./ssh-hardening.toe.yaml", "document: a.yaml\n  data: \"x\"",
			[]want{{13, 9, "spec.data: not allowed together with document: give exactly one of them"}}},
		{"neither document nor data", component, "  document: ./ssh-hardening.toe.yaml\n", "",
			[]want{{9, 3, "spec: missing document or data"}}},
		{"platform number", component, "platform: Linux", "platform: 42",
			[]want{{9, 13, `spec.platform: 42 is not one of "Linux", "Windows", "macOS"`}}},
		{"unknown field", component, "platform: Linux", "platform: Linux\n  plaform: Linux",
			[]want{{10, 3, "spec.plaform: unknown field; did you mean platform?"}}},
		{"reserved tag key", component, "tags: {team: platform}", "tags: {kiln:digest: x}",
			[]want{{7, 10, `metadata.tags.kiln:digest: key "kiln:digest" is not valid: tag keys starting with aws: are reserved`}}},
		{"no components", recipe, "  components:\n    - name: ssh-hardening\n      version: 1.x.x\n    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x\n      parameters:\n        - name: exclude\n          value: [kernel]\n", "  components: []\n",
			[]want{{8, 15, "spec.components: 0 items, at least 1 required (Image Builder limit)"}}},
		{"21 components", recipe, "  components:\n    - name: ssh-hardening\n      version: 1.x.x\n    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x\n      parameters:\n        - name: exclude\n          value: [kernel]\n", manyComponents,
			[]want{{9, 5, "spec.components: 21 items, at most 20 allowed (Image Builder limit)"}}},
		{"component name without version", recipe, "      version: 1.x.x\n", "",
			[]want{{9, 7, "spec.components[0]: name requires version"}}},
		{"component arn and name", recipe, "- arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x", "- name: x-y-z\n      arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x",
			[]want{{11, 7, "spec.components[1]: name requires version"}, {11, 13, "spec.components[1].name: not allowed together with arn"}}},
		{"component neither name nor arn", recipe, "- arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x\n      parameters:", "- parameters:",
			[]want{{11, 7, "spec.components[1]: missing name or arn"}}},
		{"component arn malformed", recipe, "arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x", "arn:aws:imagebuilder:{region}:aws:image/update-linux/x.x.x",
			[]want{{11, 12, "spec.components[1].arn: \"arn:aws:imagebuilder:{region}:aws:image/update-linux/x.x.x\" is not valid: expected an AWS-managed or shared component"}}},
		{"version pattern malformed", recipe, "version: 1.x.x", "version: 1.x",
			[]want{{10, 16, `spec.components[0].version: "1.x" is not valid: expected an exact version`}}},
		{"volume too large", recipe, "volumeSize: 16", "volumeSize: 16001",
			[]want{{17, 42, "volumeSize: 16001 is above the maximum 16000 (Image Builder limit)"}}},
		{"volume at the limit", recipe, "volumeSize: 16", "volumeSize: 16000", nil},
		{"iops too high", recipe, "volumeSize: 16", "volumeSize: 16, iops: 64001",
			[]want{{17, 52, "ebs.iops: 64001 is above the maximum 64000"}}},
		{"throughput too low", recipe, "volumeSize: 16", "volumeSize: 16, throughput: 100",
			[]want{{17, 58, "ebs.throughput: 100 is below the minimum 125"}}},
		{"volume zero", recipe, "volumeSize: 16", "volumeSize: 0",
			[]want{{17, 42, "volumeSize: 0 is below the minimum 1"}}},
		{"volume type", recipe, "volumeType: gp3", "volumeType: gp4",
			[]want{{17, 58, `spec.blockDeviceMappings[0].ebs.volumeType: "gp4" is not one of`}}},
		{"hop limit too high", infra, "httpPutResponseHopLimit: 2", "httpPutResponseHopLimit: 65",
			[]want{{9, 76, "httpPutResponseHopLimit: 65 is above the maximum 64"}}},
		{"hop limit zero", infra, "httpPutResponseHopLimit: 2", "httpPutResponseHopLimit: 0",
			[]want{{9, 76, "is below the minimum 1"}}},
		{"too many resource tags", infra, "  terminateInstanceOnFailure: true\n", "  terminateInstanceOnFailure: true\n  resourceTags: {t0: v, t1: v, t2: v, t3: v, t4: v, t5: v, t6: v, t7: v, t8: v, t9: v, t10: v, t11: v, t12: v, t13: v, t14: v, t15: v, t16: v, t17: v, t18: v, t19: v, t20: v, t21: v, t22: v, t23: v, t24: v, t25: v, t26: v, t27: v, t28: v, t29: v, t30: v}\n",
			[]want{{9, 17, "spec.resourceTags: 31 entries, at most 30 allowed (Image Builder limit)"}}},
		{"http tokens", infra, "httpTokens: required", "httpTokens: always",
			[]want{{9, 41, `"always" is not one of "required", "optional"`}}},
		{"instance profile missing", infra, "  instanceProfileName: ImageBuilderInstance\n", "",
			[]want{{6, 3, "spec: missing required field instanceProfileName"}}},
		{"bool as string", infra, "terminateInstanceOnFailure: true", "terminateInstanceOnFailure: yes please",
			[]want{{8, 31, `expected true or false, got the string "yes please"`}}},
		{"timeout too short", pipeline, "timeoutMinutes: 90", "timeoutMinutes: 59",
			[]want{{9, 70, "timeoutMinutes: 59 is below the minimum 60 (Image Builder limit)"}}},
		{"timeout too long", pipeline, "timeoutMinutes: 90", "timeoutMinutes: 1441",
			[]want{{9, 70, "is above the maximum 1440"}}},
		{"start condition", pipeline, "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE", "ALWAYS",
			[]want{{12, 38, `"ALWAYS" is not one of "EXPRESSION_MATCH_ONLY"`}}},
		{"status", pipeline, "status: ENABLED", "status: enabled",
			[]want{{13, 11, "spec.status"}}},
		{"both recipes", pipeline, "imageRecipe: {name: al2023-base, version: 1.x.x}", "imageRecipe: {name: al2023-base, version: 1.x.x}\n  containerRecipe: {name: web-app, version: 1.0.0}",
			[]want{{7, 20, "spec.containerRecipe: not allowed together with imageRecipe"}}},
		{"no recipe", pipeline, "  imageRecipe: {name: al2023-base, version: 1.x.x}\n", "",
			[]want{{6, 3, "spec: missing imageRecipe or containerRecipe"}}},
		{"recipe version missing", pipeline, "imageRecipe: {name: al2023-base, version: 1.x.x}", "imageRecipe: {name: al2023-base}",
			[]want{{6, 16, "spec.imageRecipe: missing required field version"}}},
		{"disk image format", distribution, "diskImageFormat: VMDK", "diskImageFormat: QCOW2",
			[]want{{12, 68, `"QCOW2" is not one of "VMDK", "RAW", "VHD"`}}},
		{"target account id", distribution, `targetAccountIds: ["111122223333"]`, `targetAccountIds: ["1111"]`,
			[]want{{10, 28, `targetAccountIds[0]: "1111" is not valid: expected a 12-digit AWS account id`}}},
		{"region", distribution, "region: eu-west-1", "region: Europe",
			[]want{{11, 15, `spec.distributions[1].region: "Europe" is not valid: expected an AWS region`}}},
		{"region as number", distribution, "region: eu-west-1", "region: 42",
			[]want{{11, 15, "spec.distributions[1].region: expected a string, got the number 42"}}},
		{"no distributions", distribution, "  distributions:\n", "  distributions: []\n  x:\n",
			[]want{{6, 18, "spec.distributions: 0 items, at least 1 required"}, {7, 3, "spec.x: unknown field"}}},
		{"container type", container, "containerType: DOCKER", "containerType: PODMAN",
			[]want{{7, 18, `spec.containerType: "PODMAN" is not one of "DOCKER"`}}},
		{"container service", container, "service: ECR", "service: GCR",
			[]want{{15, 31, `"GCR" is not one of "ECR"`}}},
		{"no dockerfile", container, "  dockerfileTemplateData: |\n    FROM {{{ imagebuilder:parentImage }}}\n    {{{ imagebuilder:environments }}}\n    {{{ imagebuilder:components }}}\n", "",
			[]want{{7, 3, "spec: missing dockerfileTemplateData or dockerfileTemplateUri"}}},
		{"wrong kind const", component, "kind: Component", "kind: component",
			[]want{{2, 7, `kind: must be "Component", not "component"`}}},
		{"api version", component, "apiVersion: kiln/v1", "apiVersion: kiln/v2",
			[]want{{1, 13, `apiVersion: must be "kiln/v1"`}}},
	}
	v := validator(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := resource(t, "r.yaml", edit(t, c.base, c.old, c.new))
			// The kind schema is chosen by r.Kind, which a kind typo changes.
			if c.name == "wrong kind const" {
				r.Kind = model.KindComponent
			}
			check(t, v.Resource(r), c.wants)
		})
	}
}

func TestUnknownKindUsesDispatchSchema(t *testing.T) {
	v := validator(t)
	r := resource(t, "r.yaml", edit(t, infra, "kind: InfrastructureConfiguration", "kind: Infrastructure"))
	check(t, v.Resource(r), []want{{2, 7, `kind: "Infrastructure" is not one of "Component"`}})
}

func TestDispatchSchemaAppliesKindSchema(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct {
		src   string
		wants []want
	}{
		{infra, nil},
		{edit(t, infra, "httpPutResponseHopLimit: 2", "httpPutResponseHopLimit: 65"), []want{{9, 76, "is above the maximum 64"}}},
		{edit(t, component, "platform: Linux", "platform: BeOS"), []want{{9, 13, `"BeOS" is not one of`}}},
	} {
		top, value := parse(t, tc.src)
		got := v.findings(v.any, instance(value, nil), func(p problem) (f finding.Finding) {
			return newFinding(model.Locate("r.yaml", top, p.path()...), "", p.msg)
		})
		check(t, got, tc.wants)
	}
}

func TestConfig(t *testing.T) {
	const base = `roots: [images]
environments:
  prod:
    account: "111122223333"
    region: us-east-1
    roleArn: arn:aws:iam::111122223333:role/kiln
    branch: main
    production: true
    drift: warn
    ssmParameterPrefix: /images
policy:
  failOn: medium
  rules:
    KILN-INF-003: {severity: low}
  data: {approvedParents: [ami-123]}
  waivers:
    - rule: KILN-INF-001
      resource: build-small
      justification: legacy VPC
      expires: 2026-12-31
bake:
  onMerge: true
  prEnvironment: prod
  permission: maintain
`
	cases := []struct {
		name     string
		old, new string
		wants    []want
	}{
		{"valid", "", "", nil},
		{"account as number", `account: "111122223333"`, "account: 111122223333",
			[]want{{4, 14, "environments.prod.account: expected a string, got the number 111122223333"}}},
		{"account short", `account: "111122223333"`, `account: "1111"`,
			[]want{{4, 14, "expected a 12-digit AWS account id"}}},
		{"drift", "drift: warn", "drift: fix",
			[]want{{9, 12, `environments.prod.drift: "fix" is not one of "off", "warn", "correct"`}}},
		{"branch missing", "    branch: main\n", "",
			[]want{{4, 5, "environments.prod: missing required field branch"}}},
		{"environment name", "  prod:", "  prod env:",
			[]want{{3, 3, `environments.prod env: key "prod env" is not valid: environment names have up to 63`}}},
		{"fail on", "failOn: medium", "failOn: error",
			[]want{{12, 11, `policy.failOn: "error" is not one of "critical"`}}},
		{"rule severity", "severity: low", "severity: lowest",
			[]want{{14, 30, `policy.rules.KILN-INF-003.severity: "lowest"`}}},
		{"waiver date", "expires: 2026-12-31", "expires: 31.12.2026",
			[]want{{20, 16, `policy.waivers[0].expires: "31.12.2026" is not valid: expected a date YYYY-MM-DD`}}},
		{"waiver justification missing", "      justification: legacy VPC\n", "",
			[]want{{17, 7, "policy.waivers[0]: missing required field justification"}}},
		{"permission", "permission: maintain", "permission: triage",
			[]want{{24, 15, `bake.permission: "triage" is not one of "write", "maintain", "admin"`}}},
		{"unknown top-level", "roots: [images]", "root: [images]",
			[]want{{1, 1, "root: unknown field; did you mean roots?"}}},
	}
	v := validator(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := base
			if c.old != "" {
				src = edit(t, base, c.old, c.new)
			}
			top, _ := parse(t, src)
			check(t, v.Config(&model.Config{File: ".kiln.yaml", Node: top}), c.wants)
		})
	}
	if got := v.Config(model.DefaultConfig()); got != nil {
		t.Errorf("default config: %v", got)
	}
	top, _ := parse(t, "{}")
	check(t, v.Config(&model.Config{File: ".kiln.yaml", Node: top}), nil)
}

func TestDocument(t *testing.T) {
	const base = `name: ssh-hardening
description: Harden sshd
schemaVersion: 1.0
parameters:
  - port:
      type: string
      default: "22"
constants:
  - conf:
      type: string
      value: /etc/ssh/sshd_config
phases:
  - name: build
    steps:
      - name: Disable
        action: ExecuteBash
        onFailure: Abort
        timeoutSeconds: 60
        maxAttempts: 2
        inputs:
          commands: ["sed -i 's/^PasswordAuthentication yes/PasswordAuthentication no/' {{ conf }}"]
`
	cases := []struct {
		name     string
		old, new string
		wants    []want
	}{
		{"valid", "", "", nil},
		{"schema version string", "schemaVersion: 1.0", `schemaVersion: "1.0"`, nil},
		{"schema version", "schemaVersion: 1.0", "schemaVersion: 2.0",
			[]want{{3, 16, `schemaVersion: 2 is not one of "1.0", 1`}}},
		{"on failure", "onFailure: Abort", "onFailure: Stop",
			[]want{{17, 20, `phases[0].steps[0].onFailure: "Stop" is not one of "Abort", "Continue", "Ignore"`}}},
		// AWSTOE runs phases Image Builder skips: awstoe warns, the schema accepts.
		{"phase name beyond Image Builder's", "- name: build", "- name: deploy", nil},
		{"empty phase name", "- name: build", `- name: ""`,
			[]want{{13, 11, `phases[0].name`}}},
		{"step without action", "        action: ExecuteBash\n", "",
			[]want{{15, 9, "phases[0].steps[0]: missing required field action"}}},
		{"unknown key", "description: Harden sshd", "descripton: Harden sshd",
			[]want{{2, 1, "descripton: unknown field; did you mean description?"}}},
		{"parameter without type", "      type: string\n      default", "      default",
			[]want{{6, 7, "parameters[0].port: missing required field type"}}},
		{"parameter name", "  - port:", "  - p:",
			[]want{{5, 5, `parameters[0].p: key "p" is not valid: names have 3 to 128`}}},
		{"timeout as text", "timeoutSeconds: 60", "timeoutSeconds: sixty",
			[]want{{18, 25, `expected an integer, got the string "sixty"`}}},
	}
	v := validator(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := base
			if c.old != "" {
				src = edit(t, base, c.old, c.new)
			}
			top, value := parse(t, src)
			check(t, v.Document(&model.Document{File: "c.toe.yaml", Tree: model.NodeTree(top), Value: value, Text: src}), c.wants)
		})
	}
}

func TestDocumentPositionsShiftForInlineData(t *testing.T) {
	top, value := parse(t, "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: a\n        action: ExecuteBash\n        onFailure: never\n")
	d := &model.Document{File: "c.yaml", Tree: model.NodeTree(top), Value: value, LineOffset: 10, ColumnOffset: 4}
	check(t, validator(t).Document(d), []want{{17, 24, "onFailure"}})
}

func TestInstanceValues(t *testing.T) {
	// Values not built by yaml.v3's plain decoding still validate: int types,
	// maps with non-string keys.
	v := validator(t)
	value := map[string]any{
		"apiVersion": "kiln/v1", "kind": "InfrastructureConfiguration",
		"metadata": map[any]any{"name": "build-small"},
		"spec": map[string]any{
			"instanceProfileName":     "p",
			"instanceMetadataOptions": map[string]any{"httpPutResponseHopLimit": int32(3)},
		},
	}
	r := &model.Resource{Kind: model.KindInfrastructureConfiguration, Value: value, File: "r.yaml"}
	check(t, v.Resource(r), nil)
	value["spec"].(map[string]any)["instanceMetadataOptions"] = map[string]any{"httpPutResponseHopLimit": uint8(99)}
	check(t, v.Resource(r), []want{{0, 0, "above the maximum 64"}})
}

func TestConcurrentUse(t *testing.T) {
	v := validator(t)
	bad := resource(t, "r.yaml", edit(t, recipe, "volumeSize: 16", "volumeSize: 0"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := v.Resource(bad); len(got) != 1 {
					t.Errorf("got %d findings", len(got))
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestExamples validates every example resource, settings file and AWSTOE
// document under examples/ (except the deliberately broken ones) against
// the schemas.
func TestExamples(t *testing.T) {
	root := filepath.Join("..", "examples")
	if _, err := os.Stat(root); err != nil {
		t.Skip("no examples")
	}
	v := validator(t)
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "broken" {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, src := range strings.Split(string(b), "\n---\n") {
			top, value := parse(t, src)
			if top == nil {
				continue
			}
			name := fmt.Sprintf("%s#%d", path, i)
			var got []finding.Finding
			switch {
			case d.Name() == model.ConfigFile:
				got = v.Config(&model.Config{File: name, Node: top})
			case value["apiVersion"] == model.APIVersion:
				r := resource(t, name, src)
				got = v.Resource(r)
				if data, ok := nested(value, "spec", "data").(string); ok {
					dtop, dvalue := parse(t, data)
					got = append(got, v.Document(&model.Document{File: name, Tree: model.NodeTree(dtop), Value: dvalue})...)
				}
			case value["phases"] != nil:
				got = v.Document(&model.Document{File: name, Tree: model.NodeTree(top), Value: value})
			default:
				return nil
			}
			n++
			for _, f := range got {
				t.Errorf("%s", f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d example documents", n)
}

func nested(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// TestDispatchSchemaNamesEveryKind fails when kiln.json, the schema editors
// use for any kiln file, misses a kind of the registry.
func TestDispatchSchemaNamesEveryKind(t *testing.T) {
	b, err := fs.ReadFile(FS(), FileAny)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			Kind struct {
				Enum []string `json:"enum"`
			} `json:"kind"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range model.Kinds() {
		if !slices.Contains(s.Properties.Kind.Enum, string(k)) || !strings.Contains(string(b), `"then": { "$ref": "`+KindFile(k)+`" }`) {
			t.Errorf("%s does not dispatch kind %s to %s", FileAny, k, KindFile(k))
		}
	}
}
