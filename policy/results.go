package policy

import (
	"fmt"
	"maps"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// builtinFinding turns a kiln-style result ({msg, path, in, line}) of the
// rule at p.ref into a finding, applying the rule's METADATA and the
// repository's re-grading.
func (e *Engine) builtinFinding(res *model.Resource, p pair) (finding.Finding, bool) {
	info := e.infos[p.ref]
	f := finding.Finding{
		Rule:        info.ID,
		Severity:    info.Severity,
		Source:      finding.SourcePolicy,
		Resource:    resourceID(res),
		Title:       info.Title,
		Description: info.Description,
		Controls:    info.Controls,
		Remediation: info.Remediation,
	}
	if !f.Severity.Valid() || f.Severity == finding.SeverityError {
		f.Severity = finding.SeverityMedium
	}
	obj, _ := p.value.(map[string]any)
	f.Message = message(p.value)
	f.Pos = position(res, obj)
	return e.regrade(f)
}

// userFinding turns a conftest result (a string, or an object with msg and
// optional metadata) into a finding. deny and violation fail (high unless
// the result or the rule's METADATA says otherwise); warn is low.
func (e *Engine) userFinding(res *model.Resource, p pair, inDocument bool) (finding.Finding, bool) {
	info, annotated := e.infos[p.ref]
	name := p.ref[strings.LastIndex(p.ref, ".")+1:]
	f := finding.Finding{
		Rule:     p.ref,
		Severity: finding.SeverityHigh,
		Source:   finding.SourcePolicy,
		Resource: resourceID(res),
		Message:  message(p.value),
	}
	if conftestKind(name) == "warn" {
		f.Severity = finding.SeverityLow
	}
	if annotated {
		f.Rule, f.Title, f.Description, f.Controls, f.Remediation = info.ID, info.Title, info.Description, info.Controls, info.Remediation
		if info.Severity.Valid() {
			f.Severity = info.Severity
		}
	}
	obj, _ := p.value.(map[string]any)
	if obj != nil {
		if s := str(obj["severity"]); s != "" {
			f.Severity = finding.Severity(strings.ToLower(s))
		}
		for _, k := range []string{"id", "rule"} {
			if s := str(obj[k]); s != "" {
				f.Rule = s
				break
			}
		}
		if s := str(obj["title"]); s != "" {
			f.Title = s
		}
		if s := str(obj["remediation"]); s != "" {
			f.Remediation = s
		}
		if cs, ok := obj["controls"].([]any); ok {
			f.Controls = nil
			for _, c := range cs {
				if s := str(c); s != "" {
					f.Controls = append(f.Controls, s)
				}
			}
		}
	}
	if f.Severity == finding.SeverityError {
		f.Severity = finding.SeverityCritical
	}
	if inDocument {
		// The policy saw the AWSTOE document: its paths point into it.
		obj = maps.Clone(obj)
		if obj == nil {
			obj = map[string]any{}
		}
		obj["in"] = "document"
	}
	f.Pos = position(res, obj)
	return e.regrade(f)
}

// regrade applies .kiln.yaml's rules block: a disabled rule's findings are
// dropped, a re-graded one takes the configured severity.
func (e *Engine) regrade(f finding.Finding) (finding.Finding, bool) {
	rc, ok := e.rules[f.Rule]
	if !ok {
		return f, true
	}
	if rc.Disabled {
		return f, false
	}
	if rc.Severity != "" {
		f.Severity = rc.Severity
	}
	return f, true
}

func message(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if s := str(x["msg"]); s != "" {
			return s
		}
	}
	return fmt.Sprint(v)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// position maps a result's path to a file position: into the component's
// AWSTOE document when "in" is "document" (so inline data lands in the
// component file), into the resource otherwise. "line" is a line offset
// inside a multi-line block scalar (a shell script), so the annotation lands
// on the offending command rather than on the start of the script.
func position(res *model.Resource, obj map[string]any) finding.Pos {
	if obj == nil {
		return res.Pos()
	}
	raw, _ := obj["path"].([]any)
	path := make([]any, 0, len(raw))
	for _, p := range raw {
		switch x := p.(type) {
		case string:
			path = append(path, x)
		default:
			path = append(path, toInt(x))
		}
	}
	if str(obj["in"]) == "document" && res.Document != nil {
		d := res.Document
		pos := d.At(path...)
		if pos.Line == 0 {
			pos = d.PosOf(d.Node())
		}
		if line := toInt(obj["line"]); line > 0 {
			if n := model.Lookup(d.Node(), path...); n != nil && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle)) != 0 && pos.Line > 0 {
				pos.Line += 1 + line
				pos.Column = blockIndent(d.Text, n.Line+1+line) + 1 + d.ColumnOffset
			}
		}
		return pos
	}
	if len(path) == 0 {
		return res.Pos()
	}
	pos := res.At(path...)
	if pos.Line == 0 {
		return res.Pos()
	}
	return pos
}

// blockIndent is the indentation of line (1-based) of text.
func blockIndent(text string, line int) int {
	for i, l := range strings.Split(text, "\n") {
		if i+1 == line {
			return len(l) - len(strings.TrimLeft(l, " "))
		}
	}
	return 0
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	case interface{ Int64() (int64, error) }:
		n, _ := x.Int64()
		return int(n)
	}
	return 0
}
