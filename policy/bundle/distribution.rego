# Package kiln.distribution checks DistributionConfiguration resources:
# where images go and who may launch them.
package kiln.distribution

import data.kiln.lib

amis := [[path, ami, d] |
	some i, d in object.get(input.spec, "distributions", [])
	ami := object.get(d, "amiDistributionConfiguration", null)
	ami != null
	path := ["spec", "distributions", i, "amiDistributionConfiguration"]
]

# METADATA
# title: AMIs are not public
# description: A launch permission for the group "all" makes the AMI, and everything baked into it, public.
# custom:
#   id: KILN-DST-001
#   severity: critical
#   controls: ["nist-800-53:AC-3", "nist-800-53:AC-22"]
#   remediation: Remove "all" from launchPermission.userGroups; share with accounts or organisations instead.
no_public_ami contains r if {
	some [path, ami, _] in amis
	some j, g in object.get(ami, ["launchPermission", "userGroups"], [])
	lower(g) == "all"
	r := lib.result("launchPermission.userGroups contains \"all\": the AMI is public", array.concat(path, ["launchPermission", "userGroups", j]))
}

# account_refs are the accounts an image is copied to or shared with.
account_refs contains [p, acct] if {
	some [path, ami, _] in amis
	some j, acct in object.get(ami, "targetAccountIds", [])
	p := array.concat(path, ["targetAccountIds", j])
}

account_refs contains [p, acct] if {
	some [path, ami, _] in amis
	some j, acct in object.get(ami, ["launchPermission", "userIds"], [])
	p := array.concat(path, ["launchPermission", "userIds", j])
}

account_refs contains [p, acct] if {
	some i, d in object.get(input.spec, "distributions", [])
	some j, lt in object.get(d, "launchTemplateConfigurations", [])
	acct := object.get(lt, "accountId", "")
	acct != ""
	p := ["spec", "distributions", i, "launchTemplateConfigurations", j, "accountId"]
}

# METADATA
# title: Images go to allowlisted accounts only
# description: >-
#   Images may only be copied to or shared with the accounts in
#   policy.data.allowedAccounts. No allowlist configured means no restriction.
# custom:
#   id: KILN-DST-002
#   severity: high
#   controls: ["nist-800-53:AC-3", "nist-800-53:AC-21"]
#   remediation: Use an allowlisted account or add it to policy.data.allowedAccounts in .kiln.yaml.
allowed_accounts contains r if {
	allowed := lib.setting("allowedAccounts", [])
	count(allowed) > 0
	some [path, acct] in account_refs
	not acct in allowed
	r := lib.result(sprintf("account %s is not on the allowlist", [acct]), path)
}

# METADATA
# title: Images are shared with allowlisted organisations only
# description: >-
#   Sharing with an organisation or OU shares with every account in it; only
#   those in policy.data.allowedOrganizations may be used. No allowlist
#   configured means no restriction.
# custom:
#   id: KILN-DST-003
#   severity: high
#   controls: ["nist-800-53:AC-3", "nist-800-53:AC-21"]
#   remediation: Use an allowlisted organisation/OU or add it to policy.data.allowedOrganizations in .kiln.yaml.
allowed_organizations contains r if {
	allowed := lib.setting("allowedOrganizations", [])
	count(allowed) > 0
	some [path, ami, _] in amis
	some field in ["organizationArns", "organizationalUnitArns"]
	some j, arn in object.get(ami, ["launchPermission", field], [])
	not lib.matches_any(arn, allowed)
	r := lib.result(sprintf("%s is not on the organisation allowlist", [arn]), array.concat(path, ["launchPermission", field, j]))
}

# METADATA
# title: Images go to allowlisted regions only
# description: >-
#   Data residency: images may only be distributed to the regions in
#   policy.data.allowedRegions. No allowlist configured means no restriction.
# custom:
#   id: KILN-DST-004
#   severity: medium
#   controls: ["nist-800-53:SA-9(5)"]
#   remediation: Remove the region or add it to policy.data.allowedRegions in .kiln.yaml.
allowed_regions contains r if {
	allowed := lib.setting("allowedRegions", [])
	count(allowed) > 0
	some i, d in object.get(input.spec, "distributions", [])
	not d.region in allowed
	r := lib.result(sprintf("region %s is not on the allowlist", [d.region]), ["spec", "distributions", i, "region"])
}

# METADATA
# title: Distributed AMIs are encrypted with a KMS key
# description: Each region's AMI copy must be encrypted with a named customer managed key.
# custom:
#   id: KILN-DST-005
#   severity: medium
#   controls: ["nist-800-53:SC-28", "nist-800-53:SC-12"]
#   remediation: Set amiDistributionConfiguration.kmsKeyId for every region.
ami_kms contains r if {
	some [path, ami, d] in amis
	object.get(ami, "kmsKeyId", "") == ""
	r := lib.result(sprintf("AMI copy in %s has no KMS key", [d.region]), path)
}
