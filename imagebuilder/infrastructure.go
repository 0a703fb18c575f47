package imagebuilder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// infrastructureKind is InfrastructureConfiguration: where and how builds
// run, updated in place.
type infrastructureKind struct{}

func (infrastructureKind) dryRun() bool { return false }
func (infrastructureKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, false)
}

func (infrastructureKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListInfrastructureConfigurationsPaginator(c.ib, &ib.ListInfrastructureConfigurationsInput{})
	items, err := paginate(ctx, p.HasMorePages,
		func(ctx context.Context) (*ib.ListInfrastructureConfigurationsOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListInfrastructureConfigurationsOutput) []types.InfrastructureConfigurationSummary {
			return o.InfrastructureConfigurationSummaryList
		})
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, 0, len(items))
	for _, s := range items {
		out = append(out, live(model.KindInfrastructureConfiguration, aws.ToString(s.Name), "", aws.ToString(s.Arn), s.Tags))
	}
	return out, nil
}

func (infrastructureKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetInfrastructureConfiguration(ctx, &ib.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.InfrastructureConfiguration, nil
}

// infra is the members of an infrastructure configuration shared by
// create and update.
type infra struct {
	profile, subnet, keyPair, sns string
	types, groups                 []string
	logging                       *types.Logging
	terminate                     *bool
	metadata                      *types.InstanceMetadataOptions
	resourceTags                  map[string]string
	placement                     *types.Placement
}

func (c *Client) infraOf(s *model.InfrastructureConfigurationSpec) infra {
	out := infra{profile: s.InstanceProfileName, subnet: s.SubnetID, keyPair: s.KeyPair, sns: c.expand(s.SnsTopicArn),
		types: s.InstanceTypes, groups: s.SecurityGroupIDs, terminate: s.TerminateInstanceOnFailure, resourceTags: s.ResourceTags}
	if s.Logging != nil && s.Logging.S3Logs != nil {
		out.logging = &types.Logging{S3Logs: &types.S3Logs{S3BucketName: opt(s.Logging.S3Logs.S3BucketName), S3KeyPrefix: opt(s.Logging.S3Logs.S3KeyPrefix)}}
	}
	if m := s.InstanceMetadataOptions; m != nil {
		out.metadata = &types.InstanceMetadataOptions{HttpTokens: opt(m.HTTPTokens), HttpPutResponseHopLimit: opt32(m.HTTPPutResponseHopLimit)}
	}
	if p := s.Placement; p != nil {
		out.placement = &types.Placement{AvailabilityZone: opt(p.AvailabilityZone), Tenancy: types.TenancyType(p.Tenancy),
			HostId: opt(p.HostID), HostResourceGroupArn: opt(c.expand(p.HostResourceGroupArn))}
	}
	return out
}

func (infrastructureKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.InfrastructureConfigurationSpec](w.r)
	if err != nil {
		return "", err
	}
	f := c.infraOf(s)
	out, err := c.ib.CreateInfrastructureConfiguration(ctx, &ib.CreateInfrastructureConfigurationInput{
		Name: w.name(), Description: w.description(), InstanceProfileName: aws.String(f.profile),
		InstanceTypes: f.types, SecurityGroupIds: f.groups, SubnetId: opt(f.subnet), Logging: f.logging,
		KeyPair: opt(f.keyPair), TerminateInstanceOnFailure: f.terminate, SnsTopicArn: opt(f.sns),
		InstanceMetadataOptions: f.metadata, ResourceTags: f.resourceTags, Placement: f.placement,
		Tags: w.tags, ClientToken: w.token,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.InfrastructureConfigurationArn), nil
}

func (infrastructureKind) update(ctx context.Context, c *Client, w write, arn string) error {
	s, err := specOf[model.InfrastructureConfigurationSpec](w.r)
	if err != nil {
		return err
	}
	f := c.infraOf(s)
	_, err = c.ib.UpdateInfrastructureConfiguration(ctx, &ib.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: aws.String(arn), Description: w.description(), InstanceProfileName: aws.String(f.profile),
		InstanceTypes: f.types, SecurityGroupIds: f.groups, SubnetId: opt(f.subnet), Logging: f.logging,
		KeyPair: opt(f.keyPair), TerminateInstanceOnFailure: f.terminate, SnsTopicArn: opt(f.sns),
		InstanceMetadataOptions: f.metadata, ResourceTags: f.resourceTags, Placement: f.placement, ClientToken: w.token,
	})
	return err
}

func (infrastructureKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteInfrastructureConfiguration(ctx, &ib.DeleteInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	return err
}

func (infrastructureKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.InfrastructureConfiguration)
	if d == nil {
		return exported{}, "no configuration details"
	}
	s := &model.InfrastructureConfigurationSpec{InstanceProfileName: aws.ToString(d.InstanceProfileName),
		InstanceTypes: d.InstanceTypes, SecurityGroupIDs: d.SecurityGroupIds, SubnetID: aws.ToString(d.SubnetId),
		KeyPair: aws.ToString(d.KeyPair), TerminateInstanceOnFailure: d.TerminateInstanceOnFailure,
		SnsTopicArn: x.c.template(aws.ToString(d.SnsTopicArn)), ResourceTags: nonEmpty(d.ResourceTags)}
	if lg := d.Logging; lg != nil && lg.S3Logs != nil && (aws.ToString(lg.S3Logs.S3BucketName) != "" || aws.ToString(lg.S3Logs.S3KeyPrefix) != "") {
		s.Logging = &model.Logging{S3Logs: &model.S3Logs{S3BucketName: aws.ToString(lg.S3Logs.S3BucketName), S3KeyPrefix: aws.ToString(lg.S3Logs.S3KeyPrefix)}}
	}
	if m := d.InstanceMetadataOptions; m != nil && (aws.ToString(m.HttpTokens) != "" || aws.ToInt32(m.HttpPutResponseHopLimit) != 0) {
		s.InstanceMetadataOptions = &model.InstanceMetadataOptions{HTTPTokens: aws.ToString(m.HttpTokens), HTTPPutResponseHopLimit: aws.ToInt32(m.HttpPutResponseHopLimit)}
	}
	if p := d.Placement; p != nil {
		s.Placement = &model.Placement{AvailabilityZone: aws.ToString(p.AvailabilityZone), Tenancy: string(p.Tenancy),
			HostID: aws.ToString(p.HostId), HostResourceGroupArn: x.c.template(aws.ToString(p.HostResourceGroupArn))}
	}
	return exported{md: x.metadata(d.Name, nil, d.Description, d.Tags), spec: s}, ""
}
