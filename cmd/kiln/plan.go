package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/reconciler"
)

// planForCheck plans the checked tree against one environment when AWS
// credentials are available; without them it says so and the check goes
// on offline. The SDK's default chain applies, so AWS_PROFILE,
// AWS_REGION, web identity and AWS_ENDPOINT_URL_IMAGEBUILDER all work.
func planForCheck(ctx context.Context, res *check.Result, envName string, assumeRole bool) ([]*reconciler.Plan, []finding.Finding, string) {
	env, ok := res.Config.Environments.Get(envName)
	if !ok {
		return nil, nil, fmt.Sprintf("no environment %q in .kiln.yaml; no plan", envName)
	}
	cfg, err := awsConfig(ctx, env.Region)
	if err != nil {
		return []*reconciler.Plan{{Environment: env, Note: "no AWS credentials: plan not computed (" + err.Error() + ")"}}, nil, ""
	}
	if !assumeRole {
		env.RoleArn = ""
	}
	client, err := imagebuilder.ForEnvironment(ctx, cfg, env)
	if err != nil {
		return []*reconciler.Plan{{Environment: env, Note: "cannot reach Image Builder: " + err.Error()}}, nil, ""
	}
	plan, fs, err := check.Plan(ctx, res, env, client)
	if err != nil {
		return []*reconciler.Plan{plan}, nil, err.Error()
	}
	return []*reconciler.Plan{plan}, fs, ""
}

// awsConfig loads the default configuration and makes sure it yields
// credentials, so a missing setup is a note rather than a failed plan.
func awsConfig(ctx context.Context, region string) (aws.Config, error) {
	// The SDK's own logger writes to stderr in its format; its IMDSv1
	// fallback warning would come before kiln's message on every machine
	// without credentials. kiln says what is missing itself.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithLogger(logging.Nop{}))
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
