package policy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kiln-gitops/kiln/finding"
)

// CompileError is a policy set that does not parse or compile. Each problem
// names its file, line and column; `kiln check` exits 2 on it.
type CompileError struct {
	Problems []Problem
}

// Problem is one compile error.
type Problem struct {
	finding.Pos
	Message string
}

func (e *CompileError) Error() string {
	lines := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		lines = append(lines, fmt.Sprintf("%s: %s", p.Pos, p.Message))
	}
	return "policy does not compile:\n" + strings.Join(lines, "\n")
}

// Findings reports the compile errors as findings, for outputs that show
// everything as findings (SARIF, check-run annotations).
func (e *CompileError) Findings() []finding.Finding {
	out := make([]finding.Finding, 0, len(e.Problems))
	for _, p := range e.Problems {
		out = append(out, finding.Finding{
			Pos: p.Pos, Rule: "policy/compile", Severity: finding.SeverityError,
			Source: finding.SourcePolicy, Message: p.Message,
		})
	}
	return out
}

func compileErrorFrom(err error) error {
	var astErrs ast.Errors
	if errors.As(err, &astErrs) {
		ce := &CompileError{}
		for _, e := range astErrs {
			p := Problem{Message: e.Message}
			if e.Location != nil {
				p.Pos = finding.Pos{File: e.Location.File, Line: e.Location.Row, Column: e.Location.Col}
			}
			ce.Problems = append(ce.Problems, p)
		}
		return ce
	}
	var one *ast.Error
	if errors.As(err, &one) {
		return compileErrorFrom(ast.Errors{one})
	}
	return err
}

// parseModules parses every file with METADATA processing. Users' files are
// read as Rego v1 first and, when that fails, as v0, so existing conftest
// policies written before OPA 1.0 (deny[msg] { … }) run unchanged.
func parseModules(files map[string][]byte, allowV0 bool) (map[string]*ast.Module, error) {
	mods := make(map[string]*ast.Module, len(files))
	ce := &CompileError{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		src := string(files[name])
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil && allowV0 {
			if m0, err0 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV0}); err0 == nil {
				m, err = m0, nil
			}
		}
		if err != nil {
			var sub *CompileError
			if errors.As(compileErrorFrom(err), &sub) {
				ce.Problems = append(ce.Problems, sub.Problems...)
				continue
			}
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		if m == nil {
			ce.Problems = append(ce.Problems, Problem{Pos: finding.Pos{File: name}, Message: "empty policy file (no package)"})
			continue
		}
		mods[name] = m
	}
	if len(ce.Problems) > 0 {
		return nil, ce
	}
	return mods, nil
}

// RuleInfo is what a rule's METADATA block says about it.
type RuleInfo struct {
	Ref         string // package path and rule name without "data.", e.g. "kiln.recipe.ebs_encrypted"
	ID          string // custom.id; the ref for rules without one
	Title       string
	Description string
	Severity    finding.Severity
	Controls    []string // "<catalogue>:<id>" (see ParseControlRef)
	// Scope is what the rule judges: ScopeOS (the image's OS content) or
	// ScopeAWS (AWS settings); METADATA custom.scope, by default decided
	// by the package (see defaultScope).
	Scope       string
	Remediation string
	File        string
	Line        int

	// inputKinds are the kinds of resources a repository-wide rule looks
	// at (custom.input_kinds); nil means all of them.
	inputKinds []string
}

// ruleInfos reads the METADATA of every annotated rule.
func ruleInfos(as *ast.AnnotationSet) map[string]RuleInfo {
	out := map[string]RuleInfo{}
	for _, ar := range as.Flatten() {
		rule := ar.GetRule()
		if rule == nil || ar.Annotations == nil {
			continue
		}
		ref := refString(ar.Path)
		a := ar.Annotations
		info := RuleInfo{Ref: ref, ID: ref, Title: a.Title, Description: strings.TrimSpace(a.Description)}
		if a.Location != nil {
			info.File, info.Line = a.Location.File, a.Location.Row
		}
		if id, ok := a.Custom["id"].(string); ok && id != "" {
			info.ID = id
		}
		info.Scope = defaultScope(ref)
		if s, ok := a.Custom["scope"].(string); ok && s != "" {
			info.Scope = s
		}
		if s, ok := a.Custom["severity"].(string); ok {
			info.Severity = finding.Severity(strings.ToLower(s))
		}
		if r, ok := a.Custom["remediation"].(string); ok {
			info.Remediation = strings.TrimSpace(r)
		}
		if ks, ok := a.Custom["input_kinds"].([]any); ok {
			info.inputKinds = []string{}
			for _, k := range ks {
				if s, ok := k.(string); ok {
					info.inputKinds = append(info.inputKinds, s)
				}
			}
		}
		if cs, ok := a.Custom["controls"].([]any); ok {
			for _, c := range cs {
				// A citation that is not a string is kept as text so the
				// controls test reports it instead of it vanishing.
				info.Controls = append(info.Controls, fmt.Sprint(c))
			}
		}
		// A rule with several bodies keeps the first block it was given.
		if _, seen := out[ref]; !seen {
			out[ref] = info
		}
	}
	return out
}

// refString renders data.a.b.c as "a.b.c".
func refString(r ast.Ref) string {
	parts := make([]string, 0, len(r))
	for i, t := range r {
		if i == 0 && t.Equal(ast.DefaultRootDocument) {
			continue
		}
		if s, ok := t.Value.(ast.String); ok {
			parts = append(parts, string(s))
		} else {
			parts = append(parts, t.String())
		}
	}
	return strings.Join(parts, ".")
}
