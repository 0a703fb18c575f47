// Package testgen generates synthetic users' repositories for benchmarks
// and tests: realistic in shape and size, and valid under kiln's rules
// (Amazon Linux 2023 components of ExecuteBash steps, recipes with a STIG or
// CIS component and encrypted EBS, IMDSv2, S3 logs, terminate on failure,
// image tests and scanning on every pipeline).
package testgen

import (
	"fmt"
	"strings"
	"testing/fstest"
)

// bases name the components; every recipe starts with one of the first two
// (a STIG or CIS hardening component).
var bases = []string{
	"stig-hardening", "cis-benchmark", "ssh-hardening", "auditd", "cloudwatch-agent",
	"chrony", "ssm-agent-config", "journald-retention", "aide", "sysctl-network",
	"login-banner", "pam-faillock", "fips-crypto-policy", "dnf-automatic", "rsyslog-forwarding",
	"falcon-sensor-prereqs", "nvme-tuning", "ecr-credential-helper", "docker-engine", "node-exporter",
}

// Region and accounts used throughout the generated repository.
const (
	Region         = "us-east-1"
	StagingAccount = "111111111111"
	ProdAccount    = "222222222222"
)

// Repository returns a repository with the given numbers of components,
// image recipes and image pipelines, plus infrastructure and distribution
// configurations for the pipelines and a .kiln.yaml with a staging and a
// prod environment. Components come in pairs of versions (1.0.0 and 1.1.0)
// of one name; every fifth one has its AWSTOE document inline, the others
// in a .toe.yaml file next to them. Each recipe names up to ten components
// by exact and wildcard versions.
func Repository(components, recipes, pipelines int) fstest.MapFS {
	fsys := fstest.MapFS{}
	put := func(name, text string) { fsys[name] = &fstest.MapFile{Data: []byte(text), Mode: 0o644} }

	put(".kiln.yaml", kilnConfig)

	names := componentNames(components)
	for i := range components {
		name, version := names[i/2], fmt.Sprintf("1.%d.0", i%2)
		dir := "components/" + name
		if i%5 == 4 {
			put(fmt.Sprintf("%s/%s.yaml", dir, version), inlineComponent(name, version, i))
			continue
		}
		put(fmt.Sprintf("%s/%s.yaml", dir, version), fileComponent(name, version))
		put(fmt.Sprintf("%s/%s.toe.yaml", dir, version), toeDocument(name, i))
	}

	for j := range recipes {
		put(fmt.Sprintf("recipes/%s.yaml", recipeName(j)), recipe(j, names, components))
	}

	configs := max(1, min(pipelines, 8))
	if pipelines > 0 {
		for k := range configs {
			put(fmt.Sprintf("infrastructure/infra-%02d.yaml", k), infra(k))
			put(fmt.Sprintf("distribution/dist-%02d.yaml", k), dist(k))
		}
	}
	for p := range pipelines {
		put(fmt.Sprintf("pipelines/pipeline-%03d.yaml", p), pipeline(p, max(recipes, 1), configs))
	}
	return fsys
}

// componentNames gives one name per pair of components, unique, with the
// hardening components first.
func componentNames(components int) []string {
	n := (components + 1) / 2
	out := make([]string, n)
	for k := range n {
		b := bases[k%len(bases)]
		if k < len(bases) {
			out[k] = b
		} else {
			out[k] = fmt.Sprintf("%s-%d", b, k/len(bases))
		}
	}
	return out
}

func recipeName(j int) string { return fmt.Sprintf("al2023-golden-%03d", j) }

const kilnConfig = `# kiln settings for the golden image repository
environments:
  staging:
    account: "` + StagingAccount + `"
    region: ` + Region + `
    roleArn: arn:aws:iam::` + StagingAccount + `:role/kiln-deployer
    branch: main
    drift: warn
  prod:
    account: "` + ProdAccount + `"
    region: ` + Region + `
    roleArn: arn:aws:iam::` + ProdAccount + `:role/kiln-deployer
    branch: release
    production: true
    ssmParameterPrefix: /golden-ami
    drift: warn
policy:
  failOn: high
  data:
    allowedAccounts: ["` + StagingAccount + `", "` + ProdAccount + `"]
    allowedRegions: [us-east-1, us-west-2]
    # The team's own hardening components (a name is not evidence of
    # hardening on its own: KILN-RCP-005 accepts what is listed here).
    hardeningComponents: ["stig-hardening*", "cis-benchmark*", "arn:aws:imagebuilder:*:aws:component/stig-build-linux*"]
bake:
  onMerge: true
  prEnvironment: staging
  permission: write
`

func fileComponent(name, version string) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: Component
metadata:
  name: %[1]s
  version: %[2]s
  description: %[3]s for Amazon Linux 2023
  tags:
    team: platform
spec:
  platform: Linux
  supportedOsVersions: ["Amazon Linux 2023"]
  changeDescription: %[3]s, version %[2]s
  document: ./%[2]s.toe.yaml
`, name, version, title(name))
}

func inlineComponent(name, version string, i int) string {
	doc := toeDocument(name, i)
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: kiln/v1
kind: Component
metadata:
  name: %[1]s
  version: %[2]s
  description: %[3]s for Amazon Linux 2023
spec:
  platform: Linux
  supportedOsVersions: ["Amazon Linux 2023"]
  changeDescription: %[3]s, version %[2]s
  data: |
`, name, version, title(name))
	for _, line := range strings.SplitAfter(doc, "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString(line)
			continue
		}
		b.WriteString("    " + line)
	}
	return b.String()
}

