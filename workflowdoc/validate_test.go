package workflowdoc

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/model"
)

func doc(t *testing.T, src string) *model.Document {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := n.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return &model.Document{File: "build.workflow.yaml", Text: src, Tree: model.NodeTree(&n), Value: v}
}

const good = `name: build-with-approval
schemaVersion: 1.0
parameters:
  - name: approvalTopic
    type: string
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
  - name: ApplyBuildComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: WaitForApproval
    action: WaitForAction
    timeoutSeconds: 86400
    inputs:
      snsTopicArn.$: $.parameters.approvalTopic
  - name: CreateOutputAMI
    action: CreateImage
    if:
      stringEquals: RESUME
      value.$: $.stepOutputs.WaitForApproval.action
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId
outputs:
  - name: ImageId
    value: $.stepOutputs.CreateOutputAMI.imageId
`

func TestValidate(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(string) string
		rule, line string // line is "L:C" of the finding, "" for none
		msg        string
	}{
		{"good", func(s string) string { return strings.Replace(s, "timeoutSeconds: 86400", "timeoutSeconds: 43200", 1) }, "", "", ""},
		{"timeout range", func(s string) string { return s }, ruleTimeout, "19:21", "from 1 to 43200"},
		{"schema version", func(s string) string { return strings.Replace(s, "schemaVersion: 1.0", "schemaVersion: 2.0", 1) }, ruleSchemaVersion, "2:16", "use 1.0"},
		{"unknown action", func(s string) string { return strings.Replace(s, "action: CreateImage", "action: CreateAMI", 1) }, ruleUnknownAction, "23:13", `"CreateAMI" is not a workflow step action`},
		{"missing input", func(s string) string {
			return strings.Replace(s, "      instanceId.$: $.stepOutputs.LaunchBuildInstance.instanceId\n  - name: WaitForApproval", "      other: x\n  - name: WaitForApproval", 1)
		}, ruleMissingInput, "16:7", "needs input instanceId"},
		{"duplicate step", func(s string) string {
			return strings.Replace(s, "name: TerminateBuildInstance", "name: ApplyBuildComponents", 1)
		}, ruleDuplicateStep, "", "defined twice"},
		{"unknown parameter", func(s string) string {
			return strings.Replace(s, "$.parameters.approvalTopic", "$.parameters.topic", 1)
		}, ruleUnresolved, "21:22", "parameter topic is not declared"},
		{"unknown step", func(s string) string {
			return strings.Replace(s, "$.stepOutputs.LaunchBuildInstance.instanceId", "$.stepOutputs.Launch.instanceId", 1)
		}, ruleUnresolved, "", "there is no step Launch"},
		{"later step", func(s string) string {
			return strings.Replace(s, "$.stepOutputs.LaunchBuildInstance.instanceId", "$.stepOutputs.TerminateBuildInstance.instanceId", 1)
		}, ruleReferenceOrder, "", "runs after this one"},
		{"unknown output", func(s string) string {
			return strings.Replace(s, "WaitForApproval.action", "WaitForApproval.verdict", 1)
		}, ruleUnresolved, "", "has no output verdict"},
		{"on failure", func(s string) string { return strings.Replace(s, "onFailure: Continue", "onFailure: Ignore", 1) }, ruleOnFailure, "", "not one of Abort, Continue"},
		{"step name", func(s string) string { return strings.Replace(s, "name: LaunchBuildInstance", "name: 1Launch", 1) }, ruleStepName, "", "must start with a letter"},
		{"no steps", func(s string) string { return s[:strings.Index(s, "steps:")] }, ruleShape, "", "non-empty list"},
		{"parameter type", func(s string) string { return strings.Replace(s, "type: string", "type: text", 1) }, ruleParameter, "", "type text is not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Validate(doc(t, tt.edit(good)))
			if tt.rule == "" {
				if len(fs) != 0 {
					t.Fatalf("findings %v", fs)
				}
				return
			}
			for _, f := range fs {
				if f.Rule == tt.rule && strings.Contains(f.Message, tt.msg) {
					if at := fmt.Sprintf("%d:%d", f.Line, f.Column); tt.line != "" && at != tt.line {
						t.Errorf("at %s, want %s", at, tt.line)
					}
					return
				}
			}
			t.Errorf("no %s finding with %q in %v", tt.rule, tt.msg, fs)
		})
	}
}

func TestValidateOddShapes(t *testing.T) {
	for _, src := range []string{"steps: 3", "steps: [1, [2], {name: {a: b}}]", "parameters: x\nsteps: []", "schemaVersion: [1]\nsteps:\n - inputs: {a.$: [x, {b.$: 3}]}"} {
		Validate(doc(t, src)) // must not panic
	}
}
