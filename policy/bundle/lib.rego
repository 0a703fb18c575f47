# Package kiln.lib holds helpers shared by the built-in rules: settings from
# .kiln.yaml (data.kiln.config) with safe defaults, and the shapes rules
# return.
package kiln.lib

# config is policy.data from .kiln.yaml; an absent block means the defaults.
default config := {}

config := data.kiln.config

# setting returns the configured value of key, or dflt.
setting(key, dflt) := object.get(config, key, dflt)

default production := false

production if input.environment.production == true

# result is what every rule returns: a message and the path, inside the
# resource (or its AWSTOE document for content rules), of the offending value.
result(msg, path) := {"msg": msg, "path": path}

# command_result also carries the line inside a multi-line command string so
# the annotation lands on that line rather than on the start of the block.
command_result(msg, c) := {"msg": msg, "path": c.path, "line": c.line, "in": "document"}

# document_result points into the component's AWSTOE document.
document_result(msg, path) := {"msg": msg, "path": path, "in": "document"}

# steps are the AWSTOE document's steps with their place in it. A complete
# rule (not a set) so OPA evaluates it once per document for all rules.
steps := [s |
	some pi, phase in input.document.phases
	some si, step in phase.steps
	s := {
		"path": ["phases", pi, "steps", si],
		"phase": phase.name,
		"name": step.name,
		"action": step.action,
		"inputs": object.get(step, "inputs", null),
	}
]

# step_inputs yields every input object of a step with its path: actions such
# as WebDownload take a list of them, others a single object.
step_inputs(s) := [[array.concat(s.path, ["inputs", i]), x] | some i, x in s.inputs] if is_array(s.inputs)

step_inputs(s) := [[array.concat(s.path, ["inputs"]), s.inputs]] if is_object(s.inputs)

# matches_any reports whether value matches one of the glob patterns.
matches_any(value, patterns) if {
	some p in patterns
	glob.match(p, null, value)
}

# commands are the effective shell commands of the component, normalised by
# kiln before evaluation: comments, echoes to the terminal and documenting
# heredocs removed, one entry per logical line ("run"), plus the lines those
# commands write into files ("write", with the target file). Each entry has
# text, lower (text lower-cased, for cheap substring guards), kind, target,
# path (to the command string in the document) and line (inside it).
commands := object.get(input, "commands", [])
