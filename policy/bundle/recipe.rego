# Package kiln.recipe checks ImageRecipe and ContainerRecipe resources. Their
# input carries "components": every component reference of the recipe, and
# for references to repository components the component it resolves to
# ("resolved": {name, version, description, tags, platform}).
package kiln.recipe

import data.kiln.lib

default_parent_images := [
	"arn:aws:imagebuilder:*:aws:image/*",
	"ssm:/aws/service/ami-amazon-linux-latest/*",
	"amazonlinux:*",
	"public.ecr.aws/amazonlinux/*",
]

default_update_components := [
	"arn:aws:imagebuilder:*:aws:component/update-linux/*",
	"arn:aws:imagebuilder:*:aws:component/update-windows/*",
]

# default_hardening_components are the AWS-managed hardening components,
# by ARN: the STIG components and the CIS components of the AWS
# Marketplace. A name is not evidence: teams whose own component is their
# hardening list its ARN or name in policy.data.hardeningComponents.
default_hardening_components := [
	"arn:aws:imagebuilder:*:aws:component/stig-build-linux*",
	"arn:aws:imagebuilder:*:aws:component/stig-build-windows*",
	"arn:aws:imagebuilder:*:aws-marketplace:component/cis-*",
]

# block_devices are the recipe's EBS mappings with their paths: the build
# instance's for AMI recipes, instanceConfiguration's for container recipes.
block_devices := array.concat(
	[[["spec", "blockDeviceMappings", i], bd] | some i, bd in object.get(input.spec, "blockDeviceMappings", [])],
	[[["spec", "instanceConfiguration", "blockDeviceMappings", i], bd] | some i, bd in object.get(input.spec, ["instanceConfiguration", "blockDeviceMappings"], [])],
)

# component_names are what a reference can be recognised by: its ARN, or the
# repository component's name.
component_names(c) := {n | some n in [object.get(c, "arn", ""), object.get(c, "name", "")]; n != ""}

# METADATA
# title: EBS volumes are encrypted
# description: Every EBS volume of the build (and so of the AMI) must be encrypted at rest.
# custom:
#   id: KILN-RCP-001
#   severity: high
#   controls: ["cis-aws:2.2.1", "nist-800-53:SC-28", "stig-rhel8:RHEL-08-010030"]
#   scope: aws
#   remediation: Set ebs.encrypted to true on every block device mapping.
ebs_encrypted contains r if {
	some [path, bd] in block_devices
	ebs := object.get(bd, "ebs", null)
	ebs != null
	object.get(ebs, "encrypted", false) != true
	r := lib.result(sprintf("EBS volume %s is not encrypted", [object.get(bd, "deviceName", "")]), array.concat(path, ["ebs", "encrypted"]))
}

# METADATA
# title: EBS volumes use a customer managed KMS key
# description: >-
#   Encrypting with the AWS-managed key prevents sharing the AMI with other
#   accounts and leaves key policy and rotation out of the team's control.
# custom:
#   id: KILN-RCP-002
#   severity: medium
#   controls: ["nist-800-53:SC-12", "nist-800-53:SC-28(1)"]
#   scope: aws
#   remediation: Set ebs.kmsKeyId to a customer managed key.
ebs_cmk contains r if {
	some [path, bd] in block_devices
	ebs := object.get(bd, "ebs", null)
	ebs != null
	ebs.encrypted == true
	object.get(ebs, "kmsKeyId", "") == ""
	r := lib.result(sprintf("EBS volume %s is encrypted with the AWS-managed key, not a customer managed key", [object.get(bd, "deviceName", "")]), array.concat(path, ["ebs"]))
}

# METADATA
# title: Parent image is approved
# description: >-
#   Images must build on an approved parent (policy.data.approvedParentImages,
#   glob patterns; by default AWS-managed Image Builder images, the Amazon Linux
#   SSM parameters and Amazon Linux container images).
# custom:
#   id: KILN-RCP-003
#   severity: high
#   controls: ["nist-800-53:CM-2", "nist-800-53:SR-5"]
#   scope: aws
#   remediation: Build from an approved parent image or add it to policy.data.approvedParentImages in .kiln.yaml.
parent_image_approved contains r if {
	allowed := lib.setting("approvedParentImages", default_parent_images)
	parent := object.get(input.spec, "parentImage", "")
	not lib.matches_any(parent, allowed)
	r := lib.result(sprintf("parent image %q is not approved", [parent]), ["spec", "parentImage"])
}

# METADATA
# title: Recipe applies OS updates
# description: Every image must install the operating system's pending updates during the build.
# custom:
#   id: KILN-RCP-004
#   severity: medium
#   controls: ["stig-rhel8:RHEL-08-010010", "stig-rhel9:RHEL-09-211015", "srg:SRG-OS-000480-GPOS-00227", "nist-800-53:SI-2(c)"]
#   remediation: Add the AWS-managed update-linux (or update-windows) component, or list your own in policy.data.updateComponents.
os_updates contains r if {
	input.kind == "ImageRecipe"
	patterns := lib.setting("updateComponents", default_update_components)
	not any_component_matches(patterns)
	r := lib.result("no component installs OS updates (e.g. update-linux)", ["spec", "components"])
}

any_component_matches(patterns) if {
	some c in object.get(input, "components", [])
	some n in component_names(c)
	lib.matches_any(n, patterns)
}

