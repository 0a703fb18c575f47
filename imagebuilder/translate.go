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

func (c *Client) components(refs []model.ComponentRef, resolve reconciler.Resolver) ([]types.ComponentConfiguration, error) {
	out := make([]types.ComponentConfiguration, 0, len(refs))
	for i, ref := range refs {
		arn := c.expand(ref.Arn)
		if arn == "" {
			var err error
			if arn, err = resolve(model.KindComponent, ref.Name, ref.Version); err != nil {
				return nil, fmt.Errorf("components[%d] %s@%s: %w", i, ref.Name, ref.Version, err)
			}
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
		bd := types.InstanceBlockDeviceMapping{DeviceName: opt(m.DeviceName), VirtualName: opt(m.VirtualName), NoDevice: opt(m.NoDevice)}
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
