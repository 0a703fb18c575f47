package imagebuilder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// pipelineKind is ImagePipeline: a recipe tied to infrastructure and
// distribution, updated in place.
type pipelineKind struct{}

func (pipelineKind) dryRun() bool { return false }
func (pipelineKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, false)
}

func (pipelineKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListImagePipelinesPaginator(c.ib, &ib.ListImagePipelinesInput{})
	items, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListImagePipelinesOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListImagePipelinesOutput) []types.ImagePipeline { return o.ImagePipelineList })
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, 0, len(items))
	for _, s := range items {
		l := live(model.KindImagePipeline, aws.ToString(s.Name), "", aws.ToString(s.Arn), s.Tags)
		l.InfrastructureArn = aws.ToString(s.InfrastructureConfigurationArn)
		l.DistributionArn = aws.ToString(s.DistributionConfigurationArn)
		l.RecipeArn, l.Status = aws.ToString(s.ImageRecipeArn), string(s.Status)
		if l.RecipeArn == "" {
			l.RecipeArn = aws.ToString(s.ContainerRecipeArn)
		}
		out = append(out, l)
	}
	return out, nil
}

func (pipelineKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.ImagePipeline, nil
}

func (pipelineKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.ImagePipelineSpec](w.r)
	if err != nil {
		return "", err
	}
	p, err := c.pipelineOf(s, w.refs)
	if err != nil {
		return "", err
	}
	out, err := c.ib.CreateImagePipeline(ctx, &ib.CreateImagePipelineInput{
		Name: w.name(), Description: w.description(),
		ImageRecipeArn: p.imageRecipe, ContainerRecipeArn: p.containerRecipe,
		InfrastructureConfigurationArn: p.infra, DistributionConfigurationArn: p.dist,
		ImageTestsConfiguration: p.tests, EnhancedImageMetadataEnabled: p.enhanced, Schedule: p.schedule,
		Status: p.status, ImageScanningConfiguration: p.scanning, Workflows: p.workflows, ExecutionRole: p.role,
		ImageTags: p.imageTags, LoggingConfiguration: p.logging, Tags: w.tags, ClientToken: w.token,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ImagePipelineArn), nil
}

func (pipelineKind) update(ctx context.Context, c *Client, w write, arn string) error {
	s, err := specOf[model.ImagePipelineSpec](w.r)
	if err != nil {
		return err
	}
	p, err := c.pipelineOf(s, w.refs)
	if err != nil {
		return err
	}
	_, err = c.ib.UpdateImagePipeline(ctx, &ib.UpdateImagePipelineInput{
		ImagePipelineArn: aws.String(arn), Description: w.description(),
		ImageRecipeArn: p.imageRecipe, ContainerRecipeArn: p.containerRecipe,
		InfrastructureConfigurationArn: p.infra, DistributionConfigurationArn: p.dist,
		ImageTestsConfiguration: p.tests, EnhancedImageMetadataEnabled: p.enhanced, Schedule: p.schedule,
		Status: p.status, ImageScanningConfiguration: p.scanning, Workflows: p.workflows, ExecutionRole: p.role,
		ImageTags: p.imageTags, LoggingConfiguration: p.logging, ClientToken: w.token,
	})
	return err
}

func (pipelineKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteImagePipeline(ctx, &ib.DeleteImagePipelineInput{ImagePipelineArn: aws.String(arn)})
	return err
}

func (pipelineKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.ImagePipeline)
	if d == nil {
		return exported{}, "no pipeline details"
	}
	s, reason := x.pipelineBack(d)
	if reason != "" {
		return exported{}, reason
	}
	return exported{md: x.metadata(d.Name, nil, d.Description, d.Tags), spec: s}, ""
}

// pipeline is the members of a pipeline shared by create and update.
type pipeline struct {
	imageRecipe, containerRecipe, infra, dist, role *string
	tests                                           *types.ImageTestsConfiguration
	enhanced                                        *bool
	schedule                                        *types.Schedule
	status                                          types.PipelineStatus
	scanning                                        *types.ImageScanningConfiguration
	workflows                                       []types.WorkflowConfiguration
	imageTags                                       map[string]string
	logging                                         *types.PipelineLoggingConfiguration
}

