package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// ibClient is an SDK client on the Image Builder emulator, for the tests
// to look at what kiln left there as an operator would.
func (w *world) ibClient() *ib.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAE2EINSPECTOR0001", "inspector", "")}
	return ib.NewFromConfig(cfg, func(o *ib.Options) { o.BaseEndpoint = aws.String(w.ib.URL()) })
}

// componentBuilds lists every component build version (ARN → tags) the
// account owns.
func (w *world) componentBuilds(t *testing.T) map[string]map[string]string {
	t.Helper()
	ctx := context.Background()
	c := w.ibClient()
	out := map[string]map[string]string{}
	p := ib.NewListComponentsPaginator(c, &ib.ListComponentsInput{Owner: types.OwnershipSelf})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListComponents: %v", err)
		}
		for _, v := range page.ComponentVersionList {
			bp := ib.NewListComponentBuildVersionsPaginator(c, &ib.ListComponentBuildVersionsInput{ComponentVersionArn: v.Arn})
			for bp.HasMorePages() {
				bpage, err := bp.NextPage(ctx)
				if err != nil {
					t.Fatalf("ListComponentBuildVersions %s: %v", aws.ToString(v.Arn), err)
				}
				for _, b := range bpage.ComponentSummaryList {
					out[aws.ToString(b.Arn)] = b.Tags
				}
			}
		}
	}
	return out
}

// pipelines lists the account's pipelines by name.
func (w *world) pipelines(t *testing.T) map[string]types.ImagePipeline {
	t.Helper()
	out := map[string]types.ImagePipeline{}
	p := ib.NewListImagePipelinesPaginator(w.ibClient(), &ib.ListImagePipelinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListImagePipelines: %v", err)
		}
		for _, pl := range page.ImagePipelineList {
			out[aws.ToString(pl.Name)] = pl
		}
	}
	return out
}

// amis returns the AMI ids of an image.
func (w *world) amis(t *testing.T, imageArn string) []string {
	t.Helper()
	out, err := w.ibClient().GetImage(context.Background(), &ib.GetImageInput{ImageBuildVersionArn: aws.String(imageArn)})
	if err != nil {
		t.Fatalf("GetImage %s: %v", imageArn, err)
	}
	var ids []string
	if out.Image != nil && out.Image.OutputResources != nil {
		for _, a := range out.Image.OutputResources.Amis {
			ids = append(ids, aws.ToString(a.Image))
		}
	}
	return ids
}
