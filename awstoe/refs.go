package awstoe

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
)

// exprPattern finds {{ … }} expressions in a string value.
var exprPattern = regexp.MustCompile(`\{\{(.*?)\}\}`)

// isRef reports whether s has the shape of a variable reference: a name,
// then any number of .member and [index] parts. Anything else between
// braces (a Go or Jinja template in a shell command, `{{ .State.Status }}`)
// is not an AWSTOE reference and is left alone.
func isRef(s string) bool {
	first := true
	for s != "" {
		switch {
		case s[0] == '.' && !first:
			s = s[1:]
			n := identLen(s)
			if n == 0 {
				return false
			}
			s = s[n:]
		case s[0] == '[' && !first:
			end := strings.IndexByte(s, ']')
			if end < 2 || strings.Trim(s[1:end], "0123456789") != "" {
				return false
			}
			s = s[end+1:]
		default:
			if !first {
				return false
			}
			n := identLen(s)
			if n == 0 {
				return false
			}
			s = s[n:]
		}
		first = false
	}
	return !first
}

func identLen(s string) int {
	n := 0
	for n < len(s) && isIdent(s[n:n+1]) {
		n++
	}
	return n
}

func hasExpr(s string) bool { return strings.Contains(s, "{{") && strings.Contains(s, "}}") }

// segment is one part of a reference: a member name or an index.
type segment struct {
	name  string
	index int
	isIdx bool
}

func parseRef(s string) []segment {
	var segs []segment
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return segs
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil {
				n = -1
			}
			segs = append(segs, segment{index: n, isIdx: true})
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			segs = append(segs, segment{name: s[:end]})
			s = s[end:]
		}
	}
	return segs
}

// scanRefs checks every {{ … }} in the string values under x.
func (v *validator) scanRefs(ref stepRef, x any, path []any, depth int) {
	if depth > maxDepth {
		return
	}
	switch t := x.(type) {
	case string:
		if !strings.Contains(t, "{{") {
			return
		}
		for _, m := range exprPattern.FindAllStringSubmatch(t, -1) {
			expr := strings.TrimSpace(m[1])
			if isRef(expr) {
				v.resolve(ref, expr, path)
			}
		}
	case []any:
		// path is extended in place: resolve uses it at once and keeps
		// nothing, so siblings may share the backing array.
		for i, e := range t {
			v.scanRefs(ref, e, append(path, i), depth+1)
		}
	case map[string]any:
		for k, e := range t {
			v.scanRefs(ref, e, append(path, k), depth+1)
		}
	}
}

// resolve checks one reference from step ref: a parameter or constant, a
// loop variable of the step's own loop, or a chaining expression to an
// earlier step.
func (v *validator) resolve(ref stepRef, expr string, path []any) {
	segs := parseRef(expr)
	if len(segs) == 0 || segs[0].isIdx {
		return
	}
	head := segs[0].name
	pos := func() finding.Pos { return v.doc.At(path...) }
	if len(segs) == 1 {
		if v.vars[head] {
			return
		}
		msg := fmt.Sprintf("%s: {{ %s }} is not a parameter or constant of this document", ref, expr)
		if s := closest(head, mapKeys(v.vars), 3); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		v.add(ruleUnresolved, pos(), "%s", msg)
		return
	}
	if head == "loop" || (ref.loopName != "" && head == ref.loopName) {
		switch {
		case !ref.hasLoop:
			v.add(ruleUnresolved, pos(), "%s: {{ %s }} refers to a loop, but the step has no loop", ref, expr)
		case len(segs) != 2 || segs[1].isIdx || !isLoopVar(segs[1].name):
			v.add(ruleUnresolved, pos(), "%s: {{ %s }} is not a loop variable; use {{ %s.value }} or {{ %s.index }}", ref, expr, head, head)
		}
		return
	}
	if ph := v.phaseNamed(head); ph != nil || slices.Contains(Phases, head) {
		v.resolveChain(ref, expr, segs, ph, pos)
		return
	}
	if len(segs) == 2 && !segs[1].isIdx && isLoopVar(segs[1].name) {
		if other := v.loopOwner(ref, head); other != "" {
			v.add(ruleUnresolved, pos(), "%s: {{ %s }} refers to the loop of %s; a step can only use its own loop's variables", ref, expr, other)
			return
		}
	}
	v.add(ruleUnresolved, pos(), "%s: {{ %s }} names no parameter, constant, loop or phase of this document", ref, expr)
}

