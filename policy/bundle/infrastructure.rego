# Package kiln.infrastructure checks InfrastructureConfiguration resources:
# the build and test instances Image Builder launches.
package kiln.infrastructure

import data.kiln.lib

# METADATA
# title: Build instances require IMDSv2
# description: >-
#   Instance metadata must only be reachable with session tokens (IMDSv2) so a
#   server-side request forgery in software running during the build cannot
#   read the instance role's credentials.
# custom:
#   id: KILN-INF-001
#   severity: high
#   controls: ["cis-aws:5.6", "nist-800-53:AC-3"]
#   remediation: Set spec.instanceMetadataOptions.httpTokens to "required".
imdsv2_required contains r if {
	tokens := object.get(input.spec, ["instanceMetadataOptions", "httpTokens"], "optional")
	tokens != "required"
	r := lib.result(
		sprintf("instanceMetadataOptions.httpTokens is %q: build instances must require IMDSv2 tokens", [tokens]),
		["spec", "instanceMetadataOptions", "httpTokens"],
	)
}

# METADATA
# title: Failed build instances are terminated
# description: >-
#   A build instance kept after a failure keeps running with the build role and
#   whatever the failed build left on disk.
# custom:
#   id: KILN-INF-003
#   severity: medium
#   controls: ["nist-800-53:CM-7", "nist-800-53:AC-6"]
#   remediation: Set spec.terminateInstanceOnFailure to true (debug with a separate, non-production configuration).
terminate_on_failure contains r if {
	input.spec.terminateInstanceOnFailure == false
	r := lib.result("terminateInstanceOnFailure is false: failed build instances stay running", ["spec", "terminateInstanceOnFailure"])
}

# METADATA
# title: Build logs go to S3
# description: Build and test logs must be kept in S3 so a bake can be audited after the instance is gone.
# custom:
#   id: KILN-INF-004
#   severity: medium
#   controls: ["nist-800-53:AU-9", "nist-800-53:AU-11"]
#   remediation: Set spec.logging.s3Logs.s3BucketName (and an s3KeyPrefix).
s3_logging contains r if {
	object.get(input.spec, ["logging", "s3Logs", "s3BucketName"], "") == ""
	r := lib.result("no S3 bucket for build logs (spec.logging.s3Logs.s3BucketName)", ["spec", "logging"])
}

# METADATA
# title: Build notifications go to an SNS topic
# description: An SNS topic lets the platform team see failed and finished bakes without polling.
# custom:
#   id: KILN-INF-005
#   severity: low
#   controls: ["nist-800-53:SI-4(5)"]
#   remediation: Set spec.snsTopicArn to the team's notification topic.
sns_topic contains r if {
	object.get(input.spec, "snsTopicArn", "") == ""
	r := lib.result("no SNS topic for build notifications (spec.snsTopicArn)", ["spec"])
}

# METADATA
# title: No SSH key pair on build instances
# description: >-
#   Builds run through Systems Manager; an EC2 key pair adds an interactive
#   login path and a long-lived credential to every build instance.
# custom:
#   id: KILN-INF-006
#   severity: medium
#   controls: ["nist-800-53:AC-17", "nist-800-53:IA-2"]
#   remediation: Remove spec.keyPair; use Session Manager to debug build instances.
no_key_pair contains r if {
	object.get(input.spec, "keyPair", "") != ""
	r := lib.result(sprintf("build instances get the EC2 key pair %q", [input.spec.keyPair]), ["spec", "keyPair"])
}

# METADATA
# title: Instance profile is on the allowlist
# description: >-
#   The instance profile decides what a build can reach in AWS; only the
#   profiles the platform team approved (policy.data.allowedInstanceProfiles)
#   may be used. No allowlist configured means no restriction.
# custom:
#   id: KILN-INF-007
#   severity: medium
#   controls: ["nist-800-53:AC-6", "nist-800-53:AC-3"]
#   remediation: Use an approved instance profile or add it to policy.data.allowedInstanceProfiles in .kiln.yaml.
instance_profile_allowed contains r if {
	allowed := lib.setting("allowedInstanceProfiles", [])
	count(allowed) > 0
	name := object.get(input.spec, "instanceProfileName", "")
	not lib.matches_any(name, allowed)
	r := lib.result(sprintf("instance profile %q is not on the allowlist", [name]), ["spec", "instanceProfileName"])
}

# METADATA
# title: Subnet is on the allowlist
# description: >-
#   Builds must run in the subnets set aside for them (policy.data.allowedSubnets),
#   which control egress. No allowlist configured means no restriction.
# custom:
#   id: KILN-INF-008
#   severity: medium
#   controls: ["nist-800-53:SC-7"]
#   remediation: Use an approved subnet or add it to policy.data.allowedSubnets in .kiln.yaml.
subnet_allowed contains r if {
	allowed := lib.setting("allowedSubnets", [])
	count(allowed) > 0
	subnet := object.get(input.spec, "subnetId", "")
	not lib.matches_any(subnet, allowed)
	r := lib.result(sprintf("subnet %q is not on the allowlist", [subnet]), ["spec", "subnetId"])
}

# METADATA
# title: Security groups are on the allowlist
# description: >-
#   Build instances may only use the security groups the platform team approved
#   (policy.data.allowedSecurityGroups). No allowlist configured means no restriction.
# custom:
#   id: KILN-INF-009
#   severity: medium
#   controls: ["nist-800-53:SC-7"]
#   remediation: Use approved security groups or add them to policy.data.allowedSecurityGroups in .kiln.yaml.
security_groups_allowed contains r if {
	allowed := lib.setting("allowedSecurityGroups", [])
	count(allowed) > 0
	some i, sg in object.get(input.spec, "securityGroupIds", [])
	not lib.matches_any(sg, allowed)
	r := lib.result(sprintf("security group %q is not on the allowlist", [sg]), ["spec", "securityGroupIds", i])
}
