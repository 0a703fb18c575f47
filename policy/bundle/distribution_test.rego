package kiln.distribution_test

import data.kiln.distribution

ami(patch) := object.union({
	"name": "base-{{ imagebuilder:buildDate }}",
	"kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	"targetAccountIds": ["111122223333"],
	"launchPermission": {"userIds": ["444455556666"], "organizationArns": ["arn:aws:organizations::111122223333:organization/o-abc123"]},
}, patch)

dist(a) := {"kind": "DistributionConfiguration", "name": "ami", "spec": {"distributions": [{"region": "eu-west-1", "amiDistributionConfiguration": a}]}}

allowlists := {
	"allowedAccounts": ["111122223333", "444455556666"],
	"allowedOrganizations": ["arn:aws:organizations::111122223333:*"],
	"allowedRegions": ["eu-west-1", "eu-central-1"],
}

test_no_public_ami_deny if {
	some r in distribution.no_public_ami with input as dist(ami({"launchPermission": {"userGroups": ["all"]}}))
	r.path == ["spec", "distributions", 0, "amiDistributionConfiguration", "launchPermission", "userGroups", 0]
}

test_no_public_ami_pass if {
	count(distribution.no_public_ami) == 0 with input as dist(ami({}))
}

test_allowed_accounts_deny if {
	some r in distribution.allowed_accounts with input as dist(ami({"targetAccountIds": ["999999999999"]})) with data.kiln.config as allowlists
	r.path == ["spec", "distributions", 0, "amiDistributionConfiguration", "targetAccountIds", 0]
}

test_allowed_accounts_pass if {
	count(distribution.allowed_accounts) == 0 with input as dist(ami({})) with data.kiln.config as allowlists
}

test_allowed_organizations_deny if {
	count(distribution.allowed_organizations) == 1 with input as dist(ami({"launchPermission": {"organizationalUnitArns": ["arn:aws:organizations::999999999999:ou/o-x/ou-y"]}}))
		with data.kiln.config as allowlists
}

test_allowed_organizations_pass if {
	count(distribution.allowed_organizations) == 0 with input as dist(ami({})) with data.kiln.config as allowlists
}

test_allowed_regions_deny if {
	count(distribution.allowed_regions) == 1 with input as {"kind": "DistributionConfiguration", "spec": {"distributions": [{"region": "us-east-1", "amiDistributionConfiguration": ami({})}]}}
		with data.kiln.config as allowlists
}

test_allowed_regions_pass if {
	count(distribution.allowed_regions) == 0 with input as dist(ami({})) with data.kiln.config as allowlists
}

test_ami_kms_deny if {
	count(distribution.ami_kms) == 1 with input as dist(object.remove(ami({}), ["kmsKeyId"]))
}

test_ami_kms_pass if {
	count(distribution.ami_kms) == 0 with input as dist(ami({}))
}
