package kiln.lifecycle_test

import data.kiln.lifecycle

deprecate := {"action": {"type": "DEPRECATE"}, "filter": {"type": "AGE", "value": 90, "unit": "DAYS"}}

delete := {
	"action": {"type": "DELETE", "includeResources": {"amis": true, "snapshots": true}},
	"filter": {"type": "AGE", "value": 180, "unit": "DAYS", "retainAtLeast": 3},
	"exclusionRules": {"tagMap": {"keep": "true"}, "amis": {"lastLaunched": {"value": 30, "unit": "DAYS"}}},
}

policy(details) := {"kind": "LifecyclePolicy", "name": "ami-retention", "spec": {
	"resourceType": "AMI_IMAGE",
	"executionRole": "ImageBuilderLifecycle",
	"policyDetails": details,
	"resourceSelection": {"recipes": [{"name": "al2023-base", "version": "1.x.x"}]},
}}

test_delete_spares_in_use_pass if {
	count(lifecycle.delete_spares_in_use) == 0 with input as policy([deprecate, delete])
}

test_delete_keeps_fallback_pass if {
	count(lifecycle.delete_keeps_fallback) == 0 with input as policy([deprecate, delete])
}

test_delete_spares_in_use_deny if {
	count(lifecycle.delete_spares_in_use) == 1 with input as policy([deprecate, object.remove(delete, ["exclusionRules"])])
}

test_delete_spares_in_use_pass_tag_only if {
	d := object.union(object.remove(delete, ["exclusionRules"]), {"exclusionRules": {"tagMap": {"keep": "true"}}})
	count(lifecycle.delete_spares_in_use) == 0 with input as policy([d])
}

test_delete_spares_in_use_pass_deprecate if {
	count(lifecycle.delete_spares_in_use) == 0 with input as policy([deprecate])
}

test_delete_keeps_fallback_deny_age if {
	d := object.union(object.remove(delete, ["filter"]), {"filter": {"type": "AGE", "value": 180, "unit": "DAYS"}})
	r := lifecycle.delete_keeps_fallback with input as policy([d])
	count(r) == 1
	some x in r
	x.path == ["spec", "policyDetails", 0, "filter"]
}

test_delete_keeps_fallback_deny_count if {
	d := object.union(object.remove(delete, ["filter"]), {"filter": {"type": "COUNT", "value": 1}})
	count(lifecycle.delete_keeps_fallback) == 1 with input as policy([deprecate, d])
}

test_delete_keeps_fallback_pass_count if {
	d := object.union(object.remove(delete, ["filter"]), {"filter": {"type": "COUNT", "value": 3}})
	count(lifecycle.delete_keeps_fallback) == 0 with input as policy([d])
}
