package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// indexedActions are the AWSTOE actions the built-in rules look for:
// stepIndex lists the steps of each, so those rules never walk the
// ExecuteBash steps that make up most documents. The bundle names the same
// actions (lib.indexed_actions, whose lib.by_action this index becomes);
// TestIndexesCoverBundle keeps the two lists equal.
var indexedActions = []string{"WebDownload", "S3Download", "S3Upload", "InstallMSI"}

var indexedActionTerms = func() []*ast.Term {
	out := make([]*ast.Term, len(indexedActions))
	for i, a := range indexedActions {
		out[i] = ast.StringTerm(a)
	}
	return out
}()

// stepIndex groups the steps of a component's AWSTOE document by
// indexedActions, each shaped exactly as lib.steps in the bundle shapes it,
// with an empty list for an action no step has.
// ok is false for a document whose phases or steps are not lists of
// objects: Rego reads those its own way, so they are left to it.
func stepIndex(doc map[string]any) (index ast.Object, ok bool, err error) {
	groups := make([][]*ast.Term, len(indexedActions))
	if phases, present := doc["phases"]; present {
		list, isList := phases.([]any)
		if !isList {
			return nil, false, nil
		}
		for pi, p := range list {
			phase, isObj := p.(map[string]any)
			if !isObj {
				return nil, false, nil
			}
			steps, present := phase["steps"]
			if !present {
				continue
			}
			stepList, isList := steps.([]any)
			if !isList {
				return nil, false, nil
			}
			phaseName, named := phase["name"]
			for si, s := range stepList {
				step, isObj := s.(map[string]any)
				if !isObj {
					return nil, false, nil
				}
				// lib.steps leaves out a step whose phase or step name or
				// action is undefined.
				name, hasName := step["name"]
				action, hasAction := step["action"]
				if !named || !hasName || !hasAction {
					continue
				}
				a, isString := action.(string)
				if !isString {
					continue
				}
				for i, want := range indexedActions {
					if a != want {
						continue
					}
					t, err := stepTerm(pi, si, phaseName, name, step)
					if err != nil {
						return nil, false, err
					}
					groups[i] = append(groups[i], t)
				}
			}
		}
	}
	items := make([][2]*ast.Term, len(indexedActions))
	for i, g := range groups {
		items[i] = [2]*ast.Term{indexedActionTerms[i], ast.ArrayTerm(g...)}
	}
	return ast.NewObject(items...), true, nil
}

// stepTerm is a step as lib.steps shapes it: {path, phase, name, action,
// inputs (null when absent)}.
func stepTerm(pi, si int, phaseName, name any, step map[string]any) (*ast.Term, error) {
	terms := make([]*ast.Term, 4)
	for i, v := range []any{phaseName, name, step["action"], step["inputs"]} {
		val, err := ast.InterfaceToValue(v)
		if err != nil {
			return nil, err
		}
		terms[i] = ast.NewTerm(val)
	}
	return ast.ObjectTerm(
		[2]*ast.Term{keyPath, ast.ArrayTerm(keyPhases, ast.InternedTerm(pi), keySteps, ast.InternedTerm(si))},
		[2]*ast.Term{keyPhase, terms[0]},
		[2]*ast.Term{keyName, terms[1]},
		[2]*ast.Term{keyAction, terms[2]},
		[2]*ast.Term{keyInputs, terms[3]},
	), nil
}
