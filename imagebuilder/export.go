package imagebuilder

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
)

// ExportOptions selects what Export reads back.
type ExportOptions struct {
	// All includes the resources kiln already manages (tagged
	// kiln:managed); by default only what was made by hand or by other
	// tools is exported, which is what a team adopting kiln needs.
	All bool
}

// Exported is one live resource in kiln's shape: Resource has Kind,
// Metadata and the typed Spec set (no File, Node or Value). References to
// other exported resources are names (and versions); ARNs of anything else
// keep their ARN with the environment's own account and region turned into
// the {account} and {region} placeholders.
type Exported struct {
	Resource model.Resource
	// Arn is where the resource was read from.
	Arn string
	// Document is a component's AWSTOE document (its data), verbatim; the
	// component's spec names neither document nor data, so the caller
	// decides where the document goes.
	Document string
}

// Skipped is a live resource Export left out, and why.
type Skipped struct {
	Kind          model.Kind
	Name, Version string
	Arn           string
	Reason        string
}

// Export is what Export read.
type Export struct {
	// Resources are in model.Kinds order, then by name and version.
	Resources []Exported
	Skipped   []Skipped
}

// Export reads the full details of the resources the environment holds
// (owner Self only: AWS-managed and shared components stay ARNs in the
// recipes that use them) and turns them back into kiln resources: the
// reverse of the translation Create and Update make.
func (c *Client) Export(ctx context.Context, opts ExportOptions) (*Export, error) {
	live, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	out := &Export{}
	var picked []Live
	for _, l := range live {
		if l.Managed && !opts.All {
			out.Skipped = append(out.Skipped, Skipped{Kind: l.Kind, Name: l.Name, Version: l.Version, Arn: l.Arn,
				Reason: "managed by kiln (tagged " + TagManaged + "); --all imports it too"})
			continue
		}
		picked = append(picked, l)
	}
	details, err := c.getAll(ctx, picked)
	if err != nil {
		return nil, err
	}

	// Kinds in dependency order: a recipe's references need every component
	// converted, a pipeline's every recipe and configuration.
	x := exporter{c: c, components: map[string][]string{}, componentNames: map[string]string{}, arns: map[string]*model.Resource{}}
	for _, kind := range model.Kinds {
		for i, l := range picked {
			if l.Kind != kind {
				continue
			}
			e, reason := x.convert(l, details[i])
			if reason != "" {
				out.Skipped = append(out.Skipped, Skipped{Kind: l.Kind, Name: l.Name, Version: l.Version, Arn: l.Arn, Reason: reason})
				continue
			}
			x.arns[normalArn(l.Arn)] = &e.Resource
			if kind == model.KindComponent {
				arnName := strings.ToLower(versionlessName(l.Arn))
				x.components[arnName] = append(x.components[arnName], e.Resource.Metadata.Version)
				x.componentNames[arnName] = e.Resource.Metadata.Name
			}
			out.Resources = append(out.Resources, e)
		}
	}
	slices.SortStableFunc(out.Resources, func(a, b Exported) int { return compareResources(&a.Resource, &b.Resource) })
	slices.SortStableFunc(out.Skipped, func(a, b Skipped) int {
		return cmp.Or(cmp.Compare(slices.Index(model.Kinds, a.Kind), slices.Index(model.Kinds, b.Kind)),
			cmp.Compare(a.Name, b.Name), compareVersions(a.Version, b.Version), cmp.Compare(a.Arn, b.Arn))
	})
	return out, nil
}

func compareResources(a, b *model.Resource) int {
	return cmp.Or(cmp.Compare(slices.Index(model.Kinds, a.Kind), slices.Index(model.Kinds, b.Kind)),
		cmp.Compare(a.Metadata.Name, b.Metadata.Name), compareVersions(a.Metadata.Version, b.Metadata.Version))
}

func compareVersions(a, b string) int {
	va, errA := model.ParseVersion(a)
	vb, errB := model.ParseVersion(b)
	switch {
	case errA != nil || errB != nil:
		return cmp.Compare(a, b)
	case va.Less(vb):
		return -1
	case vb.Less(va):
		return 1
	}
	return 0
}

