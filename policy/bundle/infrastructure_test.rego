package kiln.infrastructure_test

import data.kiln.infrastructure

good := {"kind": "InfrastructureConfiguration", "name": "build", "spec": {
	"instanceProfileName": "ImageBuilderBuild",
	"subnetId": "subnet-0a1b2c3d",
	"securityGroupIds": ["sg-0a1b2c3d"],
	"terminateInstanceOnFailure": true,
	"snsTopicArn": "arn:aws:sns:eu-west-1:111122223333:bakes",
	"logging": {"s3Logs": {"s3BucketName": "build-logs", "s3KeyPrefix": "imagebuilder/"}},
	"instanceMetadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
}}

with_spec(patch) := object.union(good, {"spec": object.union(good.spec, patch)})

without(keys) := object.union(object.remove(good, ["spec"]), {"spec": object.remove(good.spec, keys)})

test_imdsv2_required_deny_optional if {
	some r in infrastructure.imdsv2_required with input as with_spec({"instanceMetadataOptions": {"httpTokens": "optional"}})
	r.path == ["spec", "instanceMetadataOptions", "httpTokens"]
}

test_imdsv2_required_deny_missing if {
	count(infrastructure.imdsv2_required) == 1 with input as without(["instanceMetadataOptions"])
}

test_imdsv2_required_pass if {
	count(infrastructure.imdsv2_required) == 0 with input as good
}

test_terminate_on_failure_deny if {
	count(infrastructure.terminate_on_failure) == 1 with input as with_spec({"terminateInstanceOnFailure": false})
}

test_terminate_on_failure_pass if {
	count(infrastructure.terminate_on_failure) == 0 with input as good
}

test_s3_logging_deny if {
	count(infrastructure.s3_logging) == 1 with input as without(["logging"])
}

test_s3_logging_pass if {
	count(infrastructure.s3_logging) == 0 with input as good
}

test_sns_topic_deny if {
	count(infrastructure.sns_topic) == 1 with input as without(["snsTopicArn"])
}

test_sns_topic_pass if {
	count(infrastructure.sns_topic) == 0 with input as good
}

test_no_key_pair_deny if {
	some r in infrastructure.no_key_pair with input as with_spec({"keyPair": "ops-debug"})
	r.path == ["spec", "keyPair"]
}

test_no_key_pair_pass if {
	count(infrastructure.no_key_pair) == 0 with input as good
}

test_instance_profile_allowed_deny if {
	count(infrastructure.instance_profile_allowed) == 1 with input as with_spec({"instanceProfileName": "AdminRole"})
		with data.kiln.config as {"allowedInstanceProfiles": ["ImageBuilder*"]}
}

test_instance_profile_allowed_pass if {
	count(infrastructure.instance_profile_allowed) == 0 with input as good
		with data.kiln.config as {"allowedInstanceProfiles": ["ImageBuilder*"]}
}

test_instance_profile_allowed_pass_without_allowlist if {
	count(infrastructure.instance_profile_allowed) == 0 with input as with_spec({"instanceProfileName": "AdminRole"})
}

test_subnet_allowed_deny if {
	count(infrastructure.subnet_allowed) == 1 with input as with_spec({"subnetId": "subnet-public"})
		with data.kiln.config as {"allowedSubnets": ["subnet-0a1b2c3d"]}
}

test_subnet_allowed_pass if {
	count(infrastructure.subnet_allowed) == 0 with input as good
		with data.kiln.config as {"allowedSubnets": ["subnet-0a1b2c3d"]}
}

test_security_groups_allowed_deny if {
	some r in infrastructure.security_groups_allowed with input as with_spec({"securityGroupIds": ["sg-0a1b2c3d", "sg-open"]})
		with data.kiln.config as {"allowedSecurityGroups": ["sg-0a1b2c3d"]}
	r.path == ["spec", "securityGroupIds", 1]
}

test_security_groups_allowed_pass if {
	count(infrastructure.security_groups_allowed) == 0 with input as good
		with data.kiln.config as {"allowedSecurityGroups": ["sg-0a1b2c3d"]}
}
