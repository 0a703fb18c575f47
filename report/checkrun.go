package report

import (
	"fmt"
	"path"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
)

// Check-run conclusions kiln uses.
const (
	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
	ConclusionNeutral = "neutral"
	// ConclusionCancelled marks a bake someone stopped: not a pass, so a
	// required bake check does not turn green.
	ConclusionCancelled = "cancelled"
)

// Annotation levels of the Checks API.
const (
	LevelFailure = "failure"
	LevelWarning = "warning"
	LevelNotice  = "notice"
)

// CheckOutput is a check run's conclusion and output, in the Checks API's
// terms; the GitHub adapter copies it field by field.
type CheckOutput struct {
	Title       string
	Summary     string // ≤ MaxCheckRunBytes
	Text        string // ≤ MaxCheckRunBytes
	Conclusion  string // success | failure | neutral
	Annotations []Annotation
}

// Annotation is one check-run annotation.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	// StartColumn and EndColumn are set only when StartLine == EndLine, as
	// the Checks API requires.
	StartColumn     *int
	EndColumn       *int
	AnnotationLevel string // failure | warning | notice
	Message         string
	Title           string
	RawDetails      string
}

// GitHub's bounds on annotation fields.
const (
	maxAnnotationTitle = 255 // characters
	maxAnnotationBytes = 64 * 1024
)

// CheckOption tunes CheckRunOutput.
type CheckOption func(*checkConfig)

type checkConfig struct {
	preamble string
	pointer  string
}

// WithPreamble puts Markdown (a plan, a note on changed policies) at the
// top of the output text, before the findings.
func WithPreamble(md string) CheckOption { return func(c *checkConfig) { c.preamble = md } }

// WithPointer replaces where the pointer line sends readers when the text
// is cut ("run `kiln check` locally or see the sticky comment").
func WithPointer(where string) CheckOption { return func(c *checkConfig) { c.pointer = where } }

// CheckRunOutput renders findings as a check run: the conclusion (failure
// when any finding fails at failOn), a summary of counts, a findings table
// cut to GitHub's limit with a pointer to the rest, and one annotation per
// finding that names a file.
func CheckRunOutput(title string, findings []finding.Finding, failOn finding.Severity, opts ...CheckOption) CheckOutput {
	cfg := checkConfig{pointer: "run `kiln check` locally or see the sticky comment"}
	for _, o := range opts {
		o(&cfg)
	}
	fs := sorted(findings)
	c := Count(fs, failOn)
	out := CheckOutput{
		Title:       cutTitle(title, maxAnnotationTitle),
		Conclusion:  ConclusionSuccess,
		Annotations: Annotations(fs, failOn),
	}
	if !c.Pass() {
		out.Conclusion = ConclusionFailure
	}
	out.Summary = cutBytes(summaryMarkdown(c, failOn), MaxCheckRunBytes, "… run `kiln check` locally for the full summary")

	var b strings.Builder
	if cfg.preamble != "" {
		b.WriteString(cutBytes(cfg.preamble, MaxCheckRunBytes/2, "… "+cfg.pointer))
		b.WriteString("\n\n")
	}
	if len(fs) > 0 {
		rows := findingRows(fs, failOn)
		writeRowsWithin(&b, findingTableHead, rows, MaxCheckRunBytes, func(n int) string {
			word := "findings"
			if n == 1 {
				word = "finding"
			}
			return fmt.Sprintf("… %d more %s; %s", n, word, cfg.pointer)
		})
	}
	out.Text = cutBytes(b.String(), MaxCheckRunBytes, "… "+cfg.pointer)
	return out
}

