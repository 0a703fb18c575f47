package imagebuilder

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// workflowKind is Workflow: a build, test or distribution workflow
// document, versioned, with build versions like components. Its ARNs name
// the type: …:workflow/build/name/1.0.0/1.
type workflowKind struct{}

func (workflowKind) dryRun() bool { return true }

func (workflowKind) arnPath(r *model.Resource) string {
	typ := "build"
	if s, ok := r.Spec.(*model.WorkflowSpec); ok && s.Type != "" {
		typ = strings.ToLower(s.Type)
	}
	return strings.Replace(arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, true), "workflow/", "workflow/"+typ+"/", 1)
}

func (workflowKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListWorkflowsPaginator(c.ib, &ib.ListWorkflowsInput{Owner: types.OwnershipSelf})
	versions, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListWorkflowsOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListWorkflowsOutput) []types.WorkflowVersion { return o.WorkflowVersionList })
	if err != nil {
		return nil, err
	}
	out := make([]builtVersion, len(versions))
	for i, v := range versions {
		out[i] = builtVersion{name: aws.ToString(v.Name), version: aws.ToString(v.Version), arn: aws.ToString(v.Arn), created: aws.ToString(v.DateCreated)}
	}
	return c.listBuilt(ctx, model.KindWorkflow, out, c.workflowBuilds)
}

// workflowBuilds reads a workflow version's builds, whose summaries carry
// the tags the version listing lacks.
func (c *Client) workflowBuilds(ctx context.Context, versionArn string) (componentTags, error) {
	p := ib.NewListWorkflowBuildVersionsPaginator(c.ib, &ib.ListWorkflowBuildVersionsInput{WorkflowVersionArn: aws.String(versionArn)})
	builds, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListWorkflowBuildVersionsOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListWorkflowBuildVersionsOutput) []types.WorkflowSummary { return o.WorkflowSummaryList })
	if err != nil {
		return componentTags{}, fmt.Errorf("builds of %s: %w", versionArn, err)
	}
	return newestBuild("workflow", versionArn, builds, func(s types.WorkflowSummary) (*string, map[string]string) { return s.Arn, s.Tags })
}

func (workflowKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetWorkflow(ctx, &ib.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.Workflow, nil
}

func (workflowKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.WorkflowSpec](w.r)
	if err != nil {
		return "", err
	}
	data := s.Data
	if w.r.Document != nil {
		data = w.r.Document.Text
	}
	out, err := c.ib.CreateWorkflow(ctx, &ib.CreateWorkflowInput{
		Name: w.name(), SemanticVersion: w.version(), Description: w.description(),
		Type: types.WorkflowType(s.Type), Data: aws.String(data), ChangeDescription: opt(s.ChangeDescription),
		KmsKeyId: opt(c.expand(s.KmsKeyID)), Tags: w.tags, ClientToken: w.token, DryRun: w.dryRun,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.WorkflowBuildVersionArn), nil
}

func (workflowKind) update(context.Context, *Client, write, string) error { return errImmutable }

func (workflowKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteWorkflow(ctx, &ib.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(arn)})
	return err
}

func (workflowKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.Workflow)
	if d == nil || aws.ToString(d.Data) == "" {
		return exported{}, "the workflow has no inline document (data) to import"
	}
	return exported{
		md:       x.metadata(d.Name, d.Version, d.Description, d.Tags),
		document: aws.ToString(d.Data),
		spec: &model.WorkflowSpec{Type: string(d.Type), ChangeDescription: aws.ToString(d.ChangeDescription),
			KmsKeyID: x.c.template(aws.ToString(d.KmsKeyId))},
	}, ""
}
