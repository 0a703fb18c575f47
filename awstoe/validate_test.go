package awstoe

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // rule ids, any order; nil means valid
		msg  string   // a substring one of the messages must contain
	}{
		// schemaVersion
		{name: "schema version number", src: doc("- name: Update\n  action: UpdateOS\n")},
		{name: "schema version string", src: strings.Replace(doc("- name: Update\n  action: UpdateOS\n"), "1.0", "'1.0'", 1)},
		{name: "schema version 2", src: strings.Replace(doc("- name: Update\n  action: UpdateOS\n"), "1.0", "2.0", 1),
			want: []string{ruleSchemaVersion}, msg: "only version AWSTOE reads is 1.0"},
		{name: "schema version integer", src: strings.Replace(doc("- name: Update\n  action: UpdateOS\n"), "1.0", "1", 1),
			want: []string{ruleSchemaVersion}},
		{name: "schema version missing", src: "phases:\n  - name: build\n    steps:\n      - name: U\n        action: UpdateOS\n",
			want: []string{ruleSchemaVersion}, msg: "schemaVersion is missing"},

		// phases
		{name: "all four phases", src: `schemaVersion: 1.0
phases:
  - name: build
    steps: [{name: A, action: UpdateOS}]
  - name: validate
    steps: [{name: A, action: UpdateOS}]
  - name: test
    steps: [{name: A, action: UpdateOS}]
  - name: container-host-test
    steps: [{name: A, action: UpdateOS}]
`},
		{name: "unknown phase", src: "schemaVersion: 1.0\nphases:\n  - name: biuld\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{rulePhaseName}, msg: "did you mean build?"},
		{name: "duplicate phase", src: "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n  - name: build\n    steps: [{name: B, action: UpdateOS}]\n",
			want: []string{ruleDuplicatePhase}},

		// steps
		{name: "same step name in two phases", src: "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n  - name: test\n    steps: [{name: A, action: UpdateOS}]\n"},
		{name: "duplicate step", src: doc("- name: A\n  action: UpdateOS\n- name: A\n  action: Reboot\n"),
			want: []string{ruleDuplicateStep}, msg: "more than one step named A"},
		{name: "step name with dot", src: doc("- name: install.agent\n  action: UpdateOS\n"), want: []string{ruleStepName}},
		{name: "step name with space", src: doc("- name: install agent\n  action: UpdateOS\n"), want: []string{ruleStepName}},
		{name: "step name hyphen underscore", src: doc("- name: install-agent_2\n  action: UpdateOS\n")},

		// actions
		{name: "unknown action", src: doc("- name: A\n  action: ExecuteShell\n  inputs: {commands: [ls]}\n"),
			want: []string{ruleUnknownAction}, msg: "did you mean ExecuteBash, ExecuteBinary, ExecuteDocument or ExecutePowerShell?"},
		{name: "unknown action far from any", src: doc("- name: A\n  action: Frobnicate\n"),
			want: []string{ruleUnknownAction}, msg: "see the list of action modules"},
		{name: "action wrong case", src: doc("- name: A\n  action: executebash\n  inputs: {commands: [ls]}\n"),
			want: []string{ruleUnknownAction}, msg: "did you mean ExecuteBash?"},
		{name: "action typo", src: doc("- name: A\n  action: S3Downlaod\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n"),
			want: []string{ruleUnknownAction}, msg: "did you mean S3Download?"},

		// inputs: object modules
		{name: "bash ok", src: doc("- name: A\n  action: ExecuteBash\n  inputs:\n    commands:\n      - echo hi\n      - |\n        set -e\n        true\n")},
		{name: "bash no inputs", src: doc("- name: InstallAgent\n  action: ExecuteBash\n"),
			want: []string{ruleMissingInput}, msg: "step InstallAgent: action ExecuteBash needs inputs"},
		{name: "bash no commands", src: doc("- name: InstallAgent\n  action: ExecuteBash\n  inputs: {command: [ls]}\n"),
			want: []string{ruleMissingInput}, msg: "step InstallAgent: action ExecuteBash needs input commands"},
		{name: "bash commands string", src: doc("- name: A\n  action: ExecuteBash\n  inputs: {commands: ls}\n"),
			want: []string{ruleInputShape}, msg: "must be a list of commands"},
		{name: "bash commands empty", src: doc("- name: A\n  action: ExecuteBash\n  inputs: {commands: []}\n"),
			want: []string{ruleInputShape}},
		{name: "bash command mapping", src: doc("- name: A\n  action: ExecuteBash\n  inputs: {commands: [{a: b}]}\n"),
			want: []string{ruleInputShape}},
		{name: "bash inputs as list", src: doc("- name: A\n  action: ExecuteBash\n  inputs:\n    - commands: [ls]\n"),
			want: []string{ruleInputShape}, msg: "not a list"},
		{name: "bash inputs string", src: doc("- name: A\n  action: ExecuteBash\n  inputs: ls\n"),
			want: []string{ruleInputShape}},
		{name: "powershell file", src: doc("- name: A\n  action: ExecutePowerShell\n  inputs: {file: 'C:\\a.ps1'}\n")},
		{name: "powershell both", src: doc("- name: A\n  action: ExecutePowerShell\n  inputs: {file: a.ps1, commands: [dir]}\n"),
			want: []string{ruleInputShape}, msg: "not both"},
		{name: "powershell neither", src: doc("- name: A\n  action: ExecutePowerShell\n  inputs: {}\n"),
			want: []string{ruleMissingInput}, msg: "commands or file"},
		{name: "binary ok", src: doc("- name: A\n  action: ExecuteBinary\n  inputs: {path: /usr/bin/true, arguments: [--x]}\n")},
		{name: "binary arguments string", src: doc("- name: A\n  action: ExecuteBinary\n  inputs: {path: /usr/bin/true, arguments: --x}\n"),
			want: []string{ruleInputShape}},
		{name: "binary no path", src: doc("- name: A\n  action: ExecuteBinary\n  inputs: {arguments: [--x]}\n"),
			want: []string{ruleMissingInput}},
		{name: "execute document ok", src: doc("- name: A\n  action: ExecuteDocument\n  inputs:\n    document: other.yaml\n    phases: build\n    parameters:\n      - name: p\n        value: v\n")},
		{name: "execute document parameter without value", src: doc("- name: A\n  action: ExecuteDocument\n  inputs:\n    document: other.yaml\n    parameters:\n      - name: p\n"),
			want: []string{ruleMissingInput}},
		{name: "execute document no document", src: doc("- name: A\n  action: ExecuteDocument\n  inputs: {phases: build}\n"),
			want: []string{ruleMissingInput}},
		{name: "reboot without inputs", src: doc("- name: A\n  action: Reboot\n")},
		{name: "reboot delay", src: doc("- name: A\n  action: Reboot\n  inputs: {delaySeconds: 60}\n")},
		{name: "update os exclude", src: doc("- name: A\n  action: UpdateOS\n  inputs: {exclude: [kernel]}\n")},
		{name: "install msi ok", src: doc("- name: A\n  action: InstallMSI\n  inputs: {path: 'C:\\x.msi'}\n")},
		{name: "uninstall msi no path", src: doc("- name: A\n  action: UninstallMSI\n  inputs: {}\n"), want: []string{ruleMissingInput}},

		// inputs: list modules
		{name: "s3 download ok", src: doc("- name: A\n  action: S3Download\n  inputs:\n    - source: s3://b/k\n      destination: /tmp/k\n      expectedBucketOwner: '111111111111'\n")},
		{name: "s3 download mapping", src: doc("- name: A\n  action: S3Download\n  inputs: {source: s3://b/k, destination: /tmp/k}\n"),
			want: []string{ruleInputShape}, msg: "S3Download takes a list of {source, destination} entries as inputs, not a single mapping"},
		{name: "s3 download missing destination", src: doc("- name: A\n  action: S3Download\n  inputs:\n    - source: s3://b/k\n"),
			want: []string{ruleMissingInput}, msg: "input 1 of action S3Download needs destination"},
		{name: "s3 upload empty list", src: doc("- name: A\n  action: S3Upload\n  inputs: []\n"), want: []string{ruleMissingInput}},
		{name: "list entry not mapping", src: doc("- name: A\n  action: DeleteFile\n  inputs: [/tmp/x]\n"), want: []string{ruleInputShape}},
		{name: "web download verified", src: doc("- name: A\n  action: WebDownload\n  inputs:\n    - source: https://example.com/a.rpm\n      destination: /tmp/a.rpm\n      checksum: abc\n      algorithm: SHA256\n")},
		{name: "web download checksum only", src: doc("- name: A\n  action: WebDownload\n  inputs:\n    - source: https://example.com/a.rpm\n      destination: /tmp/a.rpm\n      checksum: abc\n"),
			want: []string{ruleMissingInput}, msg: "checksum but no algorithm"},
		{name: "web download algorithm only", src: doc("- name: A\n  action: WebDownload\n  inputs:\n    - source: https://example.com/a.rpm\n      destination: /tmp/a.rpm\n      algorithm: SHA256\n"),
			want: []string{ruleMissingInput}},
		{name: "web download bad algorithm", src: doc("- name: A\n  action: WebDownload\n  inputs:\n    - source: https://example.com/a.rpm\n      destination: /tmp/a.rpm\n      checksum: abc\n      algorithm: CRC32\n"),
			want: []string{ruleInputShape}},
		{name: "set file owner no owner", src: doc("- name: A\n  action: SetFileOwner\n  inputs: [{path: /etc/x}]\n"), want: []string{ruleMissingInput}},
		{name: "permissions ok", src: doc("- name: A\n  action: SetFilePermissions\n  inputs: [{path: /etc/x, permissions: '0600'}]\n")},
		{name: "symlink needs target", src: doc("- name: A\n  action: CreateSymlink\n  inputs: [{path: /a}]\n"), want: []string{ruleMissingInput}},
		{name: "set registry ok", src: doc("- name: A\n  action: SetRegistry\n  inputs: [{path: 'HKLM:\\SOFTWARE\\X', name: V, value: 1, type: DWORD}]\n")},
		{name: "set registry bad type", src: doc("- name: A\n  action: SetRegistry\n  inputs: [{path: 'HKLM:\\SOFTWARE\\X', name: V, value: 1, type: INT}]\n"),
			want: []string{ruleInputShape}},

		// Assert
		{name: "assert ok", src: doc("- name: A\n  action: Assert\n  inputs: {stringEquals: '2.1.1', value: '2.1.1'}\n")},
		{name: "assert logical", src: doc("- name: A\n  action: Assert\n  inputs:\n    and:\n      - fileExists: /etc/ssh/sshd_config\n      - not:\n          stringIsEmpty: x\n")},
		{name: "assert missing value", src: doc("- name: A\n  action: Assert\n  inputs: {stringEquals: '2.1.1'}\n"),
			want: []string{ruleInputShape}, msg: "needs value"},
		{name: "assert no operator", src: doc("- name: A\n  action: Assert\n  inputs: {value: x}\n"), want: []string{ruleInputShape}},

		// onFailure, timeoutSeconds, maxAttempts
		{name: "step settings ok", src: doc("- name: A\n  action: UpdateOS\n  onFailure: Continue\n  timeoutSeconds: 3600\n  maxAttempts: 3\n")},
		{name: "infinite timeout", src: doc("- name: A\n  action: UpdateOS\n  timeoutSeconds: -1\n")},
		{name: "onFailure ignore", src: doc("- name: A\n  action: UpdateOS\n  onFailure: Ignore\n")},
		{name: "onFailure lowercase", src: doc("- name: A\n  action: UpdateOS\n  onFailure: abort\n"),
			want: []string{ruleOnFailure}, msg: "must be spelled Abort"},
		{name: "onFailure unknown", src: doc("- name: A\n  action: UpdateOS\n  onFailure: Retry\n"), want: []string{ruleOnFailure}},
		{name: "timeout zero", src: doc("- name: A\n  action: UpdateOS\n  timeoutSeconds: 0\n"), want: []string{ruleTimeout}},
		{name: "timeout minus two", src: doc("- name: A\n  action: UpdateOS\n  timeoutSeconds: -2\n"), want: []string{ruleTimeout}},
		{name: "timeout fraction", src: doc("- name: A\n  action: UpdateOS\n  timeoutSeconds: 1.5\n"), want: []string{ruleTimeout}},
		{name: "timeout string", src: doc("- name: A\n  action: UpdateOS\n  timeoutSeconds: '60'\n"), want: []string{ruleTimeout}},
		{name: "max attempts zero", src: doc("- name: A\n  action: UpdateOS\n  maxAttempts: 0\n"), want: []string{ruleMaxAttempts}},
		{name: "max attempts string", src: doc("- name: A\n  action: UpdateOS\n  maxAttempts: three\n"), want: []string{ruleMaxAttempts}},

		// loops
		{name: "for loop", src: doc("- name: A\n  action: ExecuteBash\n  loop:\n    name: count\n    for: {start: 0, end: 10, updateBy: 2}\n  inputs:\n    commands: ['echo {{ count.value }} {{ loop.index }}']\n")},
		{name: "for loop down", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    for: {start: 10, end: 0, updateBy: -1}\n")},
		{name: "for loop never ends", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    for: {start: 0, end: 10, updateBy: -1}\n"),
			want: []string{ruleLoop}, msg: "never reaches end"},
		{name: "for loop zero step", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    for: {start: 0, end: 10, updateBy: 0}\n"), want: []string{ruleLoop}},
		{name: "for loop missing end", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    for: {start: 0, updateBy: 1}\n"), want: []string{ruleLoop}},
		{name: "for loop chained start", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    for: {start: '{{ x }}', end: 3, updateBy: 1}\n"),
			want: []string{ruleLoop, ruleUnresolved}},
		{name: "forEach list", src: doc("- name: A\n  action: ExecuteBash\n  loop:\n    forEach: [a, b]\n  inputs:\n    commands: ['echo {{ loop.value }}']\n")},
		{name: "forEach delimited", src: doc("- name: A\n  action: ExecuteBash\n  loop:\n    forEach: {list: 'a;b', delimiter: ';'}\n  inputs:\n    commands: ['echo {{ loop.value }}']\n")},
		{name: "forEach bad delimiter", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    forEach: {list: 'a|b', delimiter: '|'}\n"), want: []string{ruleLoop}},
		{name: "forEach no list", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    forEach: {delimiter: ','}\n"), want: []string{ruleLoop}},
		{name: "forEach empty", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    forEach: []\n"), want: []string{ruleLoop}},
		{name: "forEach item mapping", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    forEach: [{a: b}]\n"), want: []string{ruleLoop}},
		{name: "loop both forms", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    forEach: [a]\n    for: {start: 0, end: 1, updateBy: 1}\n"),
			want: []string{ruleLoop}, msg: "both for and forEach"},
		{name: "loop no form", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    name: x\n"), want: []string{ruleLoop}},
		{name: "loop unknown field", src: doc("- name: A\n  action: UpdateOS\n  loop:\n    foreach: [a]\n"),
			want: []string{ruleLoop, ruleLoop}, msg: "did you mean forEach?"},
		{name: "loop names clash in phase", src: doc("- name: A\n  action: UpdateOS\n  loop: {name: hosts, forEach: [a]}\n- name: B\n  action: UpdateOS\n  loop: {name: hosts, forEach: [a]}\n"),
			want: []string{ruleLoop}, msg: "already used by step A"},
		{name: "loop var without loop", src: doc("- name: A\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ loop.value }}']\n"),
			want: []string{ruleUnresolved}, msg: "the step has no loop"},
		{name: "loop var wrong member", src: doc("- name: A\n  action: ExecuteBash\n  loop: {forEach: [a]}\n  inputs:\n    commands: ['echo {{ loop.item }}']\n"),
			want: []string{ruleUnresolved}},
		{name: "other step's loop", src: doc("- name: A\n  action: UpdateOS\n  loop: {name: hosts, forEach: [a]}\n- name: B\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ hosts.value }}']\n"),
			want: []string{ruleUnresolved}, msg: "loop of step A"},

		// if
		{name: "if comparison", src: doc("- name: A\n  action: UpdateOS\n  if:\n    binaryExists: dnf\n")},
		{name: "if and/not", src: doc("- name: A\n  action: UpdateOS\n  if:\n    and:\n      - binaryExists: dnf\n      - not:\n          fileExists: /etc/nodnf\n      - numberGreaterThan: 2\n        value: 3\n")},
		{name: "if then else", src: doc("- name: A\n  action: UpdateOS\n  if:\n    fileExists: /x\n    then: execute\n    else: skip\n")},
		{name: "if list form", src: doc("- name: A\n  action: UpdateOS\n  if:\n    - stringEquals: a\n      value: a\n")},
		{name: "if two operators", src: doc("- name: A\n  action: UpdateOS\n  if:\n    fileExists: /x\n    binaryExists: y\n"),
			want: []string{ruleIf}, msg: "combine them with and or or"},
		{name: "if unknown operator", src: doc("- name: A\n  action: UpdateOS\n  if:\n    stringEqual: a\n    value: a\n"),
			want: []string{ruleIf, ruleIf}, msg: "did you mean stringEquals?"},
		{name: "if missing value", src: doc("- name: A\n  action: UpdateOS\n  if:\n    stringEquals: a\n"), want: []string{ruleIf}},
		{name: "if value on single", src: doc("- name: A\n  action: UpdateOS\n  if:\n    fileExists: /x\n    value: y\n"), want: []string{ruleIf}},
		{name: "if and not list", src: doc("- name: A\n  action: UpdateOS\n  if:\n    and: {fileExists: /x}\n"), want: []string{ruleIf}},
		{name: "if bad then", src: doc("- name: A\n  action: UpdateOS\n  if:\n    fileExists: /x\n    then: run\n"), want: []string{ruleIf}},
		{name: "if number not number", src: doc("- name: A\n  action: UpdateOS\n  if:\n    numberEquals: ten\n    value: 10\n"), want: []string{ruleIf}},
		{name: "if scalar", src: doc("- name: A\n  action: UpdateOS\n  if: true\n"), want: []string{ruleIf}},

		// parameters and constants
		{name: "parameters used", src: `schemaVersion: 1.0
parameters:
  - AgentVersion:
      type: string
      default: '1.2'
      description: Version to install.
constants:
  - Bucket:
      type: string
      value: my-bucket
phases:
  - name: build
    steps:
      - name: A
        action: ExecuteBash
        inputs:
          commands: ['echo {{ AgentVersion }} {{Bucket}}']
`},
		{name: "parameter and constant same name", src: "schemaVersion: 1.0\nparameters:\n  - Name1: {type: string}\nconstants:\n  - Name1: {type: string, value: x}\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{ruleDuplicateParameter}},
		{name: "duplicate parameter", src: "schemaVersion: 1.0\nparameters:\n  - Name1: {type: string}\n  - Name1: {type: string}\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{ruleDuplicateParameter}},
		{name: "parameter name short", src: "schemaVersion: 1.0\nparameters:\n  - ab: {type: string}\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{ruleParameter}},
		{name: "parameter type number", src: "schemaVersion: 1.0\nparameters:\n  - Count: {type: number}\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{ruleParameter}},
		{name: "constant without value", src: "schemaVersion: 1.0\nconstants:\n  - Count: {type: string}\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{ruleParameter}},
		{name: "parameter two keys", src: "schemaVersion: 1.0\nparameters:\n  - {Aaa: {type: string}, Bbb: {type: string}}\nphases:\n  - name: build\n    steps: [{name: A, action: UpdateOS}]\n",
			want: []string{ruleParameter}},
		{name: "unresolved variable", src: "schemaVersion: 1.0\nparameters:\n  - AgentVersion: {type: string}\nphases:\n  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        inputs:\n          commands: ['echo {{ AgentVersoin }}']\n",
			want: []string{ruleUnresolved}, msg: "did you mean AgentVersion?"},
		{name: "unresolved dotted", src: doc("- name: A\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ foo.bar }}']\n"), want: []string{ruleUnresolved}},
		{name: "go template is not a reference", src: doc("- name: A\n  action: ExecuteBash\n  inputs:\n    commands: [\"docker inspect -f '{{ .Config.User }}' x\", \"echo '{{{ imagebuilder:parentImage }}}'\"]\n")},

		// chaining
		{name: "chain to earlier step", src: doc(`- name: Download
  action: S3Download
  inputs:
    - source: s3://b/k
      destination: /tmp/k
- name: Run
  action: ExecuteBash
  inputs:
    commands: ['bash {{ build.Download.inputs[0].destination }}']
- name: Check
  action: Assert
  inputs:
    stringEquals: ok
    value: '{{ build.Run.outputs.stdout }}'
`)},
		{name: "chain across phases", src: `schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Version
        action: ExecuteBash
        inputs: {commands: [java -version]}
  - name: validate
    steps:
      - name: Check
        action: Assert
        inputs: {stringEquals: '21', value: '{{ build.Version.outputs.stdout }}'}
`},
		{name: "chain to later step", src: doc("- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['bash {{ build.Download.inputs[0].destination }}']\n- name: Download\n  action: S3Download\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n"),
			want: []string{ruleChaining}, msg: "runs later"},
		{name: "chain to later phase", src: "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        inputs: {commands: ['echo {{ test.B.outputs.stdout }}']}\n  - name: test\n    steps:\n      - name: B\n        action: ExecuteBash\n        inputs: {commands: [ls]}\n",
			want: []string{ruleChaining}},
		{name: "chain to itself", src: doc("- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ build.Run.outputs.stdout }}']\n"),
			want: []string{ruleChaining}, msg: "this step itself"},
		{name: "chain to missing step", src: doc("- name: Download\n  action: S3Download\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['bash {{ build.Downlaod.inputs[0].destination }}']\n"),
			want: []string{ruleChaining}, msg: "did you mean Download?"},
		{name: "chain to missing phase", src: doc("- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ validate.X.outputs.stdout }}']\n"),
			want: []string{ruleChaining}, msg: "does not have"},
		{name: "chain list inputs without index", src: doc("- name: Download\n  action: S3Download\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['bash {{ build.Download.inputs.destination }}']\n"),
			want: []string{ruleChaining}, msg: "inputs[N]"},
		{name: "chain index out of range", src: doc("- name: Download\n  action: S3Download\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['bash {{ build.Download.inputs[1].destination }}']\n"),
			want: []string{ruleChaining}},
		{name: "chain unknown input key", src: doc("- name: Download\n  action: S3Download\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n- name: Run\n  action: ExecuteBash\n  inputs:\n    commands: ['bash {{ build.Download.inputs[0].dest }}']\n"),
			want: []string{ruleChaining}},
		{name: "chain unknown output", src: doc("- name: Run\n  action: ExecuteBash\n  inputs: {commands: [ls]}\n- name: Next\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ build.Run.outputs.stderr }}']\n"),
			want: []string{ruleChaining}, msg: "outputs stdout"},
		{name: "chain neither inputs nor outputs", src: doc("- name: Run\n  action: ExecuteBash\n  inputs: {commands: [ls]}\n- name: Next\n  action: ExecuteBash\n  inputs:\n    commands: ['echo {{ build.Run.result.stdout }}']\n"),
			want: []string{ruleChaining}},
		{name: "chain in loop forEach", src: doc("- name: List\n  action: ExecuteBash\n  inputs: {commands: [ls]}\n- name: Each\n  action: ExecuteBash\n  loop:\n    forEach: {list: '{{ build.List.outputs.stdout }}', delimiter: \"\\n\"}\n  inputs:\n    commands: ['echo {{ loop.value }}']\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Validate(parseDoc(t, "c.toe.yaml", tt.src))
			got := rules(fs)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("rules = %v, want %v%s", got, want, dump(fs))
			}
			if tt.msg != "" && !slices.ContainsFunc(fs, func(f finding.Finding) bool { return strings.Contains(f.Message, tt.msg) }) {
				t.Errorf("no message contains %q:%s", tt.msg, dump(fs))
			}
			for _, f := range fs {
				// A phase Image Builder skips is a warning: AWSTOE runs it.
				wantSeverity := finding.SeverityError
				if f.Rule == rulePhaseName {
					wantSeverity = finding.SeverityLow
				}
				if f.Severity != wantSeverity || f.Source != finding.SourceValidate || f.File != "c.toe.yaml" || f.Line == 0 {
					t.Errorf("finding not an error with a position: %+v", f)
				}
			}
		})
	}
}

func TestValidatePositions(t *testing.T) {
	src := `schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallAgent
        action: ExecuteBash
      - name: Get
        action: S3Downlaod
        inputs: []
      - name: Wait
        action: UpdateOS
        timeoutSeconds: 0
`
	fs := Validate(parseDoc(t, "components/agent.toe.yaml", src))
	want := []finding.Finding{
		{Pos: finding.Pos{File: "components/agent.toe.yaml", Line: 6, Column: 9}, Rule: ruleMissingInput},
		{Pos: finding.Pos{File: "components/agent.toe.yaml", Line: 8, Column: 17}, Rule: ruleUnknownAction},
		{Pos: finding.Pos{File: "components/agent.toe.yaml", Line: 12, Column: 25}, Rule: ruleTimeout},
	}
	if len(fs) != len(want) {
		t.Fatalf("got %d findings, want %d:%s", len(fs), len(want), dump(fs))
	}
	for i, w := range want {
		if fs[i].Pos != w.Pos || fs[i].Rule != w.Rule {
			t.Errorf("finding %d = %s %s, want %s %s", i, fs[i].Pos, fs[i].Rule, w.Pos, w.Rule)
		}
	}
	if !strings.Contains(fs[0].Message, "step InstallAgent: action ExecuteBash needs inputs") {
		t.Errorf("message = %q", fs[0].Message)
	}
}

// Inline data: positions inside the block scalar map to the component file
// through the document's offsets.
func TestValidateInlineOffsets(t *testing.T) {
	text := "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        inputs:\n          commands: ['echo {{ Missing }}']\n"
	d := parseDoc(t, "components/x.yaml", text)
	// as if the text sat under `  data: |` on line 10, indented by 4
	d.LineOffset, d.ColumnOffset = 10, 4
	fs := Validate(d)
	if len(fs) != 1 {
		t.Fatalf("want 1 finding:%s", dump(fs))
	}
	want := finding.Pos{File: "components/x.yaml", Line: 18, Column: 26}
	if fs[0].Pos != want || fs[0].Rule != ruleUnresolved {
		t.Errorf("got %s %s, want %s %s", fs[0].Pos, fs[0].Rule, want, ruleUnresolved)
	}
}

// Validate must cope with shapes the JSON schema would reject.
func TestValidateOddShapes(t *testing.T) {
	srcs := []string{
		"",
		"[]",
		"schemaVersion: 1.0\n",
		"schemaVersion: 1.0\nphases: 3\n",
		"schemaVersion: 1.0\nphases: [1, null, [], {name: 3}, {name: build, steps: 4}]\n",
		"schemaVersion: 1.0\nphases: [{name: build, steps: [null, 1, {name: [], action: {}, inputs: 1, loop: [], if: []}]}]\n",
		"schemaVersion: 1.0\nparameters: {a: b}\nconstants: [1, {x: 1}]\nphases: []\n",
		"schemaVersion: 1.0\nphases: [{name: build, steps: [{name: A, action: ExecuteBash, inputs: {commands: ['{{ build }}', '{{ build.A }}', '{{ loop }}', '{{ build.A.inputs[99999999999999999999].x }}']}}]}]\n",
	}
	for _, src := range srcs {
		d, err := docFromText("x.yaml", src)
		if err != nil {
			continue
		}
		_ = Validate(d)
	}
	if Validate(nil) != nil {
		t.Error("Validate(nil) should be nil")
	}
	if fs := Validate(&model.Document{File: "x"}); fs != nil {
		t.Errorf("empty document: %v", fs)
	}
}

// A document given only as a node is decoded by Validate itself.
func TestValidateNodeOnly(t *testing.T) {
	d := parseDoc(t, "x.yaml", doc("- name: A\n  action: Nope\n"))
	d.Value = nil
	if got := rules(Validate(d)); !slices.Equal(got, []string{ruleUnknownAction}) {
		t.Errorf("rules = %v", got)
	}
}

func TestEveryActionHasASpec(t *testing.T) {
	if len(actions) != 30 {
		t.Errorf("have %d action modules, the user guide lists 30", len(actions))
	}
	// Each module accepts a minimal valid use built from its spec.
	for name, spec := range actions {
		entry := map[string]any{}
		for _, k := range spec.required {
			entry[k] = "x"
		}
		if len(spec.oneOf) > 0 {
			entry[spec.oneOf[0]] = []any{"x"}
		}
		if name == "Assert" {
			entry["fileExists"] = "/x"
		}
		if name == "SetRegistry" {
			entry["type"] = "SZ"
		}
		if name == "ExecuteBash" {
			entry["commands"] = []any{"x"}
		}
		var inputs any = entry
		if spec.shape == shapeList {
			inputs = []any{entry}
		}
		d := &model.Document{File: "x", Value: map[string]any{
			"schemaVersion": "1.0",
			"phases": []any{map[string]any{"name": "build", "steps": []any{
				map[string]any{"name": "S", "action": name, "inputs": inputs},
			}}},
		}}
		if fs := Validate(d); len(fs) != 0 {
			t.Errorf("%s:%s", name, dump(fs))
		}
	}
}

// BenchmarkValidate measures one pass over the largest example document.
func BenchmarkValidate(b *testing.B) {
	src, err := os.ReadFile("../examples/components/stig-al2023.toe.yaml")
	if err != nil {
		b.Fatal(err)
	}
	d, err := docFromText("stig-al2023.toe.yaml", string(src))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if fs := Validate(d); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}
