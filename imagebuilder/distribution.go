package imagebuilder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// distributionKind is DistributionConfiguration: where images go, updated
// in place.
type distributionKind struct{}

func (distributionKind) dryRun() bool { return false }
func (distributionKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, false)
}

func (distributionKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListDistributionConfigurationsPaginator(c.ib, &ib.ListDistributionConfigurationsInput{})
	items, err := paginate(ctx, p.HasMorePages,
		func(ctx context.Context) (*ib.ListDistributionConfigurationsOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListDistributionConfigurationsOutput) []types.DistributionConfigurationSummary {
			return o.DistributionConfigurationSummaryList
		})
	if err != nil {
		return nil, err
	}
	out := make([]reconciler.Live, 0, len(items))
	for _, s := range items {
		out = append(out, live(model.KindDistributionConfiguration, aws.ToString(s.Name), "", aws.ToString(s.Arn), s.Tags))
	}
	return out, nil
}

func (distributionKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetDistributionConfiguration(ctx, &ib.GetDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.DistributionConfiguration, nil
}

func (distributionKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.DistributionConfigurationSpec](w.r)
	if err != nil {
		return "", err
	}
	out, err := c.ib.CreateDistributionConfiguration(ctx, &ib.CreateDistributionConfigurationInput{
		Name: w.name(), Description: w.description(), Distributions: c.distributions(s),
		Tags: w.tags, ClientToken: w.token,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.DistributionConfigurationArn), nil
}

func (distributionKind) update(ctx context.Context, c *Client, w write, arn string) error {
	s, err := specOf[model.DistributionConfigurationSpec](w.r)
	if err != nil {
		return err
	}
	_, err = c.ib.UpdateDistributionConfiguration(ctx, &ib.UpdateDistributionConfigurationInput{
		DistributionConfigurationArn: aws.String(arn), Description: w.description(), Distributions: c.distributions(s), ClientToken: w.token,
	})
	return err
}

func (distributionKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteDistributionConfiguration(ctx, &ib.DeleteDistributionConfigurationInput{DistributionConfigurationArn: aws.String(arn)})
	return err
}

func (distributionKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.DistributionConfiguration)
	if d == nil {
		return exported{}, "no configuration details"
	}
	return exported{md: x.metadata(d.Name, nil, d.Description, d.Tags),
		spec: &model.DistributionConfigurationSpec{Distributions: x.distributionsBack(d.Distributions)}}, ""
}

func (c *Client) distributions(s *model.DistributionConfigurationSpec) []types.Distribution {
	var out []types.Distribution
	for _, d := range s.Distributions {
		td := types.Distribution{Region: aws.String(c.expand(d.Region))}
		for _, l := range d.LicenseConfigurationArns {
			td.LicenseConfigurationArns = append(td.LicenseConfigurationArns, c.expand(l))
		}
		if a := d.AmiDistributionConfiguration; a != nil {
			ad := &types.AmiDistributionConfiguration{Name: opt(a.Name), Description: opt(a.Description),
				TargetAccountIds: a.TargetAccountIDs, AmiTags: a.AmiTags, KmsKeyId: opt(c.expand(a.KmsKeyID))}
			if lp := a.LaunchPermission; lp != nil {
				ad.LaunchPermission = &types.LaunchPermissionConfiguration{UserIds: lp.UserIDs, UserGroups: lp.UserGroups,
					OrganizationArns: lp.OrganizationArns, OrganizationalUnitArns: lp.OrganizationalUnitArns}
			}
			td.AmiDistributionConfiguration = ad
		}
		if cd := d.ContainerDistributionConfiguration; cd != nil {
			td.ContainerDistributionConfiguration = &types.ContainerDistributionConfiguration{
				Description: opt(cd.Description), ContainerTags: cd.ContainerTags,
				TargetRepository: &types.TargetContainerRepository{Service: types.ContainerRepositoryService(cd.TargetRepository.Service),
					RepositoryName: aws.String(cd.TargetRepository.RepositoryName)},
			}
		}
		for _, lt := range d.LaunchTemplateConfigurations {
			td.LaunchTemplateConfigurations = append(td.LaunchTemplateConfigurations, types.LaunchTemplateConfiguration{
				LaunchTemplateId: aws.String(lt.LaunchTemplateID), AccountId: opt(lt.AccountID), SetDefaultVersion: aws.Bool(lt.SetDefaultVersion)})
		}
		if e := d.S3ExportConfiguration; e != nil {
			td.S3ExportConfiguration = &types.S3ExportConfiguration{RoleName: aws.String(e.RoleName),
				DiskImageFormat: types.DiskImageFormat(e.DiskImageFormat), S3Bucket: aws.String(e.S3Bucket), S3Prefix: opt(e.S3Prefix)}
		}
		for _, f := range d.FastLaunchConfigurations {
			tf := types.FastLaunchConfiguration{Enabled: f.Enabled, AccountId: opt(f.AccountID), MaxParallelLaunches: opt32(f.MaxParallelLaunches)}
			if lt := f.LaunchTemplate; lt != nil {
				tf.LaunchTemplate = &types.FastLaunchLaunchTemplateSpecification{LaunchTemplateId: opt(lt.LaunchTemplateID),
					LaunchTemplateName: opt(lt.LaunchTemplateName), LaunchTemplateVersion: opt(lt.LaunchTemplateVersion)}
			}
			if sc := f.SnapshotConfiguration; sc != nil {
				tf.SnapshotConfiguration = &types.FastLaunchSnapshotConfiguration{TargetResourceCount: opt32(sc.TargetResourceCount)}
			}
			td.FastLaunchConfigurations = append(td.FastLaunchConfigurations, tf)
		}
		for _, p := range d.SsmParameterConfigurations {
			td.SsmParameterConfigurations = append(td.SsmParameterConfigurations, types.SsmParameterConfiguration{
				ParameterName: aws.String(p.ParameterName), AmiAccountId: opt(p.AmiAccountID), DataType: types.SsmParameterDataType(p.DataType)})
		}
		out = append(out, td)
	}
	return out
}

