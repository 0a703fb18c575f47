package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/reconciler"
)

// TextOptions tune the human-readable output.
type TextOptions struct {
	// Color turns on ANSI colours. Callers decide (a --color flag, a TTY
	// check); the renderer never looks at the environment.
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
)

type painter bool

func (p painter) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

func severityColor(s finding.Severity) string {
	switch normSeverity(s) {
	case finding.SeverityError, finding.SeverityCritical, finding.SeverityHigh:
		return ansiRed
	case finding.SeverityMedium:
		return ansiYellow
	case finding.SeverityLow:
		return ansiBlue
	}
	return ansiCyan
}

// noFile heads findings that are about no particular file.
const noFile = "(repository)"

// WriteText writes findings grouped by file, the plan if any, a summary
// line and PASS or FAIL.
func WriteText(w io.Writer, r Result, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	p := painter(opts.Color)
	fs := sorted(r.Findings)
	for start := 0; start < len(fs); {
		end := start
		for end < len(fs) && fs[end].File == fs[start].File {
			end++
		}
		writeTextFile(bw, p, r.Root, fs[start:end])
		start = end
	}
	if r.Plan != nil {
		writeTextPlan(bw, p, r.Plan)
	}
	c := Count(fs, r.FailOn)
	fmt.Fprintf(bw, "%s, %s: %s", plural(r.Files, "file", "files"), plural(r.Resources, "resource", "resources"), c.severityList())
	if c.Waived > 0 {
		fmt.Fprintf(bw, " (%d waived)", c.Waived)
	}
	bw.WriteString("\n")
	if c.Pass() {
		fmt.Fprintf(bw, "%s (fail on %s)\n", p.paint(ansiBold+ansiGreen, "PASS"), failOnLabel(r.FailOn))
	} else {
		fmt.Fprintf(bw, "%s: %s (fail on %s)\n", p.paint(ansiBold+ansiRed, "FAIL"),
			plural(c.Failing, "failing finding", "failing findings"), failOnLabel(r.FailOn))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

func writeTextFile(w *bufio.Writer, p painter, root string, fs []finding.Finding) {
	name := displayPath(root, fs[0].File)
	if name == "" {
		name = noFile
	}
	w.WriteString(p.paint(ansiBold, textLine(name)) + "\n")
	posW, sevW, ruleW := 0, 0, 0
	for _, f := range fs {
		posW = max(posW, len(textPos(f)))
		sevW = max(sevW, len(textLine(string(f.Severity))))
		ruleW = max(ruleW, utf8.RuneCountInString(textLine(f.Rule)))
	}
	sevW = max(sevW, len("critical"))
	indent := strings.Repeat(" ", 2+posW+2+sevW+2+ruleW+2)
	for _, f := range fs {
		pos := textPos(f)
		sev := textLine(string(f.Severity))
		rule := textLine(f.Rule)
		fmt.Fprintf(w, "  %s%s  %s%s  %s%s  %s",
			pos, strings.Repeat(" ", posW-len(pos)),
			p.paint(severityColor(f.Severity), sev), strings.Repeat(" ", sevW-len(sev)),
			p.paint(ansiDim, rule), strings.Repeat(" ", ruleW-utf8.RuneCountInString(rule)),
			textLine(f.Message))
		if f.Waived() {
			w.WriteString("  " + p.paint(ansiDim, "[waived]"))
		}
		w.WriteString("\n")
		for _, d := range textDetails(f) {
			w.WriteString(indent + p.paint(ansiDim, d) + "\n")
		}
	}
	w.WriteString("\n")
}

func textPos(f finding.Finding) string {
	switch {
	case f.Line <= 0:
		return "-"
	case f.Column <= 0:
		return fmt.Sprint(f.Line)
	}
	return fmt.Sprintf("%d:%d", f.Line, f.Column)
}

// textDetails are the indented lines under a finding: policy metadata and
// the waiver.
func textDetails(f finding.Finding) []string {
	var out []string
	if f.Title != "" {
		out = append(out, "title: "+textLine(f.Title))
	}
	if f.Resource != "" && f.Source == finding.SourcePolicy {
		out = append(out, "resource: "+textLine(f.Resource))
	}
	if len(f.Controls) > 0 {
		out = append(out, "controls: "+textLine(strings.Join(f.Controls, ", ")))
	}
	if f.Remediation != "" {
		out = append(out, "remediation: "+textLine(f.Remediation))
	}
	if f.Suggestion != "" {
		out = append(out, "suggestion: "+textLine(f.Suggestion))
	}
	if f.Waiver != nil {
		out = append(out, waiverText(f.Waiver))
	}
	return out
}

func waiverText(wv *finding.Waiver) string {
	var b strings.Builder
	if wv.Expired {
		b.WriteString("waiver expired")
		if !wv.Expires.IsZero() {
			b.WriteString(" on " + wv.Expires.Format(time.DateOnly))
		}
		b.WriteString(", no longer waives")
	} else {
		b.WriteString("waived")
		if !wv.Expires.IsZero() {
			b.WriteString(" until " + wv.Expires.Format(time.DateOnly))
		}
	}
	if wv.Justification != "" {
		b.WriteString(": " + textLine(wv.Justification))
	}
	if wv.File != "" {
		fmt.Fprintf(&b, " (%s)", finding.Pos{File: wv.File, Line: wv.Line})
	}
	return b.String()
}

// textLine keeps one finding on one line and strips control characters, so
// a hostile message cannot move the cursor or forge other lines.
func textLine(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

func writeTextPlan(w *bufio.Writer, p painter, plans []*reconciler.Plan) {
	for _, s := range plans {
		head := "Plan for " + textLine(s.Environment.Name)
		if where := where(s); where != "" {
			head += " (" + textLine(where) + ")"
		}
		w.WriteString(p.paint(ansiBold, head) + "\n")
		if s.Note != "" {
			w.WriteString("  " + textLine(s.Note) + "\n")
		}
		if len(s.Changes) == 0 && s.Note != "" {
			w.WriteString("\n")
			continue
		}
		changes := changesInOrder(s)
		actW, idW := 0, 0
		for _, c := range changes {
			actW = max(actW, len(shownAction(c.Action)))
			idW = max(idW, utf8.RuneCountInString(textLine(c.ID().String())))
		}
		for _, c := range changes {
			id := textLine(c.ID().String())
			a := shownAction(c.Action)
			line := fmt.Sprintf("  %s %s%s  %s", symbol(a), a, strings.Repeat(" ", actW-len(a)), id)
			var notes []string
			if c.Reason != "" {
				notes = append(notes, textLine(c.Reason))
			}
			if c.DryRun != "" {
				notes = append(notes, "dry run: "+textLine(c.DryRun))
			}
			if len(notes) > 0 {
				line += strings.Repeat(" ", idW-utf8.RuneCountInString(id)) + "  " + strings.Join(notes, "; ")
			}
			w.WriteString(p.paint(actionColor(a), line) + "\n")
		}
		w.WriteString("  " + tallyLine(s) + "\n")
		for _, k := range s.Bakes {
			line := "  bakes on merge: " + textLine(k.Pipeline)
			if len(k.Reasons) > 0 {
				line += " (" + textLine(strings.Join(k.Reasons, "; ")) + ")"
			}
			w.WriteString(line + "\n")
		}
		w.WriteString("\n")
	}
}

func actionColor(a reconciler.Action) string {
	switch a {
	case reconciler.ActionCreate:
		return ansiGreen
	case reconciler.ActionUpdate:
		return ansiYellow
	case reconciler.ActionAdopt:
		return ansiCyan
	case reconciler.ActionOrphaned, reconciler.ActionError:
		return ansiRed
	}
	return ansiDim
}
