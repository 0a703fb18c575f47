package imagebuilder

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// expand fills the {region} and {account} placeholders kiln allows in ARNs
// of resources it does not manage.
func (c *Client) expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	return strings.NewReplacer("{region}", c.env.Region, "{account}", c.env.Account).Replace(s)
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func opt32(n int32) *int32 {
	if n == 0 {
		return nil
	}
	return aws.Int32(n)
}

// buildTimeArn is the ARN to send for a component or workflow named by a
// version pattern, given the ARN of the version it matches now
// (…/name/1.2.0/1): Image Builder resolves a wildcard ARN (…/name/1.x.x) at
// build time, so the pattern is kept and a later matching version is built
// without a change to the recipe or pipeline.
func buildTimeArn(resolved, pattern string) string {
	p, err := model.ParseVersionPattern(pattern)
	if err != nil || p.Exact() {
		return resolved
	}
	build := strings.LastIndexByte(resolved, '/')
	if build <= 0 {
		return resolved
	}
	version := strings.LastIndexByte(resolved[:build], '/')
	if version < 0 {
		return resolved
	}
	return resolved[:version+1] + pattern
}

func (c *Client) components(refs []model.ComponentRef, resolve reconciler.Resolver) ([]types.ComponentConfiguration, error) {
	out := make([]types.ComponentConfiguration, 0, len(refs))
	for i, ref := range refs {
		arn := c.expand(ref.Arn)
		if arn == "" {
			var err error
			if arn, err = resolve(model.KindComponent, ref.Name, ref.Version); err != nil {
				return nil, fmt.Errorf("components[%d] %s@%s: %w", i, ref.Name, ref.Version, err)
			}
			arn = buildTimeArn(arn, ref.Version)
		}
		cc := types.ComponentConfiguration{ComponentArn: aws.String(arn)}
		for _, p := range ref.Parameters {
			cc.Parameters = append(cc.Parameters, types.ComponentParameter{Name: aws.String(p.Name), Value: p.Value})
		}
		out = append(out, cc)
	}
	return out, nil
}

func blockDevices(in []model.BlockDeviceMapping) []types.InstanceBlockDeviceMapping {
	var out []types.InstanceBlockDeviceMapping
	for _, m := range in {
		bd := types.InstanceBlockDeviceMapping{DeviceName: opt(m.DeviceName), VirtualName: opt(m.VirtualName), NoDevice: m.NoDevice}
		if e := m.Ebs; e != nil {
			bd.Ebs = &types.EbsInstanceBlockDeviceSpecification{
				Encrypted: e.Encrypted, DeleteOnTermination: e.DeleteOnTermination,
				Iops: opt32(e.Iops), KmsKeyId: opt(e.KmsKeyID), SnapshotId: opt(e.SnapshotID),
				VolumeSize: opt32(e.VolumeSize), VolumeType: types.EbsVolumeType(e.VolumeType), Throughput: opt32(e.Throughput),
			}
		}
		out = append(out, bd)
	}
	return out
}

func additional(a *model.AdditionalInstanceConfiguration) *types.AdditionalInstanceConfiguration {
	if a == nil {
		return nil
	}
	out := &types.AdditionalInstanceConfiguration{UserDataOverride: opt(a.UserDataOverride)}
	if a.SystemsManagerAgent != nil {
		out.SystemsManagerAgent = &types.SystemsManagerAgent{UninstallAfterBuild: a.SystemsManagerAgent.UninstallAfterBuild}
	}
	return out
}
