// Package awstoe checks the meaning of an AWSTOE component document: the
// rules that awstoe validate and Image Builder enforce beyond its JSON
// shape (phase and step names, action modules and their inputs, step
// settings, loops, conditions, variables and chaining). The shape itself is
// checked against schemas/awstoe-document.json elsewhere; here a value of
// the wrong shape is skipped, never a reason to panic.
//
// The rules follow the EC2 Image Builder user guide pages "Use the AWSTOE
// component document framework", "Action modules supported by AWSTOE",
// "Use variables", "Use looping constructs", "Use conditional constructs"
// and "Use comparison/logical operators".
package awstoe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// Rule ids, stable: users waive and grep by them.
const (
	ruleSchemaVersion      = "toe/schema-version"
	rulePhaseName          = "toe/phase-name"
	ruleDuplicatePhase     = "toe/duplicate-phase"
	ruleStepName           = "toe/step-name"
	ruleDuplicateStep      = "toe/duplicate-step"
	ruleUnknownAction      = "toe/unknown-action"
	ruleMissingInput       = "toe/missing-input"
	ruleInputShape         = "toe/input-shape"
	ruleOnFailure          = "toe/on-failure"
	ruleTimeout            = "toe/timeout"
	ruleMaxAttempts        = "toe/max-attempts"
	ruleLoop               = "toe/loop"
	ruleIf                 = "toe/if"
	ruleParameter          = "toe/parameter"
	ruleDuplicateParameter = "toe/duplicate-parameter"
	ruleUnresolved         = "toe/unresolved-variable"
	ruleChaining           = "toe/chaining"
)

// Phases are the phase names Image Builder runs, in the order it runs them.
var Phases = []string{"build", "validate", "test", "container-host-test"}

var onFailureValues = []string{"Abort", "Continue", "Ignore"}

// validStepName keeps step names usable in chaining expressions
// ({{ build.StepName.outputs.stdout }}): a dot, space or brace in a name
// could never be referred to. AWSTOE publishes no exact pattern.
func validStepName(s string) bool { return len(s) >= 1 && len(s) <= 128 && isIdent(s) }

// validVariableName is the documented rule for parameter and constant
// names: 3 to 128 letters, digits, hyphens or underscores, at least one of
// them a letter.
func validVariableName(s string) bool {
	return len(s) >= 3 && len(s) <= 128 && isIdent(s) && strings.ContainsAny(s, letters)
}

// isIdent reports whether s is non-empty and all letters, digits, hyphens
// and underscores.
func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// maxDepth bounds recursion into nested values and conditions; a document
// nested deeper than this is not one a person wrote.
const maxDepth = 64

// Validate checks doc and returns its problems, each a SeverityError
// finding from SourceValidate with the position of the offending value in
// doc.File. It never panics, whatever the shape of doc.Value.
func Validate(doc *model.Document) []finding.Finding {
	if doc == nil {
		return nil
	}
	root := doc.Value
	if root == nil && doc.Node() != nil {
		if err := doc.Node().Decode(&root); err != nil {
			return nil // the loader reports YAML that does not decode
		}
	}
	if root == nil {
		return nil
	}
	v := &validator{doc: doc, vars: map[string]bool{}}
	v.checkSchemaVersion(root)
	v.checkVariables(root)
	v.collectPhases(root)
	v.checkPhases()
	finding.Sort(v.findings)
	return v.findings
}

type validator struct {
	doc      *model.Document
	findings []finding.Finding
	vars     map[string]bool // parameter and constant names
	phases   []*phaseInfo
}

type phaseInfo struct {
	name   string
	index  int
	steps  []*stepInfo
	byName map[string]*stepInfo // first step of each name
}

type stepInfo struct {
	ref    stepRef
	raw    map[string]any
	path   []any // to the step mapping
	inputs any
	hasIn  bool
}

// stepRef names a step in messages and locates it for chaining.
type stepRef struct {
	phase      string
	phaseIndex int
	name       string
	index      int
	action     string
	loopName   string
	hasLoop    bool
}

func (s stepRef) String() string {
	if s.name != "" {
		return "step " + s.name
	}
	return fmt.Sprintf("step %d of phase %s", s.index+1, s.phase)
}

func (v *validator) add(rule string, pos finding.Pos, format string, args ...any) {
	if pos.File == "" {
		pos.File = v.doc.File
	}
	v.findings = append(v.findings, finding.Finding{
		Pos:      pos,
		Rule:     rule,
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  fmt.Sprintf(format, args...),
	})
}

