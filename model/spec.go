package model

// Spec field names and shapes follow the Image Builder API (camelCase), so
// a user who knows the API or the console knows the file. Where the API
// takes an ARN of another resource, kiln takes a reference by name (and
// version) to a resource in the repository, or an ARN for resources kiln
// does not manage.

// ComponentSpec is a Component: an AWSTOE document plus its Image Builder
// settings. Exactly one of Document (a path relative to the file) and Data
// (the document inline) is set.
type ComponentSpec struct {
	Platform            string   `yaml:"platform" json:"platform"` // Linux | Windows | macOS
	SupportedOsVersions []string `yaml:"supportedOsVersions,omitempty" json:"supportedOsVersions,omitempty"`
	ChangeDescription   string   `yaml:"changeDescription,omitempty" json:"changeDescription,omitempty"`
	Document            string   `yaml:"document,omitempty" json:"document,omitempty"`
	Data                string   `yaml:"data,omitempty" json:"data,omitempty"`
	KmsKeyID            string   `yaml:"kmsKeyId,omitempty" json:"kmsKeyId,omitempty"`
}

// SetDocument points the spec at a document file, dropping inline data.
func (s *ComponentSpec) SetDocument(path string) { s.Document, s.Data = path, "" }

// SetData puts the document inline, dropping a document path.
func (s *ComponentSpec) SetData(text string) { s.Document, s.Data = "", text }

// ComponentRef names a component from a recipe: a repository component by
// Name and Version (exact, or a right-aligned wildcard such as 1.x.x), or an
// AWS-managed or shared component by ARN with {region} and {account}
// placeholders.
type ComponentRef struct {
	Name       string               `yaml:"name,omitempty" json:"name,omitempty"`
	Version    string               `yaml:"version,omitempty" json:"version,omitempty"`
	Arn        string               `yaml:"arn,omitempty" json:"arn,omitempty"`
	Parameters []ComponentParameter `yaml:"parameters,omitempty" json:"parameters,omitempty"`
}

// ComponentParameter sets a component parameter for one recipe.
type ComponentParameter struct {
	Name  string   `yaml:"name" json:"name"`
	Value []string `yaml:"value" json:"value"`
}

// BlockDeviceMapping is an instance block device.
type BlockDeviceMapping struct {
	DeviceName  string `yaml:"deviceName,omitempty" json:"deviceName,omitempty"`
	Ebs         *Ebs   `yaml:"ebs,omitempty" json:"ebs,omitempty"`
	VirtualName string `yaml:"virtualName,omitempty" json:"virtualName,omitempty"`
	// NoDevice removes the parent image's mapping; the API's value for
	// that is the empty string, so unset and empty must stay apart.
	NoDevice *string `yaml:"noDevice,omitempty" json:"noDevice,omitempty"`
}

// Ebs is an EBS volume's settings.
type Ebs struct {
	Encrypted           *bool  `yaml:"encrypted,omitempty" json:"encrypted,omitempty"`
	DeleteOnTermination *bool  `yaml:"deleteOnTermination,omitempty" json:"deleteOnTermination,omitempty"`
	Iops                int32  `yaml:"iops,omitempty" json:"iops,omitempty"`
	KmsKeyID            string `yaml:"kmsKeyId,omitempty" json:"kmsKeyId,omitempty"`
	SnapshotID          string `yaml:"snapshotId,omitempty" json:"snapshotId,omitempty"`
	VolumeSize          int32  `yaml:"volumeSize,omitempty" json:"volumeSize,omitempty"`
	VolumeType          string `yaml:"volumeType,omitempty" json:"volumeType,omitempty"`
	Throughput          int32  `yaml:"throughput,omitempty" json:"throughput,omitempty"`
}

// AdditionalInstanceConfiguration is the build instance's SSM agent and
// user data settings.
type AdditionalInstanceConfiguration struct {
	SystemsManagerAgent *SystemsManagerAgent `yaml:"systemsManagerAgent,omitempty" json:"systemsManagerAgent,omitempty"`
	UserDataOverride    string               `yaml:"userDataOverride,omitempty" json:"userDataOverride,omitempty"`
}

