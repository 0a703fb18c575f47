# Package kiln.lifecycle checks LifecyclePolicy resources: rules that delete
# images must not take away what is in use or the image to roll back to.
package kiln.lifecycle

import data.kiln.lib

delete_rules contains [i, d] if {
	some i, d in input.spec.policyDetails
	d.action.type == "DELETE"
}

spares_images_in_use(d) if object.get(d, ["exclusionRules", "amis", "lastLaunched"], null) != null

spares_images_in_use(d) if count(object.get(d, ["exclusionRules", "tagMap"], {})) > 0

spares_images_in_use(d) if count(object.get(d, ["exclusionRules", "amis", "tagMap"], {})) > 0

# METADATA
# title: Deleting rules spare images in use
# description: >-
#   A DELETE rule without an exclusion for images in use (launched recently,
#   or tagged to keep) deletes AMIs that launch templates and Auto Scaling
#   groups still start instances from.
# custom:
#   id: KILN-LCP-001
#   severity: high
#   controls: ["nist-800-53:CM-6"]
#   remediation: >-
#     Add exclusionRules.amis.lastLaunched (for example 30 DAYS) or
#     exclusionRules.tagMap with a tag such as keep: "true".
delete_spares_in_use contains r if {
	some [i, d] in delete_rules
	not spares_images_in_use(d)
	r := lib.result("this DELETE rule has no exclusion for images in use (exclusionRules.amis.lastLaunched or a tagMap)", ["spec", "policyDetails", i, "action", "type"])
}

# fallback is how many of the newest images a rule always keeps.
fallback(d) := d.filter.value if d.filter.type == "COUNT"

fallback(d) := object.get(d.filter, "retainAtLeast", 0) if d.filter.type == "AGE"

# METADATA
# title: Deleting rules keep a fallback image
# description: >-
#   A DELETE rule that can leave fewer than two images of a recipe leaves a
#   pipeline's production image without a previous one to roll back to.
# custom:
#   id: KILN-LCP-002
#   severity: high
#   controls: ["nist-800-53:CM-6"]
#   remediation: >-
#     Keep at least 2 images: filter COUNT with value 2 or more, or filter
#     AGE with retainAtLeast 2 or more.
delete_keeps_fallback contains r if {
	some [i, d] in delete_rules
	fallback(d) < 2
	r := lib.result(sprintf("this DELETE rule keeps %d image(s); keep at least 2 so there is one to roll back to", [fallback(d)]), ["spec", "policyDetails", i, "filter"])
}