func (v *validator) checkSchemaVersion(root map[string]any) {
	sv, ok := root["schemaVersion"]
	if !ok {
		v.add(ruleSchemaVersion, v.doc.At(), "schemaVersion is missing; AWSTOE documents need schemaVersion: 1.0")
		return
	}
	switch x := sv.(type) {
	case string:
		if x == "1.0" {
			return
		}
	case float64:
		if x == 1.0 {
			return
		}
	case float32:
		if x == 1.0 {
			return
		}
	}
	shown := describe(sv)
	if n := model.Lookup(v.doc.Node(), "schemaVersion"); n != nil && isScalar(sv) {
		shown = n.Value // as written: 2.0, not the decoded 2
	}
	v.add(ruleSchemaVersion, v.doc.At("schemaVersion"), "schemaVersion is %s; the only version AWSTOE reads is 1.0", shown)
}

// checkVariables reads parameters and constants: a list of single-key
// mappings, name → {type, default|value, description}. Their names share
// one namespace.
func (v *validator) checkVariables(root map[string]any) {
	seen := map[string]string{} // name → "parameter" | "constant"
	for _, section := range []string{"parameters", "constants"} {
		list, ok := root[section].([]any)
		if !ok {
			continue
		}
		what := strings.TrimSuffix(section, "s")
		for i, entry := range list {
			m, ok := entry.(map[string]any)
			if !ok || len(m) != 1 {
				v.add(ruleParameter, v.doc.At(section, i),
					"%s %d must be a single-key mapping such as `- MyName: {type: string, ...}`", what, i+1)
				continue
			}
			for name, body := range m {
				v.checkVariable(section, what, i, name, body, seen)
			}
		}
	}
}

