package report

import (
	"time"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// fixtureFindings covers every shape a renderer must handle: validation and
// policy findings, all severities, live and expired waivers, a finding
// without a file, and hostile text (workflow-command separators, Markdown,
// HTML, mentions, newlines, multi-byte runes).
func fixtureFindings() []finding.Finding {
	day := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []finding.Finding{
		{
			Pos: finding.Pos{File: "recipes/al2023.yaml", Line: 4, Column: 3}, Rule: "KILN-REC-003",
			Severity: finding.SeverityMedium, Source: finding.SourcePolicy,
			Message: "recipe does not include a CIS hardening component", Resource: "ImageRecipe/al2023@1.3.0",
			Title: "Hardening component required", Controls: []string{"CIS 1.1"},
			Remediation: "Add a STIG or CIS component.",
			Waiver:      &finding.Waiver{Justification: "lab image, not for production", Expires: day("2027-01-31"), File: ".kiln.yaml", Line: 40},
		},
		{
			Pos: finding.Pos{File: "components/ssh.yaml", Line: 12, Column: 5}, Rule: "schema",
			Severity: finding.SeverityError, Source: finding.SourceValidate,
			Message: "spec.platform: want one of Linux, Windows, macOS",
		},
		{
			Pos: finding.Pos{File: "components/ssh.toe.yaml", Line: 20, Column: 9}, Rule: "toe/unknown-action",
			Severity: finding.SeverityError, Source: finding.SourceValidate,
			Message: `phase build, step "harden": unknown action "ExecuteBashh" (did you mean "ExecuteBash"?)`,
		},
		{
			Pos: finding.Pos{File: "infra/build.yaml", Line: 8, Column: 3}, Rule: "KILN-INF-001",
			Severity: finding.SeverityHigh, Source: finding.SourcePolicy,
			Message: "instance metadata allows IMDSv1", Resource: "InfrastructureConfiguration/build",
			Title: "IMDSv2 required", Description: "Build instances must require IMDSv2 session tokens.",
			Controls:    []string{"CIS 5.6", "STIG V-000001"},
			Remediation: "Set spec.instanceMetadataOptions.httpTokens to required.",
		},
		{
			Pos: finding.Pos{File: "components/ssh.toe.yaml", Line: 33, Column: 11}, Rule: "KILN-CMP-007",
			Severity: finding.SeverityCritical, Source: finding.SourcePolicy,
			Message:  "50% of steps: a,b:c | <script>alert(1)</script> @platform-team\nsecond line ✓ 日本語 `x` *y* [z](u)",
			Resource: "Component/ssh-hardening@1.2.0", Title: "No plaintext secrets",
			Controls: []string{"STIG V-230223"}, Remediation: "Use {{ ssm:/path }} parameters.",
		},
		{
			Pos: finding.Pos{File: "pipelines/al2023.yaml", Line: 2}, Rule: "KILN-PIP-002",
			Severity: finding.SeverityLow, Source: finding.SourcePolicy,
			Message: "image scanning is disabled", Resource: "ImagePipeline/al2023", Title: "Inspector scanning",
			Waiver: &finding.Waiver{Justification: "scanner not licensed yet", Expires: day("2026-01-01"), Expired: true, File: ".kiln.yaml", Line: 44},
		},
		{
			Pos: finding.Pos{File: "pipelines/al2023.yaml"}, Rule: "KILN-PIP-009",
			Severity: finding.SeverityInfo, Source: finding.SourcePolicy,
			Message: "pipeline has no schedule", Resource: "ImagePipeline/al2023",
		},
		{
			Rule: "config/unknown-environment", Severity: finding.SeverityError, Source: finding.SourceValidate,
			Message: "environment staging is named by no branch",
		},
	}
}

func fixturePlan() []*reconciler.Plan {
	return []*reconciler.Plan{
		{
			Environment: model.Environment{Name: "prod", Account: "111122223333", Region: "us-east-1"},
			Changes: []reconciler.Change{
				{Action: reconciler.ActionUnchanged, Kind: model.KindInfrastructureConfiguration, Name: "build"},
				{Action: reconciler.ActionCreate, Kind: model.KindComponent, Name: "ssh-hardening", Version: "1.2.0", Reason: "new version", DryRun: "ok"},
				{Action: reconciler.ActionUpdate, Kind: model.KindImagePipeline, Name: "al2023", Reason: "schedule | changed"},
				{Action: reconciler.ActionOrphaned, Kind: model.KindComponent, Name: "old-agent", Version: "0.9.0"},
				{Action: reconciler.ActionError, Kind: model.KindImageRecipe, Name: "al2023", Version: "1.3.0", Reason: "exists in Image Builder with another digest; bump to 1.3.1"},
			},
			Bakes: []reconciler.Bake{{Pipeline: "al2023", Reasons: []string{"recipe al2023@1.3.0 changed", "component ssh-hardening@1.2.0 changed"}}},
		},
		{Environment: model.Environment{Name: "staging"}, Note: "no credentials for account 444455556666"},
	}
}

func fixtureResult() Result {
	return Result{
		Root: "examples", Findings: fixtureFindings(), FailOn: finding.SeverityHigh,
		Files: 7, Resources: 9, ToolVersion: "1.0.0-test", Plan: fixturePlan(),
		Paths: []string{"components/ssh.yaml", "components/ssh.toe.yaml", "infra/build.yaml", "dist/main.yaml", "recipes/al2023.yaml", "pipelines/al2023.yaml", ".kiln.yaml"},
	}
}

func boolp(b bool) *bool { return &b }

// fixtureRepo is a small repository: two pipelines, an image and a
// container recipe, components at several versions (one recipe picks by
// wildcard), an AWS-managed component by ARN and a reference to a missing
// component.
func fixtureRepo() *model.Repository {
	comp := func(name, version string) *model.Resource {
		return &model.Resource{Kind: model.KindComponent, Metadata: model.Metadata{Name: name, Version: version},
			Spec: &model.ComponentSpec{Platform: "Linux"}, File: "components/" + name + ".yaml"}
	}
	return &model.Repository{Resources: []*model.Resource{
		comp("ssh-hardening", "1.1.0"),
		comp("ssh-hardening", "1.2.0"),
		comp("ssh-hardening", "2.0.0"),
		comp("auditd", "1.0.0"),
		comp(`weird"name#<b>`, "1.0.0"),
		comp("unused", "1.0.0"),
		{Kind: model.KindImageRecipe, Metadata: model.Metadata{Name: "al2023", Version: "1.3.0"}, File: "recipes/al2023.yaml",
			Spec: &model.ImageRecipeSpec{ParentImage: "ami-123", Components: []model.ComponentRef{
				{Name: "ssh-hardening", Version: "1.x.x"},
				{Name: "auditd", Version: "1.0.0"},
				{Arn: "arn:aws:imagebuilder:{region}:aws:component/amazon-cloudwatch-agent-linux/x.x.x"},
				{Name: "gone", Version: "3.0.0"},
			}}},
		{Kind: model.KindContainerRecipe, Metadata: model.Metadata{Name: "app-base", Version: "2.0.0"}, File: "recipes/app.yaml",
			Spec: &model.ContainerRecipeSpec{Components: []model.ComponentRef{
				{Name: "auditd", Version: "1.0.0"}, {Name: `weird"name#<b>`, Version: "1.0.0"},
			}}},
		{Kind: model.KindImageRecipe, Metadata: model.Metadata{Name: "broken", Version: "1.0.0"}, File: "recipes/broken.yaml"},
		{Kind: model.KindInfrastructureConfiguration, Metadata: model.Metadata{Name: "build"}, File: "infra/build.yaml",
			Spec: &model.InfrastructureConfigurationSpec{InstanceProfileName: "p", TerminateInstanceOnFailure: boolp(true)}},
		{Kind: model.KindImagePipeline, Metadata: model.Metadata{Name: "al2023"}, File: "pipelines/al2023.yaml",
			Spec: &model.ImagePipelineSpec{ImageRecipe: &model.RecipeRef{Name: "al2023", Version: "1.x.x"}, InfrastructureConfiguration: "build", DistributionConfiguration: "main"}},
		{Kind: model.KindImagePipeline, Metadata: model.Metadata{Name: "app"}, File: "pipelines/app.yaml",
			Spec: &model.ImagePipelineSpec{ContainerRecipe: &model.RecipeRef{Name: "app-base", Version: "2.0.0"}, InfrastructureConfiguration: "other"}},
		{Kind: model.KindImagePipeline, Metadata: model.Metadata{Name: "end"}, File: "pipelines/end.yaml",
			Spec: &model.ImagePipelineSpec{ImageRecipe: &model.RecipeRef{Name: "nope", Version: "1.0.0"}, InfrastructureConfiguration: "build"}},
		{Kind: model.KindImagePipeline, Metadata: model.Metadata{Name: "undecoded"}, File: "pipelines/undecoded.yaml"},
	}}
}

func fixtureComment() CommentData {
	fs := fixtureFindings()
	var val, pol []finding.Finding
	for _, f := range fs {
		if f.Source == finding.SourcePolicy {
			pol = append(pol, f)
		} else {
			val = append(val, f)
		}
	}
	g := BuildGraph(fixtureRepo(), map[string]bool{"Component/ssh-hardening@1.2.0": true, "InfrastructureConfiguration/build": true})
	return CommentData{
		Repository: "acme/images", PullRequest: 42, HeadSHA: "0123456789abcdef0123456789abcdef01234567",
		Validation: val, Policy: pol, FailOn: finding.SeverityHigh,
		Plan: fixturePlan(),
		Bakes: []Bake{
			{Environment: "prod", Pipeline: "al2023", State: "AVAILABLE", Elapsed: 23*time.Minute + 10*time.Second + 400*time.Millisecond,
				Link:   "https://github.com/acme/images/runs/1",
				Images: []BakeImage{{Region: "us-east-1", Account: "111122223333", ImageID: "ami-0abc"}, {Region: "eu-west-1", ImageID: "ami-0def"}}},
			{Environment: "prod", Pipeline: "app", State: "FAILED", Reason: "component auditd failed in build phase; logs in s3://logs/app/",
				Containers: []string{"111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1.0"}},
			{Environment: "prod", Pipeline: "slow", State: "BUILDING", Elapsed: time.Minute},
		},
		ConfigChanged: []string{".kiln.yaml", "policy/custom.rego"},
		Graph:         &g,
		ChecksURL:     "https://github.com/acme/images/pull/42/checks",
		ToolVersion:   "1.0.0-test",
	}
}
