package kiln.pipeline_test

import data.kiln.pipeline

good := {"kind": "ImagePipeline", "name": "base", "spec": {
	"imageRecipe": {"name": "base", "version": "1.2.0"},
	"infrastructureConfiguration": "build",
	"imageTestsConfiguration": {"imageTestsEnabled": true},
	"imageScanningConfiguration": {"imageScanningEnabled": true},
}}

with_spec(patch) := object.union(good, {"spec": object.union(good.spec, patch)})

without(keys) := object.union(object.remove(good, ["spec"]), {"spec": object.remove(good.spec, keys)})

test_image_tests_deny if {
	count(pipeline.image_tests) == 1 with input as with_spec({"imageTestsConfiguration": {"imageTestsEnabled": false}})
}

test_image_tests_pass if {
	count(pipeline.image_tests) == 0 with input as good
}

test_image_tests_pass_default if {
	count(pipeline.image_tests) == 0 with input as without(["imageTestsConfiguration"])
}

test_vulnerability_scanning_deny if {
	count(pipeline.vulnerability_scanning) == 1 with input as without(["imageScanningConfiguration"])
}

test_vulnerability_scanning_pass if {
	count(pipeline.vulnerability_scanning) == 0 with input as good
}

test_enhanced_metadata_deny if {
	count(pipeline.enhanced_metadata) == 1 with input as with_spec({"enhancedImageMetadataEnabled": false})
}

test_enhanced_metadata_pass if {
	count(pipeline.enhanced_metadata) == 0 with input as good
}

test_pinned_recipe_deny if {
	some r in pipeline.pinned_recipe with input as object.union(with_spec({"imageRecipe": {"name": "base", "version": "1.x.x"}}), {"environment": {"production": true}})
	r.path == ["spec", "imageRecipe", "version"]
}

test_pinned_recipe_pass if {
	count(pipeline.pinned_recipe) == 0 with input as object.union(good, {"environment": {"production": true}})
}

test_pinned_recipe_pass_outside_production if {
	count(pipeline.pinned_recipe) == 0 with input as with_spec({"imageRecipe": {"name": "base", "version": "1.x.x"}})
}