// SystemsManagerAgent says whether the SSM agent is removed after the build.
type SystemsManagerAgent struct {
	UninstallAfterBuild *bool `yaml:"uninstallAfterBuild,omitempty" json:"uninstallAfterBuild,omitempty"`
}

// ImageRecipeSpec is an ImageRecipe (an AMI recipe).
type ImageRecipeSpec struct {
	ParentImage                     string                           `yaml:"parentImage" json:"parentImage"`
	Components                      []ComponentRef                   `yaml:"components" json:"components"`
	BlockDeviceMappings             []BlockDeviceMapping             `yaml:"blockDeviceMappings,omitempty" json:"blockDeviceMappings,omitempty"`
	WorkingDirectory                string                           `yaml:"workingDirectory,omitempty" json:"workingDirectory,omitempty"`
	AdditionalInstanceConfiguration *AdditionalInstanceConfiguration `yaml:"additionalInstanceConfiguration,omitempty" json:"additionalInstanceConfiguration,omitempty"`
	AmiTags                         map[string]string                `yaml:"amiTags,omitempty" json:"amiTags,omitempty"`
}

// InstanceConfiguration is a container recipe's build instance.
type InstanceConfiguration struct {
	Image               string               `yaml:"image,omitempty" json:"image,omitempty"`
	BlockDeviceMappings []BlockDeviceMapping `yaml:"blockDeviceMappings,omitempty" json:"blockDeviceMappings,omitempty"`
}

// TargetContainerRepository is where a container image is pushed.
type TargetContainerRepository struct {
	Service        string `yaml:"service" json:"service"` // ECR
	RepositoryName string `yaml:"repositoryName" json:"repositoryName"`
}

// ContainerRecipeSpec is a ContainerRecipe (a Docker image recipe).
type ContainerRecipeSpec struct {
	ContainerType          string                    `yaml:"containerType" json:"containerType"` // DOCKER
	ParentImage            string                    `yaml:"parentImage" json:"parentImage"`
	Components             []ComponentRef            `yaml:"components" json:"components"`
	InstanceConfiguration  *InstanceConfiguration    `yaml:"instanceConfiguration,omitempty" json:"instanceConfiguration,omitempty"`
	DockerfileTemplateData string                    `yaml:"dockerfileTemplateData,omitempty" json:"dockerfileTemplateData,omitempty"`
	DockerfileTemplateURI  string                    `yaml:"dockerfileTemplateUri,omitempty" json:"dockerfileTemplateUri,omitempty"`
	PlatformOverride       string                    `yaml:"platformOverride,omitempty" json:"platformOverride,omitempty"`
	ImageOsVersionOverride string                    `yaml:"imageOsVersionOverride,omitempty" json:"imageOsVersionOverride,omitempty"`
	WorkingDirectory       string                    `yaml:"workingDirectory,omitempty" json:"workingDirectory,omitempty"`
	TargetRepository       TargetContainerRepository `yaml:"targetRepository" json:"targetRepository"`
	KmsKeyID               string                    `yaml:"kmsKeyId,omitempty" json:"kmsKeyId,omitempty"`
}

// InstanceMetadataOptions are the build instance's IMDS settings.
type InstanceMetadataOptions struct {
	HTTPTokens              string `yaml:"httpTokens,omitempty" json:"httpTokens,omitempty"` // required | optional
	HTTPPutResponseHopLimit int32  `yaml:"httpPutResponseHopLimit,omitempty" json:"httpPutResponseHopLimit,omitempty"`
}

// Logging sends build logs to S3.
type Logging struct {
	S3Logs *S3Logs `yaml:"s3Logs,omitempty" json:"s3Logs,omitempty"`
}

// S3Logs is the bucket and prefix for build logs.
type S3Logs struct {
	S3BucketName string `yaml:"s3BucketName,omitempty" json:"s3BucketName,omitempty"`
	S3KeyPrefix  string `yaml:"s3KeyPrefix,omitempty" json:"s3KeyPrefix,omitempty"`
}

