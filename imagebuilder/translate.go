package imagebuilder

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
)

// Resolver gives the ARN of a resource a spec refers to: a repository
// component or recipe by name and version (exact or wildcard, as written in
// the spec), or a configuration by name (version empty). The reconciler
// owns it, because it knows both the repository and what is live.
type Resolver func(kind model.Kind, name, version string) (arn string, err error)

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

func (c *Client) components(refs []model.ComponentRef, resolve Resolver) ([]types.ComponentConfiguration, error) {
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
		out = append(out, td)
	}
	return out
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
}

func (c *Client) pipelineOf(s *model.ImagePipelineSpec, resolve Resolver) (pipeline, error) {
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
	}
	out.status = types.PipelineStatus(s.Status)
	if sc := s.ImageScanningConfiguration; sc != nil {
		out.scanning = &types.ImageScanningConfiguration{ImageScanningEnabled: sc.ImageScanningEnabled}
		if e := sc.EcrConfiguration; e != nil {
			out.scanning.EcrConfiguration = &types.EcrConfiguration{RepositoryName: opt(e.RepositoryName), ContainerTags: e.ContainerTags}
		}
	}
	for _, w := range s.Workflows {
		wc := types.WorkflowConfiguration{WorkflowArn: aws.String(c.expand(w.WorkflowArn)), ParallelGroup: opt(w.ParallelGroup),
			OnFailure: types.OnWorkflowFailure(w.OnFailure)}
		for _, p := range w.Parameters {
			wc.Parameters = append(wc.Parameters, types.WorkflowParameter{Name: aws.String(p.Name), Value: p.Value})
		}
		out.workflows = append(out.workflows, wc)
	}
	out.role = opt(c.expand(s.ExecutionRole))
	return out, nil
}