// toeDocument is an AWSTOE document with a few ExecuteBash steps in build
// and validate phases; the package it installs depends on the component.
func toeDocument(name string, i int) string {
	pkg := strings.SplitN(name, "-", 2)[0]
	return fmt.Sprintf(`name: %[1]s
description: %[2]s
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallPackages
        action: ExecuteBash
        onFailure: Abort
        maxAttempts: 3
        inputs:
          commands:
            - dnf install -y audit %[3]s-tools || dnf install -y audit
            - systemctl enable --now auditd
      - name: Configure
        action: ExecuteBash
        timeoutSeconds: 600
        inputs:
          commands:
            - install -d -m 0750 /etc/kiln
            - echo "component=%[1]s build=%[4]d" > /etc/kiln/%[1]s.conf
      - name: Reboot
        action: Reboot
        onFailure: Abort
        inputs:
          delaySeconds: 30
  - name: validate
    steps:
      - name: CheckAuditd
        action: ExecuteBash
        inputs:
          commands:
            - systemctl is-active auditd
            - test -f /etc/kiln/%[1]s.conf
`, name, title(name), pkg, i)
}

func recipe(j int, names []string, components int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: kiln/v1
kind: ImageRecipe
metadata:
  name: %s
  version: 1.0.0
  description: Amazon Linux 2023 golden image %d
spec:
  parentImage: arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x
  workingDirectory: /tmp
  components:
    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x
`, recipeName(j), j)
	if len(names) > 0 {
		// The hardening component comes first, then up to nine others,
		// distinct, by exact and wildcard versions.
		picked := map[int]bool{}
		hard := j % min(2, len(names))
		picked[hard] = true
		fmt.Fprintf(&b, "    - name: %s\n      version: %s\n", names[hard], pattern(hard, 0, components))
		for m := 1; len(picked) < min(10, len(names)) && m < 10*len(names); m++ {
			k := (j*7 + m*3) % len(names)
			if picked[k] {
				continue
			}
			picked[k] = true
			fmt.Fprintf(&b, "    - name: %s\n      version: %s\n", names[k], pattern(k, m, components))
		}
	}
	b.WriteString(`  blockDeviceMappings:
    - deviceName: /dev/xvda
      ebs:
        encrypted: true
        deleteOnTermination: true
        kmsKeyId: arn:aws:kms:{region}:{account}:alias/golden-ami-ebs
        volumeSize: 30
        volumeType: gp3
  additionalInstanceConfiguration:
    systemsManagerAgent:
      uninstallAfterBuild: false
  amiTags:
    os: al2023
`)
	return b.String()
}

// pattern picks a version of name index k that exists: 1.0.0 always does,
// 1.1.0 only when the pair is complete.
func pattern(k, m, components int) string {
	hasSecond := 2*k+1 < components
	switch m % 4 {
	case 0:
		return "1.x.x"
	case 1:
		return "1.0.0"
	case 2:
		if hasSecond {
			return "1.1.0"
		}
		return "1.0.x"
	}
	return "1.0.x"
}

func infra(k int) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: InfrastructureConfiguration
metadata:
  name: infra-%02[1]d
  description: Build instances in the private build subnet %[1]d
spec:
  instanceProfileName: EC2InstanceProfileForImageBuilder
  instanceTypes: [m7i.large, m6i.large]
  subnetId: subnet-0a1b2c3d4e5f6%04[1]d
  securityGroupIds: [sg-0123456789abc%04[1]d]
  terminateInstanceOnFailure: true
  instanceMetadataOptions:
    httpTokens: required
    httpPutResponseHopLimit: 1
  logging:
    s3Logs:
      s3BucketName: golden-ami-build-logs
      s3KeyPrefix: infra-%02[1]d/
  resourceTags:
    team: platform
`, k)
}

func dist(k int) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: DistributionConfiguration
metadata:
  name: dist-%02[1]d
  description: Golden AMIs to the workload accounts %[1]d
spec:
  distributions:
    - region: us-east-1
      amiDistributionConfiguration:
        name: "golden-al2023-%[1]d-{{ imagebuilder:buildDate }}"
        kmsKeyId: arn:aws:kms:us-east-1:%[2]s:alias/golden-ami
        targetAccountIds: ["%[2]s"]
        amiTags:
          os: al2023
    - region: us-west-2
      amiDistributionConfiguration:
        name: "golden-al2023-%[1]d-{{ imagebuilder:buildDate }}"
        kmsKeyId: arn:aws:kms:us-west-2:%[2]s:alias/golden-ami
        targetAccountIds: ["%[2]s"]
`, k, ProdAccount)
}

func pipeline(p, recipes, configs int) string {
	return fmt.Sprintf(`apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: pipeline-%03[1]d
  description: Weekly golden image %[1]d
spec:
  imageRecipe:
    name: %[2]s
    version: 1.0.0
  infrastructureConfiguration: infra-%02[3]d
  distributionConfiguration: dist-%02[3]d
  imageTestsConfiguration:
    imageTestsEnabled: true
    timeoutMinutes: 90
  imageScanningConfiguration:
    imageScanningEnabled: true
  enhancedImageMetadataEnabled: true
  schedule:
    scheduleExpression: cron(0 4 ? * SUN *)
    pipelineExecutionStartCondition: EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE
  status: ENABLED
`, p, recipeName(p%recipes), p%configs)
}

func title(name string) string {
	words := strings.Split(name, "-")
	for i, w := range words {
		switch w {
		case "stig", "cis", "ssh", "ssm", "aide", "pam", "fips", "dnf", "ecr", "nvme":
			words[i] = strings.ToUpper(w)
		default:
			if w != "" {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
	}
	return strings.Join(words, " ")
}