func (c *Client) pipelineOf(s *model.ImagePipelineSpec, resolve reconciler.Resolver) (pipeline, error) {
	var out pipeline
	kind, ref := s.Recipe()
	if ref == nil {
		return out, fmt.Errorf("the pipeline names no recipe")
	}
	recipe, err := resolve(kind, ref.Name, ref.Version)
	if err != nil {
		return out, fmt.Errorf("%s %s@%s: %w", kind, ref.Name, ref.Version, err)
	}
	if kind == model.KindContainerRecipe {
		out.containerRecipe = aws.String(recipe)
	} else {
		out.imageRecipe = aws.String(recipe)
	}
	infra, err := resolve(model.KindInfrastructureConfiguration, s.InfrastructureConfiguration, "")
	if err != nil {
		return out, fmt.Errorf("infrastructure configuration %s: %w", s.InfrastructureConfiguration, err)
	}
	out.infra = aws.String(infra)
	if s.DistributionConfiguration != "" {
		dist, err := resolve(model.KindDistributionConfiguration, s.DistributionConfiguration, "")
		if err != nil {
			return out, fmt.Errorf("distribution configuration %s: %w", s.DistributionConfiguration, err)
		}
		out.dist = aws.String(dist)
	}
	if t := s.ImageTestsConfiguration; t != nil {
		out.tests = &types.ImageTestsConfiguration{ImageTestsEnabled: t.ImageTestsEnabled, TimeoutMinutes: opt32(t.TimeoutMinutes)}
	}
	out.enhanced = s.EnhancedImageMetadataEnabled
	if sc := s.Schedule; sc != nil {
		out.schedule = &types.Schedule{ScheduleExpression: opt(sc.ScheduleExpression), Timezone: opt(sc.Timezone),
			PipelineExecutionStartCondition: types.PipelineExecutionStartCondition(sc.PipelineExecutionStartCondition)}
		if a := sc.AutoDisablePolicy; a != nil {
			out.schedule.AutoDisablePolicy = &types.AutoDisablePolicy{FailureCount: aws.Int32(a.FailureCount)}
		}
	}
	out.imageTags = s.ImageTags
	if l := s.LoggingConfiguration; l != nil {
		out.logging = &types.PipelineLoggingConfiguration{ImageLogGroupName: opt(l.ImageLogGroupName), PipelineLogGroupName: opt(l.PipelineLogGroupName)}
	}
	out.status = types.PipelineStatus(s.Status)
	if sc := s.ImageScanningConfiguration; sc != nil {
		out.scanning = &types.ImageScanningConfiguration{ImageScanningEnabled: sc.ImageScanningEnabled}
		if e := sc.EcrConfiguration; e != nil {
			out.scanning.EcrConfiguration = &types.EcrConfiguration{RepositoryName: opt(e.RepositoryName), ContainerTags: e.ContainerTags}
		}
	}
	for i, w := range s.Workflows {
		arn := c.expand(w.Arn)
		if arn == "" {
			var err error
			if arn, err = resolve(model.KindWorkflow, w.Name, w.Version); err != nil {
				return out, fmt.Errorf("workflows[%d] %s@%s: %w", i, w.Name, w.Version, err)
			}
			arn = buildTimeArn(arn, w.Version)
		}
		wc := types.WorkflowConfiguration{WorkflowArn: aws.String(arn), ParallelGroup: opt(w.ParallelGroup),
			OnFailure: types.OnWorkflowFailure(w.OnFailure)}
		for _, p := range w.Parameters {
			wc.Parameters = append(wc.Parameters, types.WorkflowParameter{Name: aws.String(p.Name), Value: p.Value})
		}
		out.workflows = append(out.workflows, wc)
	}
	out.role = opt(c.expand(s.ExecutionRole))
	return out, nil
}