// Placement pins build instances.
type Placement struct {
	AvailabilityZone     string `yaml:"availabilityZone,omitempty" json:"availabilityZone,omitempty"`
	Tenancy              string `yaml:"tenancy,omitempty" json:"tenancy,omitempty"`
	HostID               string `yaml:"hostId,omitempty" json:"hostId,omitempty"`
	HostResourceGroupArn string `yaml:"hostResourceGroupArn,omitempty" json:"hostResourceGroupArn,omitempty"`
}

// InfrastructureConfigurationSpec is where and how builds run.
type InfrastructureConfigurationSpec struct {
	InstanceProfileName        string                   `yaml:"instanceProfileName" json:"instanceProfileName"`
	InstanceTypes              []string                 `yaml:"instanceTypes,omitempty" json:"instanceTypes,omitempty"`
	SecurityGroupIDs           []string                 `yaml:"securityGroupIds,omitempty" json:"securityGroupIds,omitempty"`
	SubnetID                   string                   `yaml:"subnetId,omitempty" json:"subnetId,omitempty"`
	Logging                    *Logging                 `yaml:"logging,omitempty" json:"logging,omitempty"`
	KeyPair                    string                   `yaml:"keyPair,omitempty" json:"keyPair,omitempty"`
	TerminateInstanceOnFailure *bool                    `yaml:"terminateInstanceOnFailure,omitempty" json:"terminateInstanceOnFailure,omitempty"`
	SnsTopicArn                string                   `yaml:"snsTopicArn,omitempty" json:"snsTopicArn,omitempty"`
	InstanceMetadataOptions    *InstanceMetadataOptions `yaml:"instanceMetadataOptions,omitempty" json:"instanceMetadataOptions,omitempty"`
	ResourceTags               map[string]string        `yaml:"resourceTags,omitempty" json:"resourceTags,omitempty"`
	Placement                  *Placement               `yaml:"placement,omitempty" json:"placement,omitempty"`
}

// LaunchPermission shares an AMI.
type LaunchPermission struct {
	UserIDs                []string `yaml:"userIds,omitempty" json:"userIds,omitempty"`
	UserGroups             []string `yaml:"userGroups,omitempty" json:"userGroups,omitempty"`
	OrganizationArns       []string `yaml:"organizationArns,omitempty" json:"organizationArns,omitempty"`
	OrganizationalUnitArns []string `yaml:"organizationalUnitArns,omitempty" json:"organizationalUnitArns,omitempty"`
}

// AmiDistributionConfiguration is the AMI produced in one region.
type AmiDistributionConfiguration struct {
	Name             string            `yaml:"name,omitempty" json:"name,omitempty"`
	Description      string            `yaml:"description,omitempty" json:"description,omitempty"`
	TargetAccountIDs []string          `yaml:"targetAccountIds,omitempty" json:"targetAccountIds,omitempty"`
	AmiTags          map[string]string `yaml:"amiTags,omitempty" json:"amiTags,omitempty"`
	KmsKeyID         string            `yaml:"kmsKeyId,omitempty" json:"kmsKeyId,omitempty"`
	LaunchPermission *LaunchPermission `yaml:"launchPermission,omitempty" json:"launchPermission,omitempty"`
}

// ContainerDistributionConfiguration is the container image produced in one
// region.
type ContainerDistributionConfiguration struct {
	Description      string                    `yaml:"description,omitempty" json:"description,omitempty"`
	ContainerTags    []string                  `yaml:"containerTags,omitempty" json:"containerTags,omitempty"`
	TargetRepository TargetContainerRepository `yaml:"targetRepository" json:"targetRepository"`
}

// LaunchTemplateConfiguration updates a launch template with the new AMI.
type LaunchTemplateConfiguration struct {
	LaunchTemplateID  string `yaml:"launchTemplateId" json:"launchTemplateId"`
	AccountID         string `yaml:"accountId,omitempty" json:"accountId,omitempty"`
	SetDefaultVersion bool   `yaml:"setDefaultVersion,omitempty" json:"setDefaultVersion,omitempty"`
}

// S3ExportConfiguration exports the image to S3.
type S3ExportConfiguration struct {
	RoleName        string `yaml:"roleName" json:"roleName"`
	DiskImageFormat string `yaml:"diskImageFormat" json:"diskImageFormat"`
	S3Bucket        string `yaml:"s3Bucket" json:"s3Bucket"`
	S3Prefix        string `yaml:"s3Prefix,omitempty" json:"s3Prefix,omitempty"`
}