// getAll reads the full details of every resource, c.conc at a time; the
// i-th answer is the i-th resource's Get output.
func (c *Client) getAll(ctx context.Context, live []Live) ([]any, error) {
	out := make([]any, len(live))
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, c.conc)
		errOnce  sync.Once
		firstErr error
	)
	for i, l := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := c.get(ctx, l)
			if err != nil {
				errOnce.Do(func() { firstErr = fmt.Errorf("read %s %s in %s: %w", l.Kind, l.Arn, c.env.Name, err) })
				return
			}
			out[i] = v
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func (c *Client) get(ctx context.Context, l Live) (any, error) {
	arn := aws.String(l.Arn)
	switch l.Kind {
	case model.KindComponent:
		o, err := c.ib.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: arn})
		if err != nil {
			return nil, err
		}
		return o.Component, nil
	case model.KindImageRecipe:
		o, err := c.ib.GetImageRecipe(ctx, &ib.GetImageRecipeInput{ImageRecipeArn: arn})
		if err != nil {
			return nil, err
		}
		return o.ImageRecipe, nil
	case model.KindContainerRecipe:
		o, err := c.ib.GetContainerRecipe(ctx, &ib.GetContainerRecipeInput{ContainerRecipeArn: arn})
		if err != nil {
			return nil, err
		}
		return o.ContainerRecipe, nil
	case model.KindInfrastructureConfiguration:
		o, err := c.ib.GetInfrastructureConfiguration(ctx, &ib.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: arn})
		if err != nil {
			return nil, err
		}
		return o.InfrastructureConfiguration, nil
	case model.KindDistributionConfiguration:
		o, err := c.ib.GetDistributionConfiguration(ctx, &ib.GetDistributionConfigurationInput{DistributionConfigurationArn: arn})
		if err != nil {
			return nil, err
		}
		return o.DistributionConfiguration, nil
	case model.KindImagePipeline:
		o, err := c.ib.GetImagePipeline(ctx, &ib.GetImagePipelineInput{ImagePipelineArn: arn})
		if err != nil {
			return nil, err
		}
		return o.ImagePipeline, nil
	}
	return nil, fmt.Errorf("unknown kind %s", l.Kind)
}

// exporter turns Get answers into kiln resources, remembering what it has
// exported so that later kinds can name it.
type exporter struct {
	c *Client
	// components maps a component's name as ARNs write it to its exported
	// versions; componentNames to its real name.
	components     map[string][]string
	componentNames map[string]string
	// arns maps the exported resources' ARNs (without a build number) to
	// them.
	arns map[string]*model.Resource
}