// pipelineBack names the pipeline's recipe and configurations, which must
// have been exported: a kiln pipeline can only name resources of its
// repository.
func (x *exporter) pipelineBack(d *types.ImagePipeline) (*model.ImagePipelineSpec, string) {
	s := &model.ImagePipelineSpec{EnhancedImageMetadataEnabled: d.EnhancedImageMetadataEnabled, Status: string(d.Status),
		ExecutionRole: x.c.template(aws.ToString(d.ExecutionRole))}
	recipeArn, kind := aws.ToString(d.ImageRecipeArn), model.KindImageRecipe
	if recipeArn == "" {
		recipeArn, kind = aws.ToString(d.ContainerRecipeArn), model.KindContainerRecipe
	}
	r := x.arns[normalArn(recipeArn)]
	if r == nil || r.Kind != kind {
		return nil, fmt.Sprintf("its %s %s is not imported (kiln pipelines name recipes of the repository)", kind, recipeArn)
	}
	ref := &model.RecipeRef{Name: r.Metadata.Name, Version: r.Metadata.Version}
	if kind == model.KindContainerRecipe {
		s.ContainerRecipe = ref
	} else {
		s.ImageRecipe = ref
	}
	infra := x.arns[normalArn(aws.ToString(d.InfrastructureConfigurationArn))]
	if infra == nil || infra.Kind != model.KindInfrastructureConfiguration {
		return nil, fmt.Sprintf("its infrastructure configuration %s is not imported", aws.ToString(d.InfrastructureConfigurationArn))
	}
	s.InfrastructureConfiguration = infra.Metadata.Name
	if a := aws.ToString(d.DistributionConfigurationArn); a != "" {
		dist := x.arns[normalArn(a)]
		if dist == nil || dist.Kind != model.KindDistributionConfiguration {
			return nil, fmt.Sprintf("its distribution configuration %s is not imported", a)
		}
		s.DistributionConfiguration = dist.Metadata.Name
	}
	if t := d.ImageTestsConfiguration; t != nil {
		s.ImageTestsConfiguration = &model.ImageTestsConfiguration{ImageTestsEnabled: t.ImageTestsEnabled, TimeoutMinutes: aws.ToInt32(t.TimeoutMinutes)}
	}
	if sc := d.Schedule; sc != nil {
		s.Schedule = &model.Schedule{ScheduleExpression: aws.ToString(sc.ScheduleExpression), Timezone: aws.ToString(sc.Timezone),
			PipelineExecutionStartCondition: string(sc.PipelineExecutionStartCondition)}
		if a := sc.AutoDisablePolicy; a != nil {
			s.Schedule.AutoDisablePolicy = &model.AutoDisablePolicy{FailureCount: aws.ToInt32(a.FailureCount)}
		}
	}
	s.ImageTags = nonEmpty(d.ImageTags)
	if l := d.LoggingConfiguration; l != nil && (aws.ToString(l.ImageLogGroupName) != "" || aws.ToString(l.PipelineLogGroupName) != "") {
		s.LoggingConfiguration = &model.PipelineLoggingConfiguration{ImageLogGroupName: aws.ToString(l.ImageLogGroupName),
			PipelineLogGroupName: aws.ToString(l.PipelineLogGroupName)}
	}
	if sc := d.ImageScanningConfiguration; sc != nil {
		s.ImageScanningConfiguration = &model.ImageScanningConfiguration{ImageScanningEnabled: sc.ImageScanningEnabled}
		if e := sc.EcrConfiguration; e != nil {
			s.ImageScanningConfiguration.EcrConfiguration = &model.EcrConfiguration{RepositoryName: aws.ToString(e.RepositoryName), ContainerTags: e.ContainerTags}
		}
	}
	for _, w := range d.Workflows {
		wc := model.WorkflowConfiguration{Arn: x.c.template(aws.ToString(w.WorkflowArn)), ParallelGroup: aws.ToString(w.ParallelGroup),
			OnFailure: string(w.OnFailure)}
		if name, version, ok := x.own(model.KindWorkflow, aws.ToString(w.WorkflowArn)); ok {
			wc.Arn, wc.Name, wc.Version = "", name, version
		} else if r := x.arns[normalArn(aws.ToString(w.WorkflowArn))]; r != nil && r.Kind == model.KindWorkflow {
			wc.Arn, wc.Name, wc.Version = "", r.Metadata.Name, r.Metadata.Version
		}
		for _, p := range w.Parameters {
			wc.Parameters = append(wc.Parameters, model.WorkflowParameter{Name: aws.ToString(p.Name), Value: p.Value})
		}
		s.Workflows = append(s.Workflows, wc)
	}
	return s, ""
}