// Distribution is one target region.
type Distribution struct {
	Region                             string                              `yaml:"region" json:"region"`
	AmiDistributionConfiguration       *AmiDistributionConfiguration       `yaml:"amiDistributionConfiguration,omitempty" json:"amiDistributionConfiguration,omitempty"`
	ContainerDistributionConfiguration *ContainerDistributionConfiguration `yaml:"containerDistributionConfiguration,omitempty" json:"containerDistributionConfiguration,omitempty"`
	LicenseConfigurationArns           []string                            `yaml:"licenseConfigurationArns,omitempty" json:"licenseConfigurationArns,omitempty"`
	LaunchTemplateConfigurations       []LaunchTemplateConfiguration       `yaml:"launchTemplateConfigurations,omitempty" json:"launchTemplateConfigurations,omitempty"`
	S3ExportConfiguration              *S3ExportConfiguration              `yaml:"s3ExportConfiguration,omitempty" json:"s3ExportConfiguration,omitempty"`
	FastLaunchConfigurations           []FastLaunchConfiguration           `yaml:"fastLaunchConfigurations,omitempty" json:"fastLaunchConfigurations,omitempty"`
	SsmParameterConfigurations         []SsmParameterConfiguration         `yaml:"ssmParameterConfigurations,omitempty" json:"ssmParameterConfigurations,omitempty"`
}

// FastLaunchConfiguration turns on EC2 Fast Launch for a Windows AMI.
type FastLaunchConfiguration struct {
	Enabled               bool                      `yaml:"enabled" json:"enabled"`
	AccountID             string                    `yaml:"accountId,omitempty" json:"accountId,omitempty"`
	MaxParallelLaunches   int32                     `yaml:"maxParallelLaunches,omitempty" json:"maxParallelLaunches,omitempty"`
	LaunchTemplate        *FastLaunchLaunchTemplate `yaml:"launchTemplate,omitempty" json:"launchTemplate,omitempty"`
	SnapshotConfiguration *FastLaunchSnapshots      `yaml:"snapshotConfiguration,omitempty" json:"snapshotConfiguration,omitempty"`
}

// FastLaunchLaunchTemplate is the launch template Fast Launch uses.
type FastLaunchLaunchTemplate struct {
	LaunchTemplateID      string `yaml:"launchTemplateId,omitempty" json:"launchTemplateId,omitempty"`
	LaunchTemplateName    string `yaml:"launchTemplateName,omitempty" json:"launchTemplateName,omitempty"`
	LaunchTemplateVersion string `yaml:"launchTemplateVersion,omitempty" json:"launchTemplateVersion,omitempty"`
}

// FastLaunchSnapshots is how many pre-provisioned snapshots to keep.
type FastLaunchSnapshots struct {
	TargetResourceCount int32 `yaml:"targetResourceCount,omitempty" json:"targetResourceCount,omitempty"`
}

// SsmParameterConfiguration has Image Builder write the new AMI id to an
// SSM parameter.
type SsmParameterConfiguration struct {
	ParameterName string `yaml:"parameterName" json:"parameterName"`
	AmiAccountID  string `yaml:"amiAccountId,omitempty" json:"amiAccountId,omitempty"`
	DataType      string `yaml:"dataType,omitempty" json:"dataType,omitempty"` // text | aws:ec2:image
}

// DistributionConfigurationSpec is where images go.
type DistributionConfigurationSpec struct {
	Distributions []Distribution `yaml:"distributions" json:"distributions"`
}

// RecipeRef names the recipe a pipeline builds: an ImageRecipe or a
// ContainerRecipe of the repository, by name and version (exact or
// wildcard).
type RecipeRef struct {
	Name    string `yaml:"name" json:"name"`
	Version string `yaml:"version" json:"version"`
}

// ImageTestsConfiguration runs the recipe's tests after the build.
type ImageTestsConfiguration struct {
	ImageTestsEnabled *bool `yaml:"imageTestsEnabled,omitempty" json:"imageTestsEnabled,omitempty"`
	TimeoutMinutes    int32 `yaml:"timeoutMinutes,omitempty" json:"timeoutMinutes,omitempty"`
}

