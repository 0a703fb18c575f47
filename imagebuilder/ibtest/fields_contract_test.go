package ibtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestNewerMembersRoundTrip: the members the service added since the v1
// model (distribution fastLaunchConfigurations and
// ssmParameterConfigurations; pipeline loggingConfiguration,
// schedule.autoDisablePolicy, imageTags, workflows, executionRole) are
// kept and answered as set (API reference: Distribution,
// SsmParameterConfiguration, ImagePipeline, Schedule, AutoDisablePolicy).
func TestNewerMembersRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, c := start(t)
	p := pipeline(t, c, "fields")
	pl, err := c.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	dist, err := c.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{
		Name: aws.String("windows-fast"),
		Distributions: []types.Distribution{{
			Region: aws.String("us-east-1"),
			FastLaunchConfigurations: []types.FastLaunchConfiguration{{
				Enabled: true, MaxParallelLaunches: aws.Int32(6),
				SnapshotConfiguration: &types.FastLaunchSnapshotConfiguration{TargetResourceCount: aws.Int32(5)},
			}},
			SsmParameterConfigurations: []types.SsmParameterConfiguration{{
				ParameterName: aws.String("/golden/al2023/latest"), DataType: types.SsmParameterDataTypeAwsEc2Image,
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	gd, err := c.GetDistributionConfiguration(ctx, &ib.GetDistributionConfigurationInput{DistributionConfigurationArn: dist.DistributionConfigurationArn})
	if err != nil {
		t.Fatal(err)
	}
	d := gd.DistributionConfiguration.Distributions[0]
	if len(d.FastLaunchConfigurations) != 1 || aws.ToInt32(d.FastLaunchConfigurations[0].MaxParallelLaunches) != 6 ||
		len(d.SsmParameterConfigurations) != 1 || aws.ToString(d.SsmParameterConfigurations[0].ParameterName) != "/golden/al2023/latest" {
		t.Errorf("distribution = %+v", d)
	}
	if aws.ToInt32(gd.DistributionConfiguration.TimeoutMinutes) != 720 {
		t.Errorf("timeoutMinutes = %v, want the service's default 720", gd.DistributionConfiguration.TimeoutMinutes)
	}

	_, err = c.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(p), ImageRecipeArn: pl.ImagePipeline.ImageRecipeArn,
		InfrastructureConfigurationArn: pl.ImagePipeline.InfrastructureConfigurationArn,
		DistributionConfigurationArn:   dist.DistributionConfigurationArn,
		LoggingConfiguration:           &types.PipelineLoggingConfiguration{ImageLogGroupName: aws.String("/ib/images"), PipelineLogGroupName: aws.String("/ib/pipelines")},
		Schedule: &types.Schedule{ScheduleExpression: aws.String("cron(0 4 ? * MON *)"),
			AutoDisablePolicy: &types.AutoDisablePolicy{FailureCount: aws.Int32(3)}},
		ImageTags:     map[string]string{"os": "al2023"},
		ExecutionRole: aws.String("ImageBuilderWorkflows"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	g := got.ImagePipeline
	if aws.ToString(g.LoggingConfiguration.PipelineLogGroupName) != "/ib/pipelines" || aws.ToInt32(g.Schedule.AutoDisablePolicy.FailureCount) != 3 ||
		g.ImageTags["os"] != "al2023" || aws.ToString(g.ExecutionRole) != "ImageBuilderWorkflows" ||
		g.Schedule.PipelineExecutionStartCondition != types.PipelineExecutionStartConditionExpressionMatchAndDependencyUpdatesAvailable {
		t.Errorf("pipeline = %+v", g)
	}
}
