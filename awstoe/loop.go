package awstoe

import (
	"fmt"
	"slices"
	"strings"
)

// loopDelimiters are the single characters a delimited forEach list may be
// split on.
const loopDelimiters = ".,;:\n\t -_"

// checkLoop checks one step's loop: an optional name unique among the
// loops of the phase, and exactly one of `for` (start, end, updateBy,
// integers that reach end) and `forEach` (a list of strings, or a
// {list, delimiter} mapping).
func (v *validator) checkLoop(ref stepRef, loop any, path []any, seenLoop map[string]string) {
	m, ok := loop.(map[string]any)
	if !ok {
		v.add(ruleLoop, v.doc.At(path...), "%s: loop must be a mapping with for or forEach, not %s", ref, kindOf(loop))
		return
	}
	for k := range m {
		if k != "name" && k != "for" && k != "forEach" {
			msg := fmt.Sprintf("%s: loop has an unknown field %s; a loop takes name and one of for or forEach", ref, k)
			if s := closest(k, []string{"name", "for", "forEach"}, 2); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			v.add(ruleLoop, v.doc.KeyAt(appendPath(path, k)...), "%s", msg)
		}
	}
	if n, ok := m["name"]; ok {
		name, isStr := n.(string)
		switch {
		case !isStr || !isIdent(name):
			v.add(ruleLoop, v.doc.At(appendPath(path, "name")...),
				"%s: loop name %s must be letters, digits, hyphens or underscores so that {{ name.value }} can refer to it", ref, describe(n))
		case seenLoop[name] != "":
			v.add(ruleLoop, v.doc.At(appendPath(path, "name")...),
				"%s: loop name %s is already used by %s; loop names must be unique within a phase", ref, name, seenLoop[name])
		default:
			seenLoop[name] = ref.String()
		}
	}
	forV, hasFor := m["for"]
	each, hasEach := m["forEach"]
	switch {
	case hasFor && hasEach:
		v.add(ruleLoop, v.doc.At(path...), "%s: loop has both for and forEach; use exactly one", ref)
	case hasFor:
		v.checkFor(ref, forV, appendPath(path, "for"))
	case hasEach:
		v.checkForEach(ref, each, appendPath(path, "forEach"))
	default:
		v.add(ruleLoop, v.doc.At(path...), "%s: loop needs for (a range of numbers) or forEach (a list of values)", ref)
	}
}

func (v *validator) checkFor(ref stepRef, f any, path []any) {
	m, ok := f.(map[string]any)
	if !ok {
		v.add(ruleLoop, v.doc.At(path...), "%s: loop for must be a mapping with start, end and updateBy, not %s", ref, kindOf(f))
		return
	}
	var nums [3]int64
	complete := true
	for i, k := range []string{"start", "end", "updateBy"} {
		x, present := m[k]
		if !present {
			v.add(ruleLoop, v.doc.At(path...), "%s: loop for needs %s", ref, k)
			complete = false
			continue
		}
		n, ok := wholeNumber(x)
		if !ok {
			v.add(ruleLoop, v.doc.At(appendPath(path, k)...),
				"%s: loop for %s is %s; it must be a whole number (chaining and variables are not allowed here)", ref, k, describe(x))
			complete = false
			continue
		}
		nums[i] = n
	}
	if !complete {
		return
	}
	start, end, by := nums[0], nums[1], nums[2]
	switch {
	case by == 0:
		v.add(ruleLoop, v.doc.At(appendPath(path, "updateBy")...), "%s: loop for updateBy must not be 0", ref)
	case (end > start && by < 0) || (end < start && by > 0):
		v.add(ruleLoop, v.doc.At(appendPath(path, "updateBy")...),
			"%s: loop for never reaches end %d from start %d with updateBy %d", ref, end, start, by)
	}
}

func (v *validator) checkForEach(ref stepRef, each any, path []any) {
	switch e := each.(type) {
	case []any:
		if len(e) == 0 {
			v.add(ruleLoop, v.doc.At(path...), "%s: loop forEach list is empty", ref)
		}
		for i, item := range e {
			if item == nil || !isScalar(item) {
				v.add(ruleLoop, v.doc.At(appendPath(path, i)...), "%s: loop forEach item %d must be a string, not %s", ref, i+1, kindOf(item))
			}
		}
	case map[string]any:
		for k := range e {
			if k != "list" && k != "delimiter" {
				v.add(ruleLoop, v.doc.KeyAt(appendPath(path, k)...),
					"%s: loop forEach has an unknown field %s; a delimited forEach takes list and delimiter", ref, k)
			}
		}
		list, ok := e["list"]
		switch {
		case !ok:
			v.add(ruleLoop, v.doc.At(path...), "%s: loop forEach needs list (a string of values joined by the delimiter)", ref)
		case !isString(list):
			v.add(ruleLoop, v.doc.At(appendPath(path, "list")...), "%s: loop forEach list must be a string, not %s", ref, kindOf(list))
		}
		if d, ok := e["delimiter"]; ok {
			s, isStr := d.(string)
			if !isStr || len([]rune(s)) != 1 || !strings.ContainsRune(loopDelimiters, []rune(s)[0]) {
				v.add(ruleLoop, v.doc.At(appendPath(path, "delimiter")...),
					"%s: loop forEach delimiter %s must be one character of %s", ref, describe(d), quoteDelims())
			}
		}
	default:
		v.add(ruleLoop, v.doc.At(path...), "%s: loop forEach must be a list of values or a {list, delimiter} mapping, not %s", ref, kindOf(each))
	}
}

func quoteDelims() string {
	var parts []string
	for _, r := range loopDelimiters {
		parts = append(parts, fmt.Sprintf("%q", string(r)))
	}
	return strings.Join(parts, " ")
}

// loopVars are the members of an iteration variable.
var loopVars = []string{"index", "value"}

func isLoopVar(s string) bool { return slices.Contains(loopVars, s) }
