package kiln.recipe_test

import data.kiln.recipe

update := {"index": 0, "arn": "arn:aws:imagebuilder:{region}:aws:component/update-linux/1.0.2", "name": "", "version": "", "resolved": null}

stig := {"index": 1, "arn": "arn:aws:imagebuilder:{region}:aws:component/stig-build-linux-high/2023.4.0", "name": "", "version": "", "resolved": null}

good := {
	"kind": "ImageRecipe", "name": "base", "version": "1.2.0",
	"spec": {
		"parentImage": "arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x",
		"components": [{"arn": update.arn}, {"arn": stig.arn}, {"name": "ssh-hardening", "version": "1.2.0"}],
		"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": true, "kmsKeyId": "alias/images", "volumeSize": 20}}],
	},
	"components": [update, stig, {"index": 2, "name": "ssh-hardening", "version": "1.2.0", "arn": "", "resolved": {"name": "ssh-hardening", "version": "1.2.0", "tags": {"team": "platform"}}}],
}

with_spec(patch) := object.union(good, {"spec": object.union(good.spec, patch)})

container := {
	"kind": "ContainerRecipe", "name": "app", "version": "1.0.0",
	"spec": {
		"containerType": "DOCKER", "parentImage": "amazonlinux:2023", "kmsKeyId": "alias/images",
		"components": [{"arn": update.arn}],
		"instanceConfiguration": {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": true, "kmsKeyId": "alias/images"}}]},
	},
	"components": [update],
}

test_ebs_encrypted_deny if {
	some r in recipe.ebs_encrypted with input as with_spec({"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": false}}]})
	r.path == ["spec", "blockDeviceMappings", 0, "ebs", "encrypted"]
}

test_ebs_encrypted_deny_container if {
	some r in recipe.ebs_encrypted with input as object.union(container, {"spec": {"instanceConfiguration": {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 30}}]}}})
	r.path == ["spec", "instanceConfiguration", "blockDeviceMappings", 0, "ebs", "encrypted"]
}

test_ebs_encrypted_pass if {
	count(recipe.ebs_encrypted) == 0 with input as good
	count(recipe.ebs_encrypted) == 0 with input as container
}

test_ebs_cmk_deny if {
	count(recipe.ebs_cmk) == 1 with input as with_spec({"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": true}}]})
}

test_ebs_cmk_pass if {
	count(recipe.ebs_cmk) == 0 with input as good
}

test_parent_image_approved_deny if {
	some r in recipe.parent_image_approved with input as with_spec({"parentImage": "ami-0123456789abcdef0"})
	r.path == ["spec", "parentImage"]
}

test_parent_image_approved_deny_configured if {
	count(recipe.parent_image_approved) == 1 with input as good with data.kiln.config as {"approvedParentImages": ["ami-0123456789abcdef0"]}
}

test_parent_image_approved_pass if {
	count(recipe.parent_image_approved) == 0 with input as good
	count(recipe.parent_image_approved) == 0 with input as container
	count(recipe.parent_image_approved) == 0 with input as with_spec({"parentImage": "ami-0123456789abcdef0"})
		with data.kiln.config as {"approvedParentImages": ["ami-0123456789abcdef0"]}
}

test_os_updates_deny if {
	count(recipe.os_updates) == 1 with input as object.union(good, {"components": [stig]})
}

test_os_updates_pass if {
	count(recipe.os_updates) == 0 with input as good
}

test_hardening_component_deny if {
	count(recipe.hardening_component) == 1 with input as object.union(good, {"components": [update]})
}

test_hardening_component_pass if {
	count(recipe.hardening_component) == 0 with input as good
}

test_hardening_component_deny_tag_is_not_evidence if {
	tagged := {"index": 1, "name": "baseline", "version": "2.0.0", "arn": "", "resolved": {"name": "baseline", "version": "2.0.0", "tags": {"hardening": "CIS"}, "hardening": []}}
	some r in recipe.hardening_component with input as object.union(good, {"components": [update, tagged]})
	contains(r.msg, "component baseline is tagged hardening: CIS, but a tag is not evidence")
}