# METADATA
# title: Recipe applies a STIG or CIS hardening profile
# description: >-
#   AMIs must be hardened, and the recipe must show how: an AWS-managed
#   stig-build-linux/stig-build-windows component or a CIS Marketplace
#   component by ARN (or a component listed in policy.data.hardeningComponents),
#   or a repository component that applies a named profile — it runs an
#   OpenSCAP remediation (oscap xccdf eval --remediate --profile …), runs an
#   AWS-managed STIG/CIS component with ExecuteDocument, or runs an Ansible
#   Lockdown STIG/CIS role. A tag (hardening: cis) or a name is not evidence.
# custom:
#   id: KILN-RCP-005
#   severity: high
#   controls: ["srg:SRG-OS-000480-GPOS-00227", "nist-800-53:CM-6(a)"]
#   remediation: "Add stig-build-linux-high (or your CIS Marketplace component) to spec.components by ARN, or have your hardening component run the remediation (oscap xccdf eval --remediate --profile …)."
hardening_component contains r if {
	input.kind == "ImageRecipe"
	patterns := lib.setting("hardeningComponents", default_hardening_components)
	not any_component_matches(patterns)
	count(hardening_evidence) == 0
	r := lib.result(sprintf("no evidence that the recipe applies a STIG or CIS profile%s", [not_evidence]), ["spec", "components"])
}

# hardening_evidence is what kiln found in the recipe's repository
# components (see the input's components[].resolved.hardening).
hardening_evidence := [sprintf("%s %s", [c.resolved.name, e.how]) |
	some c in object.get(input, "components", [])
	some e in object.get(c, ["resolved", "hardening"], [])
]

# not_evidence names what looks like hardening but does not show it.
not_evidence := sprintf(": %s", [concat("; ", hints)]) if {
	hints := [h |
		some c in object.get(input, "components", [])
		some h in component_hints(c)
	]
	count(hints) > 0
} else := ""

component_hints(c) := [sprintf("component %s is tagged hardening: %s, but a tag is not evidence", [c.resolved.name, t]) |
	t := object.get(c, ["resolved", "tags", "hardening"], "")
	t != ""
]

# METADATA
# title: Production recipes pin component versions
# description: >-
#   A wildcard version (1.x.x, x.x.x) lets a production image change without a
#   reviewed change to the recipe.
# custom:
#   id: KILN-RCP-006
#   severity: high
#   controls: ["nist-800-53:CM-2", "nist-800-53:CM-3"]
#   scope: aws
#   remediation: Pin an exact version (1.2.3) for every component of recipes baked into production.
pinned_versions contains r if {
	lib.production
	some i, c in object.get(input.spec, "components", [])
	v := object.get(c, "version", "")
	contains(v, "x")
	r := lib.result(sprintf("component %s uses the wildcard version %s in production", [c.name, v]), ["spec", "components", i, "version"])
}

pinned_versions contains r if {
	lib.production
	some i, c in object.get(input.spec, "components", [])
	arn := object.get(c, "arn", "")
	regex.match(`/x\.x\.x$|/\d+\.x\.x$|/\d+\.\d+\.x$`, arn)
	r := lib.result(sprintf("component %s uses a wildcard version in production", [arn]), ["spec", "components", i, "arn"])
}

# METADATA
# title: SSH host keys and authorized keys are cleaned up
# description: >-
#   The skip_cleanup_ssh_files marker stops Image Builder from removing the
#   build's SSH host keys and authorized_keys, so every instance launched from
#   the AMI shares them.
# custom:
#   id: KILN-RCP-007
#   severity: high
#   controls: ["srg:SRG-OS-000480-GPOS-00227", "nist-800-53:SC-12"]
#   remediation: Remove skip_cleanup_ssh_files from the user data.
no_skip_cleanup contains r if {
	ud := object.get(input.spec, ["additionalInstanceConfiguration", "userDataOverride"], "")
	contains(ud, "skip_cleanup_ssh_files")
	r := lib.result("userDataOverride creates skip_cleanup_ssh_files: SSH keys of the build stay in the image", ["spec", "additionalInstanceConfiguration", "userDataOverride"])
}

# METADATA
# title: User data override keeps the cleanup
# description: >-
#   A userDataOverride replaces what Image Builder puts in user data; it must
#   keep the perform_cleanup step so build credentials and logs are removed
#   from the image.
# custom:
#   id: KILN-RCP-008
#   severity: medium
#   controls: ["srg:SRG-OS-000480-GPOS-00227", "nist-800-53:CM-6(a)"]
#   remediation: Keep the perform_cleanup marker in spec.additionalInstanceConfiguration.userDataOverride.
user_data_cleanup contains r if {
	ud := object.get(input.spec, ["additionalInstanceConfiguration", "userDataOverride"], "")
	ud != ""
	not contains(ud, "perform_cleanup")
	r := lib.result("userDataOverride drops perform_cleanup", ["spec", "additionalInstanceConfiguration", "userDataOverride"])
}

# METADATA
# title: Container images are encrypted with a KMS key
# description: Container recipes must name the KMS key that encrypts the image and its layers.
# custom:
#   id: KILN-RCP-009
#   severity: medium
#   controls: ["nist-800-53:SC-28", "nist-800-53:SC-12"]
#   scope: aws
#   remediation: Set spec.kmsKeyId on the container recipe.
container_kms contains r if {
	input.kind == "ContainerRecipe"
	object.get(input.spec, "kmsKeyId", "") == ""
	r := lib.result("container recipe has no KMS key (spec.kmsKeyId)", ["spec"])
}
