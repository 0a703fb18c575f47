// Package workflowdoc checks the meaning of an Image Builder workflow
// document (the document of a kiln Workflow): schemaVersion, parameters,
// steps with unique names, known step actions with the inputs they need,
// onFailure and timeouts, and the dynamic references that read parameters
// ($.parameters.<name>) and the outputs of earlier steps
// ($.stepOutputs.<step>.<output>). A value of the wrong shape is reported,
// never a reason to panic.
package workflowdoc

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// Rule ids, stable: users waive and grep by them.
const (
	ruleShape           = "workflow/shape"
	ruleSchemaVersion   = "workflow/schema-version"
	ruleStepName        = "workflow/step-name"
	ruleDuplicateStep   = "workflow/duplicate-step"
	ruleUnknownAction   = "workflow/unknown-action"
	ruleMissingInput    = "workflow/missing-input"
	ruleOnFailure       = "workflow/on-failure"
	ruleTimeout         = "workflow/timeout"
	ruleParameter       = "workflow/parameter"
	ruleUnresolved      = "workflow/unresolved-reference"
	ruleReferenceOrder  = "workflow/reference-order"
	maxTimeoutSeconds   = 43200 // 12 hours: the longest any step action allows
	maxReferenceScanned = 10000
)

// stepName is the API's pattern for workflow step names.
var stepName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-_]{1,99}$`)

// Validate checks doc and returns its problems as SeverityError findings
// of SourceValidate at the offending values in doc.File.
func Validate(doc *model.Document) []finding.Finding {
	if doc == nil || doc.Value == nil {
		return nil
	}
	v := &validator{doc: doc, params: map[string]bool{}, steps: map[string]step{}, defined: map[string]int{}}
	v.check(doc.Value)
	finding.Sort(v.findings)
	return v.findings
}

type validator struct {
	doc      *model.Document
	findings []finding.Finding
	params   map[string]bool
	steps    map[string]step // by name, the first step of each name
	defined  map[string]int  // how many steps of each name were checked
	scanned  int
}

type step struct {
	index  int
	action string
}

func (v *validator) add(rule string, path []any, format string, args ...any) {
	pos := v.doc.At(path...)
	if pos.File == "" {
		pos.File = v.doc.File
	}
	v.findings = append(v.findings, finding.Finding{Pos: pos, Rule: rule, Severity: finding.SeverityError,
		Source: finding.SourceValidate, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) check(root map[string]any) {
	switch sv := root["schemaVersion"].(type) {
	case nil:
		v.add(ruleSchemaVersion, nil, "schemaVersion is missing; workflow documents need schemaVersion: 1.0")
	case string:
		if sv != "1.0" {
			v.add(ruleSchemaVersion, []any{"schemaVersion"}, "schemaVersion %q is not supported; workflow documents use 1.0", sv)
		}
	case float64:
		if sv != 1.0 {
			v.add(ruleSchemaVersion, []any{"schemaVersion"}, "schemaVersion %v is not supported; workflow documents use 1.0", sv)
		}
	case int:
		if sv != 1 {
			v.add(ruleSchemaVersion, []any{"schemaVersion"}, "schemaVersion %v is not supported; workflow documents use 1.0", sv)
		}
	default:
		v.add(ruleSchemaVersion, []any{"schemaVersion"}, "schemaVersion must be 1.0")
	}
	v.parameters(root["parameters"])
	steps, ok := root["steps"].([]any)
	if !ok || len(steps) == 0 {
		v.add(ruleShape, []any{"steps"}, "steps must be a non-empty list of steps")
		return
	}
	for i, s := range steps {
		if m, ok := s.(map[string]any); ok {
			if name, _ := m["name"].(string); name != "" && !v.hasStep(name) {
				act, _ := m["action"].(string)
				v.steps[name] = step{index: i, action: act}
			}
		}
	}
	for i, s := range steps {
		v.step(i, s)
	}
	if outs, ok := root["outputs"].([]any); ok {
		for i, o := range outs {
			if m, ok := o.(map[string]any); ok {
				v.references(m["value"], []any{"outputs", i, "value"}, len(steps), true)
			}
		}
	}
}

func (v *validator) parameters(raw any) {
	if raw == nil {
		return
	}
	list, ok := raw.([]any)
	if !ok {
		v.add(ruleParameter, []any{"parameters"}, "parameters must be a list of {name, type} mappings")
		return
	}
	for i, p := range list {
		m, ok := p.(map[string]any)
		path := []any{"parameters", i}
		if !ok {
			v.add(ruleParameter, path, "a parameter must be a mapping with name and type")
			continue
		}
		name, _ := m["name"].(string)
		switch {
		case name == "":
			v.add(ruleParameter, path, "the parameter has no name")
		case v.params[name]:
			v.add(ruleParameter, append(path, "name"), "parameter %s is declared twice", name)
		}
		v.params[name] = true
		if t, _ := m["type"].(string); !slices.Contains(parameterTypes, t) {
			v.add(ruleParameter, append(path, "type"), "parameter %s: type %v is not one of %s", name, m["type"], strings.Join(parameterTypes, ", "))
		}
	}
}

func (v *validator) step(i int, raw any) {
	path := []any{"steps", i}
	m, ok := raw.(map[string]any)
	if !ok {
		v.add(ruleShape, path, "a step must be a mapping with name, action and inputs")
		return
	}
	name, _ := m["name"].(string)
	switch {
	case !stepName.MatchString(name):
		v.add(ruleStepName, append(path, "name"), "step name %q must start with a letter and have 2 to 100 letters, digits, - and _", name)
	case v.defined[name] > 0:
		v.add(ruleDuplicateStep, append(path, "name"), "step %s is defined twice; step names are unique in a workflow", name)
	}
	act, _ := m["action"].(string)
	spec, known := actions[act]
	if !known {
		v.add(ruleUnknownAction, append(path, "action"), "step %s: action %q is not a workflow step action (%s)", name, act, strings.Join(actionNames(), ", "))
	}
	if of, ok := m["onFailure"]; ok {
		if s, _ := of.(string); !slices.Contains(onFailureValues, s) {
			v.add(ruleOnFailure, append(path, "onFailure"), "step %s: onFailure %v is not one of %s", name, of, strings.Join(onFailureValues, ", "))
		}
	}
	if t, ok := m["timeoutSeconds"]; ok {
		n, isNum := number(t)
		if !isNum || n < 1 || n > maxTimeoutSeconds {
			v.add(ruleTimeout, append(path, "timeoutSeconds"), "step %s: timeoutSeconds %v must be a whole number from 1 to %d", name, t, maxTimeoutSeconds)
		}
	}
	inputs, _ := m["inputs"].(map[string]any)
	if known {
		for _, in := range spec.required {
			_, plain := inputs[in]
			_, dynamic := inputs[in+".$"]
			if !plain && !dynamic {
				v.add(ruleMissingInput, append(path, "inputs"), "step %s: action %s needs input %s (or %s.$ with a reference)", name, act, in, in)
			}
		}
	}
	v.references(m["inputs"], append(path, "inputs"), i, false)
	v.references(m["if"], append(path, "if"), i, false)
	if name != "" {
		v.defined[name]++
	}
}

// references checks the dynamic values under raw: the values of keys
// ending in ".$" are JSONPath references, which must name a declared
// parameter or an output of an earlier step. before is the index of the
// step they belong to; with all (the document's outputs) every step is
// earlier.
func (v *validator) references(raw any, path []any, before int, all bool) {
	v.walk(raw, path, false, func(s string, at []any) {
		v.reference(s, at, before, all)
	})
}

func (v *validator) walk(raw any, path []any, dynamic bool, visit func(string, []any)) {
	v.scanned++
	if v.scanned > maxReferenceScanned || len(path) > 64 {
		return
	}
	switch x := raw.(type) {
	case map[string]any:
		for k, e := range x {
			v.walk(e, append(slices.Clone(path), k), strings.HasSuffix(k, ".$"), visit)
		}
	case []any:
		for i, e := range x {
			v.walk(e, append(slices.Clone(path), i), dynamic, visit)
		}
	case string:
		if dynamic || strings.HasPrefix(x, "$.stepOutputs.") || strings.HasPrefix(x, "$.parameters.") {
			visit(x, path)
		}
	}
}

func (v *validator) reference(s string, path []any, before int, all bool) {
	switch {
	case strings.HasPrefix(s, "$.parameters."):
		p := strings.TrimPrefix(s, "$.parameters.")
		if i := strings.IndexAny(p, ".["); i >= 0 {
			p = p[:i]
		}
		if !v.params[p] {
			v.add(ruleUnresolved, path, "%s: parameter %s is not declared under parameters", s, p)
		}
	case strings.HasPrefix(s, "$.stepOutputs."):
		rest := strings.Split(strings.TrimPrefix(s, "$.stepOutputs."), ".")
		st, ok := v.steps[rest[0]]
		switch {
		case !ok:
			v.add(ruleUnresolved, path, "%s: there is no step %s", s, rest[0])
		case !all && st.index >= before:
			v.add(ruleReferenceOrder, path, "%s: step %s runs after this one", s, rest[0])
		case len(rest) > 1:
			if outs := actions[st.action].outputs; outs != nil && !slices.Contains(outs, rest[1]) {
				v.add(ruleUnresolved, path, "%s: action %s of step %s has no output %s (it has %s)", s, st.action, rest[0], rest[1], strings.Join(outs, ", "))
			}
		}
	case strings.HasPrefix(s, "$.imagebuilder."), strings.HasPrefix(s, "$."):
		// Image Builder's own variables and other JSONPath forms.
	default:
		v.add(ruleUnresolved, path, "%q is under a key ending in .$ but is not a reference ($.parameters.<name> or $.stepOutputs.<step>.<output>)", s)
	}
}

func (v *validator) hasStep(name string) bool { _, ok := v.steps[name]; return ok }

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, n == float64(int64(n))
	}
	return 0, false
}

func actionNames() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
