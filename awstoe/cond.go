package awstoe

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Comparison operators, usable in `if` and as the input of Assert. The
// single-value ones test one value; the others compare a baseline to
// `value`.
var (
	singleValueOps = []string{
		"stringIsEmpty", "stringIsWhitespace",
		"binaryExists", "fileExists", "folderExists",
	}
	twoValueOps = []string{
		"stringEquals", "stringLessThan", "stringLessThanEquals",
		"stringGreaterThan", "stringGreaterThanEquals", "patternMatches",
		"numberEquals", "numberLessThan", "numberLessThanEquals",
		"numberGreaterThan", "numberGreaterThanEquals",
		"fileMD5Equals", "fileSHA1Equals", "fileSHA256Equals", "fileSHA512Equals",
	}
	logicalOps = []string{"and", "or", "not"}
	// stepActions are what then/else of an if may choose.
	stepActions = []string{"execute", "skip", "abort"}
)

func isOperator(k string) bool {
	return slices.Contains(singleValueOps, k) || slices.Contains(twoValueOps, k) || slices.Contains(logicalOps, k)
}

func allOperators() []string {
	all := slices.Concat(singleValueOps, twoValueOps, logicalOps)
	sort.Strings(all)
	return all
}

// checkIf checks a step's `if`: one conditional expression, optionally with
// then/else step actions. A list holding expressions is read element by
// element, as the guide's syntax block shows that form too.
func (v *validator) checkIf(ref stepRef, cond any, path []any) {
	if list, ok := cond.([]any); ok {
		if len(list) == 0 {
			v.add(ruleIf, v.doc.At(path...), "%s: if is empty; it needs one conditional expression", ref)
		}
		for i, c := range list {
			v.checkExpr(ruleIf, ref, "if", c, appendPath(path, i), 0)
		}
		return
	}
	v.checkExpr(ruleIf, ref, "if", cond, path, 0)
}

// checkExpr checks one conditional expression: a mapping with exactly one
// operator. what names the construct in messages ("if", "Assert input").
func (v *validator) checkExpr(rule string, ref stepRef, what string, e any, path []any, depth int) {
	if depth > maxDepth {
		v.add(rule, v.doc.At(path...), "%s: %s is nested too deeply", ref, what)
		return
	}
	m, ok := e.(map[string]any)
	if !ok {
		v.add(rule, v.doc.At(path...), "%s: %s must be a mapping with one comparison or logical operator, not %s", ref, what, kindOf(e))
		return
	}
	var ops []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case isOperator(k):
			ops = append(ops, k)
		case k == "value":
		case (k == "then" || k == "else") && rule == ruleIf && depth == 0:
			s, isStr := m[k].(string)
			if !isStr || !slices.Contains(stepActions, strings.ToLower(s)) {
				v.add(rule, v.doc.At(appendPath(path, k)...), "%s: %s %s is %s; use one of %s", ref, what, k, describe(m[k]), strings.Join(stepActions, ", "))
			}
		default:
			msg := fmt.Sprintf("%s: %s has an unknown operator %s", ref, what, k)
			if s := closest(k, allOperators(), 3); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			v.add(rule, v.doc.KeyAt(appendPath(path, k)...), "%s", msg)
		}
	}
	switch len(ops) {
	case 0:
		v.add(rule, v.doc.At(path...), "%s: %s needs one comparison operator (such as stringEquals or fileExists) or logical operator (and, or, not)", ref, what)
		return
	case 1:
	default:
		v.add(rule, v.doc.At(path...), "%s: %s has %d operators (%s); combine them with and or or", ref, what, len(ops), strings.Join(ops, ", "))
		return
	}
	op := ops[0]
	_, hasValue := m["value"]
	opPath := appendPath(path, op)
	switch {
	case op == "and" || op == "or":
		list, ok := m[op].([]any)
		if !ok || len(list) == 0 {
			v.add(rule, v.doc.At(opPath...), "%s: %s operator %s needs a list of expressions", ref, what, op)
		} else {
			for i, c := range list {
				v.checkExpr(rule, ref, what, c, appendPath(opPath, i), depth+1)
			}
		}
		if hasValue {
			v.add(rule, v.doc.KeyAt(appendPath(path, "value")...), "%s: %s operator %s takes no value", ref, what, op)
		}
	case op == "not":
		v.checkExpr(rule, ref, what, m[op], opPath, depth+1)
		if hasValue {
			v.add(rule, v.doc.KeyAt(appendPath(path, "value")...), "%s: %s operator not takes no value", ref, what)
		}
	case slices.Contains(twoValueOps, op):
		if !hasValue {
			v.add(rule, v.doc.At(path...), "%s: %s comparison %s needs value to compare with", ref, what, op)
		}
		v.checkOperand(rule, ref, what, op, m[op], opPath)
		if hasValue {
			v.checkOperand(rule, ref, what, op, m["value"], appendPath(path, "value"))
		}
	default: // single-value comparison
		if hasValue {
			v.add(rule, v.doc.KeyAt(appendPath(path, "value")...), "%s: %s comparison %s tests one value and takes no value field", ref, what, op)
		}
		v.checkOperand(rule, ref, what, op, m[op], opPath)
	}
}

func (v *validator) checkOperand(rule string, ref stepRef, what, op string, x any, path []any) {
	if x != nil && !isScalar(x) {
		v.add(rule, v.doc.At(path...), "%s: %s comparison %s takes a single value, not %s", ref, what, op, kindOf(x))
		return
	}
	if strings.HasPrefix(op, "number") {
		if s, ok := x.(string); ok && !hasExpr(s) {
			if _, ok := parseNumber(s); !ok {
				v.add(rule, v.doc.At(path...), "%s: %s comparison %s compares numbers, but %q is not a number", ref, what, op, s)
			}
		}
	}
}