// Schedule starts the pipeline on a cron expression.
type Schedule struct {
	ScheduleExpression              string             `yaml:"scheduleExpression,omitempty" json:"scheduleExpression,omitempty"`
	Timezone                        string             `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	PipelineExecutionStartCondition string             `yaml:"pipelineExecutionStartCondition,omitempty" json:"pipelineExecutionStartCondition,omitempty"`
	AutoDisablePolicy               *AutoDisablePolicy `yaml:"autoDisablePolicy,omitempty" json:"autoDisablePolicy,omitempty"`
}

// AutoDisablePolicy disables a pipeline after failed scheduled runs.
type AutoDisablePolicy struct {
	FailureCount int32 `yaml:"failureCount" json:"failureCount"`
}

// PipelineLoggingConfiguration names the CloudWatch log groups of a
// pipeline and its images.
type PipelineLoggingConfiguration struct {
	ImageLogGroupName    string `yaml:"imageLogGroupName,omitempty" json:"imageLogGroupName,omitempty"`
	PipelineLogGroupName string `yaml:"pipelineLogGroupName,omitempty" json:"pipelineLogGroupName,omitempty"`
}

// EcrConfiguration is where Inspector scans container images.
type EcrConfiguration struct {
	RepositoryName string   `yaml:"repositoryName,omitempty" json:"repositoryName,omitempty"`
	ContainerTags  []string `yaml:"containerTags,omitempty" json:"containerTags,omitempty"`
}

// ImageScanningConfiguration turns on Inspector vulnerability scanning.
type ImageScanningConfiguration struct {
	ImageScanningEnabled *bool             `yaml:"imageScanningEnabled,omitempty" json:"imageScanningEnabled,omitempty"`
	EcrConfiguration     *EcrConfiguration `yaml:"ecrConfiguration,omitempty" json:"ecrConfiguration,omitempty"`
}

// ImagePipelineSpec ties a recipe to infrastructure and distribution.
type ImagePipelineSpec struct {
	ImageRecipe                  *RecipeRef                    `yaml:"imageRecipe,omitempty" json:"imageRecipe,omitempty"`
	ContainerRecipe              *RecipeRef                    `yaml:"containerRecipe,omitempty" json:"containerRecipe,omitempty"`
	InfrastructureConfiguration  string                        `yaml:"infrastructureConfiguration" json:"infrastructureConfiguration"`
	DistributionConfiguration    string                        `yaml:"distributionConfiguration,omitempty" json:"distributionConfiguration,omitempty"`
	ImageTestsConfiguration      *ImageTestsConfiguration      `yaml:"imageTestsConfiguration,omitempty" json:"imageTestsConfiguration,omitempty"`
	EnhancedImageMetadataEnabled *bool                         `yaml:"enhancedImageMetadataEnabled,omitempty" json:"enhancedImageMetadataEnabled,omitempty"`
	Schedule                     *Schedule                     `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	Status                       string                        `yaml:"status,omitempty" json:"status,omitempty"` // ENABLED | DISABLED
	ImageScanningConfiguration   *ImageScanningConfiguration   `yaml:"imageScanningConfiguration,omitempty" json:"imageScanningConfiguration,omitempty"`
	Workflows                    []WorkflowConfiguration       `yaml:"workflows,omitempty" json:"workflows,omitempty"`
	ExecutionRole                string                        `yaml:"executionRole,omitempty" json:"executionRole,omitempty"`
	ImageTags                    map[string]string             `yaml:"imageTags,omitempty" json:"imageTags,omitempty"`
	LoggingConfiguration         *PipelineLoggingConfiguration `yaml:"loggingConfiguration,omitempty" json:"loggingConfiguration,omitempty"`
}

// Recipe returns the recipe the pipeline names and its kind.
func (p *ImagePipelineSpec) Recipe() (Kind, *RecipeRef) {
	if p.ContainerRecipe != nil {
		return KindContainerRecipe, p.ContainerRecipe
	}
	return KindImageRecipe, p.ImageRecipe
}
