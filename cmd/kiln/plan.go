package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/report"
)

// planForCheck plans the checked tree against one environment when AWS
// credentials are available; without them it says so and the check goes
// on offline. The SDK's default chain applies, so AWS_PROFILE,
// AWS_REGION, web identity and AWS_ENDPOINT_URL_IMAGEBUILDER all work.
func planForCheck(ctx context.Context, res *check.Result, envName string, assumeRole bool) ([]report.PlanSection, []finding.Finding, string) {
	env, ok := res.Config.Environments.Get(envName)
	if !ok {
		return nil, nil, fmt.Sprintf("no environment %q in .kiln.yaml; no plan", envName)
	}
	sec := report.PlanSection{Environment: env.Name, Account: env.Account, Region: env.Region}
	cfg, err := awsConfig(ctx, env.Region)
	if err != nil {
		sec.Note = "no AWS credentials: plan not computed (" + err.Error() + ")"
		return []report.PlanSection{sec}, nil, ""
	}
	if !assumeRole {
		env.RoleArn = ""
	}
	client, err := imagebuilder.ForEnvironment(ctx, cfg, env)
	if err != nil {
		sec.Note = "cannot reach Image Builder: " + err.Error()
		return []report.PlanSection{sec}, nil, ""
	}
	_, sec, fs, err := check.Plan(ctx, res, env, imagebuilder.Environment{Client: client})
	if err != nil {
		return []report.PlanSection{sec}, nil, err.Error()
	}
	return []report.PlanSection{sec}, fs, ""
}

// awsConfig loads the default configuration and makes sure it yields
// credentials, so a missing setup is a note rather than a failed plan.
func awsConfig(ctx context.Context, region string) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return aws.Config{}, err
	}
	if cfg.Credentials == nil {
		return aws.Config{}, errors.New("no credential provider")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, errors.New("no credentials found in the default chain")
	}
	return cfg, nil
}