// convert returns the exported resource, or the reason it cannot be one.
func (x *exporter) convert(l Live, v any) (Exported, string) {
	e := Exported{Arn: l.Arn, Resource: model.Resource{Kind: l.Kind}}
	md := &e.Resource.Metadata
	switch d := v.(type) {
	case *types.Component:
		if d == nil || aws.ToString(d.Data) == "" {
			return e, "the component has no inline document (data) to import"
		}
		*md = x.metadata(d.Name, d.Version, d.Description, d.Tags)
		e.Document = aws.ToString(d.Data)
		e.Resource.Spec = &model.ComponentSpec{Platform: string(d.Platform), SupportedOsVersions: d.SupportedOsVersions,
			ChangeDescription: aws.ToString(d.ChangeDescription), KmsKeyID: x.c.template(aws.ToString(d.KmsKeyId))}
	case *types.ImageRecipe:
		if d == nil {
			return e, "no recipe details"
		}
		*md = x.metadata(d.Name, d.Version, d.Description, d.Tags)
		s := &model.ImageRecipeSpec{ParentImage: x.c.template(aws.ToString(d.ParentImage)), Components: x.componentRefs(d.Components),
			BlockDeviceMappings: blockDevicesBack(d.BlockDeviceMappings), WorkingDirectory: aws.ToString(d.WorkingDirectory),
			AmiTags: nonEmpty(d.AmiTags)}
		if a := d.AdditionalInstanceConfiguration; a != nil {
			s.AdditionalInstanceConfiguration = &model.AdditionalInstanceConfiguration{UserDataOverride: aws.ToString(a.UserDataOverride)}
			if a.SystemsManagerAgent != nil {
				s.AdditionalInstanceConfiguration.SystemsManagerAgent = &model.SystemsManagerAgent{UninstallAfterBuild: a.SystemsManagerAgent.UninstallAfterBuild}
			}
		}
		e.Resource.Spec = s
	case *types.ContainerRecipe:
		if d == nil {
			return e, "no recipe details"
		}
		*md = x.metadata(d.Name, d.Version, d.Description, d.Tags)
		s := &model.ContainerRecipeSpec{ContainerType: string(d.ContainerType), ParentImage: x.c.template(aws.ToString(d.ParentImage)),
			Components: x.componentRefs(d.Components), DockerfileTemplateData: aws.ToString(d.DockerfileTemplateData),
			WorkingDirectory: aws.ToString(d.WorkingDirectory), KmsKeyID: x.c.template(aws.ToString(d.KmsKeyId))}
		if tr := d.TargetRepository; tr != nil {
			s.TargetRepository = model.TargetContainerRepository{Service: string(tr.Service), RepositoryName: aws.ToString(tr.RepositoryName)}
		}
		if ic := d.InstanceConfiguration; ic != nil {
			s.InstanceConfiguration = &model.InstanceConfiguration{Image: x.c.template(aws.ToString(ic.Image)),
				BlockDeviceMappings: blockDevicesBack(ic.BlockDeviceMappings)}
		}
		e.Resource.Spec = s
	case *types.InfrastructureConfiguration:
		if d == nil {
			return e, "no configuration details"
		}
		*md = x.metadata(d.Name, nil, d.Description, d.Tags)
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
		e.Resource.Spec = s
	case *types.DistributionConfiguration:
		if d == nil {
			return e, "no configuration details"
		}
		*md = x.metadata(d.Name, nil, d.Description, d.Tags)
		e.Resource.Spec = &model.DistributionConfigurationSpec{Distributions: x.distributionsBack(d.Distributions)}
	case *types.ImagePipeline:
		if d == nil {
			return e, "no pipeline details"
		}
		*md = x.metadata(d.Name, nil, d.Description, d.Tags)
		s, reason := x.pipelineBack(d)
		if reason != "" {
			return e, reason
		}
		e.Resource.Spec = s
	default:
		return e, fmt.Sprintf("unexpected details %T", v)
	}
	return e, ""
}

// metadata drops kiln's own tags: kiln writes them again on apply.
func (x *exporter) metadata(name, version, description *string, tags map[string]string) model.Metadata {
	md := model.Metadata{Name: aws.ToString(name), Version: aws.ToString(version), Description: aws.ToString(description)}
	for k, v := range tags {
		if strings.HasPrefix(k, "kiln:") {
			continue
		}
		if md.Tags == nil {
			md.Tags = map[string]string{}
		}
		md.Tags[k] = v
	}
	return md
}

func nonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// componentRefs names exported components by name and version (a wildcard
// stays a wildcard when an exported version matches it); everything else
// keeps its ARN.
func (x *exporter) componentRefs(in []types.ComponentConfiguration) []model.ComponentRef {
	out := make([]model.ComponentRef, 0, len(in))
	for _, cc := range in {
		arn := aws.ToString(cc.ComponentArn)
		ref := model.ComponentRef{Arn: x.c.template(arn)}
		if name, version, ok := x.ownComponent(arn); ok {
			ref = model.ComponentRef{Name: name, Version: version}
		}
		for _, p := range cc.Parameters {
			ref.Parameters = append(ref.Parameters, model.ComponentParameter{Name: aws.ToString(p.Name), Value: p.Value})
		}
		out = append(out, ref)
	}
	return out
}

