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

# by_action maps each action the built-in rules look at (indexed_actions)
# to its steps (as in steps), so those rules never walk the other steps.
# kiln builds it in Go (input.step_index); without it (a test's input, or a
# document whose shape kiln leaves to Rego) it is computed here.
by_action := input.step_index if {
	input.step_index
} else := {a: [s | some s in steps; s.action == a] | some a in indexed_actions}

indexed_actions := {"WebDownload", "S3Download", "S3Upload", "InstallMSI"}

# steps_doing(action) are the steps with any action, for rules about an
# action that is not in indexed_actions.
steps_doing(action) := ss if {
	ss := by_action[action]
} else := [s |
	some s in steps
	s.action == action
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

# mentions maps each word the built-in rules look for in commands
# (indexed_words; "a|b" stands for any of a and b) to the commands whose
# lower-cased text contains it, so
# those rules' regular expressions only see the few commands that can
# match. kiln builds it in Go (input.command_index); without it (a test's
# input) it is computed here.
mentions := input.command_index if {
	input.command_index
} else := {w: [c | some c in commands; mentions_any(c.lower, w)] | some w in indexed_words}

# mentions_any: text contains one of the "|"-separated words.
mentions_any(text, words) if {
	some w in split(words, "|")
	contains(text, w)
}

indexed_words := {
	"permitrootlogin", "permitemptypasswords", "permituserenvironment", "passwordauthentication",
	"audit", "auditd",
	"telnet|rsh|ftp", "gpg|signature|unauthenticated", "enforc|selinux", "curl|wget", "certificate|trustall|sslverify|strict-ssl|tls_reject", "invoke-expression|scriptblock", "passwd|usermod|useradd|securestring|net user", "mppreference|defender|windefend", "firewall|ufw|nftables|mpssvc", "enablelua|consentpromptbehavioradmin", "shadow|sudoers|ssh_host_",
	"executionpolicy", "exec-download",
}

# mentioning(word) are the commands that mention any word, for rules about
# a word that is not in indexed_words.
mentioning(word) := cs if {
	cs := mentions[word]
} else := [c |
	some c in commands
	mentions_any(c.lower, word)
]

# is_check reports whether a command only tests a setting (grep for it,
# test, if …): validation steps do that, and it sets nothing.
is_check(c) if {
	c.kind == "run"
	regex.match(`(?i)^\s*(!\s*)?(grep|egrep|fgrep|zgrep|test|\[|\[\[|if|select-string|get-content|getenforce|sestatus|sshd\s+-t|rpm\s+-q|findstr)\b`, c.text)
}

# sets reports whether a command or written line can set something: it is
# not a check.
sets(c) if not is_check(c)

# kind_commands are the commands of one kind ("mode", "registry", …) among
# cs.
kind_commands(cs, kind) := {c | some c in cs; c.kind == kind}
