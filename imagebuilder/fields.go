package imagebuilder

// apiFields is, in one place, every member of the Create and Update inputs
// of the kinds that kiln's YAML does not carry under the API's own name:
// where kiln keeps it instead ("metadata.name", or the spec field it takes
// a reference by), that kiln sets it itself, or why it is deliberately
// unsupported. A member is named "<Shape>.<member>" as in the service
// model; fields_test.go fails when a member of the model is neither here
// nor a field of the kind's spec (recursively, by its JSON name).
var apiFields = map[string]string{
	// Metadata and kiln's own.
	"*.name":            "metadata.name",
	"*.semanticVersion": "metadata.version",
	"*.description":     "metadata.description",
	"*.tags":            "metadata.tags (plus kiln:managed, kiln:digest, kiln:repo, kiln:commit)",
	"*.clientToken":     "kiln: derived from environment, kind, name, version and digest",
	"*.dryRun":          "kiln: used by the plan",

	// Update inputs name what they update.
	"UpdateInfrastructureConfigurationRequest.infrastructureConfigurationArn": "kiln: the live resource of the same name",
	"UpdateDistributionConfigurationRequest.distributionConfigurationArn":     "kiln: the live resource of the same name",
	"UpdateImagePipelineRequest.imagePipelineArn":                             "kiln: the live resource of the same name",
	"UpdateLifecyclePolicyRequest.lifecyclePolicyArn":                         "kiln: the live resource of the same name",

	// References by name (and version) to resources of the repository.
	"*.imageRecipeArn":                                       "spec.imageRecipe: name and version of a repository recipe",
	"*.containerRecipeArn":                                   "spec.containerRecipe: name and version of a repository recipe",
	"*.infrastructureConfigurationArn":                       "spec.infrastructureConfiguration: name of a repository configuration",
	"*.distributionConfigurationArn":                         "spec.distributionConfiguration: name of a repository configuration",
	"ComponentConfiguration.componentArn":                    "spec.components[].arn, or name and version of a repository component",
	"WorkflowConfiguration.workflowArn":                      "spec.workflows[].arn, or name and version of a repository workflow",
	"LifecyclePolicyResourceSelectionRecipe.semanticVersion": "spec.resourceSelection.recipes[].version (exact or wildcard)",

	// Documents.
	"CreateComponentRequest.data": "spec.data, or spec.document: a file of the repository",
	"CreateWorkflowRequest.data":  "spec.data, or spec.document: a file of the repository",
	"CreateComponentRequest.uri":  "unsupported: kiln keeps component documents in the repository, where they are reviewed and hashed into the digest; an S3 object can change unseen",
	"CreateWorkflowRequest.uri":   "unsupported: kiln keeps workflow documents in the repository, where they are reviewed and hashed into the digest; an S3 object can change unseen",
}