// ownComponent resolves a component ARN of the environment's account to an
// exported component: name and the version as the ARN writes it.
func (x *exporter) ownComponent(arn string) (name, version string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[2] != "imagebuilder" || f[4] != x.c.env.Account || (x.c.env.Region != "" && f[3] != x.c.env.Region) {
		return "", "", false
	}
	parts := strings.Split(f[5], "/")
	if len(parts) < 3 || parts[0] != "component" {
		return "", "", false
	}
	versions := x.components[parts[1]]
	pat, err := model.ParseVersionPattern(parts[2])
	if err != nil {
		return "", "", false
	}
	for _, v := range versions {
		if pv, err := model.ParseVersion(v); err == nil && pat.Match(pv) {
			return x.componentNames[parts[1]], parts[2], true
		}
	}
	return "", "", false
}

func blockDevicesBack(in []types.InstanceBlockDeviceMapping) []model.BlockDeviceMapping {
	var out []model.BlockDeviceMapping
	for _, m := range in {
		bd := model.BlockDeviceMapping{DeviceName: aws.ToString(m.DeviceName), VirtualName: aws.ToString(m.VirtualName), NoDevice: aws.ToString(m.NoDevice)}
		if e := m.Ebs; e != nil {
			// Block device KMS keys are passed through as written (create
			// does not expand placeholders there), so they stay literal.
			bd.Ebs = &model.Ebs{Encrypted: e.Encrypted, DeleteOnTermination: e.DeleteOnTermination,
				Iops: aws.ToInt32(e.Iops), KmsKeyID: aws.ToString(e.KmsKeyId), SnapshotID: aws.ToString(e.SnapshotId),
				VolumeSize: aws.ToInt32(e.VolumeSize), VolumeType: string(e.VolumeType), Throughput: aws.ToInt32(e.Throughput)}
		}
		out = append(out, bd)
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
		out = append(out, md)
	}
	return out
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
	}
	if sc := d.ImageScanningConfiguration; sc != nil {
		s.ImageScanningConfiguration = &model.ImageScanningConfiguration{ImageScanningEnabled: sc.ImageScanningEnabled}
		if e := sc.EcrConfiguration; e != nil {
			s.ImageScanningConfiguration.EcrConfiguration = &model.EcrConfiguration{RepositoryName: aws.ToString(e.RepositoryName), ContainerTags: e.ContainerTags}
		}
	}
	for _, w := range d.Workflows {
		wc := model.WorkflowConfiguration{WorkflowArn: x.c.template(aws.ToString(w.WorkflowArn)), ParallelGroup: aws.ToString(w.ParallelGroup),
			OnFailure: string(w.OnFailure)}
		for _, p := range w.Parameters {
			wc.Parameters = append(wc.Parameters, model.WorkflowParameter{Name: aws.ToString(p.Name), Value: p.Value})
		}
		s.Workflows = append(s.Workflows, wc)
	}
	return s, ""
}

// template is the reverse of expand: in an ARN, the environment's own
// region and account become {region} and {account}, so the file applies
// to every environment alike. Anything that is not an ARN is left as it is.
func (c *Client) template(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 {
		return s
	}
	if c.env.Region != "" && f[3] == c.env.Region {
		f[3] = "{region}"
	}
	if c.env.Account != "" && f[4] == c.env.Account {
		f[4] = "{account}"
	}
	return strings.Join(f, ":")
}

// normalArn is an Image Builder ARN without a component's build number,
// lowercased as the service writes names.
func normalArn(arn string) string {
	arn = strings.ToLower(arn)
	i := strings.Index(arn, ":component/")
	if i < 0 {
		return arn
	}
	parts := strings.Split(arn[i+1:], "/")
	if len(parts) == 4 {
		return arn[:strings.LastIndex(arn, "/")]
	}
	return arn
}

// versionlessName is the name segment of an Image Builder ARN.
func versionlessName(arn string) string {
	i := strings.LastIndex(arn, ":")
	parts := strings.Split(arn[i+1:], "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}
