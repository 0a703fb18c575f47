package imagebuilder

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kiln-gitops/kiln/reconciler"
)

// Image states as Image Builder reports them.
const (
	StatePending      = "PENDING"
	StateCreating     = "CREATING"
	StateBuilding     = "BUILDING"
	StateTesting      = "TESTING"
	StateDistributing = "DISTRIBUTING"
	StateIntegrating  = "INTEGRATING"
	StateAvailable    = "AVAILABLE"
	StateFailed       = "FAILED"
	StateCancelled    = "CANCELLED"
	StateDeprecated   = "DEPRECATED"
	StateDeleted      = "DELETED"
)

// Terminal reports whether an image in state will not change any more; the
// reconciler owns the list, this adapter only names it for its callers.
func Terminal(state string) bool { return reconciler.Image{State: state}.Terminal() }

// StartPipeline starts a bake of the pipeline at pipelineArn. The token
// (derived from environment, pipeline and commit) makes a repeated start
// return the first image rather than start another.
func (c *Client) StartPipeline(ctx context.Context, pipelineArn, token string) (string, error) {
	out, err := c.ib.StartImagePipelineExecution(ctx, &ib.StartImagePipelineExecutionInput{
		ImagePipelineArn: aws.String(pipelineArn), ClientToken: opt(token),
	})
	if err != nil {
		return "", fmt.Errorf("start %s in %s: %w", pipelineArn, c.env.Name, err)
	}
	arn := aws.ToString(out.ImageBuildVersionArn)
	c.log.InfoContext(ctx, "bake started", "pipeline", pipelineArn, "image", arn)
	return arn, nil
}

// GetImage reads a bake's state and, once available, its outputs.
func (c *Client) GetImage(ctx context.Context, imageArn string) (reconciler.Image, error) {
	out, err := c.ib.GetImage(ctx, &ib.GetImageInput{ImageBuildVersionArn: aws.String(imageArn)})
	if err != nil {
		return reconciler.Image{}, fmt.Errorf("get image %s in %s: %w", imageArn, c.env.Name, err)
	}
	im := out.Image
	if im == nil {
		return reconciler.Image{}, fmt.Errorf("get image %s in %s: empty answer", imageArn, c.env.Name)
	}
	res := reconciler.Image{
		Arn: aws.ToString(im.Arn), Name: aws.ToString(im.Name), Version: aws.ToString(im.Version),
		PipelineArn: aws.ToString(im.SourcePipelineArn), Created: aws.ToString(im.DateCreated),
	}
	if im.State != nil {
		res.State, res.Reason = string(im.State.Status), aws.ToString(im.State.Reason)
	}
	if o := im.OutputResources; o != nil {
		for _, a := range o.Amis {
			res.AMIs = append(res.AMIs, reconciler.AMI{Region: aws.ToString(a.Region), Account: aws.ToString(a.AccountId),
				ID: aws.ToString(a.Image), Name: aws.ToString(a.Name)})
		}
		for _, ct := range o.Containers {
			res.Containers = append(res.Containers, reconciler.Container{Region: aws.ToString(ct.Region), ImageURIs: ct.ImageUris})
		}
	}
	if t := im.ImageTestsConfiguration; t != nil {
		res.TestsEnabled = t.ImageTestsEnabled == nil || *t.ImageTestsEnabled
	}
	if ic := im.InfrastructureConfiguration; ic != nil && ic.Logging != nil && ic.Logging.S3Logs != nil && ic.Logging.S3Logs.S3BucketName != nil {
		res.LogURI = logURI(aws.ToString(ic.Logging.S3Logs.S3BucketName), aws.ToString(ic.Logging.S3Logs.S3KeyPrefix), res.Arn)
	}
	return res, nil
}

// logURI is where Image Builder writes an image's build logs: under the
// configured prefix, a folder per image name, version and build.
func logURI(bucket, prefix, imageArn string) string {
	parts := strings.Split(imageArn, "/")
	path := strings.Trim(prefix, "/")
	if len(parts) >= 4 {
		tail := strings.Join(parts[len(parts)-3:], "/")
		if path == "" {
			path = tail
		} else {
			path += "/" + tail
		}
	}
	return "s3://" + bucket + "/" + path + "/"
}

// CancelImage stops a bake that has not finished.
func (c *Client) CancelImage(ctx context.Context, imageArn string) error {
	if _, err := c.ib.CancelImageCreation(ctx, &ib.CancelImageCreationInput{ImageBuildVersionArn: aws.String(imageArn)}); err != nil {
		return fmt.Errorf("cancel image %s in %s: %w", imageArn, c.env.Name, err)
	}
	c.log.InfoContext(ctx, "bake cancelled", "image", imageArn)
	return nil
}

// PutParameter writes (or overwrites) an SSM String parameter, which is
// how kiln publishes a bake's AMI id per pipeline and region.
func (c *Client) PutParameter(ctx context.Context, name, value string) error {
	_, err := c.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("put parameter %s in %s: %w", name, c.env.Name, err)
	}
	return nil
}