// resolveChain checks {{ phase.step.inputs… }} and {{ phase.step.outputs… }}.
func (v *validator) resolveChain(ref stepRef, expr string, segs []segment, ph *phaseInfo, pos func() finding.Pos) {
	report := func(format string, args ...any) {
		v.add(ruleChaining, pos(), "%s: {{ %s }} %s", ref, expr, fmt.Sprintf(format, args...))
	}
	if ph == nil {
		report("refers to phase %s, which this document does not have", segs[0].name)
		return
	}
	if len(segs) < 3 || segs[1].isIdx || segs[2].isIdx {
		report("is not a chaining expression; use {{ phase.step.inputs… }} or {{ phase.step.outputs… }}")
		return
	}
	target := ph.step(segs[1].name)
	if target == nil {
		msg := fmt.Sprintf("refers to step %s, which phase %s does not have", segs[1].name, ph.name)
		if s := closest(segs[1].name, ph.stepNames(), 3); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		report("%s", msg)
		return
	}
	t := target.ref
	if t.phaseIndex == ref.phaseIndex && t.index == ref.index {
		report("refers to this step itself; chaining can only use earlier steps")
		return
	}
	if t.phaseIndex > ref.phaseIndex || (t.phaseIndex == ref.phaseIndex && t.index > ref.index) {
		report("refers to step %s, which runs later; chaining can only use earlier steps", t.name)
		return
	}
	rest := segs[3:]
	switch segs[2].name {
	case "inputs":
		v.resolveInputs(report, target, rest)
	case "outputs":
		v.resolveOutputs(report, target, rest)
	default:
		report("must continue with inputs or outputs after the step name, not %s", segs[2].name)
	}
}

func (v *validator) resolveInputs(report func(string, ...any), target *stepInfo, rest []segment) {
	entry := target.inputs
	if list, ok := entry.([]any); ok {
		if len(rest) == 0 || !rest[0].isIdx {
			report("must pick an entry: the inputs of step %s are a list, so use inputs[N].key", target.ref.name)
			return
		}
		if rest[0].index < 0 || rest[0].index >= len(list) {
			report("picks inputs[%d], but step %s has %d input entries", rest[0].index, target.ref.name, len(list))
			return
		}
		entry, rest = list[rest[0].index], rest[1:]
	}
	m, ok := entry.(map[string]any)
	if !ok {
		return // inputs of an unusual shape are reported on that step
	}
	if len(rest) == 0 || rest[0].isIdx {
		report("must name an input of step %s", target.ref.name)
		return
	}
	if _, ok := m[rest[0].name]; !ok {
		report("names input %s, which step %s does not set", rest[0].name, target.ref.name)
	}
}

func (v *validator) resolveOutputs(report func(string, ...any), target *stepInfo, rest []segment) {
	if len(rest) > 0 && rest[0].isIdx {
		rest = rest[1:] // outputs[0].stdout: one output set per step
	}
	if len(rest) == 0 || rest[0].isIdx {
		report("must name an output of step %s", target.ref.name)
		return
	}
	spec, known := actions[target.ref.action]
	if !known || spec.outputs == nil {
		return // unknown action (reported on that step) or outputs not documented
	}
	if !slices.Contains(spec.outputs, rest[0].name) {
		report("names output %s, but action %s outputs %s", rest[0].name, target.ref.action, strings.Join(spec.outputs, ", "))
	}
}

func (v *validator) phaseNamed(name string) *phaseInfo {
	for _, ph := range v.phases {
		if ph.name == name {
			return ph
		}
	}
	return nil
}

func (ph *phaseInfo) step(name string) *stepInfo { return ph.byName[name] }

func (ph *phaseInfo) stepNames() []string {
	var names []string
	for _, st := range ph.steps {
		if st.ref.name != "" {
			names = append(names, st.ref.name)
		}
	}
	return names
}

// loopOwner returns the step (other than ref) whose loop is called name in
// ref's phase.
func (v *validator) loopOwner(ref stepRef, name string) string {
	for _, ph := range v.phases {
		if ph.index != ref.phaseIndex {
			continue
		}
		for _, st := range ph.steps {
			if st.ref.loopName == name && st.ref.index != ref.index {
				return st.ref.String()
			}
		}
	}
	return ""
}