func (v *validator) checkVariable(section, what string, i int, name string, body any, seen map[string]string) {
	keyPos := v.doc.KeyAt(section, i, name)
	if !validVariableName(name) {
		v.add(ruleParameter, keyPos,
			"%s name %q must be 3 to 128 letters, digits, hyphens or underscores, with at least one letter", what, name)
	}
	if prev, dup := seen[name]; dup {
		v.add(ruleDuplicateParameter, keyPos,
			"%s %s has the same name as a %s declared earlier; parameter and constant names must be unique in the document", what, name, prev)
	} else {
		seen[name] = what
	}
	v.vars[name] = true
	m, ok := body.(map[string]any)
	if !ok {
		v.add(ruleParameter, v.doc.At(section, i, name),
			"%s %s needs a mapping with type (and %s)", what, name, map[string]string{"parameter": "optionally default and description", "constant": "value"}[what])
		return
	}
	t, hasType := m["type"]
	switch {
	case !hasType:
		v.add(ruleParameter, v.doc.At(section, i, name), "%s %s needs type: string", what, name)
	case t != "string":
		v.add(ruleParameter, v.doc.At(section, i, name, "type"), "%s %s has type %s; the only supported type is string", what, name, describe(t))
	}
	if what == "constant" {
		if _, ok := m["value"]; !ok {
			v.add(ruleParameter, v.doc.At(section, i, name), "constant %s needs a value", name)
		}
	}
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// collectPhases gathers every phase and step first, so that chaining can
// tell a step that does not exist from one that runs later.
func (v *validator) collectPhases(root map[string]any) {
	phases, ok := root["phases"].([]any)
	if !ok {
		return
	}
	for pi, p := range phases {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		name, _ := pm["name"].(string)
		ph := &phaseInfo{name: name, index: pi, byName: map[string]*stepInfo{}}
		v.phases = append(v.phases, ph)
		steps, ok := pm["steps"].([]any)
		if !ok {
			continue
		}
		for si, s := range steps {
			sm, ok := s.(map[string]any)
			if !ok {
				continue
			}
			st := &stepInfo{raw: sm, path: []any{"phases", pi, "steps", si}}
			st.ref.phase, st.ref.phaseIndex, st.ref.index = name, pi, si
			st.ref.name, _ = sm["name"].(string)
			st.ref.action, _ = sm["action"].(string)
			st.inputs, st.hasIn = sm["inputs"]
			if loop, ok := sm["loop"].(map[string]any); ok {
				st.ref.hasLoop = true
				st.ref.loopName, _ = loop["name"].(string)
			} else if _, ok := sm["loop"]; ok {
				st.ref.hasLoop = true
			}
			ph.steps = append(ph.steps, st)
			if _, dup := ph.byName[st.ref.name]; !dup && st.ref.name != "" {
				ph.byName[st.ref.name] = st
			}
		}
	}
}

func (v *validator) checkPhases() {
	seenPhase := map[string]bool{}
	for _, ph := range v.phases {
		namePath := []any{"phases", ph.index, "name"}
		switch {
		case ph.name == "":
			// a phase without a string name is a schema error
		case !slices.Contains(Phases, ph.name):
			// AWSTOE runs any phase name (awstoe run --phases NAME); Image
			// Builder runs only its four and skips the others. A warning,
			// since the document is valid, but the steps never run in a bake.
			msg := fmt.Sprintf("phase %q is not one Image Builder runs (%s): awstoe run --phases %s runs it, but a bake skips its steps", ph.name, strings.Join(Phases, ", "), ph.name)
			if s := closest(ph.name, Phases, 3); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			v.add(rulePhaseName, v.doc.At(namePath...), "%s", msg)
			v.findings[len(v.findings)-1].Severity = finding.SeverityLow
		case seenPhase[ph.name]:
			v.add(ruleDuplicatePhase, v.doc.At(namePath...), "phase %s appears more than once; each phase name must be unique in the document", ph.name)
		}
		seenPhase[ph.name] = true

		seenStep := map[string]bool{}
		seenLoop := map[string]string{}
		for _, st := range ph.steps {
			v.checkStep(ph, st, seenStep, seenLoop)
		}
	}
}

func (v *validator) checkStep(ph *phaseInfo, st *stepInfo, seenStep map[string]bool, seenLoop map[string]string) {
	ref := st.ref
	if name, ok := st.raw["name"].(string); ok {
		namePath := appendPath(st.path, "name")
		if !validStepName(name) {
			v.add(ruleStepName, v.doc.At(namePath...),
				"step name %q must be 1 to 128 letters, digits, hyphens or underscores so that later steps can chain to it", name)
		}
		if seenStep[name] {
			v.add(ruleDuplicateStep, v.doc.At(namePath...), "phase %s has more than one step named %s; step names must be unique within a phase", ph.name, name)
		}
		seenStep[name] = true
	}

	spec, known := v.checkAction(st)
	if known {
		v.checkInputs(st, spec)
	}
	v.checkOnFailure(st)
	v.checkTimeout(st)
	v.checkMaxAttempts(st)
	if loop, ok := st.raw["loop"]; ok {
		v.checkLoop(ref, loop, appendPath(st.path, "loop"), seenLoop)
		v.scanRefs(ref, loop, appendPath(st.path, "loop"), 0)
	}
	if cond, ok := st.raw["if"]; ok {
		v.checkIf(ref, cond, appendPath(st.path, "if"))
		v.scanRefs(ref, cond, appendPath(st.path, "if"), 0)
	}
	if st.hasIn {
		v.scanRefs(ref, st.inputs, appendPath(st.path, "inputs"), 0)
	}
}

func (v *validator) checkAction(st *stepInfo) (actionSpec, bool) {
	a, present := st.raw["action"]
	if !present {
		return actionSpec{}, false // schema: action is required
	}
	name, ok := a.(string)
	if !ok {
		return actionSpec{}, false
	}
	spec, known := actions[name]
	if !known {
		msg := fmt.Sprintf("%s: %q is not an AWSTOE action module", st.ref, name)
		if s := suggestAction(name); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		} else {
			msg += "; see the list of action modules in the AWSTOE documentation"
		}
		v.add(ruleUnknownAction, v.doc.At(appendPath(st.path, "action")...), "%s", msg)
	}
	return spec, known
}

