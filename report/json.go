package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/kiln-gitops/kiln/reconciler"
)

// JSONVersion is the version of the JSON report's shape. It changes only
// when a field is removed or changes meaning; new fields may appear at any
// time.
const JSONVersion = 1

// JSONReport is the shape `kiln check --format json` writes:
//
//	{
//	  "version": 1,
//	  "tool": {"name": "kiln", "version": "…"},
//	  "root": "examples",
//	  "failOn": "high",
//	  "result": "pass" | "fail",
//	  "summary": {"files": 3, "resources": 14, "findings": 5, "failing": 2,
//	              "waived": 1, "expiredWaivers": 0,
//	              "bySeverity": {"error": 1, "critical": 0, "high": 1, …}},
//	  "findings": [{"file": "…", "line": 12, "column": 5, "rule": "…",
//	                "severity": "…", "source": "validate|policy|plan",
//	                "message": "…", "resource": "…", "title": "…",
//	                "description": "…", "controls": ["…"],
//	                "remediation": "…", "suggestion": "…",
//	                "fails": true, "waived": false,
//	                "waiver": {"justification": "…", "expires": "2026-12-31",
//	                           "file": "…", "line": 3, "expired": false}}],
//	  "plan": [{"environment": "prod", "account": "…", "region": "…",
//	            "note": "…", "changes": [{"action": "create", "kind": "…",
//	            "name": "…", "version": "…", "reason": "…", "dryRun": "…"}],
//	            "bakes": [{"pipeline": "…", "reasons": ["…"]}]}]
//	}
//
// findings are sorted as finding.Sort sorts them and are never null; plan is
// null when no plan was computed. line and column are omitted when unknown.
type JSONReport struct {
	Version  int           `json:"version"`
	Tool     JSONTool      `json:"tool"`
	Root     string        `json:"root"`
	FailOn   string        `json:"failOn"`
	Result   string        `json:"result"`
	Summary  JSONSummary   `json:"summary"`
	Findings []JSONFinding `json:"findings"`
	Plan     []JSONPlan    `json:"plan"`
}

// JSONPlan is one environment's plan.
type JSONPlan struct {
	Environment string `json:"environment"`
	Account     string `json:"account,omitempty"`
	Region      string `json:"region,omitempty"`
	// Note explains a plan that could not be computed; changes is then
	// empty.
	Note    string       `json:"note,omitempty"`
	Changes []JSONChange `json:"changes"`
	Bakes   []JSONBake   `json:"bakes"` // pipelines that will bake on merge
}

// JSONChange is the plan for one resource.
type JSONChange struct {
	Action  string `json:"action"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// DryRun is the verdict of Image Builder's dryRun for the change;
	// empty when it was not run.
	DryRun string `json:"dryRun,omitempty"`
}

// JSONBake is a pipeline that will start when the change merges, and why.
type JSONBake struct {
	Pipeline string   `json:"pipeline"`
	Reasons  []string `json:"reasons,omitempty"`
}

// JSONTool names the program that wrote the report.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONSummary holds the totals.
type JSONSummary struct {
	Files          int            `json:"files"`
	Resources      int            `json:"resources"`
	Findings       int            `json:"findings"`
	Failing        int            `json:"failing"`
	Waived         int            `json:"waived"`
	ExpiredWaivers int            `json:"expiredWaivers"`
	BySeverity     map[string]int `json:"bySeverity"`
}

// JSONFinding is one finding with its verdict.
type JSONFinding struct {
	File        string      `json:"file"`
	Line        int         `json:"line,omitempty"`
	Column      int         `json:"column,omitempty"`
	Rule        string      `json:"rule"`
	Severity    string      `json:"severity"`
	Source      string      `json:"source"`
	Message     string      `json:"message"`
	Resource    string      `json:"resource,omitempty"`
	Title       string      `json:"title,omitempty"`
	Description string      `json:"description,omitempty"`
	Controls    []string    `json:"controls,omitempty"`
	Remediation string      `json:"remediation,omitempty"`
	Suggestion  string      `json:"suggestion,omitempty"`
	Fails       bool        `json:"fails"`
	Waived      bool        `json:"waived"`
	Waiver      *JSONWaiver `json:"waiver,omitempty"`
}

// JSONWaiver is the waiver a finding matched.
type JSONWaiver struct {
	Justification string `json:"justification"`
	Expires       string `json:"expires,omitempty"` // YYYY-MM-DD
	File          string `json:"file,omitempty"`
	Line          int    `json:"line,omitempty"`
	Expired       bool   `json:"expired"`
}

// NewJSONReport builds the JSON shape of r.
func NewJSONReport(r Result) JSONReport {
	fs := sorted(r.Findings)
	c := Count(fs, r.FailOn)
	out := JSONReport{
		Version: JSONVersion,
		Tool:    JSONTool{Name: "kiln", Version: r.ToolVersion},
		Root:    r.Root,
		FailOn:  failOnLabel(r.FailOn),
		Result:  "pass",
		Summary: JSONSummary{
			Files: r.Files, Resources: r.Resources, Findings: c.Total, Failing: c.Failing,
			Waived: c.Waived, ExpiredWaivers: c.Expired, BySeverity: map[string]int{},
		},
		Findings: make([]JSONFinding, 0, len(fs)),
		Plan:     jsonPlans(r.Plan),
	}
	if !c.Pass() {
		out.Result = "fail"
	}
	for _, s := range severityOrder {
		out.Summary.BySeverity[string(s)] = c.BySeverity[s]
	}
	for _, f := range fs {
		jf := JSONFinding{
			File: f.File, Line: f.Line, Column: f.Column, Rule: f.Rule,
			Severity: string(f.Severity), Source: string(f.Source), Message: f.Message,
			Resource: f.Resource, Title: f.Title, Description: f.Description,
			Controls: f.Controls, Remediation: f.Remediation, Suggestion: f.Suggestion,
			Fails: f.Fails(r.FailOn), Waived: f.Waived(),
		}
		if w := f.Waiver; w != nil {
			jf.Waiver = &JSONWaiver{Justification: w.Justification, File: w.File, Line: w.Line, Expired: w.Expired}
			if !w.Expires.IsZero() {
				jf.Waiver.Expires = w.Expires.Format(time.DateOnly)
			}
		}
		out.Findings = append(out.Findings, jf)
	}
	return out
}

// WriteJSON writes r as an indented JSONReport.
func WriteJSON(w io.Writer, r Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewJSONReport(r)); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// jsonPlans is the JSON shape of plans, with [] rather than null wherever
// a list is expected.
func jsonPlans(plans []*reconciler.Plan) []JSONPlan {
	if plans == nil {
		return nil
	}
	out := make([]JSONPlan, len(plans))
	for i, p := range plans {
		jp := JSONPlan{Environment: p.Environment.Name, Account: p.Environment.Account, Region: p.Environment.Region,
			Note: p.Note, Changes: []JSONChange{}, Bakes: []JSONBake{}}
		for _, c := range p.Changes {
			jp.Changes = append(jp.Changes, JSONChange{Action: string(shownAction(c.Action)), Kind: string(c.Kind),
				Name: c.Name, Version: c.Version, Reason: c.Reason, DryRun: c.DryRun})
		}
		for _, b := range p.Bakes {
			jp.Bakes = append(jp.Bakes, JSONBake{Pipeline: b.Pipeline, Reasons: b.Reasons})
		}
		out[i] = jp
	}
	return out
}