test_hardening_component_deny_named_after_a_profile if {
	named := {"index": 1, "name": "cis-baseline", "version": "2.0.0", "arn": "", "resolved": {"name": "cis-baseline", "version": "2.0.0", "tags": {}, "hardening": []}}
	count(recipe.hardening_component) == 1 with input as object.union(good, {"components": [update, named]})
}

test_hardening_component_pass_openscap_component if {
	scap := {"index": 1, "name": "baseline", "version": "2.0.0", "arn": "", "resolved": {"name": "baseline", "version": "2.0.0", "tags": {}, "hardening": [{"how": "runs an OpenSCAP remediation", "profile": "xccdf_org.ssgproject.content_profile_stig"}]}}
	count(recipe.hardening_component) == 0 with input as object.union(good, {"components": [update, scap]})
}

test_hardening_component_pass_configured_name if {
	own := {"index": 1, "name": "acme-hardening", "version": "2.0.0", "arn": "", "resolved": {"name": "acme-hardening", "version": "2.0.0", "tags": {}, "hardening": []}}
	count(recipe.hardening_component) == 0 with input as object.union(good, {"components": [update, own]})
		with data.kiln.config as {"hardeningComponents": ["acme-hardening"]}
}

test_hardening_component_pass_container if {
	count(recipe.hardening_component) == 0 with input as container
}

test_pinned_versions_deny if {
	inp := object.union(with_spec({"components": [{"arn": update.arn}, {"arn": "arn:aws:imagebuilder:{region}:aws:component/stig-build-linux-high/x.x.x"}, {"name": "ssh-hardening", "version": "1.x.x"}]}), {"environment": {"production": true}})
	paths := {r.path | some r in recipe.pinned_versions with input as inp}
	paths == {["spec", "components", 1, "arn"], ["spec", "components", 2, "version"]}
}

test_pinned_versions_pass if {
	count(recipe.pinned_versions) == 0 with input as object.union(good, {"environment": {"production": true}})
}

test_pinned_versions_pass_outside_production if {
	count(recipe.pinned_versions) == 0 with input as with_spec({"components": [{"name": "ssh-hardening", "version": "1.x.x"}]})
}

test_no_skip_cleanup_deny if {
	count(recipe.no_skip_cleanup) == 1 with input as with_spec({"additionalInstanceConfiguration": {"userDataOverride": "#!/bin/bash\ntouch /var/tmp/skip_cleanup_ssh_files\ntouch /var/tmp/perform_cleanup\n"}})
}

test_no_skip_cleanup_pass if {
	count(recipe.no_skip_cleanup) == 0 with input as with_spec({"additionalInstanceConfiguration": {"userDataOverride": "#!/bin/bash\ntouch /var/tmp/perform_cleanup\n"}})
}

test_user_data_cleanup_deny if {
	count(recipe.user_data_cleanup) == 1 with input as with_spec({"additionalInstanceConfiguration": {"userDataOverride": "#!/bin/bash\nyum install -y amazon-ssm-agent\n"}})
}

test_user_data_cleanup_pass if {
	count(recipe.user_data_cleanup) == 0 with input as good
	count(recipe.user_data_cleanup) == 0 with input as with_spec({"additionalInstanceConfiguration": {"userDataOverride": "#!/bin/bash\ntouch /var/tmp/perform_cleanup\n"}})
}

test_container_kms_deny if {
	count(recipe.container_kms) == 1 with input as object.union(object.remove(container, ["spec"]), {"spec": object.remove(container.spec, ["kmsKeyId"])})
}

test_container_kms_pass if {
	count(recipe.container_kms) == 0 with input as container
	count(recipe.container_kms) == 0 with input as good
}