func (v *validator) checkInputs(st *stepInfo, spec actionSpec) {
	ref, action := st.ref, st.ref.action
	inPath := appendPath(st.path, "inputs")
	if !st.hasIn || st.inputs == nil {
		if !spec.optionalInputs {
			v.add(ruleMissingInput, v.doc.KeyAt(appendPath(st.path, "action")...),
				"%s: action %s needs inputs (%s)", ref, action, describeShape(action, spec))
		}
		return
	}
	switch in := st.inputs.(type) {
	case map[string]any:
		if spec.shape == shapeList {
			v.add(ruleInputShape, v.doc.At(inPath...), "%s: %s, not a single mapping", ref, describeShape(action, spec))
			return
		}
		v.checkEntry(ref, spec, in, inPath, "")
	case []any:
		if spec.shape == shapeObject {
			v.add(ruleInputShape, v.doc.At(inPath...), "%s: %s, not a list", ref, describeShape(action, spec))
			return
		}
		if len(in) == 0 {
			v.add(ruleMissingInput, v.doc.At(inPath...), "%s: action %s needs at least one input entry", ref, action)
		}
		for i, e := range in {
			m, ok := e.(map[string]any)
			if !ok {
				v.add(ruleInputShape, v.doc.At(appendPath(inPath, i)...),
					"%s: input %d of %s must be a mapping, not %s", ref, i+1, action, kindOf(e))
				continue
			}
			v.checkEntry(ref, spec, m, appendPath(inPath, i), fmt.Sprintf("input %d", i+1))
		}
	default:
		v.add(ruleInputShape, v.doc.At(inPath...), "%s: %s, not %s", ref, describeShape(action, spec), kindOf(st.inputs))
	}
}

// checkEntry checks one input mapping; which is "" for object inputs and
// "input N" for an entry of list inputs.
func (v *validator) checkEntry(ref stepRef, spec actionSpec, m map[string]any, path []any, which string) {
	for _, k := range spec.required {
		if _, ok := m[k]; !ok {
			if which == "" {
				v.add(ruleMissingInput, v.doc.At(path...), "%s: action %s needs input %s", ref, ref.action, k)
			} else {
				v.add(ruleMissingInput, v.doc.At(path...), "%s: %s of action %s needs %s", ref, which, ref.action, k)
			}
		}
	}
	if len(spec.oneOf) > 0 {
		var got []string
		for _, k := range spec.oneOf {
			if _, ok := m[k]; ok {
				got = append(got, k)
			}
		}
		switch len(got) {
		case 0:
			v.add(ruleMissingInput, v.doc.At(path...), "%s: action %s needs input %s", ref, ref.action, strings.Join(spec.oneOf, " or "))
		case 1:
		default:
			v.add(ruleInputShape, v.doc.At(path...), "%s: action %s takes %s, not both", ref, ref.action, strings.Join(spec.oneOf, " or "))
		}
	}
	if spec.check != nil {
		spec.check(v, ref, m, path)
	}
}

func (v *validator) checkOnFailure(st *stepInfo) {
	of, ok := st.raw["onFailure"]
	if !ok {
		return
	}
	s, isStr := of.(string)
	if isStr && slices.Contains(onFailureValues, s) {
		return
	}
	msg := fmt.Sprintf("%s: onFailure is %s; use Abort, Continue or Ignore", st.ref, describe(of))
	if isStr {
		for _, want := range onFailureValues {
			if strings.EqualFold(want, s) {
				msg = fmt.Sprintf("%s: onFailure %q must be spelled %s", st.ref, s, want)
			}
		}
	}
	v.add(ruleOnFailure, v.doc.At(appendPath(st.path, "onFailure")...), "%s", msg)
}

// checkTimeout: -1 means no timeout; 0 and other negatives are rejected.
// The guide documents no upper bound.
func (v *validator) checkTimeout(st *stepInfo) {
	t, ok := st.raw["timeoutSeconds"]
	if !ok {
		return
	}
	n, isInt := wholeNumber(t)
	if isInt && (n == -1 || n >= 1) {
		return
	}
	pos := v.doc.At(appendPath(st.path, "timeoutSeconds")...)
	if !isInt {
		v.add(ruleTimeout, pos, "%s: timeoutSeconds is %s; it must be a whole number of seconds (or -1 for no timeout)", st.ref, describe(t))
		return
	}
	v.add(ruleTimeout, pos, "%s: timeoutSeconds %d is out of range; use a positive number of seconds, or -1 for no timeout", st.ref, n)
}

func (v *validator) checkMaxAttempts(st *stepInfo) {
	a, ok := st.raw["maxAttempts"]
	if !ok {
		return
	}
	n, isInt := wholeNumber(a)
	if isInt && n >= 1 {
		return
	}
	pos := v.doc.At(appendPath(st.path, "maxAttempts")...)
	if !isInt {
		v.add(ruleMaxAttempts, pos, "%s: maxAttempts is %s; it must be a whole number of at least 1", st.ref, describe(a))
		return
	}
	v.add(ruleMaxAttempts, pos, "%s: maxAttempts %d must be at least 1", st.ref, n)
}

func appendPath(p []any, more ...any) []any {
	out := make([]any, 0, len(p)+len(more))
	return append(append(out, p...), more...)
}
