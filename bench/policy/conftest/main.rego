# Package main lets `conftest test` run kiln's built-in bundle over the raw
# YAML files of a repository, for bench/policy/run.sh. conftest hands each
# file to policies as input, one at a time; this entry package builds from
# it the input kiln's engine gives the built-in rules and collects their
# results as conftest deny messages.
#
# What differs from kiln, honestly:
#   - conftest sees files one at a time, so repository-wide rules
#     (kiln.repository) do not run and a recipe's repository components are
#     not resolved (the hardening rule falls back to component names);
#   - a component whose document is in a separate file is evaluated when
#     conftest reaches that AWSTOE file (it is recognised by its phases);
#   - kiln normalises shell commands in Go (heredocs, sed, pipes); here a
#     simpler Rego version drops comments and plain echo/printf lines only,
#     which is less work than kiln does.
package main

import rego.v1

groups := {
	"Component": "component",
	"ImageRecipe": "recipe",
	"ContainerRecipe": "recipe",
	"InfrastructureConfiguration": "infrastructure",
	"DistributionConfiguration": "distribution",
	"ImagePipeline": "pipeline",
}

default document := null

document := yaml.unmarshal(input.spec.data) if {
	input.apiVersion == "kiln/v1"
	input.kind == "Component"
	is_string(input.spec.data)
}

document := input if {
	not input.apiVersion
	is_array(input.phases)
}

kind := input.kind if input.apiVersion == "kiln/v1"

kind := "Component" if {
	not input.apiVersion
	is_array(input.phases)
}

commands := [c |
	some pi, phase in document.phases
	some si, step in phase.steps
	step.action == "ExecuteBash"
	some ci, script in step.inputs.commands
	some li, raw in split(script, "\n")
	text := trim_space(regex.replace(raw, `(^|\s)#.*$`, ""))
	text != ""
	not prints_only(text)
	c := {"text": text, "lower": lower(text), "kind": "run", "target": "", "line": li, "path": ["phases", pi, "steps", si, "inputs", "commands", ci]}
]

prints_only(text) if {
	regex.match(`^(echo|printf)\b`, text)
	not contains(text, ">")
	not contains(text, "| tee")
}

components := [{"index": i, "name": object.get(c, "name", ""), "version": object.get(c, "version", ""), "arn": object.get(c, "arn", ""), "resolved": null} |
	some i, c in object.get(input, ["spec", "components"], [])
]

kiln_input := {
	"kind": kind,
	"name": object.get(input, ["metadata", "name"], ""),
	"version": object.get(input, ["metadata", "version"], ""),
	"metadata": object.get(input, "metadata", {}),
	"spec": object.get(input, "spec", {}),
	"environment": {"name": "", "production": false},
	"document": document,
	"commands": commands,
	"components": components,
}

deny contains msg if {
	group := groups[kind]
	inp := kiln_input
	rules := data.kiln[group] with input as inp
	some rule, results in rules
	some r in results
	is_object(r)
	msg := sprintf("%s.%s: %s", [group, rule, r.msg])
}
