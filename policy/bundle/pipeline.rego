# Package kiln.pipeline checks ImagePipeline resources.
package kiln.pipeline

import data.kiln.lib

# METADATA
# title: Image tests run
# description: The recipe's test phase must run after every build.
# custom:
#   id: KILN-PPL-001
#   severity: medium
#   controls: ["nist-800-53:SA-11", "nist-800-53:CM-4"]
#   remediation: Remove imageTestsEnabled false (or set it to true).
image_tests contains r if {
	object.get(input.spec, ["imageTestsConfiguration", "imageTestsEnabled"], true) == false
	r := lib.result("image tests are disabled", ["spec", "imageTestsConfiguration", "imageTestsEnabled"])
}

# METADATA
# title: Images are scanned for vulnerabilities
# description: Amazon Inspector scanning of the output image must be on.
# custom:
#   id: KILN-PPL-002
#   severity: medium
#   controls: ["nist-800-53:RA-5"]
#   remediation: Set spec.imageScanningConfiguration.imageScanningEnabled to true.
vulnerability_scanning contains r if {
	object.get(input.spec, ["imageScanningConfiguration", "imageScanningEnabled"], false) != true
	r := lib.result("vulnerability scanning (imageScanningConfiguration.imageScanningEnabled) is off", ["spec", "imageScanningConfiguration"])
}

# METADATA
# title: Enhanced image metadata is collected
# description: Enhanced metadata records the packages in each image, which vulnerability reports and audits rely on.
# custom:
#   id: KILN-PPL-003
#   severity: low
#   controls: ["nist-800-53:CM-8"]
#   remediation: Remove enhancedImageMetadataEnabled false.
enhanced_metadata contains r if {
	input.spec.enhancedImageMetadataEnabled == false
	r := lib.result("enhanced image metadata is disabled", ["spec", "enhancedImageMetadataEnabled"])
}

# METADATA
# title: Production pipelines build a pinned recipe version
# description: A wildcard recipe version lets a production pipeline pick up a new recipe without a reviewed change to the pipeline.
# custom:
#   id: KILN-PPL-004
#   severity: high
#   controls: ["nist-800-53:CM-2", "nist-800-53:CM-3"]
#   remediation: Pin the exact recipe version.
pinned_recipe contains r if {
	lib.production
	some field in ["imageRecipe", "containerRecipe"]
	v := object.get(input.spec, [field, "version"], "")
	contains(v, "x")
	r := lib.result(sprintf("builds %s version %s in production", [input.spec[field].name, v]), ["spec", field, "version"])
}
