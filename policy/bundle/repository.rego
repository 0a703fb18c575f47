# Package kiln.repository holds rules that look across resources. Its input
# is the whole repository: {"resources": [...], "environment": {...}} where
# each resource has id, kind, name, version, file, metadata and spec (not
# the documents and commands of the per-document input).
# A rule lists the kinds it looks at in METADATA custom.input_kinds, and kiln
# then leaves the other resources out of the input (when every rule of the
# package has the list); without it the input holds every resource.
# Results name the resource they are about ("resource": id).
package kiln.repository

infrastructure(name) := [r |
	some r in input.resources
	r.kind == "InfrastructureConfiguration"
	r.name == name
]

hop_limit(infra) := object.get(infra.spec, ["instanceMetadataOptions", "httpPutResponseHopLimit"], 1)

pipelines_using(name, recipe_field) := [p |
	some p in input.resources
	p.kind == "ImagePipeline"
	object.get(p.spec, "infrastructureConfiguration", "") == name
	object.get(p.spec, recipe_field, null) != null
]

# METADATA
# title: IMDS hop limit fits the build type
# description: >-
#   AMI builds need a hop limit of 1 so nothing forwarded through the instance
#   (a container, a proxy) can reach instance metadata; container builds run
#   docker on the instance and need 2.
# custom:
#   id: KILN-INF-002
#   severity: medium
#   input_kinds: [InfrastructureConfiguration, ImagePipeline]
#   controls: ["cis-aws:5.6", "nist-800-53:AC-3", "nist-800-53:SC-7"]
#   remediation: >-
#     Set spec.instanceMetadataOptions.httpPutResponseHopLimit to 1 for
#     configurations used by image pipelines and 2 for container pipelines;
#     use separate configurations when both build from it.
imds_hop_limit contains r if {
	some infra in input.resources
	infra.kind == "InfrastructureConfiguration"
	count(pipelines_using(infra.name, "containerRecipe")) > 0
	hop_limit(infra) < 2
	r := {
		"msg": sprintf("httpPutResponseHopLimit is %v but container pipelines build with this configuration: docker on the build instance needs 2", [hop_limit(infra)]),
		"resource": infra.id,
		"path": ["spec", "instanceMetadataOptions", "httpPutResponseHopLimit"],
	}
}

imds_hop_limit contains r if {
	some infra in input.resources
	infra.kind == "InfrastructureConfiguration"
	count(pipelines_using(infra.name, "containerRecipe")) == 0
	count(pipelines_using(infra.name, "imageRecipe")) > 0
	hop_limit(infra) > 1
	r := {
		"msg": sprintf("httpPutResponseHopLimit is %v but only AMI pipelines build with this configuration: use 1", [hop_limit(infra)]),
		"resource": infra.id,
		"path": ["spec", "instanceMetadataOptions", "httpPutResponseHopLimit"],
	}
}