func (x *exporter) distributionsBack(in []types.Distribution) []model.Distribution {
	out := make([]model.Distribution, 0, len(in))
	for _, d := range in {
		md := model.Distribution{Region: aws.ToString(d.Region)}
		for _, l := range d.LicenseConfigurationArns {
			md.LicenseConfigurationArns = append(md.LicenseConfigurationArns, x.c.template(l))
		}
		if a := d.AmiDistributionConfiguration; a != nil {
			ad := &model.AmiDistributionConfiguration{Name: aws.ToString(a.Name), Description: aws.ToString(a.Description),
				TargetAccountIDs: a.TargetAccountIds, AmiTags: nonEmpty(a.AmiTags), KmsKeyID: x.c.template(aws.ToString(a.KmsKeyId))}
			if lp := a.LaunchPermission; lp != nil {
				ad.LaunchPermission = &model.LaunchPermission{UserIDs: lp.UserIds, UserGroups: lp.UserGroups,
					OrganizationArns: lp.OrganizationArns, OrganizationalUnitArns: lp.OrganizationalUnitArns}
			}
			md.AmiDistributionConfiguration = ad
		}
		if cd := d.ContainerDistributionConfiguration; cd != nil {
			mc := &model.ContainerDistributionConfiguration{Description: aws.ToString(cd.Description), ContainerTags: cd.ContainerTags}
			if tr := cd.TargetRepository; tr != nil {
				mc.TargetRepository = model.TargetContainerRepository{Service: string(tr.Service), RepositoryName: aws.ToString(tr.RepositoryName)}
			}
			md.ContainerDistributionConfiguration = mc
		}
		for _, lt := range d.LaunchTemplateConfigurations {
			md.LaunchTemplateConfigurations = append(md.LaunchTemplateConfigurations, model.LaunchTemplateConfiguration{
				LaunchTemplateID: aws.ToString(lt.LaunchTemplateId), AccountID: aws.ToString(lt.AccountId), SetDefaultVersion: aws.ToBool(lt.SetDefaultVersion)})
		}
		if e := d.S3ExportConfiguration; e != nil {
			md.S3ExportConfiguration = &model.S3ExportConfiguration{RoleName: aws.ToString(e.RoleName),
				DiskImageFormat: string(e.DiskImageFormat), S3Bucket: aws.ToString(e.S3Bucket), S3Prefix: aws.ToString(e.S3Prefix)}
		}
		for _, f := range d.FastLaunchConfigurations {
			mf := model.FastLaunchConfiguration{Enabled: f.Enabled, AccountID: aws.ToString(f.AccountId), MaxParallelLaunches: aws.ToInt32(f.MaxParallelLaunches)}
			if lt := f.LaunchTemplate; lt != nil {
				mf.LaunchTemplate = &model.FastLaunchLaunchTemplate{LaunchTemplateID: aws.ToString(lt.LaunchTemplateId),
					LaunchTemplateName: aws.ToString(lt.LaunchTemplateName), LaunchTemplateVersion: aws.ToString(lt.LaunchTemplateVersion)}
			}
			if sc := f.SnapshotConfiguration; sc != nil {
				mf.SnapshotConfiguration = &model.FastLaunchSnapshots{TargetResourceCount: aws.ToInt32(sc.TargetResourceCount)}
			}
			md.FastLaunchConfigurations = append(md.FastLaunchConfigurations, mf)
		}
		for _, p := range d.SsmParameterConfigurations {
			md.SsmParameterConfigurations = append(md.SsmParameterConfigurations, model.SsmParameterConfiguration{
				ParameterName: aws.ToString(p.ParameterName), AmiAccountID: aws.ToString(p.AmiAccountId), DataType: string(p.DataType)})
		}
		out = append(out, md)
	}
	return out
}