// summaryMarkdown is the one-glance verdict and counts.
func summaryMarkdown(c Counts, failOn finding.Severity) string {
	var b strings.Builder
	switch {
	case c.Total == 0:
		b.WriteString("✅ No findings.\n")
	case c.Pass():
		fmt.Fprintf(&b, "✅ No finding fails at `%s` or above.\n", failOnLabel(failOn))
	default:
		fmt.Fprintf(&b, "❌ %s at `%s` or above.\n", plural(c.Failing, "finding fails", "findings fail"), failOnLabel(failOn))
	}
	if c.Total == 0 {
		return b.String()
	}
	b.WriteString("\n|")
	for _, s := range severityOrder {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString(" waived |\n|")
	b.WriteString(strings.Repeat(" ---: |", len(severityOrder)+1))
	b.WriteString("\n|")
	for _, s := range severityOrder {
		fmt.Fprintf(&b, " %d |", c.BySeverity[s])
	}
	fmt.Fprintf(&b, " %d |\n", c.Waived)
	if c.Expired > 0 {
		fmt.Fprintf(&b, "\n⚠️ %s matched an expired waiver and counts again.\n", plural(c.Expired, "finding", "findings"))
	}
	return b.String()
}

const findingTableHead = "| | location | severity | rule | finding |\n| --- | --- | --- | --- | --- |\n"

// findingRows renders one table row per finding, policy metadata inline.
func findingRows(fs []finding.Finding, failOn finding.Severity) []string {
	rows := make([]string, len(fs))
	for i, f := range fs {
		icon := "⚠️"
		switch {
		case f.Waived():
			icon = "💤"
		case f.Fails(failOn):
			icon = "❌"
		}
		loc := "—"
		if f.File != "" {
			loc = "`" + mdCodeCell(f.Pos.String()) + "`"
		}
		msg := mdCell(f.Message)
		if f.Title != "" {
			msg = "**" + mdCell(f.Title) + "**<br>" + msg
		}
		if f.Resource != "" {
			msg += "<br>resource: `" + mdCodeCell(f.Resource) + "`"
		}
		if f.Remediation != "" {
			msg += "<br>remediation: " + mdCell(f.Remediation)
		}
		if len(f.Controls) > 0 {
			msg += "<br>controls: " + mdCell(strings.Join(f.Controls, ", "))
		}
		if f.Waiver != nil {
			msg += "<br>_" + mdCell(waiverText(f.Waiver)) + "_"
		}
		rows[i] = fmt.Sprintf("| %s | %s | %s | `%s` | %s |\n", icon, loc, mdCell(string(f.Severity)), mdCodeCell(f.Rule), msg)
	}
	return rows
}

// writeRowsWithin appends a table of rows to b while the whole stays within
// limit bytes, then a line saying how many rows were left out.
func writeRowsWithin(b *strings.Builder, head string, rows []string, limit int, more func(n int) string) {
	reserve := len(more(len(rows))) + 8
	if b.Len()+len(head)+reserve > limit {
		b.WriteString("\n" + more(len(rows)) + "\n")
		return
	}
	b.WriteString(head)
	for i, r := range rows {
		if b.Len()+len(r)+reserve > limit {
			b.WriteString("\n" + more(len(rows)-i) + "\n")
			return
		}
		b.WriteString(r)
	}
}

// Annotations turns every finding that names a file into an annotation:
// failing findings are failures, waived ones notices, the rest warnings.
func Annotations(findings []finding.Finding, failOn finding.Severity) []Annotation {
	out := make([]Annotation, 0, len(findings))
	for _, f := range findings {
		if f.File == "" {
			continue // the Checks API needs a path; these are in the text
		}
		line := max(f.Line, 1)
		a := Annotation{
			Path:            strings.TrimPrefix(path.Clean("/"+f.File), "/"),
			StartLine:       line,
			EndLine:         line,
			AnnotationLevel: LevelWarning,
			Message:         cutBytes(annotationMessage(f), maxAnnotationBytes, "…"),
			Title:           cutTitle(annotationTitle(f), maxAnnotationTitle),
			RawDetails:      cutBytes(annotationDetails(f), maxAnnotationBytes, "…"),
		}
		if f.Line > 0 && f.Column > 0 {
			start, end := f.Column, f.Column
			a.StartColumn, a.EndColumn = &start, &end
		}
		switch {
		case f.Waived():
			a.AnnotationLevel = LevelNotice
		case f.Fails(failOn):
			a.AnnotationLevel = LevelFailure
		}
		out = append(out, a)
	}
	return out
}

// annotationTitle is "severity rule: title".
func annotationTitle(f finding.Finding) string {
	t := fmt.Sprintf("%s %s", f.Severity, f.Rule)
	if f.Title != "" {
		t += ": " + f.Title
	}
	return textLine(t)
}

// annotationMessage is the message, the resource and the waiver.
func annotationMessage(f finding.Finding) string {
	lines := []string{f.Message}
	if f.Resource != "" {
		lines = append(lines, "Resource: "+f.Resource)
	}
	if f.Waiver != nil {
		lines = append(lines, waiverText(f.Waiver))
	}
	return strings.Join(lines, "\n")
}

// annotationDetails is the policy metadata shown under "Raw details".
func annotationDetails(f finding.Finding) string {
	var lines []string
	if f.Description != "" {
		lines = append(lines, f.Description)
	}
	if f.Remediation != "" {
		lines = append(lines, "Remediation: "+f.Remediation)
	}
	if len(f.Controls) > 0 {
		lines = append(lines, "Controls: "+strings.Join(f.Controls, ", "))
	}
	if f.Suggestion != "" {
		lines = append(lines, "Suggested: "+f.Suggestion)
	}
	return strings.Join(lines, "\n")
}
